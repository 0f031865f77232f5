/**
 * nginx configuration lexer (pure, no I/O). Produces one token per call to `next()` without allocating
 * token objects. Quoting, escapes, `${var}`, comments and OpenResty `*_by_lua_block { … }` raw bodies
 * follow nginx / crossplane: unquoted words keep their backslash escapes verbatim; inside quotes an
 * escaped quote becomes the quote itself and every other escape is kept verbatim.
 */
export const WORD = 0;
export const OPEN = 1;
export const CLOSE = 2;
export const SEMI = 3;
export const COMMENT = 4;
export const END = 5;
export type TokenKind = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * nginx reads a configuration through a 4096-byte buffer (NGX_CONF_BUFFER) and fails on a parameter that fills
 * it: "too long parameter". Parameters of this many bytes or more are reported the same way.
 */
export const MAX_PARAMETER = 4096;

export interface LexError {
  line: number;
  message: string;
}

/** nginx's whitespace between words: space, tab, CR and LF only (a form feed or vertical tab is part of a word). */
function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

export class Lexer {
  kind: TokenKind = END;
  value = "";
  line = 1;
  quoted = false;
  /**
   * Where the current token starts and ends (end exclusive), as offsets into the text after CRLF was turned into
   * LF; `original()` maps them back onto the text as given. A quoted word includes its quotes, a comment its `#`,
   * a Lua body its braces; the `;` a Lua block implies has start = end.
   */
  start = 0;
  end = 0;
  /** Normalised offsets of the LFs that were CRLF in the text as given (null: not built yet, or none). */
  private crlf: number[] | null = null;
  readonly errors: LexError[] = [];
  /** Set when a quote is still open at the end of the text: the line it opened on, and which quote. */
  unclosedQuote: { line: number; quote: string } | null = null;
  /** Set once a parameter was too long: nginx stops reading the file there, and so does the lexer. */
  tooLong = false;
  private pos = 0;
  private ln = 1;
  private expectDirective = true;
  private lua: 0 | 1 | 2 = 0; // 1: raw body next, 2: one plain argument then the body
  private pendingSemi = false;
  private readonly src: string;

  constructor(src: string) {
    if (src.includes("\r\n")) {
      this.src = src.replace(/\r\n/g, "\n");
      this.given = src;
    } else this.src = src;
  }

  /** The text as given, when it had CRLF line ends (the CRLF index is built from it on first use). */
  private given: string | null = null;

