/**
 * Byte-preserving configuration writer (pure, no I/O): the counterpart of crossplane's `build`, except that it
 * never re-renders a file. A file is parsed with offsets (`ParseOptions.offsets`), edits are recorded against
 * its directives — set a directive's arguments, insert a directive into a block, delete one — and `text()`
 * splices only the edited byte ranges into the original text. Every byte outside them (comments, indentation,
 * quoting, blank lines, CRLF line ends) stays as it was.
 */
import { type ConfNode, parseConfig, type Span } from "./parser.js";

/** A directive to write: its name, arguments (values, quoted as needed when written) and optional block body. */
export interface NewDirective {
  name: string;
  args: string[];
}

interface Splice {
  start: number;
  end: number;
  text: string;
  /** Order of recording, to keep insertions at one offset in the order they were asked for. */
  seq: number;
}

/** Characters that force quoting of an argument: nginx's word ends, comment and quote characters. */
const NEEDS_QUOTES = /[\s;{}#"'\\]/;

/**
 * One argument as configuration text: bare when nginx reads it back as the same word, else double-quoted (a
 * `"` inside is written `\"`, which nginx reads as the quote itself).
 */
export function renderArg(value: string): string {
  if (value !== "" && !NEEDS_QUOTES.test(value)) return value;
  return `"${value.replace(/"/g, '\\"')}"`;
}

/** A directive as one line of text, e.g. `proxy_read_timeout 60s;`. */
export function renderDirective(d: NewDirective): string {
  return `${[d.name, ...d.args.map(renderArg)].join(" ")};`;
}

/** Every node of a parsed tree, depth first, in file order. */
export function walk(nodes: ConfNode[], out: ConfNode[] = []): ConfNode[] {
  const stack: ConfNode[][] = [nodes];
  const idx: number[] = [0];
  while (stack.length) {
    const level = stack[stack.length - 1] as ConfNode[];
    const i = idx[idx.length - 1] as number;
    if (i >= level.length) {
      stack.pop();
      idx.pop();
      continue;
    }
    idx[idx.length - 1] = i + 1;
    const n = level[i] as ConfNode;
    out.push(n);
    if (n.block) {
      stack.push(n.block);
      idx.push(0);
    }
  }
  return out;
}

export class EditableConfig {
  readonly file: string;
  readonly source: string;
  readonly parsed: ConfNode[];
  /** Syntax errors of the file (an editor over a file nginx rejects is still usable, but see `ok`). */
  readonly errors: string[];
  /** The file's line end: CRLF when its first line ends with one. */
  readonly eol: string;
  private readonly splices: Splice[] = [];
  private seq = 0;
  private readonly nodes: ConfNode[];

  constructor(file: string, source: string) {
    this.file = file;
    this.source = source;
    const r = parseConfig(source, { file, offsets: true });
    this.parsed = r.parsed;
    this.errors = r.errors.map((e) => `${e.file}:${e.line ?? "?"}: ${e.message}`);
    const nl = source.indexOf("\n");
    this.eol = nl > 0 && source.charCodeAt(nl - 1) === 13 ? "\r\n" : "\n";
    this.nodes = walk(this.parsed);
  }

  get changed(): boolean {
    return this.splices.length > 0;
  }

  /** Every directive of the file, depth first. */
  all(): ConfNode[] {
    return this.nodes;
  }

  /**
   * The directive named `name` that starts on `line`; when the line holds several, the one with these `args`
   * (else the first).
   */
  find(name: string, line: number, args?: string[]): ConfNode | null {
    return pick(
      this.nodes.filter((n) => n.directive === name && n.line === line),
      args,
    );
  }

  /** The block directive (e.g. `location`) starting on `line`, told apart by its `args` like `find`. */
  findBlock(name: string, line: number, args?: string[]): ConfNode | null {
    return pick(
      this.nodes.filter((n) => n.directive === name && n.line === line && n.block !== undefined),
      args,
    );
  }

  private splice(start: number, end: number, text: string): void {
    for (const s of this.splices)
      if (start < s.end && s.start < end)
        throw new Error(`${this.file}: overlapping edits at offset ${start}`);
    this.splices.push({ start, end, text, seq: this.seq++ });
  }

  /**
   * Sets a directive's arguments. Arguments whose value does not change keep their original text (quoting
   * and the whitespace between them), so setting the same arguments changes nothing.
   */
  setArgs(node: ConfNode, args: string[]): void {
    const sp = spanOf(node);
    const old = sp.args;
    if (old.length === 0) {
      if (args.length) this.splice(sp.nameEnd, sp.nameEnd, ` ${args.map(renderArg).join(" ")}`);
      return;
    }
    const src = this.source;
    let out = "";
    for (let i = 0; i < args.length; i++) {
      const value = args[i] as string;
      const raw = old[i];
      if (i > 0) {
        const prev = old[i - 1] as [number, number];
        out += raw ? src.slice(prev[1], raw[0]) : " ";
      }
      out +=
        raw && node.args[i] === value && node.directive !== "if"
          ? src.slice(raw[0], raw[1])
          : renderArg(value);
    }
    const first = (old[0] as [number, number])[0];
    const last = (old[old.length - 1] as [number, number])[1];
    if (out === src.slice(first, last)) return;
    if (args.length === 0) {
      // Drop the arguments and the whitespace before them.
      this.splice(sp.nameEnd, last, "");
      return;
    }
    this.splice(first, last, out);
  }

  /** Leading whitespace of the line that holds `offset`. */
  indentAt(offset: number): string {
    const src = this.source;
    const ls = src.lastIndexOf("\n", offset - 1) + 1;
    let e = ls;
    while (e < src.length && (src[e] === " " || src[e] === "\t")) e++;
    return src.slice(ls, e);
  }

  /** The indentation step the file uses (the first indented directive's leading whitespace), else 4 spaces. */
  indentUnit(): string {
    for (const n of this.nodes) {
      const ind = this.indentAt(spanOf(n).start);
      if (ind.length > 0 && this.lineStart(spanOf(n).start) + ind.length === spanOf(n).start) return ind;
    }
    return "    ";
  }

  private lineStart(offset: number): number {
    return this.source.lastIndexOf("\n", offset - 1) + 1;
  }

  /** End of the line holding `offset`: the offset of its line end (before a CR), or the end of the text. */
  private lineEnd(offset: number): number {
    const src = this.source;
    let e = src.indexOf("\n", offset);
    if (e < 0) return src.length;
    if (e > 0 && src.charCodeAt(e - 1) === 13) e--;
    return e;
  }

  /** True when only whitespace separates `a` and `b`, and there is a line end between them. */
  private newlineBetween(a: number, b: number): boolean {
    const t = this.source.slice(a, b);
    return /^\s*$/.test(t.replace(/#[^\n]*/g, "")) && t.includes("\n");
  }

  /**
   * Inserts a directive after `after` (a directive of the same block), on its own line with its indentation;
   * inline after it when the block is written on one line.
   */
  insertAfter(after: ConfNode, d: NewDirective): void {
    const sp = spanOf(after);
    const endOfThing = sp.close !== undefined ? sp.close + 1 : sp.end;
    const eolAt = this.lineEnd(endOfThing);
    const rest = this.source.slice(endOfThing, eolAt);
    // Something else follows on the same line (another directive or the block's `}`): stay on the line.
    if (rest.replace(/#.*$/, "").trim() !== "") {
      this.splice(endOfThing, endOfThing, ` ${renderDirective(d)}`);
      return;
    }
    this.splice(eolAt, eolAt, `${this.eol}${this.indentAt(sp.start)}${renderDirective(d)}`);
  }

  /** Inserts a directive before `before`, on its own line with its indentation. */
  insertBefore(before: ConfNode, d: NewDirective): void {
    const sp = spanOf(before);
    const ls = this.lineStart(sp.start);
    const ind = this.indentAt(sp.start);
    if (ls + ind.length === sp.start) this.splice(ls, ls, `${ind}${renderDirective(d)}${this.eol}`);
    else this.splice(sp.start, sp.start, `${renderDirective(d)} `);
  }

  /**
   * Inserts a directive at the end of a block (`block` null: the end of the file's top level), indented like
   * the block's last directive, or one step deeper than the block's own line when it is empty; with `first`,
   * before the block's first directive.
   */
  insertInBlock(block: ConfNode | null, d: NewDirective, first = false): void {
    const children = (block ? (block.block ?? []) : this.parsed).filter((n) => n.directive !== "#");
    if (first && children[0]) {
      this.insertBefore(children[0], d);
      return;
    }
    const last = children[children.length - 1];
    if (last) {
      this.insertAfter(last, d);
      return;
    }
    if (!block) {
      const src = this.source;
      const needsEol = src.length > 0 && !src.endsWith("\n");
      this.splice(src.length, src.length, `${needsEol ? this.eol : ""}${renderDirective(d)}${this.eol}`);
      return;
    }
    const sp = spanOf(block);
    const close = sp.close;
    if (close === undefined) throw new Error(`${this.file}:${block.line}: the block is not closed`);
    const ind = this.indentAt(sp.start);
    if (this.newlineBetween(sp.end, close) && this.lineStart(close) + this.indentAt(close).length === close) {
      const ls = this.lineStart(close);
      this.splice(ls, ls, `${ind}${this.indentUnit()}${renderDirective(d)}${this.eol}`);
    } else this.splice(sp.end, sp.end, ` ${renderDirective(d)}`);
  }

  /** Deletes a directive: its whole line when nothing else is on it, else just its text. */
  remove(node: ConfNode): void {
    const sp = spanOf(node);
    const endOfThing = sp.close !== undefined ? sp.close + 1 : sp.end;
    const ls = this.lineStart(sp.start);
    const le = this.lineEnd(endOfThing);
    const before = this.source.slice(ls, sp.start);
    const after = this.source.slice(endOfThing, le);
    if (before.trim() === "" && after.trim() === "") {
      const src = this.source;
      let next = le;
      if (src[next] === "\r") next++;
      if (src[next] === "\n") next++;
      this.splice(ls, next, "");
      return;
    }
    let s = sp.start;
    while (s > ls && (this.source[s - 1] === " " || this.source[s - 1] === "\t")) s--;
    this.splice(s, endOfThing, "");
  }

  /** The file's text with the recorded edits applied. */
  text(): string {
    if (this.splices.length === 0) return this.source;
    const ordered = [...this.splices].sort((a, b) => a.start - b.start || a.seq - b.seq);
    let out = "";
    let at = 0;
    for (const s of ordered) {
      out += this.source.slice(at, s.start) + s.text;
      at = s.end;
    }
    return out + this.source.slice(at);
  }
}

function pick(candidates: ConfNode[], args: string[] | undefined): ConfNode | null {
  if (candidates.length > 1 && args)
    return (
      candidates.find((n) => n.args.length === args.length && n.args.every((a, i) => a === args[i])) ??
      candidates[0] ??
      null
    );
  return candidates[0] ?? null;
}

function spanOf(n: ConfNode): Span {
  if (!n.span) throw new Error(`${n.file}:${n.line}: ${n.directive} was parsed without offsets`);
  return n.span;
}
