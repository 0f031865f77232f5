/**
 * Loading a whole configuration (main file plus includes) into crossplane's payload shape, over an abstract
 * file source so the same code serves files on disk and the text of `nginx -T`. Pure: the caller supplies
 * `read` and `glob`.
 */
import { type ConfNode, DEFAULT_MAX_DEPTH, type ParseError, parseConfig, tooDeepMessage } from "./parser.js";

export interface PayloadError {
  file?: string;
  line: number | null;
  /** crossplane's wording: "MESSAGE in FILE:LINE". */
  error: string;
  /** The message alone (for `file:line: message` output). */
  message?: string;
}

export interface ConfigFile {
  file: string;
  status: "ok" | "failed";
  errors: PayloadError[];
  parsed: ConfNode[];
}

export interface ConfigPayload {
  status: "ok" | "failed";
  errors: Array<PayloadError & { file: string }>;
  config: ConfigFile[];
}

export interface FileSource {
  /** File text, or an error message when it cannot be read. */
  read(path: string): { text: string } | { error: string };
  /** Paths matching a glob pattern (absolute), sorted as nginx does (alphabetically). */
  glob(pattern: string): string[];
}

export interface LoadOptions {
  comments?: boolean;
  /** Do not follow includes (crossplane's --single-file). */
  singleFile?: boolean;
  /**
   * Deepest nesting read, counting blocks and includes (default DEFAULT_MAX_DEPTH); deeper levels are
   * skipped with an error.
   */
  maxDepth?: number;
  /** Passed to the parser of every file (see ParseOptions.onBlockClosed); includes are wired while parsing. */
  onBlockClosed?: (owner: ConfNode) => void;
  /** Passed to the parser of every file (see ParseOptions.onDirective), after the directive's include is wired. */
  onDirective?: (node: ConfNode, level: number) => void;
  /** false: the trees are not kept, every file's `parsed` is empty (see ParseOptions.tree). */
  tree?: boolean;
}

const GLOB_CHARS = /[*?[]/;

export function dirnameOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : p.slice(0, i);
}

/** nginx resolves relative include paths against the directory of the main configuration file (conf prefix). */
export function resolveIncludePath(pattern: string, prefix: string): string {
  if (pattern.startsWith("/") || prefix === "") return pattern;
  return `${prefix.endsWith("/") ? prefix : `${prefix}/`}${pattern}`;
}

