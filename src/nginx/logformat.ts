/**
 * Compiles an nginx `log_format` into a parser for the lines nginx writes with it. Pure: no I/O.
 *
 * Behaviour follows nginx's ngx_http_log_module (checked against 1.22–1.27): a format is the concatenation of the
 * directive's string arguments; `$name` / `${name}` are variables, everything else is written literally; an empty or
 * missing value is written as "-"; values are escaped (`escape=default`: `"`, `\`, bytes < 0x20 and >= 0x7f as
 * `\xHH`; `escape=json`: `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\f`, other control bytes `\u00XX`; `escape=none`: raw).
 */

export type LogEscape = "default" | "json" | "none";

export interface LogFormatSpec {
  /** The format string, or the directive's string arguments (concatenated exactly as nginx does). */
  format: string | string[];
  escape?: LogEscape;
}

/** nginx's predefined format (always available, even without a log_format directive). */
export const COMBINED_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"';

export interface CompiledLogFormat {
  /** Variable names in order of appearance (a variable used twice appears twice). */
  readonly vars: readonly string[];
  readonly escape: LogEscape;
  /**
   * What `split` works from, for a splitter elsewhere (the WebAssembly core): the literal before the first
   * variable, the literal after each variable, fixed widths ($time_local…) and multi-value variables.
   */
  readonly program: {
    readonly lead: string;
    readonly seps: readonly string[];
    readonly fixed: readonly number[];
    readonly multi: readonly boolean[];
  };
  /** Index of the first occurrence of a variable in the value array, or -1. */
  indexOf(name: string): number;
  /**
   * Splits one line (without its newline) into raw (still escaped) values, written into `out` (reused between
   * calls for speed). Returns false when the line does not match the format.
   */
  /**
   * Cuts a line into its variables (into `out`, by position); false when the line does not match. With `want`,
   * only the positions marked true are sliced (the others are still checked for their separators).
   */
  split(line: string, out: string[], want?: boolean[]): boolean;
  /** Convenience: name → unescaped value, or null when the line does not match. */
  parse(line: string): Record<string, string> | null;
  /** Undoes nginx's escaping of one value (result is a JS string decoded as UTF-8 where it was valid). */
  unescape(raw: string): string;
}

interface Token {
  literal: string;
  name: string | null;
}

/** Splits a format into literal text and variable references. Unknown syntax stays literal, as in nginx. */
export function tokenizeLogFormat(format: string): Token[] {
  const tokens: Token[] = [];
  let lit = "";
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c === "$") {
      let name = "";
      let j = i + 1;
      if (format[j] === "{") {
        const close = format.indexOf("}", j + 1);
        if (close > j + 1) {
          name = format.slice(j + 1, close);
          j = close + 1;
        }
      } else {
        while (j < format.length && /[A-Za-z0-9_]/.test(format[j] as string)) j++;
        name = format.slice(i + 1, j);
      }
      if (name !== "") {
        tokens.push({ literal: lit, name: name.toLowerCase() });
        lit = "";
        i = j;
        continue;
      }
    }
    lit += c;
    i++;
  }
  tokens.push({ literal: lit, name: null });
  return tokens;
}

/** Variables whose values are lists: ", " separates peers of one group, " : " separates groups. */
const MULTI =
  /^upstream_(addr|status|response_time|connect_time|header_time|bytes_sent|bytes_received|response_length|cache_status)$/;
/** Fixed-width variables (their values contain spaces, so they are cut by length). */
const FIXED: Record<string, number> = { time_local: 26, time_iso8601: 25 };

