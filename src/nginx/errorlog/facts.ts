/**
 * What the error-log summary needs to know about a classified line, beyond its class: whether it is worth a full
 * parse at all, whether it is a failure or a note, whether it names a peer, which detail a group keeps for it,
 * which host name failed to resolve, and the order in which the scanner core numbers the levels. Pure; the
 * readers in src/evidence/ and the diagnose rules use these instead of looking at line text themselves.
 */
import {
  LEVEL_ALERT,
  LEVEL_CRIT,
  LEVEL_DEBUG,
  LEVEL_EMERG,
  LEVEL_ERROR,
  LEVEL_INFO,
  LEVEL_NOTICE,
  LEVEL_WARN,
} from "../wasm/layout.js";
import type { ErrorLevel } from "./grammar.js";
import type { Classification, ErrorClass } from "./taxonomy.js";

/**
 * Substrings of every line that can be about an upstream (the taxonomy's failure wordings and their
 * contexts). A line with none of them is counted as not-upstream after this cheap test, without a full parse.
 */
export const UPSTREAM_MARKERS = [
  "upstream",
  "worker_connections",
  "open files",
  "file descriptors",
  "could not be resolved",
  "no resolver",
  "FastCGI",
  "connect() ",
  "SSL",
] as const;

/** True when the line may be about an upstream (it has one of UPSTREAM_MARKERS). */
export function mayConcernUpstream(line: string): boolean {
  for (const m of UPSTREAM_MARKERS) if (line.includes(m)) return true;
  return false;
}

/** True for lines that report a failure (not notes such as "upstream server temporarily disabled"). */
export function isFailure(c: Classification): boolean {
  return (
    c.class !== "not-upstream" &&
    c.detail !== "non-fatal" &&
    c.detail !== "peer-disabled" &&
    // Start-up/nginx -t lines are notes, except an upstream name that does not resolve: nginx then does not
    // start (or keeps the old configuration), which is the cause the operator is looking for.
    (c.detail !== "config" || c.class === "dns-failure")
  );
}

/**
 * Classes whose lines are not about one peer: the group is the upstream block (no live upstreams) or the name
 * being resolved, so the `upstream:` value does not name the peer that failed.
 */
export function hasNoPeer(cls: ErrorClass): boolean {
  return cls === "no-live-upstreams" || cls === "dns-failure" || cls === "no-resolver";
}

/** Classes whose groups keep the message itself as detail (what the backend or the TLS library said). */
export function keepsMessageDetail(c: Classification): boolean {
  return c.class === "fastcgi-stderr" || c.class.startsWith("tls");
}

/** What a group keeps as "detail" of a line: the class's detail, or the message for stderr and TLS lines. */
export function detailOf(c: Classification, message: string): string | null {
  return c.detail ?? (keepsMessageDetail(c) ? message.slice(0, 200) : null);
}

/** OpenSSL's words (1.1.x and 3.x) for "the peer answered a TLS handshake with something that is not TLS". */
const NOT_TLS_WORDS = [
  "wrong version number",
  "unknown protocol",
  "packet length too long",
  "http request",
  "record layer failure",
];

/** True when a TLS handshake message says the peer does not speak TLS (it answered in plain text). */
export function peerSpeaksPlain(message: string): boolean {
  for (const w of NOT_TLS_WORDS) if (message.includes(w)) return true;
  return false;
}

const NAME_CHAR = /[A-Za-z0-9._-]/;

/**
 * The host name a resolver failure is about: `NAME could not be resolved (…)` or `host not found in upstream
 * "NAME"` (with its port when one is written); null when the message names none.
 */
export function unresolvedName(message: string): string | null {
  const k = message.indexOf(" could not be resolved");
  if (k > 0) {
    let i = k;
    while (i > 0 && NAME_CHAR.test(message.charAt(i - 1))) i--;
    return i < k ? message.slice(i, k) : null;
  }
  const h = message.indexOf('host not found in upstream "');
  if (h < 0) return null;
  const s = h + 'host not found in upstream "'.length;
  const e = message.indexOf('"', s);
  if (e <= s || e - s > 253) return null;
  return message.slice(s, e);
}

/** Level names by the index the scanner core writes (LEVEL_* of src/nginx/wasm/layout.ts). */
export const ERROR_LEVEL_ORDER: readonly ErrorLevel[] = (() => {
  const order: ErrorLevel[] = [];
  order[LEVEL_WARN] = "warn";
  order[LEVEL_CRIT] = "crit";
  order[LEVEL_INFO] = "info";
  order[LEVEL_ERROR] = "error";
  order[LEVEL_ALERT] = "alert";
  order[LEVEL_EMERG] = "emerg";
  order[LEVEL_DEBUG] = "debug";
  order[LEVEL_NOTICE] = "notice";
  return order;
})();
