/**
 * Grammar of nginx error-log lines (pure, never throws).
 *
 * nginx writes (src/core/ngx_log.c, ngx_http_log_error in src/http/ngx_http_request.c):
 *
 *   YYYY/MM/DD HH:MM:SS [level] PID#TID: *CID message, client: ADDR, server: NAME, request: "LINE",
 *     subrequest: "URI", upstream: "URL", host: "HOST", referrer: "URL"
 *
 * Stream (TCP/UDP) lines end with `, client: …, server: ADDR:PORT, upstream: "ADDR:PORT", bytes from/to
 * client:N/N, bytes from/to upstream:N/N`. Start-up and `nginx -t` lines look like
 * `nginx: [emerg] message in FILE:LINE`. Lines forwarded by syslog, journald, Docker's json-file driver or
 * `kubectl logs --timestamps` carry a prefix, which is skipped. Only indexOf scans and anchored, linear
 * regexes are used.
 */
import { parseRequestLine } from "../logformat.js";

export type ErrorLevel = "debug" | "info" | "notice" | "warn" | "error" | "crit" | "alert" | "emerg";

const LEVELS = new Set<string>(["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"]);

export interface RequestLine {
  method: string;
  uri: string;
  protocol: string | null;
}

export interface UpstreamRef {
  /** Raw value of `upstream: "…"`. */
  raw: string;
  /** proxy (http/https), fastcgi, uwsgi, scgi, grpc, memcached, or stream (no scheme). */
  module: "proxy" | "fastcgi" | "uwsgi" | "scgi" | "grpc" | "memcached" | "stream" | null;
  scheme: string | null;
  /** `127.0.0.1:8080`, `[::1]:8080`, `unix:/run/php.sock`, or an upstream group name (no live upstreams). */
  peer: string;
  /** The URI nginx sent, when present. */
  uri: string | null;
}

export interface ErrorLine {
  /** Local time as written (`2026/11/24 10:00:00`), or null for lines without a timestamp. */
  time: string | null;
  level: ErrorLevel | null;
  pid: number | null;
  tid: number | null;
  /** Connection number (`*123`). */
  connection: number | null;
  /** The message without the context suffix. */
  message: string;
  client: string | null;
  server: string | null;
  request: RequestLine | null;
  /** Raw request line as logged. */
  requestRaw: string | null;
  subrequest: string | null;
  upstream: UpstreamRef | null;
  host: string | null;
  referrer: string | null;
  /** Stream-module line (has `bytes from/to` counters). */
  stream: boolean;
  /** `nginx -t` / start-up line: the file and line it points at. */
  confFile: string | null;
  confLine: number | null;
  /** What was skipped in front of the nginx line (syslog, journald, docker, compose, kubectl/CRI, a paste). */
  prefix: "syslog" | "journald" | "docker" | "compose" | "kubectl" | "paste" | null;
  /** True when the line looks cut (no closing quote, ends mid-context). */
  truncated: boolean;
  /**
   * How much of nginx's own layout the line carries: "full" (timestamp, level, pid), "partial" (the level or a
   * redacted timestamp, but not all of it), "message" (only the message, found by a known nginx wording).
   */
  shape: "full" | "partial" | "message";
  /** Parts of nginx's layout the line does not show ("time", "level", "pid", "connection", "context"). */
  missing: string[];
  /** Parts that were present but redacted by whoever published the line ("time", "connection", "client"). */
  redacted: string[];
  /** OpenResty's `, context: ngx.timer` (the Lua phase the line was logged from). */
  luaContext: string | null;
}

// A Map, not an object literal: a scheme such as "constructor" or "__proto__" must not find Object's members.
const MODULE_OF_SCHEME = new Map<string, UpstreamRef["module"]>([
  ["http", "proxy"],
  ["https", "proxy"],
  ["fastcgi", "fastcgi"],
  ["uwsgi", "uwsgi"],
  ["suwsgi", "uwsgi"],
  ["scgi", "scgi"],
  ["grpc", "grpc"],
  ["grpcs", "grpc"],
  ["memcached", "memcached"],
]);