export function compileLogFormat(spec: LogFormatSpec | string): CompiledLogFormat {
  const s: LogFormatSpec = typeof spec === "string" ? { format: spec } : spec;
  const text = Array.isArray(s.format) ? s.format.join("") : s.format;
  const esc: LogEscape = s.escape ?? "default";
  const tokens = tokenizeLogFormat(text);
  const lead = tokens[0]?.literal ?? "";
  // steps[k] = variable k and the literal that follows it
  const names: string[] = [];
  const seps: string[] = [];
  for (let k = 0; k < tokens.length - 1; k++) {
    names.push((tokens[k] as Token).name as string);
    seps.push((tokens[k + 1] as Token).literal);
  }
  const multi = names.map((n) => MULTI.test(n));
  const fixed = names.map((n) => FIXED[n] ?? 0);
  const n = names.length;
  const jsonEsc = esc === "json";

  /** Finds `sep` at or after `from`, skipping places where the value itself may legitimately contain it. */
  function findSep(line: string, sep: string, from: number, k: number): number {
    let i = line.indexOf(sep, from);
    while (i >= 0) {
      let ok = true;
      if (jsonEsc && sep.charCodeAt(0) === 0x22) {
        // `\"` inside a json-escaped value: count preceding backslashes
        let b = 0;
        for (let p = i - 1; p >= from && line.charCodeAt(p) === 0x5c; p--) b++;
        if (b % 2 === 1) ok = false;
      }
      if (ok && multi[k] && sep.charCodeAt(0) === 0x20) {
        // ", " and " : " inside a multi-value list
        const prev = line.charCodeAt(i - 1);
        if (prev === 0x2c) ok = false;
        else if (line.charCodeAt(i + 1) === 0x3a && line.charCodeAt(i + 2) === 0x20) ok = false;
        else if (prev === 0x3a && line.charCodeAt(i - 2) === 0x20) ok = false;
      }
      if (ok) return i;
      i = line.indexOf(sep, i + 1);
    }
    return -1;
  }

  function split(line: string, out: string[], want?: boolean[]): boolean {
    if (!line.startsWith(lead)) return false;
    let pos = lead.length;
    for (let k = 0; k < n; k++) {
      const sep = seps[k] as string;
      let end: number;
      const width = fixed[k] as number;
      if (width > 0 && line.charCodeAt(pos) !== 0x2d /* "-" */) {
        end = pos + width;
        if (end > line.length || (sep !== "" && !line.startsWith(sep, end))) return false;
      } else if (sep === "") {
        if (k === n - 1) end = line.length;
        else return false; // two adjacent variables: cannot be split reliably
      } else if (k === n - 1) {
        // last variable: the trailing literal must end the line
        if (!line.endsWith(sep) || line.length - sep.length < pos) return false;
        end = line.length - sep.length;
      } else {
        end = findSep(line, sep, pos, k);
        if (end < 0) return false;
      }
      if (want === undefined || want[k]) out[k] = line.slice(pos, end);
      pos = end + sep.length;
    }
    return n > 0 ? pos === line.length : line === lead;
  }

  const unesc = esc === "json" ? unescapeJson : esc === "none" ? (v: string) => v : unescapeDefault;

  return {
    vars: names,
    escape: esc,
    program: { lead, seps, fixed, multi },
    indexOf: (name) => names.indexOf(name.toLowerCase()),
    split,
    parse(line) {
      const out: string[] = new Array(n);
      if (!split(line, out)) return null;
      const r: Record<string, string> = {};
      for (let k = 0; k < n; k++) {
        const key = names[k] as string;
        if (!(key in r)) r[key] = unesc(out[k] as string);
      }
      return r;
    },
    unescape: unesc,
  };
}

function latin1ToUtf8(s: string): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) return s; // already decoded text
    if (c > 0x7f) high = true;
  }
  if (high) {
    const b = Buffer.from(s, "latin1");
    const u = b.toString("utf8");
    return u.includes("\ufffd") ? s : u;
  }
  return s;
}

/** Reverses `escape=default`: `\xHH` → byte. Values are handled as latin1 (one char per byte) first. */
export function unescapeDefault(raw: string): string {
  if (raw.indexOf("\\x") < 0) return latin1ToUtf8(raw);
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const j = raw.indexOf("\\x", i);
    if (j < 0 || j + 4 > raw.length) {
      out += raw.slice(i);
      break;
    }
    const h = Number.parseInt(raw.slice(j + 2, j + 4), 16);
    if (Number.isNaN(h) || !/^[0-9A-Fa-f]{2}$/.test(raw.slice(j + 2, j + 4))) {
      out += raw.slice(i, j + 2);
      i = j + 2;
      continue;
    }
    out += raw.slice(i, j) + String.fromCharCode(h);
    i = j + 4;
  }
  return latin1ToUtf8(out);
}

