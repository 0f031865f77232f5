/**
 * Loading a whole configuration (main file plus includes) into crossplane's payload shape, over an abstract
 * file source so the same code serves files on disk and the text of `nginx -T`. Pure: the caller supplies
 * `read` and `glob`.
 */
import { type ConfNode, type ParseError, parseConfig } from "./parser.js";

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
}

const GLOB_CHARS = /[*?[]/;

export function dirnameOf(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? (i === 0 ? "/" : ".") : p.slice(0, i);
}

/** nginx resolves relative include paths against the directory of the main configuration file (conf prefix). */
export function resolveIncludePath(pattern: string, prefix: string): string {
  if (pattern.startsWith("/")) return pattern;
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
        re += `[${segment.slice(i + 1, close).replace(/\\/g, "\\\\")}]`;
        i = close;
      } else re += "\\[";
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`${re}$`);
}

export function hasGlob(p: string): boolean {
  return GLOB_CHARS.test(p);
}

function formatError(e: ParseError): string {
  return `${e.message} in ${e.file}:${e.line ?? "?"}`;
}

/** Parses `main` and every file it includes (each once), wiring `includes` indices like crossplane. */
export function loadPayload(main: string, source: FileSource, opts: LoadOptions = {}): ConfigPayload {
  const prefix = dirnameOf(main);
  const files: ConfigFile[] = [];
  const texts: string[] = [];
  const index = new Map<string, number>();
  const payloadErrors: ConfigPayload["errors"] = [];

  // Like crossplane: a file gets its index when first included and is parsed after the file that included
  // it (breadth first), so `includes` indices match crossplane's output.
  const enqueue = (path: string): number | { error: string } => {
    const known = index.get(path);
    if (known !== undefined) return known;
    const r = source.read(path);
    if ("error" in r) return { error: r.error };
    const i = files.length;
    index.set(path, i);
    files.push({ file: path, status: "ok", errors: [], parsed: [] });
    texts.push(r.text);
    return i;
  };

  const walk = (owner: ConfigFile, nodes: ConfNode[]) => {
    for (const n of nodes) {
      if (n.directive === "include" && n.args.length === 1 && !n.block) {
        const pattern = resolveIncludePath(n.args[0] as string, prefix);
        const targets = hasGlob(pattern) ? source.glob(pattern) : [pattern];
        const ids: number[] = [];
        for (const t of targets) {
          const r = enqueue(t);
          if (typeof r === "number") ids.push(r);
          else {
            const message = `open() "${t}" failed (${r.error})`;
            const error = `${message} in ${owner.file}:${n.line}`;
            owner.errors.push({ error, line: n.line });
            owner.status = "failed";
            payloadErrors.push({ file: owner.file, error, line: n.line, message });
          }
        }
        n.includes = ids;
      }
      if (n.block) walk(owner, n.block);
    }
  };

  const first = enqueue(main);
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
    const parsed = parseConfig(texts[i] as string, { file: entry.file, comments: Boolean(opts.comments) });
    entry.parsed = parsed.parsed;
    for (const e of parsed.errors) {
      entry.errors.push({ error: formatError(e), line: e.line });
      payloadErrors.push({ file: entry.file, error: formatError(e), line: e.line, message: e.message });
    }
    if (parsed.errors.length) entry.status = "failed";
    if (!opts.singleFile) walk(entry, entry.parsed);
    texts[i] = "";
  }
  return { status: payloadErrors.length ? "failed" : "ok", errors: payloadErrors, config: files };
}

/** Splits the output of `nginx -T` into files (on its `# configuration file PATH:` markers). */
export function splitNginxT(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const marker = "# configuration file ";
  let pos = text.startsWith(marker) ? 0 : text.indexOf(`\n${marker}`);
  if (pos > 0) pos += 1;
  while (pos >= 0 && pos < text.length) {
    const eol = text.indexOf("\n", pos);
    const header = text.slice(pos + marker.length, eol < 0 ? text.length : eol);
    const path = header.endsWith(":") ? header.slice(0, -1) : header;
    const start = eol < 0 ? text.length : eol + 1;
    let next = text.indexOf(`\n${marker}`, start - 1);
    if (next >= 0) next += 1;
    const body = text.slice(start, next < 0 ? text.length : next);
    // nginx -T prints an empty line after each file.
    out.set(path, body.endsWith("\n\n") ? body.slice(0, -1) : body);
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
      const res = segs.map((s) => (hasGlob(s) ? globToRegExp(s) : null));
      return [...files.keys()]
        .filter((f) => {
          const parts = f.split("/");
          if (parts.length !== segs.length) return false;
          return parts.every((p, i) => (res[i] ? (res[i] as RegExp).test(p) : p === segs[i]));
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
