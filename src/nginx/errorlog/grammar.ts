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
  /** What was skipped in front of the nginx line (syslog, journald, docker, kubectl). */
  prefix: "syslog" | "journald" | "docker" | "kubectl" | null;
  /** True when the line looks cut (no closing quote, ends mid-context). */
  truncated: boolean;
}

const MODULE_OF_SCHEME: Record<string, UpstreamRef["module"]> = {
  http: "proxy",
  https: "proxy",
  fastcgi: "fastcgi",
  uwsgi: "uwsgi",
  suwsgi: "uwsgi",
  scgi: "scgi",
  grpc: "grpc",
  grpcs: "grpc",
  memcached: "memcached",
};

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
  const sep = raw.indexOf("://");
  if (sep > 0 && sep < 12) {
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
  const module = scheme ? (MODULE_OF_SCHEME[scheme] ?? null) : stream ? "stream" : null;
  return { raw, module, scheme, peer, uri };
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
  if (start < 0) return parseStartupLine(line, prefix);
  if (start > 0) {
    prefix ??= prefixKind(line.slice(0, start));
    line = line.slice(start);
  }
  // "YYYY/MM/DD HH:MM:SS [level] " — checked by position (findStart already matched TS at 0).
  const close = line.indexOf("] ", 21);
  if (close < 0 || close > 28 || line.charCodeAt(20) !== 0x5b) return null;
  const level = line.slice(21, close);
  if (!LEVELS.has(level)) return null;
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
  let body = line.slice(p);
  // Stream counters come last: ", bytes from/to client:N/N, bytes from/to upstream:N/N"
  const bytes = body.indexOf(", bytes from/to client:");
  if (bytes >= 0) {
    out.stream = true;
    body = body.slice(0, bytes);
  }
  // Context suffix: keys appear in a fixed order, each as ", key: ".
  const at: Array<{ key: ContextKey; pos: number }> = [];
  let from = body.indexOf(", client: ");
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
  return out;
}

/** `nginx: [emerg] message in FILE:LINE` (nginx -t, start-up on the console or in the journal). */
function parseStartupLine(line: string, prefix: ErrorLine["prefix"]): ErrorLine | null {
  const i = line.indexOf("nginx: [");
  if (i < 0) return null;
  const close = line.indexOf("] ", i + 8);
  if (close < 0) return null;
  const level = line.slice(i + 8, close);
  if (!LEVELS.has(level)) return null;
  const out = blank(line.slice(close + 2), prefix ?? (i > 0 ? prefixKind(line.slice(0, i)) : null));
  out.level = level as ErrorLevel;
  confLocation(out);
  return out;
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