const JSON_SHORT: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  n: "\n",
  r: "\r",
  t: "\t",
  b: "\b",
  f: "\f",
  "/": "/",
};

/** Reverses `escape=json`. */
export function unescapeJson(raw: string): string {
  if (raw.indexOf("\\") < 0) return latin1ToUtf8(raw);
  let out = "";
  let i = 0;
  while (i < raw.length) {
    const c = raw[i] as string;
    if (c !== "\\" || i + 1 >= raw.length) {
      out += c;
      i++;
      continue;
    }
    const e = raw[i + 1] as string;
    if (e === "u" && /^[0-9A-Fa-f]{4}$/.test(raw.slice(i + 2, i + 6))) {
      out += String.fromCharCode(Number.parseInt(raw.slice(i + 2, i + 6), 16));
      i += 6;
    } else if (e in JSON_SHORT) {
      out += JSON_SHORT[e];
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  return latin1ToUtf8(out);
}

/** One value of an upstream list: null for "-". */
export type UpstreamValue = string | null;

/**
 * Splits a multi-value upstream variable into groups (separated by " : ", one per upstream group tried, e.g.
 * after X-Accel-Redirect or error_page) of peers (separated by ", "). "-" entries become null. "-" alone (no
 * upstream at all) gives [].
 */
export function splitUpstreamList(v: string): UpstreamValue[][] {
  if (v === "" || v === "-") return [];
  const groups = v.split(" : ");
  return groups.map((g) => g.split(", ").map((x) => (x === "-" || x === "" ? null : x)));
}

export interface ParsedRequest {
  method: string;
  uri: string;
  protocol: string;
}

/** `$request` is "METHOD URI PROTO" (or something malformed that a client sent). */
export function parseRequestLine(r: string): ParsedRequest | null {
  const a = r.indexOf(" ");
  if (a <= 0) return null;
  const b = r.lastIndexOf(" ");
  if (b === a) return { method: r.slice(0, a), uri: r.slice(a + 1), protocol: "" };
  return { method: r.slice(0, a), uri: r.slice(a + 1, b), protocol: r.slice(b + 1) };
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** `$time_local`: "24/Nov/2026:13:36:30 +0000" → epoch ms, or NaN. */
export function parseTimeLocal(s: string): number {
  if (s.length !== 26) return Number.NaN;
  const mon = MONTHS[s.slice(3, 6)];
  if (mon === undefined) return Number.NaN;
  const sign = s[21] === "-" ? -1 : 1;
  const off = sign * (Number(s.slice(22, 24)) * 60 + Number(s.slice(24, 26)));
  const t = Date.UTC(
    Number(s.slice(7, 11)),
    mon,
    Number(s.slice(0, 2)),
    Number(s.slice(12, 14)),
    Number(s.slice(15, 17)),
    Number(s.slice(18, 20)),
  );
  return t - off * 60000;
}

/** `$time_iso8601`: "2026-11-24T13:36:30+00:00" → epoch ms, or NaN. */
export function parseTimeIso(s: string): number {
  return Date.parse(s);
}

/** `$msec`: "1700000000.123" → epoch ms, or NaN. */
export function parseMsec(s: string): number {
  return Number(s) * 1000;
}

/** Writes a value as nginx would with the given escape (used by tests and the benchmark generator). */
export function escapeLogValue(v: string, mode: LogEscape): string {
  if (v === "") return "-";
  const bytes = Buffer.from(v, "utf8");
  let out = "";
  for (const c of bytes) {
    if (mode === "none") out += String.fromCharCode(c);
    else if (mode === "json") {
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += "\\\\";
      else if (c === 0x0a) out += "\\n";
      else if (c === 0x0d) out += "\\r";
      else if (c === 0x09) out += "\\t";
      else if (c === 0x08) out += "\\b";
      else if (c === 0x0c) out += "\\f";
      else if (c < 0x20) out += `\\u00${c.toString(16).padStart(2, "0")}`;
      else out += String.fromCharCode(c);
    } else if (c === 0x22 || c === 0x5c || c < 0x20 || c >= 0x7f)
      out += `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
    else out += String.fromCharCode(c);
  }
  return latin1ToUtf8(out);
}