/** Segment-wise glob matcher: `*` and `?` within one path segment, `[...]` classes. Linear-time regexes. */
export function globToRegExp(segment: string): RegExp {
  let re = "^";
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const close = segment.indexOf("]", i + 1);
      if (close > i + 1) {
        const cls = segment.slice(i + 1, close).replace(/\\/g, "\\\\");
        re += `[${cls.startsWith("!") ? `^${cls.slice(1)}` : cls}]`;
        i = close;
      } else re += "\\[";
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`);
}

/**
 * Matches one path segment like glob(3) does for nginx's `include`: a leading dot must be matched by a dot in
 * the pattern (`*` skips hidden files).
 */
export function globSegmentMatcher(segment: string): (name: string) => boolean {
  const re = globToRegExp(segment);
  const dotOk = segment.startsWith(".");
  return (name) => (dotOk || !name.startsWith(".")) && re.test(name);
}

export function hasGlob(p: string): boolean {
  return GLOB_CHARS.test(p);
}

function formatError(e: ParseError): string {
  return `${e.message} in ${e.file}:${e.line ?? "?"}`;
}

/** One directive as crossplane prints it (key order matters for byte-identical output). */
export interface CrossplaneDirective {
  directive: string;
  line: number;
  args: string[];
  includes?: number[];
  block?: CrossplaneDirective[];
  comment?: string;
}

export interface CrossplaneJson {
  status: "ok" | "failed";
  errors: Array<{ file: string; error: string; line: number | null }>;
  config: Array<{
    file: string;
    status: "ok" | "failed";
    errors: Array<{ error: string; line: number | null }>;
    parsed: CrossplaneDirective[];
  }>;
}

function directiveJson(nodes: ConfNode[], comments: boolean): CrossplaneDirective[] {
  const out: CrossplaneDirective[] = [];
  for (const n of nodes) {
    if (n.directive === "#" && n.comment !== undefined) {
      if (comments) out.push({ directive: "#", line: n.line, args: [], comment: n.comment });
      continue;
    }
    const o: CrossplaneDirective = { directive: n.directive, line: n.line, args: n.args };
    if (n.includes) o.includes = n.includes;
    if (n.block) o.block = directiveJson(n.block, comments);
    out.push(o);
  }
  return out;
}

/**
 * The payload exactly as `crossplane parse` prints it: same keys in the same order, `includes` as indices into
 * `config`, comment entries only when `comments` is true (and the payload was loaded with comments).
 */
export function toCrossplaneJson(payload: ConfigPayload, opts: { comments?: boolean } = {}): CrossplaneJson {
  const comments = opts.comments ?? true;
  return {
    status: payload.status,
    errors: payload.errors.map((e) => ({ file: e.file, error: e.error, line: e.line })),
    config: payload.config.map((c) => ({
      file: c.file,
      status: c.status,
      errors: c.errors.map((e) => ({ error: e.error, line: e.line })),
      parsed: directiveJson(c.parsed, comments),
    })),
  };
}

/** Parses `main` and every file it includes (each once), wiring `includes` indices like crossplane. */
export function loadPayload(main: string, source: FileSource, opts: LoadOptions = {}): ConfigPayload {
  // A main file named without a directory keeps its includes relative to the working directory, named as
  // written (crossplane joins them with an empty dirname).
  const prefix = main.includes("/") ? dirnameOf(main) : "";
  const files: ConfigFile[] = [];
  const texts: string[] = [];
  // Levels of nesting (blocks and includes) above each file where it is first included.
  const depths: number[] = [];
  const index = new Map<string, number>();
  const payloadErrors: ConfigPayload["errors"] = [];
  // Every resolved include, by including file: where it is and which file it reads.
  const edges: Array<Array<{ node: ConfNode; target: number }>> = [];
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;

  // Like crossplane: a file gets its index when first included and is parsed after the file that included
  // it (breadth first), so `includes` indices match crossplane's output.
  const enqueue = (path: string, depth: number): number | { error: string } => {
    const known = index.get(path);
    if (known !== undefined) return known;
    const r = source.read(path);
    if ("error" in r) return { error: r.error };
    const i = files.length;
    index.set(path, i);
    files.push({ file: path, status: "ok", errors: [], parsed: [] });
    texts.push(r.text);
    depths.push(depth);
    edges.push([]);
    return i;
  };

  const fail = (owner: ConfigFile, line: number, message: string) => {
    const error = `${message} in ${owner.file}:${line}`;
    owner.errors.push({ error, line });
    owner.status = "failed";
    payloadErrors.push({ file: owner.file, error, line, message });
  };

  // Wires one `include` (called by the parser for every directive, in the order of a pre-order walk). Its
  // failures are kept and recorded after the file's syntax errors, in that order.
  let pending: Array<[number, string]> = [];
  const wire = (owner: number, n: ConfNode, depth: number) => {
    if (n.directive !== "include" || n.args.length !== 1 || n.block) return;
    const pattern = resolveIncludePath(n.args[0] as string, prefix);
    const targets = hasGlob(pattern) ? source.glob(pattern) : [pattern];
    const ids: number[] = [];
    for (const t of targets) {
      if (depth + 1 > maxDepth) {
        pending.push([n.line, tooDeepMessage(maxDepth)]);
        break;
      }
      const r = enqueue(t, depth + 1);
      if (typeof r === "number") {
        ids.push(r);
        edges[owner]?.push({ node: n, target: r });
      } else pending.push([n.line, `open() "${t}" failed (${r.error})`]);
    }
    n.includes = ids;
  };

  // The parser's onDirective for file i: includes wired first (unless singleFile), then the caller's hook.
  const onDirective = (i: number, base: number) => {
    const user = opts.onDirective;
    if (opts.singleFile) return user ? { onDirective: user } : null;
    return {
      onDirective: user
        ? (n: ConfNode, level: number) => {
            wire(i, n, base + level);
            user(n, level);
          }
        : (n: ConfNode, level: number) => wire(i, n, base + level),
    };
  };

  const first = enqueue(main, 0);
  if (typeof first !== "number") {
    payloadErrors.push({
      file: main,
      error: `open() "${main}" failed (${first.error})`,
      line: null,
      message: `open() failed (${first.error})`,
    });
    return { status: "failed", errors: payloadErrors, config: files };
  }
  for (let i = 0; i < files.length; i++) {
    const entry = files[i] as ConfigFile;
    const base = depths[i] ?? 0;
    const parsed = parseConfig(texts[i] as string, {
      file: entry.file,
      comments: Boolean(opts.comments),
      maxDepth,
      depthOffset: base,
      ...(opts.onBlockClosed ? { onBlockClosed: opts.onBlockClosed } : {}),
      ...(onDirective(i, base) ?? {}),
      ...(opts.tree === false ? { tree: false } : {}),
    });
    entry.parsed = parsed.parsed;
    for (const e of parsed.errors) {
      entry.errors.push({ error: formatError(e), line: e.line });
      payloadErrors.push({ file: entry.file, error: formatError(e), line: e.line, message: e.message });
    }
    if (parsed.errors.length) entry.status = "failed";
    for (const [line, message] of pending) fail(entry, line, message);
    pending = [];
    texts[i] = "";
  }
  for (const c of includeCycles(edges)) {
    const owner = files[c.from] as ConfigFile;
    const chain = [...c.path.map((e) => `${files[e.from]?.file}:${e.line}`), files[c.to]?.file].join(" -> ");
    fail(
      owner,
      c.line,
      `include cycle: "${files[c.to]?.file}" includes itself (${chain}); nginx reads it again and again until open() fails with "24: Too many open files" or it crashes`,
    );
  }
  return { status: payloadErrors.length ? "failed" : "ok", errors: payloadErrors, config: files };
}

interface CycleEdge {
  from: number;
  line: number;
}

/**
 * The includes that close a cycle (each reported once, at the `include` that leads back to a file still being
 * read), with the chain of includes from the file it returns to. Depth-first without recursion.
 */
export function includeCycles(
  edges: Array<Array<{ node: ConfNode; target: number }>>,
): Array<{ from: number; to: number; line: number; path: CycleEdge[] }> {
  const out: Array<{ from: number; to: number; line: number; path: CycleEdge[] }> = [];
  if (edges.length === 0) return out;
  const state = new Uint8Array(edges.length); // 0 new, 1 on the stack, 2 done
  const stack: Array<{ file: number; next: number; line: number }> = [{ file: 0, next: 0, line: 0 }];
  state[0] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1] as { file: number; next: number; line: number };
    const list = edges[top.file] ?? [];
    if (top.next >= list.length) {
      state[top.file] = 2;
      stack.pop();
      continue;
    }
    const e = list[top.next++] as { node: ConfNode; target: number };
    if (state[e.target] === 1) {
      const at = stack.findIndex((f) => f.file === e.target);
      const path = stack.slice(at).map((f, k) => ({
        from: f.file,
        line: k + at + 1 < stack.length ? (stack[k + at + 1] as { line: number }).line : e.node.line,
      }));
      out.push({ from: top.file, to: e.target, line: e.node.line, path });
    } else if (state[e.target] === 0) {
      state[e.target] = 1;
      stack.push({ file: e.target, next: 0, line: e.node.line });
    }
  }
  return out;
}

/**
 * Splits the output of `nginx -T` into files. nginx (src/core/nginx.c) prints, for every file it read (each once,
 * in the order it opened them): `# configuration file PATH:` and a newline, the file's bytes, then one newline.
 * A marker line must end with `:`; the newline nginx adds after each file is removed again.
 */
export function splitNginxT(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const marker = "# configuration file ";
  const headerAt = (start: number): string | null => {
    if (!text.startsWith(marker, start)) return null;
    const eol = text.indexOf("\n", start);
    const line = text.slice(start + marker.length, eol < 0 ? text.length : eol);
    const header = line.endsWith("\r") ? line.slice(0, -1) : line;
    return header.endsWith(":") ? header.slice(0, -1) : null;
  };
  // `from` is always the start of a line.
  const findMarker = (from: number): number => {
    let at = from;
    while (at >= 0 && at < text.length) {
      if (headerAt(at) !== null) return at;
      const n = text.indexOf(`\n${marker}`, at);
      at = n < 0 ? -1 : n + 1;
    }
    return -1;
  };
  let pos = findMarker(0);
  while (pos >= 0) {
    const path = headerAt(pos) as string;
    const eol = text.indexOf("\n", pos);
    const start = eol < 0 ? text.length : eol + 1;
    const next = findMarker(start);
    let body = text.slice(start, next < 0 ? text.length : next);
    // NGX_LINEFEED is CRLF on Windows builds: the marker line tells which one nginx wrote.
    const lf = text.charCodeAt(start - 2) === 13 ? "\r\n" : "\n";
    if (body.endsWith(lf)) body = body.slice(0, -lf.length);
    if (!out.has(path)) out.set(path, body);
    pos = next;
  }
  return out;
}

/** A FileSource over the files of an `nginx -T` dump. */
export function nginxTSource(files: Map<string, string>): FileSource {
  return {
    read: (p) => {
      const t = files.get(p);
      return t === undefined
        ? { error: "2: No such file or directory (not in the nginx -T output)" }
        : { text: t };
    },
    glob: (pattern) => {
      const segs = pattern.split("/");
      const match = segs.map((s) => (hasGlob(s) ? globSegmentMatcher(s) : (p: string) => p === s));
      return [...files.keys()]
        .filter((f) => {
          const parts = f.split("/");
          return (
            parts.length === segs.length && parts.every((p, i) => (match[i] as (n: string) => boolean)(p))
          );
        })
        .sort();
    },
  };
}

/** The payload of an `nginx -T` dump; the main file is the first one nginx printed. */
export function payloadFromNginxT(text: string, opts: LoadOptions = {}): ConfigPayload {
  const files = splitNginxT(text);
  const main = files.keys().next().value;
  if (main === undefined)
    return {
      status: "failed",
      errors: [
        {
          file: "(nginx -T)",
          line: null,
          error: 'no "# configuration file" markers: this is not nginx -T output',
        },
      ],
      config: [],
    };
  return loadPayload(main, nginxTSource(files), opts);
}

/** Pieces of output are handed on in at most this many bytes. */
const PIECE_BYTES = 1 << 16;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const DIRECTIVE = ascii('{"directive":');
const LINE = ascii(',"line":');
const ARGS = ascii(',"args":[');
const INCLUDES = ascii('],"includes":[');
const BLOCK = ascii('],"block":[');
const COMMENT_HEAD = ascii('{"directive":"#","line":');
const COMMENT_TAIL = ascii(',"args":[],"comment":');
const HEX = ascii("0123456789abcdef");

/**
 * Writes crossplane's JSON as UTF-8 bytes: `write` gives the bytes of
 * `JSON.stringify(toCrossplaneJson(payload, {comments}))` (compact), in pieces of at most 64 KiB.
 *
 * Given to the parser as LoadOptions.onDirective and onBlockClosed, it writes each directive as the parser
 * reports it (in document order, includes already wired) into one growing byte buffer, and lets each block's
 * nodes go once it is closed (the block is left empty). Nothing of the tree then survives long enough to be
 * copied by the garbage collector, and no string is built for the output: it was most of the time
 * `config parse` spent on large configurations (docs/benchmarks.md). Files the parser did not report (a payload
 * loaded without the hooks) are written from their trees when `write` is called.
 */
export class CrossplaneJsonWriter {
  // Buffer.allocUnsafe: the bytes are always written before they are read, so they need no zeroing.
  private buf: Uint8Array = Buffer.allocUnsafe(64);
  private pos = 0;
  /** The bytes written for each file (its directives, comma-separated), by file name. */
  private readonly files = new Map<string, [number, number]>();
  private file: string | null = null;
  private fileStart = 0;
  /** The blocks open in the current file, innermost last. */
  private readonly open: ConfNode[] = [];
  /** Whether the next entry at each open level (index 0: the file's top level) needs a comma first. */
  private readonly comma: boolean[] = [false];

  constructor(private readonly comments = true) {
    // Grown once here, while V8 still interprets it: the growth path then has type feedback and `buf` is known
    // to be replaced, so growing later does not throw the optimised parser and writer away (it did: the parser
    // was compiled twice, +56 ms of compiler time on 10,000 servers).
    this.room(1 << 20);
  }

  /** For LoadOptions.onDirective: writes the entry (and opens its block); entries the tree drops are skipped. */
  readonly directive = (n: ConfNode, level: number): void => {
    if (n.file !== this.file) this.startFile(n.file);
    // Deeper than the blocks written so far: inside a stray `{ … }`, which the tree drops too.
    if (level !== this.open.length) return;
    const isComment = n.directive === "#" && n.comment !== undefined;
    if (isComment && !this.comments) return;
    if (this.comma[level]) this.byte(44);
    else this.comma[level] = true;
    if (isComment) this.comment(n);
    else if (this.head(n)) {
      this.open.push(n);
      this.comma.push(false);
    }
  };

  /** For LoadOptions.onBlockClosed. */
  readonly blockClosed = (owner: ConfNode): void => {
    if (this.open[this.open.length - 1] !== owner) return;
    this.open.pop();
    this.comma.pop();
    this.bytes2(93, 125); // ]}
    if (owner.block?.length) owner.block = [];
  };

  private startFile(file: string): void {
    if (this.file !== null) this.files.set(this.file, [this.fileStart, this.pos]);
    this.file = file;
    this.fileStart = this.pos;
    this.open.length = 0;
    this.comma.length = 1;
    this.comma[0] = false;
  }

  write(payload: ConfigPayload, emit: (piece: Uint8Array) => void): void {
    if (this.file !== null) this.files.set(this.file, [this.fileStart, this.pos]);
    this.file = null;
    const text = (t: string) => emit(Buffer.from(t, "utf8"));
    text(
      `{"status":${JSON.stringify(payload.status)},"errors":${JSON.stringify(
        payload.errors.map((e) => ({ file: e.file, error: e.error, line: e.line })),
      )},"config":[`,
    );
    payload.config.forEach((c, i) => {
      text(
        `${i ? "," : ""}{"file":${JSON.stringify(c.file)},"status":${JSON.stringify(c.status)},"errors":${JSON.stringify(
          c.errors.map((e) => ({ error: e.error, line: e.line })),
        )},"parsed":[`,
      );
      let range = this.files.get(c.file);
      if (range === undefined) {
        const start = this.pos;
        this.tree(c.parsed);
        range = [start, this.pos];
      }
      for (let at = range[0]; at < range[1]; at += PIECE_BYTES)
        emit(this.buf.subarray(at, Math.min(range[1], at + PIECE_BYTES)));
      text("]}");
    });
    text("]}");
  }

  /** The entries of a tree, comma-separated (for files the parser did not report). */
  private tree(nodes: ConfNode[]): void {
    let first = true;
    for (const n of nodes) {
      const isComment = n.directive === "#" && n.comment !== undefined;
      if (isComment && !this.comments) continue;
      if (!first) this.byte(44);
      first = false;
      if (isComment) this.comment(n);
      else if (this.head(n)) {
        this.tree(n.block as ConfNode[]);
        this.bytes2(93, 125);
      }
    }
  }

  /** `{"directive":…,"line":…,"args":[…]` and `,"includes":[…]`; then `,"block":[` (true) or `}` (false). */
  private head(n: ConfNode): boolean {
    this.raw(DIRECTIVE);
    this.str(n.directive);
    this.raw(LINE);
    this.int(n.line);
    this.raw(ARGS);
    const args = n.args;
    for (let i = 0; i < args.length; i++) {
      if (i) this.byte(44);
      this.str(args[i] as string);
    }
    if (n.includes) {
      this.raw(INCLUDES);
      for (let i = 0; i < n.includes.length; i++) {
        if (i) this.byte(44);
        this.int(n.includes[i] as number);
      }
    }
    if (n.block) {
      this.raw(BLOCK);
      return true;
    }
    this.bytes2(93, 125);
    return false;
  }

  private comment(n: ConfNode): void {
    this.raw(COMMENT_HEAD);
    this.int(n.line);
    this.raw(COMMENT_TAIL);
    this.str(n.comment as string);
    this.byte(125);
  }

  private room(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) this.grow(this.pos + n);
    return this.buf;
  }

  private grow(size: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, size));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  private byte(c: number): void {
    this.room(1)[this.pos++] = c;
  }

  private bytes2(a: number, b: number): void {
    const buf = this.room(2);
    buf[this.pos] = a;
    buf[this.pos + 1] = b;
    this.pos += 2;
  }

  private raw(bytes: Uint8Array): void {
    const buf = this.room(bytes.length);
    let p = this.pos;
    for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i] as number;
    this.pos = p;
  }

  /** A non-negative integer (line numbers, file indices), its digits written without a string. */
  private int(v: number): void {
    let digits = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) digits++;
    const buf = this.room(digits);
    let p = this.pos + digits;
    this.pos = p;
    let x = v;
    do {
      buf[--p] = 48 + (x % 10);
      x = Math.floor(x / 10);
    } while (x > 0);
  }

  /** A JSON string literal as JSON.stringify writes it (lone surrogates as \uXXXX), in UTF-8. */
  private str(s: string): void {
    const n = s.length;
    // At most 6 bytes per UTF-16 unit (\uXXXX), plus the quotes.
    const buf = this.room(n * 6 + 2);
    let p = this.pos;
    buf[p++] = 34;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 34 && c !== 92) {
          buf[p++] = c;
          continue;
        }
        buf[p++] = 92;
        if (c === 34 || c === 92) buf[p++] = c;
        else if (c === 10) buf[p++] = 110;
        else if (c === 9) buf[p++] = 116;
        else if (c === 13) buf[p++] = 114;
        else if (c === 8) buf[p++] = 98;
        else if (c === 12) buf[p++] = 102;
        else {
          buf[p++] = 117;
          buf[p++] = 48;
          buf[p++] = 48;
          buf[p++] = HEX[c >> 4] as number;
          buf[p++] = HEX[c & 15] as number;
        }
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 63);
        buf[p++] = 0x80 | (c & 63);
      } else {
        const d = c <= 0xdbff && i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[p++] = 0xf0 | (cp >> 18);
          buf[p++] = 0x80 | ((cp >> 12) & 63);
          buf[p++] = 0x80 | ((cp >> 6) & 63);
          buf[p++] = 0x80 | (cp & 63);
          i++;
        } else {
          buf[p++] = 92;
          buf[p++] = 117;
          buf[p++] = HEX[c >> 12] as number;
          buf[p++] = HEX[(c >> 8) & 15] as number;
          buf[p++] = HEX[(c >> 4) & 15] as number;
          buf[p++] = HEX[c & 15] as number;
        }
      }
    }
    buf[p++] = 34;
    this.pos = p;
  }
}

/** `JSON.stringify(toCrossplaneJson(payload, opts))` (compact), written in pieces: see CrossplaneJsonWriter. */
export function writeCrossplaneJson(
  payload: ConfigPayload,
  emit: (piece: Uint8Array) => void,
  opts: { comments?: boolean } = {},
): void {
  new CrossplaneJsonWriter(opts.comments ?? true).write(payload, emit);
}