  /** The offset in the text as given of a normalised offset (they differ only after a CRLF). */
  original(p: number): number {
    if (this.given === null) return p;
    if (this.crlf === null) {
      const src = this.given;
      const list: number[] = [];
      for (let i = src.indexOf("\r\n"); i >= 0; i = src.indexOf("\r\n", i + 2)) list.push(i - list.length);
      this.crlf = list;
    }
    const at = this.crlf;
    let lo = 0;
    let hi = at.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((at[mid] as number) < p) lo = mid + 1;
      else hi = mid;
    }
    return p + lo;
  }

  private skipSpace(): void {
    const s = this.src;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (!isSpace(c)) break;
      if (c === 10) this.ln++;
      this.pos++;
    }
  }

  private emit(kind: TokenKind, value: string, line: number, quoted: boolean, start: number): TokenKind {
    this.kind = kind;
    this.start = start;
    this.end = this.pos;
    this.value = value;
    this.line = line;
    this.quoted = quoted;
    return kind;
  }

  next(): TokenKind {
    const s = this.src;
    if (this.pendingSemi) {
      this.pendingSemi = false;
      this.expectDirective = true;
      return this.emit(SEMI, ";", this.ln, false, this.pos);
    }
    this.skipSpace();
    if (this.pos >= s.length) return this.emit(END, "", this.ln, false, this.pos);
    if (this.lua === 2) {
      const start = this.pos;
      const line = this.ln;
      while (this.pos < s.length && !isSpace(s.charCodeAt(this.pos))) this.pos++;
      this.lua = 1;
      return this.emit(WORD, s.slice(start, this.pos), line, false, start);
    }
    if (this.lua === 1) {
      this.lua = 0;
      if (s.charCodeAt(this.pos) === 123) return this.luaBody();
      this.errors.push({ line: this.ln, message: 'expected "{" to start Lua block' });
    }
    const c = s.charCodeAt(this.pos);
    const line = this.ln;
    if (c === 35) {
      let e = s.indexOf("\n", this.pos);
      if (e < 0) e = s.length;
      const text = s.slice(this.pos + 1, e);
      const at = this.pos;
      this.pos = e;
      return this.emit(COMMENT, text, line, false, at);
    }
    if (c === 123 || c === 125 || c === 59) {
      this.pos++;
      this.expectDirective = true;
      return this.emit(
        c === 123 ? OPEN : c === 125 ? CLOSE : SEMI,
        s[this.pos - 1] as string,
        line,
        false,
        this.pos - 1,
      );
    }
    const at = this.pos;
    let value: string;
    let quoted = false;
    if (c === 34 || c === 39) {
      value = this.readQuoted(c);
      quoted = true;
    } else {
      value = this.readWord();
    }
    if (this.expectDirective && value.endsWith("_by_lua_block")) {
      this.lua = value === "set_by_lua_block" ? 2 : 1;
    }
    this.expectDirective = false;
    return this.emit(WORD, value, line, quoted, at);
  }

  /**
   * An unquoted word, read the way ngx_conf_read_token reads it: it ends only at whitespace, `;` or `{` —
   * never at `}` (`location ~ ^/a{2}$` is the word `^/a` and a block, then the word `2}$`) — and a `{`
   * right after `$` (or after another such `{`) stays in the word, which is what keeps `${var}` whole.
   * A backslash keeps the next character in the word, whatever it is.
   */
  private readWord(): string {
    const s = this.src;
    const start = this.pos;
    const line = this.ln;
    let variable = false;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 123 && variable) {
        this.pos++;
        continue;
      }
      variable = false;
      if (c === 92) {
        if (s.charCodeAt(this.pos + 1) === 10) this.ln++;
        this.pos += 2;
        continue;
      }
      if (c === 36) variable = true;
      else if (isSpace(c) || c === 59 || c === 123) break;
      this.pos++;
    }
    if (this.pos > s.length) this.pos = s.length;
    if (this.pos - start >= MAX_PARAMETER) {
      this.errors.push({ line, message: `too long parameter "${s.slice(start, start + 10)}..." started` });
      const word = s.slice(start, start + MAX_PARAMETER);
      this.stop();
      return word;
    }
    return s.slice(start, this.pos);
  }

  private readQuoted(q: number): string {
    const s = this.src;
    const line = this.ln;
    this.pos++;
    const start = this.pos;
    let seg = this.pos;
    let out = "";
    for (;;) {
      if (this.pos - start >= MAX_PARAMETER) {
        // nginx gives up where its 4 KiB buffer is full of one parameter and names the line the parameter
        // started on; an unclosed quote in a bigger file ends here too.
        this.errors.push({
          line,
          message: `too long parameter, probably missing terminating "${String.fromCharCode(q)}" character`,
        });
        this.stop();
        return out + s.slice(seg, start + MAX_PARAMETER);
      }
      // An unclosed quote runs to the end of the file; the parser reports the end of file at nginx's line and
      // names the line the quote opened on (`unclosedQuote`).
      if (this.pos >= s.length) {
        this.unclosedQuote = { line, quote: String.fromCharCode(q) };
        return out + s.slice(seg);
      }
      const c = s.charCodeAt(this.pos);
      if (c === 92) {
        const n = s.charCodeAt(this.pos + 1);
        if (n === q) {
          out += s.slice(seg, this.pos) + String.fromCharCode(q);
          this.pos += 2;
          seg = this.pos;
          continue;
        }
        if (n === 10) this.ln++;
        this.pos += 2;
        continue;
      }
      if (c === q) {
        out += s.slice(seg, this.pos);
        this.pos++;
        // nginx wants whitespace, `;`, `{` or `)` right after a closing quote (`}` is reported by the parser).
        const n = s.charCodeAt(this.pos);
        if (this.pos < s.length && !isSpace(n) && n !== 59 && n !== 123 && n !== 41 && n !== 125)
          this.errors.push({ line: this.ln, message: `unexpected "${s[this.pos]}"` });
        return out;
      }
      if (c === 10) this.ln++;
      this.pos++;
    }
  }

  private stop(): void {
    this.tooLong = true;
    this.pos = this.src.length;
  }

  private luaBody(): TokenKind {
    const s = this.src;
    this.pos++;
    const start = this.pos;
    let depth = 1;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 92) {
        if (s.charCodeAt(this.pos + 1) === 10) this.ln++;
        this.pos += 2;
      } else if (c === 45 && s.charCodeAt(this.pos + 1) === 45) {
        const e = s.indexOf("\n", this.pos);
        this.pos = e < 0 ? s.length : e;
      } else if (c === 34 || c === 39) {
        this.pos++;
        while (this.pos < s.length && s.charCodeAt(this.pos) !== c) {
          const d = s.charCodeAt(this.pos);
          if (d === 10) this.ln++;
          this.pos += d === 92 ? 2 : 1;
        }
        this.pos++;
      } else {
        if (c === 10) this.ln++;
        else if (c === 123) depth++;
        else if (c === 125 && --depth === 0) {
          const body = s.slice(start, this.pos);
          this.pos++;
          this.pendingSemi = true;
          return this.emit(WORD, body, this.ln, true, start - 1);
        }
        this.pos++;
      }
    }
    this.errors.push({ line: this.ln, message: 'unexpected end of file, expecting "}"' });
    this.pos = s.length;
    this.pendingSemi = true;
    return this.emit(WORD, s.slice(start), this.ln, true, start - 1);
  }
}