/** Where an upstream's scheme ends ("://" within its first 14 characters), or -1. */
function schemeEnd(raw: string): number {
  const sep = raw.indexOf("://");
  return sep > 0 && sep < 12 ? sep : -1;
}

function moduleOf(scheme: string | null, stream: boolean): UpstreamRef["module"] {
  return scheme ? (MODULE_OF_SCHEME.get(scheme) ?? null) : stream ? "stream" : null;
}

/** How many leading characters of an upstream decide its module (what upstreamModule needs to see). */
export const UPSTREAM_MODULE_CHARS = 14;

/**
 * The module of an upstream value (as parseUpstream gives it), from its first UPSTREAM_MODULE_CHARS characters
 * or more: a log reader need not decode a long URI to learn it.
 */
export function upstreamModule(head: string, stream: boolean): UpstreamRef["module"] {
  const sep = schemeEnd(head);
  return moduleOf(sep < 0 ? null : head.slice(0, sep).toLowerCase(), stream);
}

/** An ErrorLine with only a message (and the prefix that was skipped) filled in. */
export function blank(message: string, prefix: ErrorLine["prefix"]): ErrorLine {
  return {
    time: null,
    level: null,
    pid: null,
    tid: null,
    connection: null,
    message,
    client: null,
    server: null,
    request: null,
    requestRaw: null,
    subrequest: null,
    upstream: null,
    host: null,
    referrer: null,
    stream: false,
    confFile: null,
    confLine: null,
    prefix,
    truncated: false,
    shape: "full",
    missing: [],
    redacted: [],
    luaContext: null,
  };
}

const TS = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) \[([a-z]{4,6})\] /;

/** Finds where an nginx timestamped line starts inside a possibly prefixed line. */
function findStart(line: string): number {
  if (
    line.charCodeAt(4) === 0x2f &&
    line.charCodeAt(7) === 0x2f &&
    line.charCodeAt(19) === 0x20 &&
    TS.test(line)
  )
    return 0;
  // Look for "YYYY/MM/DD " after a prefix: scan for '/' pairs at fixed offsets.
  let i = line.indexOf("/");
  while (i >= 4 && i < 400) {
    const s = i - 4;
    if (line.charCodeAt(i + 3) === 0x2f && TS.test(line.slice(s, s + 40))) return s;
    i = line.indexOf("/", i + 1);
  }
  return -1;
}

