/**
 * Message taxonomy: every parsed error line gets exactly one stable class id, plus errno, phase, the
 * status the client most likely got and whether nginx would try the next peer under the default
 * `proxy_next_upstream error timeout`. Derived from nginx's sources (ngx_http_upstream.c,
 * ngx_event_connect.c, ngx_connection.c, ngx_event_openssl.c, ngx_resolver.c, the round-robin balancer
 * and the proxy/fastcgi/uwsgi/scgi/grpc/memcached/stream modules); see docs/error-log-messages.md.
 * Matching uses fixed substrings only (no regex cascades), so it is linear in the line length.
 */
import { peerSpeaksPlain } from "./facts.js";
import type { ErrorLine } from "./grammar.js";

export const ERROR_CLASSES = [
  "connection-refused",
  "connect-timeout",
  "read-timeout",
  "send-timeout",
  "host-unreachable",
  "network-unreachable",
  "dns-failure",
  "no-resolver",
  "invalid-response",
  "too-big-header",
  "premature-close",
  "connection-reset",
  "broken-pipe",
  "tls-handshake",
  "tls-verify",
  "unix-socket-missing",
  "unix-socket-permission",
  "unix-socket-busy",
  "permission-denied",
  "worker-connections",
  "too-many-open-files",
  "address-not-available",
  "no-live-upstreams",
  "fastcgi-stderr",
  "not-upstream",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export type Phase =
  | "connecting"
  | "sending-request"
  | "reading-response-header"
  | "reading-response"
  | "ssl-handshake"
  | "resolving"
  | "other";

export interface Errno {
  number: number;
  /** ENOENT, ECONNREFUSED…; for resolver codes (`3: Host not found`) a RESOLVER_* name. */
  symbol: string | null;
  /** The text as logged (glibc and musl word some differently). */
  text: string;
}

export interface Classification {
  class: ErrorClass;
  errno: Errno | null;
  phase: Phase;
  /**
   * What the client most likely got because of this line: 502, 504, 500, or null (none, not decided by this
   * line, or decided before it: see `afterHeaders`).
   */
  status: 502 | 504 | 500 | null;
  /**
   * True when nginx logged the failure after it had already sent the response header to the client ("while
   * reading upstream", "while proxying …"): the client got the upstream's own status (usually 200, which the
   * access log records) with a truncated body, not a 502/504, and nginx could not try another peer.
   */
  afterHeaders: boolean;
  /** Would nginx try the next peer with the default `proxy_next_upstream error timeout`? null when not applicable. */
  nextUpstream: boolean | null;
  /**
   * Finer, stable sub-id where it matters: "no-valid-header", "invalid-header", "wrong-version-number",
   * "self-signed", "peer-disabled", "non-fatal", "config" (nginx -t/start-up line)…
   */
  detail: string | null;
  /** First nginx version that writes this message, when it is newer than 1.18. */
  since: string | null;
}

const ERRNO: Record<number, string> = {
  2: "ENOENT",
  11: "EAGAIN",
  12: "ENOMEM",
  13: "EACCES",
  23: "ENFILE",
  24: "EMFILE",
  32: "EPIPE",
  98: "EADDRINUSE",
  99: "EADDRNOTAVAIL",
  100: "ENETDOWN",
  101: "ENETUNREACH",
  103: "ECONNABORTED",
  104: "ECONNRESET",
  107: "ENOTCONN",
  110: "ETIMEDOUT",
  111: "ECONNREFUSED",
  112: "EHOSTDOWN",
  113: "EHOSTUNREACH",
};

/** nginx resolver's own codes (ngx_resolver_strerror), the same on every libc. */
const RESOLVER: Record<number, string> = {
  1: "RESOLVER_FORMERR",
  2: "RESOLVER_SERVFAIL",
  3: "RESOLVER_NXDOMAIN",
  4: "RESOLVER_NOTIMP",
  5: "RESOLVER_REFUSED",
  110: "RESOLVER_TIMEDOUT",
};

/** First `(N: text)` in the message. */
export function findErrno(msg: string, resolver = false): Errno | null {
  let i = msg.indexOf("(");
  while (i >= 0) {
    let j = i + 1;
    while (j < msg.length && j - i < 6 && msg.charCodeAt(j) >= 48 && msg.charCodeAt(j) <= 57) j++;
    if (j > i + 1 && msg.charCodeAt(j) === 0x3a && msg.charCodeAt(j + 1) === 0x20) {
      const close = msg.indexOf(")", j);
      const n = Number(msg.slice(i + 1, j));
      const text = msg.slice(j + 2, close < 0 ? msg.length : close);
      return { number: n, symbol: (resolver ? RESOLVER[n] : ERRNO[n]) ?? null, text };
    }
    i = msg.indexOf("(", i + 1);
  }
  return null;
}

export function phaseOf(msg: string): Phase {
  const w = msg.lastIndexOf(" while ");
  if (w < 0)
    return msg.includes("could not be resolved") || msg.includes("no resolver defined")
      ? "resolving"
      : "other";
  const a = msg.slice(w + 7);
  if (a.startsWith("connecting to upstream")) return "connecting";
  if (a.startsWith("SSL handshaking to upstream")) return "ssl-handshake";
  if (a.startsWith("sending request to upstream")) return "sending-request";
  if (a.startsWith("reading response header from upstream")) return "reading-response-header";
  if (a.startsWith("reading upstream") || a.startsWith("proxying") || a.startsWith("reading from upstream"))
    return "reading-response";
  if (a.startsWith("resolving")) return "resolving";
  return "other";
}

/** Phases after the response header went to the client (a failure there cannot change the status). */
function isAfterHeaders(phase: Phase): boolean {
  return phase === "reading-response";
}

/**
 * The timeout class of a phase. The SSL handshake to an upstream runs under *_connect_timeout (nginx arms
 * the connect timer for it), so a handshake timeout is a connect timeout (with detail "ssl-handshake").
 */
function timeoutClass(phase: Phase): ErrorClass {
  if (phase === "connecting" || phase === "ssl-handshake") return "connect-timeout";
  if (phase === "sending-request") return "send-timeout";
  return "read-timeout";
}

interface Partial {
  class: ErrorClass;
  detail?: string | null;
  since?: string | null;
  status?: Classification["status"];
  next?: boolean | null;
}

/** Classes whose default client status is 502 and that count as `error` for proxy_next_upstream. */
const ERROR_NEXT = new Set<ErrorClass>([
  "connection-refused",
  "host-unreachable",
  "network-unreachable",
  "premature-close",
  "connection-reset",
  "broken-pipe",
  "tls-handshake",
  "tls-verify",
  "unix-socket-missing",
  "unix-socket-permission",
  "unix-socket-busy",
  "permission-denied",
  "address-not-available",
]);

function byErrno(e: Errno, unix: boolean, phase: Phase): ErrorClass | null {
  switch (e.number) {
    case 111:
      return "connection-refused";
    case 2:
      return unix ? "unix-socket-missing" : null;
    case 13:
      return unix ? "unix-socket-permission" : "permission-denied";
    case 11:
      return unix ? "unix-socket-busy" : "address-not-available";
    case 110:
      return timeoutClass(phase);
    case 112:
    case 113:
      return "host-unreachable";
    case 100:
    case 101:
      return "network-unreachable";
    case 104:
      return "connection-reset";
    case 32:
      return "broken-pipe";
    case 99:
      return "address-not-available";
    case 23:
    case 24:
      return "too-many-open-files";
    default:
      return null;
  }
}

function fallbackByPhase(phase: Phase): ErrorClass {
  switch (phase) {
    case "connecting":
      return "connection-refused";
    case "ssl-handshake":
      return "tls-handshake";
    case "sending-request":
      return "broken-pipe";
    case "resolving":
      return "dns-failure";
    default:
      return "invalid-response";
  }
}

/** System calls nginx makes on local files; their errnos (2, 13, …) say nothing about an upstream. */
const LOCAL_FILE_OPS = ['open() "', 'stat() "', 'opendir() "', 'lstat() "', 'realpath() "'];

/** Messages about the client's side of the connection: never an upstream failure, whatever they mention. */
const CLIENT_SIDE = [
  "client prematurely closed",
  "client closed connection",
  "client timed out",
  "client intended to send",
  "client sent ",
  "client closed keepalive",
];

/**
 * An OpenResty gateway's own balancer reporting that the target's name did not resolve (Kong: "DNS resolution
 * failed: dns server error: 3 name error", "failed the initial dns/balancer resolve for …", "failed to retry the
 * dns/balancer resolver for …"). Lowercased once; plain `includes` scans.
 */
function isGatewayDns(msg: string): boolean {
  const m = msg.toLowerCase();
  return (
    m.includes("dns resolution failed") ||
    m.includes("dns/balancer resolve") ||
    m.includes("name resolution failed")
  );
}

/** OpenResty's Lua messages (cosockets, resty.http, lua-resty-*): what they mean for the upstream call. */
function matchLua(msg: string, phase: Phase): Partial | null {
  if (isGatewayDns(msg)) return { class: "dns-failure", detail: "lua", status: null, next: false };
  if (msg.includes("no resolver defined to resolve"))
    return { class: "no-resolver", next: false, status: null };
  if (msg.includes("lua ssl certificate verify error") || msg.includes("certificate verify failed"))
    return { class: "tls-verify", detail: "lua", status: null, next: null };
  if (msg.includes("lua tcp socket connect timed out") || msg.includes("connect timed out"))
    return { class: "connect-timeout", detail: "lua", status: null, next: null };
  if (msg.includes("lua tcp socket read timed out"))
    return { class: "read-timeout", detail: "lua", status: null, next: null };
  if (msg.includes("connection refused"))
    return { class: "connection-refused", detail: "lua", status: null, next: null };
  if (msg.includes("could not be resolved") || msg.includes("failed to resolve"))
    return { class: "dns-failure", detail: "lua", status: null, next: false };
  return null;
}

/**
 * The first rules of `match`: messages that are no upstream failure whatever the rest of their text says (debug
 * traces, the client's side, OCSP, local files, unusable upstream addresses, buffering notes), decided from the
 * level and the message's start or fixed phrases alone.
 */
function earlyMatch(level: ErrorLine["level"], msg: string): Partial | null {
  // Debug output traces every step of normal traffic ("http upstream recv(): -1 (11: …)"): never a failure.
  if (level === "debug") return { class: "not-upstream", status: null, next: null };
  for (const c of CLIENT_SIDE)
    if (msg.startsWith(c)) return { class: "not-upstream", status: null, next: null };
  if (
    msg.includes("client prematurely closed connection") ||
    msg.startsWith("client closed ") ||
    msg.includes("client read timed out")
  )
    return { class: "not-upstream", status: null, next: null };
  // OCSP stapling: nginx fetching its own certificate's status from the CA's responder ("connect() failed (111: …)
  // while requesting certificate status, responder: …"). No proxied request waits on it.
  if (msg.includes(" while requesting certificate status"))
    return { class: "not-upstream", detail: "ocsp", status: null, next: null };
  // A local file nginx itself opens (an error page, a static file): never an upstream, even when the line carries
  // the `upstream:` of the request that fell back to it.
  if (LOCAL_FILE_OPS.some((op) => msg.startsWith(op)))
    return { class: "not-upstream", detail: "local-file", status: null, next: null };
  // An upstream address nginx cannot use as written (`invalid port in upstream "jenkins:"`, also at run time when a
  // variable expands to it): nginx answers 500 itself and contacts no backend.
  if (
    msg.startsWith("invalid port in upstream") ||
    msg.startsWith("invalid host in upstream") ||
    msg.startsWith("no port in upstream")
  )
    return { class: "not-upstream", detail: "config", status: null, next: null };
  if (msg.startsWith("an upstream response is buffered") || msg.startsWith("upstream response is buffered"))
    return { class: "not-upstream", detail: "buffered", status: null, next: null };
  return null;
}

/**
 * Class and detail of a message that `earlyMatch` decides, as `classify` gives them for a line without a
 * configuration-file location; null for every other message. The record decoder asks it before classifying a
 * message seen for the first time: a log that names a new missing file or temp file on every line then shares
 * one entry per class and detail without running the classifier on each.
 */
export function earlyClass(
  level: ErrorLine["level"],
  message: string,
): { class: ErrorClass; detail: string | null } | null {
  const m = earlyMatch(level, tidyMessage(message));
  return m && { class: m.class, detail: m.detail ?? null };
}

function match(line: ErrorLine, msg: string, phase: Phase, errno: Errno | null): Partial {
  const unix =
    line.upstream?.peer.startsWith("unix:") === true ||
    msg.startsWith("connect() to unix:") ||
    (msg.startsWith("connect() to ") && msg.includes("unix:"));
  const early = earlyMatch(line.level, msg);
  if (early) return early;
  if (msg.includes("no live upstreams")) return { class: "no-live-upstreams", next: false };
  if (
    (msg.startsWith("[lua] ") || msg.startsWith("lua ")) &&
    (line.level === "info" || line.level === "notice")
  )
    return { class: "not-upstream", status: null, next: null };
  if (msg.startsWith("[lua] ") || msg.startsWith("lua ")) {
    const l = matchLua(msg, phase);
    if (l) return l;
  }
  if (isGatewayDns(msg)) return { class: "dns-failure", detail: "lua", status: null, next: false };
  if (msg.includes("no resolver defined to resolve")) return { class: "no-resolver", next: false };
  if (msg.includes(" could not be resolved (") || msg.includes("could not be resolved ("))
    return { class: "dns-failure", next: false, detail: "runtime" };
  // nginx's resolver got an answer it could not use, or a resolver module gave up.
  if (
    msg.startsWith("unexpected response for ") ||
    msg.startsWith("unexpected DNS response for ") ||
    msg.includes("resolver failed")
  )
    return { class: "dns-failure", next: false, detail: "runtime" };
  // Key lookups that miss are answered 404 by the memcached module: not a failure.
  if (msg.includes("was not found by memcached")) return { class: "not-upstream", status: null, next: null };
  if (msg.startsWith("host not found in "))
    return { class: "dns-failure", next: false, detail: "config", status: null };
  // The resolver itself did not answer ("recv() failed (111: …) while resolving, resolver: 10.0.0.2:53").
  if (phase === "resolving" && !msg.startsWith("no resolver"))
    return { class: "dns-failure", next: false, detail: "resolver-unreachable" };
  if (msg.startsWith("no resolver defined")) return { class: "no-resolver", next: false };
  if (msg.includes("worker_connections are not enough"))
    return {
      class: "worker-connections",
      status: 500,
      next: false,
      detail: msg.includes("reusing") ? "reusing" : null,
    };
  if (msg.startsWith("upstream sent too big header")) return { class: "too-big-header", next: false };
  if (msg.startsWith("upstream timed out"))
    return { class: timeoutClass(phase), ...(phase === "ssl-handshake" ? { detail: "ssl-handshake" } : {}) };
  if (msg.startsWith("upstream server temporarily disabled"))
    return { class: fallbackByPhase(phase), detail: "peer-disabled", status: null, next: null };
  if (msg.startsWith("upstream prematurely closed")) return { class: "premature-close" };
  if (msg.startsWith("upstream prematurely sent response"))
    return { class: "tls-handshake", detail: "plain-response-on-tls", since: "1.29.5" };
  if (msg.startsWith("upstream SSL certificate verify error"))
    return {
      class: "tls-verify",
      detail: msg.includes("self signed") || msg.includes("self-signed") ? "self-signed" : "verify-error",
    };
  if (msg.startsWith("upstream SSL certificate does not match"))
    return { class: "tls-verify", detail: "name-mismatch" };
  if (
    (msg.startsWith("SSL_do_handshake() failed") ||
      msg.startsWith("peer closed connection in SSL handshake")) &&
    phase !== "ssl-handshake" &&
    line.upstream === null &&
    // A client's handshake comes before its request is read: a line that names the request is about an
    // upstream (or a subrequest's upstream) handshake, even when "to upstream" is missing.
    line.request === null &&
    line.subrequest === null &&
    !msg.includes("upstream")
  )
    // "… while SSL handshaking, client: …": a client's handshake with nginx's own listener, not an upstream.
    return { class: "not-upstream", detail: "client-tls", status: null, next: null };
  if (
    msg.startsWith("SSL_do_handshake() failed") ||
    msg.startsWith("peer closed connection in SSL handshake")
  ) {
    const wrong = peerSpeaksPlain(msg);
    return {
      class: "tls-handshake",
      detail: wrong ? "wrong-version-number" : msg.startsWith("peer closed") ? "peer-closed" : null,
    };
  }
  if (msg.startsWith("FastCGI sent in stderr")) return { class: "fastcgi-stderr", status: null, next: null };
  if (msg.startsWith("upstream sent ")) {
    // Non-fatal warnings (1.19.1+): extra data is dropped, the response still goes out.
    if (
      line.level === "warn" ||
      msg.startsWith("upstream sent more data than specified") ||
      msg.startsWith("upstream sent data after")
    )
      return { class: "invalid-response", detail: "non-fatal", status: null, next: null, since: "1.19.1" };
    // Not a 502: nginx falls back to HTTP/0.9 and passes the raw bytes on (the access log records 200).
    if (msg.startsWith("upstream sent no valid HTTP/1.0 header"))
      return { class: "invalid-response", detail: "no-valid-header", next: false, status: null };
    if (
      msg.startsWith("upstream sent duplicate header line") ||
      msg.includes('"Content-Length" and "Transfer-Encoding"')
    )
      return { class: "invalid-response", detail: "framing", next: false, since: "1.23.0" };
    if (msg.startsWith("upstream sent invalid header"))
      return { class: "invalid-response", detail: "invalid-header", next: false };
    if (msg.startsWith("upstream sent invalid chunked response"))
      return { class: "invalid-response", detail: "invalid-chunked", next: false };
    return { class: "invalid-response", detail: "other", next: false };
  }
  // gRPC: the backend reset the stream (RST_STREAM) instead of answering; nginx returns INVALID_HEADER, so 502.
  if (msg.startsWith("upstream rejected request with error"))
    return { class: "invalid-response", detail: "stream-reset", next: false };
  if (
    msg.startsWith("upstream ") &&
    (msg.includes("FastCGI") || msg.includes("http2") || msg.includes("gRPC"))
  )
    return { class: "invalid-response", detail: "protocol", next: false };
  // Client-side errors carry errnos too ("recv() failed (104: …) while waiting for request"): only lines about
  // an upstream are classified by errno, except descriptor exhaustion, which hits both sides.
  // nginx calls connect() only toward upstreams (and Lua cosockets), so a connect() failure is one even when the
  // paste lost the "while connecting to upstream" part.
  const upstreamish =
    line.upstream !== null || phase !== "other" || saysUpstream(msg) || msg.startsWith("connect() ");
  if (errno) {
    const c = byErrno(errno, unix, phase);
    if (c === "too-many-open-files")
      return { class: c, status: msg.startsWith("socket() failed") ? 500 : null, next: false };
    // `connect() failed (91: Protocol wrong type for socket)` with no request, upstream or phase: a local socket
    // nginx itself uses (syslog logging to /dev/log), not a backend.
    if (
      c === null &&
      msg.startsWith("connect() ") &&
      phase === "other" &&
      line.upstream === null &&
      line.request === null
    )
      return { class: "not-upstream", detail: "local-socket", status: null, next: null };
    if (c && upstreamish)
      return {
        class: c,
        ...(c === "connect-timeout" && phase === "ssl-handshake" ? { detail: "ssl-handshake" } : {}),
      };
  }
  // Notes about normal upstream traffic ("an upstream response is buffered to a temporary file … while reading
  // upstream" is [warn]): only messages at [error] or worse are guessed to be failures from their phase.
  if (upstreamish && (line.level === "warn" || line.level === "notice" || line.level === "info"))
    return { class: fallbackByPhase(phase), detail: "non-fatal", status: null, next: null };
  // A configuration error about an upstream (`invalid port in upstream "…"`, `upstream "x" may not have port`): nginx
  // refuses the configuration; nothing failed toward a backend.
  if (line.confFile !== null && line.connection === null && phase === "other")
    return { class: "not-upstream", detail: "config", status: null, next: null };
  if (upstreamish) return { class: fallbackByPhase(phase), detail: "unknown-message" };
  return { class: "not-upstream", status: null, next: null };
}

/** The message as nginx wrote it, without what a paste wrapped around it (quotes, emphasis, a capital U). */
function tidyMessage(m: string): string {
  let msg = m;
  let i = 0;
  while (i < msg.length && i < 8 && " *_'\"-.…".includes(msg.charAt(i))) i++;
  if (i > 0) msg = msg.slice(i);
  if (msg.startsWith("Upstream ")) msg = `u${msg.slice(1)}`;
  // OpenResty's stream subsystem tags its Lua log lines: "stream [lua] balancer.lua:…".
  if (msg.startsWith("stream [lua] ")) msg = msg.slice(7);
  return msg;
}

/**
 * "upstream" among the message's own words, not only inside a quoted name or value: `open() "/srv/upstream/a"
 * failed (2: …)` is a missing file, not an upstream failure.
 */
function saysUpstream(msg: string): boolean {
  let quotes = 0;
  let from = 0;
  for (let at = msg.indexOf("upstream"); at !== -1; at = msg.indexOf("upstream", at + 1)) {
    for (let k = from; k < at; k++) if (msg.charCodeAt(k) === 0x22) quotes++;
    from = at;
    if (quotes % 2 === 0) return true;
  }
  return false;
}

/** Classifies one parsed error line. */
export function classify(line: ErrorLine): Classification {
  const msg = tidyMessage(line.message);
  const phase = phaseOf(msg);
  const resolverMsg = msg.includes("could not be resolved") || phase === "resolving";
  const errno = findErrno(msg, resolverMsg);
  const m = match(line, msg, phase, errno);
  const isTimeout = m.class === "connect-timeout" || m.class === "read-timeout" || m.class === "send-timeout";
  // A failure while the body was being read: the header (the upstream's status) already went to the client.
  const after =
    isAfterHeaders(phase) &&
    m.class !== "not-upstream" &&
    m.detail !== "non-fatal" &&
    m.detail !== "peer-disabled" &&
    m.status !== null;
  // The kernel's ETIMEDOUT reported by connect() (not nginx's own timer, "upstream timed out") goes to
  // ngx_http_upstream_next as an error, not a timeout: the client gets 502.
  const kernelTimeout =
    m.class === "connect-timeout" && msg.startsWith("connect() ") && errno?.number !== undefined;
  // The resolver's own socket failing ("send() failed (111: …) while resolving, resolver: …") belongs to no request.
  const noRequest =
    m.class === "dns-failure" && phase === "resolving" && line.connection === null && line.request === null;
  const status: Classification["status"] = after
    ? null
    : m.status !== undefined
      ? m.status
      : m.class === "not-upstream" || noRequest
        ? null
        : isTimeout && !kernelTimeout
          ? 504
          : 502;
  const next: boolean | null = after
    ? false
    : m.next !== undefined
      ? m.next
      : isTimeout || ERROR_NEXT.has(m.class)
        ? true
        : m.class === "not-upstream"
          ? null
          : false;
  return {
    class: m.class,
    errno,
    phase: m.class === "dns-failure" || m.class === "no-resolver" ? "resolving" : phase,
    // Stream (TCP/UDP) proxying has no HTTP status: the client's connection is simply closed.
    status:
      line.stream || (line.confFile !== null && m.class !== "not-upstream" && line.connection === null)
        ? null
        : status,
    afterHeaders: after,
    nextUpstream: next,
    detail:
      line.confFile !== null && line.connection === null && m.detail === undefined
        ? "config"
        : (m.detail ?? null),
    since: m.since ?? null,
  };
}

/**
 * The master process's note that it is loading a new configuration (`nginx -s reload`, `systemctl reload`, SIGHUP):
 * "signal 1 (SIGHUP) received from 4242, reconfiguring" and "reconfiguring", both at [notice].
 */
export function isReload(message: string): boolean {
  return message === "reconfiguring" || message.endsWith(", reconfiguring");
}
