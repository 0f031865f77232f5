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
      ...(opts.singleFile ? {} : { onDirective: (n: ConfNode, level: number) => wire(i, n, base + level) }),
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

/** A JSON string literal, as JSON.stringify writes it; plain text (the usual case) skips the general escaper. */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** Pieces of output are handed on once they reach this many characters (small ropes flatten cheaply). */
const PIECE_CHARS = 1 << 16;

/**
 * Writes crossplane's JSON straight from the parse tree, without building the crossplane-shaped copy of it
 * first: `write` gives the same bytes as `JSON.stringify(toCrossplaneJson(payload, {comments}))` (compact), in
 * pieces of about 64 KiB. With `blockClosed` passed to the parser (LoadOptions.onBlockClosed; includes are
 * wired as the parser meets them, so their indices are known by then), each block is turned into text as soon
 * as it is closed and its nodes are let go (the block is left empty): the garbage collector then never copies the tree, which is most of the
 * time `config parse` spends on large configurations.
 */
export class CrossplaneJsonWriter {
  private readonly done = new Map<ConfNode, string>();
  private out = "";
  private emit: ((piece: string) => void) | null = null;

  constructor(private readonly comments = true) {}

  /** For LoadOptions.onBlockClosed. */
  readonly blockClosed = (owner: ConfNode): void => {
    if (!owner.block) return;
    const saved = this.out;
    const emit = this.emit;
    this.out = "";
    this.emit = null;
    this.directives(owner.block);
    // One flat string instead of a rope of many small ones (charCodeAt flattens it).
    const text = this.out;
    text.charCodeAt(0);
    this.done.set(owner, text);
    owner.block = [];
    this.out = saved;
    this.emit = emit;
  };

  write(payload: ConfigPayload, emit: (piece: string) => void): void {
    this.emit = emit;
    this.out = `{"status":${jsonString(payload.status)},"errors":${JSON.stringify(
      payload.errors.map((e) => ({ file: e.file, error: e.error, line: e.line })),
    )},"config":[`;
    payload.config.forEach((c, i) => {
      this.out += `${i ? "," : ""}{"file":${jsonString(c.file)},"status":${jsonString(c.status)},"errors":${JSON.stringify(
        c.errors.map((e) => ({ error: e.error, line: e.line })),
      )},"parsed":`;
      this.directives(c.parsed);
      this.out += "}";
    });
    this.out += "]}";
    emit(this.out);
    this.out = "";
    this.emit = null;
  }

  private directives(nodes: ConfNode[]): void {
    this.out += "[";
    let first = true;
    for (const n of nodes) {
      if (n.directive === "#" && n.comment !== undefined) {
        if (!this.comments) continue;
        this.out += `${first ? "" : ","}{"directive":"#","line":${n.line},"args":[],"comment":${jsonString(n.comment)}}`;
        first = false;
        continue;
      }
      let s = `${first ? "" : ","}{"directive":${jsonString(n.directive)},"line":${n.line},"args":[`;
      first = false;
      const args = n.args;
      for (let i = 0; i < args.length; i++)
        s += i ? `,${jsonString(args[i] as string)}` : jsonString(args[i] as string);
      s += "]";
      if (n.includes) s += `,"includes":${JSON.stringify(n.includes)}`;
      if (n.block) {
        const text = this.done.get(n);
        if (text !== undefined) {
          this.out += `${s},"block":${text}}`;
          this.done.delete(n);
        } else {
          this.out += `${s},"block":`;
          this.directives(n.block);
          this.out += "}";
        }
      } else this.out += `${s}}`;
      if (this.emit && this.out.length >= PIECE_CHARS) {
        this.emit(this.out);
        this.out = "";
      }
    }
    this.out += "]";
  }
}

/** `JSON.stringify(toCrossplaneJson(payload, opts))` (compact), written in pieces: see CrossplaneJsonWriter. */
export function writeCrossplaneJson(
  payload: ConfigPayload,
  emit: (piece: string) => void,
  opts: { comments?: boolean } = {},
): void {
  new CrossplaneJsonWriter(opts.comments ?? true).write(payload, emit);
}