function unwrapDocker(line: string): string | null {
  if (!line.startsWith('{"log":"') && !line.startsWith('{"log": "')) return null;
  try {
    const v = JSON.parse(line) as { log?: unknown };
    return typeof v.log === "string" ? v.log.replace(/\r?\n$/, "") : null;
  } catch {
    // A cut JSON line: take what is there.
    const body = line.slice(line.indexOf('"', 6) + 1);
    return body.replace(/\\"/g, '"').replace(/\\n$/, "");
  }
}

function prefixKind(pre: string): ErrorLine["prefix"] {
  if (pre === "") return null;
  if (pre.startsWith("<")) return "syslog";
  if (/^\d{4}-\d\d-\d\dT/.test(pre)) return "kubectl";
  return /nginx(\[\d+\])?: $/.test(pre) || /^[A-Z][a-z]{2} [ \d]\d /.test(pre) ? "journald" : "syslog";
}

/** Splits `upstream: "…"` into module, scheme, peer and URI. */
export function parseUpstream(raw: string, stream: boolean): UpstreamRef {
  let rest = raw;
  let scheme: string | null = null;
  const sep = schemeEnd(raw);
  if (sep >= 0) {
    scheme = raw.slice(0, sep).toLowerCase();
    rest = raw.slice(sep + 3);
  }
  let peer: string;
  let uri: string | null = null;
  if (rest.startsWith("unix:")) {
    // fastcgi://unix:/run/php/php-fpm.sock:  /  http://unix:/tmp/app.sock:/path
    const body = rest.slice(5);
    const c = body.indexOf(":");
    peer = `unix:${c >= 0 ? body.slice(0, c) : body}`;
    if (c >= 0 && c + 1 < body.length) uri = body.slice(c + 1);
  } else {
    const slash = rest.indexOf("/");
    peer = slash >= 0 ? rest.slice(0, slash) : rest;
    if (slash >= 0) uri = rest.slice(slash);
  }
  return { raw, module: moduleOf(scheme, stream), scheme, peer, uri };
}

const CONTEXT_KEYS = ["client", "server", "request", "subrequest", "upstream", "host", "referrer"] as const;
type ContextKey = (typeof CONTEXT_KEYS)[number];
const MARKERS = CONTEXT_KEYS.map((key) => ({ key, marker: `, ${key}: ` }));

function unquote(v: string): { value: string; cut: boolean } {
  if (!v.startsWith('"')) return { value: v, cut: false };
  if (v.length >= 2 && v.endsWith('"')) return { value: v.slice(1, -1), cut: false };
  return { value: v.slice(1), cut: true };
}

/** Parses one error-log line. Returns null only for lines that are not nginx error-log lines at all. */
export function parseErrorLine(input: string): ErrorLine | null {
  let line = input.endsWith("\r") ? input.slice(0, -1) : input;
  let prefix: ErrorLine["prefix"] = null;
  const docker = unwrapDocker(line);
  if (docker !== null) {
    line = docker;
    prefix = "docker";
  }
  const start = findStart(line);
  if (start < 0) return parseLenient(line, prefix);
  if (start > 0) {
    prefix ??= prefixKind(line.slice(0, start));
    line = line.slice(start);
  }
  // "YYYY/MM/DD HH:MM:SS [level] " — checked by position (findStart already matched TS at 0).
  const close = line.indexOf("] ", 21);
  if (close < 0 || close > 28 || line.charCodeAt(20) !== 0x5b) return parseLenient(line, prefix);
  const level = line.slice(21, close);
  if (!LEVELS.has(level)) return parseLenient(line, prefix);
  let p = close + 2;
  const out = blank("", prefix);
  out.time = line.slice(0, 19);
  out.level = level as ErrorLevel;
  // PID#TID:
  const hash = line.indexOf("#", p);
  const colon = line.indexOf(": ", p);
  if (hash > p && colon > hash && colon - p < 24) {
    out.pid = toInt(line.slice(p, hash));
    out.tid = toInt(line.slice(hash + 1, colon));
    p = colon + 2;
  }
  // *CID
  if (line.charCodeAt(p) === 0x2a) {
    const sp = line.indexOf(" ", p);
    if (sp > p) {
      out.connection = toInt(line.slice(p + 1, sp));
      p = sp + 1;
    }
  }
  // A pid or connection id that is not a number: a paste that added spaces or redacted it. Read it leniently.
  if (out.pid === null || (out.connection === null && line.charCodeAt(p - 2) === 0x2a)) {
    const lenient = parseLenient(line, prefix);
    if (lenient) return lenient;
  }
  parseBody(out, line.slice(p));
  return out;
}

/** Message and context suffix (`, client: …, upstream: "…"`), shared by the strict and the lenient reader. */
function parseBody(out: ErrorLine, input: string): void {
  let body = input;
  // Stream counters come last: ", bytes from/to client:N/N, bytes from/to upstream:N/N"
  const bytes = body.indexOf(", bytes from/to client:");
  if (bytes >= 0) {
    out.stream = true;
    body = body.slice(0, bytes);
  }
  // OpenResty puts ", context: ngx.timer" (the Lua phase) between the message and the client context.
  const ctx = body.indexOf(", context: ");
  if (ctx >= 0) {
    const endCtx = body.indexOf(", ", ctx + 11);
    out.luaContext = body.slice(ctx + 11, endCtx < 0 ? body.length : endCtx);
    body = body.slice(0, ctx) + (endCtx < 0 ? "" : body.slice(endCtx));
  }
  // Context suffix: keys appear in a fixed order, each as ", key: ".
  const at: Array<{ key: ContextKey; pos: number }> = [];
  let from = body.indexOf(", client: ");
  if (from < 0 && out.shape !== "full") {
    // A paste may have lost the client part but kept the rest (", server: …, request: …, upstream: …").
    for (const key of ["server", "request", "upstream"] as const) {
      from = body.indexOf(`, ${key}: `);
      if (from >= 0) break;
    }
  }
  if (from >= 0) {
    for (const { key, marker } of MARKERS) {
      const pos = body.indexOf(marker, from);
      if (pos >= 0) {
        at.push({ key, pos });
        from = pos + marker.length;
      }
    }
  }
  out.message = at.length ? body.slice(0, (at[0] as { pos: number }).pos) : body;
  for (let k = 0; k < at.length; k++) {
    const { key, pos } = at[k] as { key: ContextKey; pos: number };
    const end = k + 1 < at.length ? (at[k + 1] as { pos: number }).pos : body.length;
    const { value, cut } = unquote(body.slice(pos + key.length + 4, end));
    if (cut && k === at.length - 1) out.truncated = true;
    switch (key) {
      case "client":
        out.client = value;
        break;
      case "server":
        out.server = value;
        break;
      case "request": {
        out.requestRaw = value;
        const r = parseRequestLine(value);
        out.request = r ? { method: r.method, uri: r.uri, protocol: r.protocol || null } : null;
        break;
      }
      case "subrequest":
        out.subrequest = value;
        break;
      case "upstream":
        out.upstream = parseUpstream(value, out.stream);
        break;
      case "host":
        out.host = value;
        break;
      case "referrer":
        out.referrer = value;
        break;
    }
  }
  if (at.length === 0 && (body.endsWith(", client:") || body.endsWith(", client") || body.endsWith(", cl")))
    out.truncated = true;
  if (out.connection === null) confLocation(out);
}

// ---------------------------------------------------------------------------------------------------------
// The lenient reader: lines as people paste them. Finds nginx's message wherever it stands and fills in what
// the line still carries. Every step is an indexOf scan or an anchored regex over a bounded slice.

/** Wordings nginx (and OpenResty) start a message with; the lenient reader accepts a line that holds one. */
const MESSAGE_STARTS = [
  "connect() failed",
  "connect() to ",
  "upstream timed out",
  "upstream prematurely closed",
  "upstream prematurely sent",
  "upstream sent ",
  "upstream SSL certificate",
  "upstream server temporarily disabled",
  "upstream rejected request",
  "upstream response is buffered",
  "an upstream response is buffered",
  "upstream buffer is too small",
  "no live upstreams",
  "recv() failed",
  "send() failed",
  "writev() failed",
  "readv() failed",
  "sendfile() failed",
  "SSL_do_handshake() failed",
  "SSL_read() failed",
  "SSL_write() failed",
  "SSL_shutdown() failed",
  "peer closed connection in SSL handshake",
  "host not found in upstream",
  "no resolver defined",
  "worker_connections are not enough",
  "socket() failed",
  "accept4() failed",
  "accept() failed",
  "FastCGI sent in stderr",
  "client prematurely closed",
  "client closed connection",
  "client timed out",
  "client intended to send",
  "client sent ",
  "lua ssl certificate verify error",
  "lua tcp socket ",
  "lua udp socket ",
  "[lua] ",
  "open() ",
  "limiting requests",
  "limiting connections",
  "access forbidden by rule",
  "directory index of",
  "bind() to ",
  "unknown directive",
  "invalid number of arguments",
  "cannot load certificate",
  "epoll_wait() ",
  "setsockopt(",
  "getsockopt(",
  "zero size buf",
  "upstream server ",
  "could not be resolved",
  "host not found in ",
  "client closed ",
  "attempt to send data on a closed socket",
  "lua socket ",
  "nginx: the configuration file",
  "nginx: configuration file",
  "epoll_wait() reported",
  "client read timed out",
  "unexpected response for ",
  "unexpected DNS response for ",
  "http upstream ",
  "invalid port in upstream",
  "invalid host in upstream",
  "no port in upstream",
  "failed the initial dns/balancer resolve",
  "failed to retry the dns/balancer resolver",
  "dns resolution failed",
];

/** Phases nginx appends; a line holding one and an errno is an nginx message even when its start was lost. */
const PHASE_TAILS = [
  " while connecting to upstream",
  " while reading response header from upstream",
  " while sending request to upstream",
  " while reading upstream",
  " while SSL handshaking to upstream",
  " while proxying",
  " while resolving",
];

/** Finds `[level]` in the first few hundred characters. */
function findLevel(s: string): { start: number; end: number; level: ErrorLevel } | null {
  let i = s.indexOf("[");
  while (i >= 0 && i < 400) {
    const close = s.indexOf("]", i + 1);
    if (close < 0) return null;
    if (close - i <= 7) {
      const lv = s.slice(i + 1, close);
      if (LEVELS.has(lv)) return { start: i, end: close + 1, level: lv as ErrorLevel };
    }
    i = s.indexOf("[", i + 1);
  }
  return null;
}

const HTML_ENTITIES: Record<string, string> = {
  "&quot;": '"',
  "&#34;": '"',
  "&#x22;": '"',
  "&#39;": "'",
  "&#x27;": "'",
  "&apos;": "'",
  "&lt;": "<",
  "&gt;": ">",
  "&amp;": "&",
};

/** Undoes what copying a line through Markdown, HTML or a chat window does to it. */
function tidyPaste(input: string): { text: string; changed: boolean } {
  let s = input.trim();
  const before = s;
  // Markdown quote marks and code spans in front of the line.
  while (s.startsWith(">") || s.startsWith("`")) s = s.slice(1).trimStart();
  while (s.endsWith("`")) s = s.slice(0, -1).trimEnd();
  if (s.includes("&"))
    s = s.replace(/&(?:quot|#34|#x22|#39|#x27|apos|lt|gt|amp);/g, (m) => HTML_ENTITIES[m] ?? m);
  // JSON-escaped quotes from a log viewer: `upstream: \"http://…\"`.
  if (s.includes('\\"')) s = s.replace(/\\"/g, '"');
  // Spaces a chat window or a reflowed paragraph added: `connect () to unix: /run/php.sock`.
  if (s.includes(" ()")) s = s.replace(/([A-Za-z_0-9]) \(\)/g, "$1()");
  if (s.includes("unix: /")) s = s.replace(/unix: \//g, "unix:/");
  if (s.includes(": // ")) s = s.replace(/\b([a-z]+): \/\/ /g, "$1://");
  // Markdown emphasis around the message: **upstream timed out …**, _…_.
  if (s.includes("**")) s = s.replace(/\*\*/g, "");
  return { text: s, changed: s !== before };
}

/** A timestamp that may have been redacted (`2021/12/24 14:MM:SS`, `XXXX/XX/XX …`). */
const LOOSE_TIME = /^[\dXx*#]{4}\/[\dXx*#]{2}\/[\dXx*#]{2} [\dXxHhMm*#]{2}:[\dXxMm*#]{2}:[\dXxSs*#]{2}$/;
const EXACT_TIME = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d$/;

function pastePrefixKind(pre: string): ErrorLine["prefix"] {
  const t = pre.trimEnd();
  if (t === "") return null;
  if (/^\S+\s*\|$/.test(t)) return "compose";
  if (/\b(?:stderr|stdout) [FP]$/.test(t)) return "kubectl";
  return prefixKind(pre);
}

/** Strips a Docker Compose (`web_1  | `) or CRI (`2024-… stderr F `) prefix from a line without a level. */
function stripToolPrefix(s: string): { rest: string; kind: ErrorLine["prefix"] } {
  const bar = s.indexOf(" | ");
  if (bar > 0 && bar < 80) {
    const name = s.slice(0, bar).trimEnd();
    if (/^[\w.-]+$/.test(name)) return { rest: s.slice(bar + 3).trimStart(), kind: "compose" };
  }
  const cri = /^\d{4}-\d\d-\d\dT[\d:.]{8,20}(?:Z|[+-]\d\d:?\d\d)? (?:stderr|stdout) [FP] /.exec(
    s.slice(0, 80),
  );
  if (cri) return { rest: s.slice(cri[0].length), kind: "kubectl" };
  return { rest: s, kind: null };
}

/** The lenient reader: a line that lacks nginx's full prefix. */
function parseLenient(input: string, prefix0: ErrorLine["prefix"]): ErrorLine | null {
  if (input.length === 0) return null;
  const tidy = tidyPaste(input);
  let s = tidy.text;
  let prefix = prefix0;
  const lv = findLevel(s);
  const out = blank("", prefix);
  out.shape = "partial";
  if (lv) {
    // Anything in front of `[level]`: a (possibly redacted) timestamp, and before it a forwarder's prefix.
    const before = s.slice(0, lv.start).trimEnd();
    const t = before.slice(-19);
    const timed = LOOSE_TIME.test(t);
    if (EXACT_TIME.test(t)) out.time = t;
    else if (timed) out.redacted.push("time");
    const head = (timed ? before.slice(0, -19) : before).trimEnd();
    // `nginx: [emerg] …` as nginx -t and systemctl print it is nginx's own layout, not a prefix.
    if (head !== "" && head !== "nginx:") prefix ??= pastePrefixKind(head);
    out.prefix = prefix ?? (tidy.changed ? "paste" : null);
    out.level = lv.level;
    let p = lv.end;
    while (s.charCodeAt(p) === 0x20) p++;
    // PID#TID: (digits, or redacted)
    const colon = s.indexOf(": ", p);
    const hash = s.indexOf("#", p);
    if (hash > p && colon > hash && colon - p < 24 && /^[\dXx*]+ ?# ?[\dXx*]+$/.test(s.slice(p, colon))) {
      out.pid = toInt(s.slice(p, hash).trim());
      out.tid = toInt(s.slice(hash + 1, colon).trim());
      if (out.pid === null) out.redacted.push("pid");
      p = colon + 2;
    }
    // *CID (digits, or redacted)
    if (s.charCodeAt(p) === 0x2a) {
      if (s.charCodeAt(p + 1) === 0x20 && s.charCodeAt(p + 2) >= 0x30 && s.charCodeAt(p + 2) <= 0x39)
        s = `${s.slice(0, p + 1)}${s.slice(p + 2)}`;
      const sp = s.indexOf(" ", p);
      if (sp > p && sp - p < 24) {
        out.connection = toInt(s.slice(p + 1, sp));
        if (out.connection === null) out.redacted.push("connection");
        p = sp + 1;
      }
    }
    s = s.slice(p);
    if (out.time !== null && out.pid !== null) out.shape = "full";
  } else {
    const tool = stripToolPrefix(s);
    if (tool.kind) {
      prefix ??= tool.kind;
      s = tool.rest;
    }
    const at = findMessageStart(s);
    if (at < 0) return null;
    if (at > 0) prefix ??= "paste";
    out.prefix = prefix ?? (tidy.changed ? "paste" : null);
    out.shape = "message";
    s = s.slice(at);
  }
  parseBody(out, s);
  if (out.time === null && !out.redacted.includes("time")) out.missing.push("time");
  if (out.level === null) out.missing.push("level");
  if (out.pid === null && out.level !== null && !out.redacted.includes("pid") && out.confFile === null)
    out.missing.push("pid");
  if (out.client === null && out.server === null && out.upstream === null && out.confFile === null)
    out.missing.push("context");
  else if (out.client !== null && /^[xX*.:]+$|redacted|hidden/i.test(out.client)) out.redacted.push("client");
  return out;
}

/** Where a known nginx message starts in a line without a level, or -1. */
function findMessageStart(s: string): number {
  let best = -1;
  const lower = s.toLowerCase();
  for (const m of MESSAGE_STARTS) {
    const i = lower.indexOf(m.toLowerCase());
    if (i >= 0 && (best < 0 || i < best)) best = i;
  }
  if (best < 0) {
    // "(113: No route to host) while connecting to upstream": the start was cut, the errno and phase remain.
    for (const t of PHASE_TAILS) {
      const w = s.indexOf(t);
      if (w >= 0 && /\(\d{1,4}: [^)]{1,80}\)/.test(s.slice(0, w + 1))) return 0;
    }
    return -1;
  }
  // "HOST could not be resolved (…)": the message starts with the name in front of the wording.
  if (best > 0 && s.startsWith("could not be resolved", best)) best = s.lastIndexOf(" ", best - 2) + 1;
  return best;
}

/** Picks up the ` in FILE:LINE` that ngx_conf_log_error appends. */
function confLocation(out: ErrorLine): void {
  const k = out.message.lastIndexOf(" in ");
  if (k < 0) return;
  const m = /^([^\s:]{1,4096}):(\d{1,9})$/.exec(out.message.slice(k + 4));
  if (m) {
    out.confFile = m[1] as string;
    out.confLine = Number(m[2]);
  }
}

function toInt(s: string): number | null {
  if (s.length === 0 || s.length > 12) return null;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return n;
}

/** nginx local time "2026/11/24 10:00:00" → epoch ms, read as UTC unless an offset (minutes east) is given. */
export function errorTimeToMs(t: string, offsetMinutes = 0): number {
  const ms = Date.UTC(
    Number(t.slice(0, 4)),
    Number(t.slice(5, 7)) - 1,
    Number(t.slice(8, 10)),
    Number(t.slice(11, 13)),
    Number(t.slice(14, 16)),
    Number(t.slice(17, 19)),
  );
  return ms - offsetMinutes * 60000;
}

/** `connect() to unix:/run/php.sock failed (…)` / `connect() to 10.0.0.1:80 failed`: the peer a message names. */
export function messagePeer(message: string): string | null {
  const i = message.indexOf("connect() to ");
  if (i < 0) return null;
  const end = message.indexOf(" failed", i + 13);
  if (end < 0 || end - i > 4200) return null;
  const name = message.slice(i + 13, end);
  return name.length > 0 && !name.includes(" ") ? name : null;
}

const CONTINUATION_KEYS = [
  "client:",
  "server:",
  "request:",
  "subrequest:",
  "upstream:",
  "host:",
  "referrer:",
];

/**
 * True when `next` continues `prev` rather than starting a new line: a paste that wrapped one nginx line onto two
 * (`…while connecting to upstream,` / `client: 10.0.0.1, server: …`). Used by the readers of pasted text.
 */
export function isContinuation(prev: string, next: string): boolean {
  const n = next.trimStart();
  if (n === "" || findStart(n) >= 0) return false;
  const p = prev.trimEnd();
  if (p === "") return false;
  if (n.startsWith(",")) return true;
  // Nothing but a wrapped nginx line starts with one of its context keys.
  for (const k of CONTINUATION_KEYS) if (n.startsWith(k)) return true;
  // A line cut inside a quoted value (`request: "GET /a`) continued on the next line.
  const lastQuoteKey = Math.max(p.lastIndexOf(': "'), -1);
  if (lastQuoteKey >= 0 && p.indexOf('"', lastQuoteKey + 3) < 0 && next.startsWith(" ") === false)
    return true;
  return false;
}
