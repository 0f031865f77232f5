/**
 * Offset scanner for the common shape of an nginx error-log line, used by the log summariser's hot loop.
 *
 * `parseErrorLine` builds an `ErrorLine` object with a dozen substrings for every line; summarising a
 * multi-gigabyte log needs only a few of them. `BlockScanner` works on one decoded block of many lines and
 * reports where the level, message and context values of a line start and end, without creating strings.
 * It accepts only lines in nginx's plain layout (timestamp at the start, `PID#TID: *CID `, a `, client: `
 * context, no stream counters, at most 64 KiB); for every other line `scan` returns false and the caller
 * uses `parseErrorLine`. For the lines it accepts it finds exactly the fields `parseErrorLine` finds: it
 * searches the same markers in the same order, so the two agree (a differential test checks this).
 *
 * The context is found by walking the ", " separators of the line once, never by searching the block for
 * a marker that may be absent (which would read the rest of the block for every line).
 */
import type { ErrorLevel } from "./grammar.js";

/** Context keys in the order nginx writes them (ngx_http_log_error); index = slot in `LineSpans.ctx`. */
export const SCAN_KEYS = [
  "client",
  "server",
  "request",
  "subrequest",
  "upstream",
  "host",
  "referrer",
] as const;
export const K_CLIENT = 0;
export const K_SERVER = 1;
export const K_REQUEST = 2;
const K_SUBREQUEST = 3;
export const K_UPSTREAM = 4;
export const K_HOST = 5;
const K_REFERRER = 6;

const MARKERS = SCAN_KEYS.map((k) => `, ${k}: `);
const STREAM_MARKER = ", bytes from/to client:";
const M_STREAM = MARKERS.length;
/** The markers (then the stream marker) as character codes. */
const CODES = [...MARKERS, STREAM_MARKER].map((m) => Uint8Array.from(m, (ch) => ch.charCodeAt(0)));
/** More marker-like ", key: " sequences than this in one line: leave the line to parseErrorLine. */
const MAX_OCC = 32;

/** Longest line the scanner takes: the summariser cuts longer lines and hands them to parseErrorLine. */
export const SCAN_MAX_LINE = 65536;
/** Messages longer than this are not worth caching by text (parseErrorLine handles them). */
export const SCAN_MAX_MESSAGE = 300;

/**
 * A flat copy of a substring. V8 represents substrings of 13 characters or more as slices of their parent:
 * kept in a map they hold the whole block in memory, and as the argument of startsWith/indexOf they take
 * a slow path. Strings kept for comparison with later lines are copied once.
 */
export function copyOf(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, "utf8").toString("utf8");
}

/** Where one line's parts are, as offsets into the block text. Absent context values have start = -1. */
export class LineSpans {
  level: ErrorLevel = "error";
  /** The timestamp's digits as one number, YYYYMMDDHHMMSS: equal keys, equal timestamps. */
  timeKey = 0;
  /** Start of the timestamp (= line start). */
  start = 0;
  /** Line end, without the CR of a CRLF. */
  end = 0;
  msgStart = 0;
  msgEnd = 0;
  /** Value start/end per context key (quotes removed, as parseErrorLine's unquote does). */
  readonly ctxStart = new Int32Array(SCAN_KEYS.length);
  readonly ctxEnd = new Int32Array(SCAN_KEYS.length);
  /** Peer inside the upstream value (`10.0.0.1:8080`, `unix:/run/php.sock`, a group name). */
  peerStart = -1;
  peerEnd = -1;
  /** 0 = no upstream, 1 = TCP or group, 2 = unix socket. */
  upstreamKind = 0;
}

const TIME_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
const D0 = 48;
const D9 = 57;

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9;
}

const LEVEL_CODES = (["warn", "crit", "info", "error", "alert", "emerg", "debug", "notice"] as const).map(
  (name) => ({ name, codes: Uint8Array.from(name, (ch) => ch.charCodeAt(0)) }),
);

/** Level name for "[xxxx] " of length 4–6 starting at `p` (just after "["), or null. */
function levelAt(t: string, p: number, len: number): ErrorLevel | null {
  next: for (const l of LEVEL_CODES) {
    if (l.codes.length !== len) continue;
    for (let k = 0; k < len; k++) if (t.charCodeAt(p + k) !== l.codes[k]) continue next;
    return l.name;
  }
  return null;
}

/**
 * Finds fixed strings in one block with a cache of the next occurrence of each, so that asking "is marker m
 * in [from, end)?" for line after line costs one scan of the block per marker, not one per line. The `from`
 * positions asked for one marker must not decrease within a block.
 */
export class MarkerFinder {
  private t = "";
  private readonly next: Int32Array;

  constructor(private readonly markers: readonly string[]) {
    this.next = new Int32Array(markers.length);
  }

  reset(text: string): void {
    this.t = text;
    this.next.fill(-1);
  }

  /** First occurrence of marker `m` at or after `from`, or the block length when there is none. */
  find(m: number, from: number): number {
    let p = this.next[m] as number;
    if (p < from) {
      p = this.t.indexOf(this.markers[m] as string, from);
      if (p < 0) p = this.t.length;
      this.next[m] = p;
    }
    return p;
  }
}

export class BlockScanner {
  private t = "";

  /** Starts a new block. */
  reset(text: string): void {
    this.t = text;
  }

  private readonly occKind = new Int8Array(MAX_OCC);
  private readonly occPos = new Int32Array(MAX_OCC);

  /** Whether the characters of `m` from index 2 on are at c + 2 (the ", " is known to be at c). */
  private codesAt(c: number, m: Uint8Array): boolean {
    const t = this.t;
    for (let k = 2; k < m.length; k++) if (t.charCodeAt(c + k) !== m[k]) return false;
    return true;
  }

  /**
   * The marker starting at the ", " at c, or -1. Compared code by code: for these short strings that is
   * several times cheaper than a startsWith call.
   */
  private markerAt(c: number): number {
    switch (this.t.charCodeAt(c + 2)) {
      case 0x63: // c
        return this.codesAt(c, CODES[K_CLIENT] as Uint8Array) ? K_CLIENT : -1;
      case 0x73: // s
        if (this.codesAt(c, CODES[K_SERVER] as Uint8Array)) return K_SERVER;
        return this.codesAt(c, CODES[K_SUBREQUEST] as Uint8Array) ? K_SUBREQUEST : -1;
      case 0x72: // r
        if (this.codesAt(c, CODES[K_REQUEST] as Uint8Array)) return K_REQUEST;
        return this.codesAt(c, CODES[K_REFERRER] as Uint8Array) ? K_REFERRER : -1;
      case 0x75: // u
        return this.codesAt(c, CODES[K_UPSTREAM] as Uint8Array) ? K_UPSTREAM : -1;
      case 0x68: // h
        return this.codesAt(c, CODES[K_HOST] as Uint8Array) ? K_HOST : -1;
      case 0x62: // b
        return this.codesAt(c, CODES[M_STREAM] as Uint8Array) ? M_STREAM : -1;
      default:
        return -1;
    }
  }

  private timeOk(i: number): boolean {
    const t = this.t;
    if (
      t.charCodeAt(i + 4) !== 0x2f ||
      t.charCodeAt(i + 7) !== 0x2f ||
      t.charCodeAt(i + 10) !== 0x20 ||
      t.charCodeAt(i + 13) !== 0x3a ||
      t.charCodeAt(i + 16) !== 0x3a ||
      t.charCodeAt(i + 19) !== 0x20 ||
      t.charCodeAt(i + 20) !== 0x5b
    )
      return false;
    let key = 0;
    for (let o = 0; o < TIME_DIGITS.length; o++) {
      const c = t.charCodeAt(i + (TIME_DIGITS[o] as number));
      if (!isDigit(c)) return false;
      key = key * 10 + (c - D0);
    }
    this.timeKey = key;
    return true;
  }

  /** YYYYMMDDHHMMSS of the last timestamp timeOk accepted. */
  private timeKey = 0;

  /**
   * Scans the line [i, end) of the current block (end excludes the newline and any CR). Returns false when
   * the line is not in the plain layout; `out` is then unspecified.
   */
  scan(i: number, end: number, out: LineSpans): boolean {
    const t = this.t;
    if (end - i > SCAN_MAX_LINE || end - i < 32 || !this.timeOk(i)) return false;
    // "[level] "
    let level: ErrorLevel | null = null;
    let p = 0;
    for (let len = 4; len <= 6; len++) {
      if (t.charCodeAt(i + 21 + len) === 0x5d && t.charCodeAt(i + 22 + len) === 0x20) {
        level = levelAt(t, i + 21, len);
        p = i + 23 + len;
        break;
      }
    }
    if (level === null) return false;
    // "PID#TID: "
    let q = p;
    while (isDigit(t.charCodeAt(q))) q++;
    if (q === p || t.charCodeAt(q) !== 0x23) return false;
    const tid = ++q;
    while (isDigit(t.charCodeAt(q))) q++;
    if (q === tid || t.charCodeAt(q) !== 0x3a || t.charCodeAt(q + 1) !== 0x20 || q - p >= 24) return false;
    q += 2;
    // "*CID "
    if (t.charCodeAt(q) !== 0x2a) return false;
    const cid = ++q;
    while (isDigit(t.charCodeAt(q))) q++;
    if (q === cid || t.charCodeAt(q) !== 0x20) return false;
    const ms = q + 1;
    // Every ", " of the message and context that starts a marker, in order (bounded by the line).
    const kind = this.occKind;
    const pos = this.occPos;
    let n = 0;
    let client = -1;
    for (let c = t.indexOf(", ", ms); c >= 0 && c < end; c = t.indexOf(", ", c + 1)) {
      const m = this.markerAt(c);
      if (m < 0) continue;
      if (m === M_STREAM || n === MAX_OCC) return false;
      if (m === K_CLIENT && client < 0) client = c;
      kind[n] = m;
      pos[n] = c;
      n++;
    }
    if (client < 0 || client - ms > SCAN_MAX_MESSAGE) return false;
    out.level = level;
    out.timeKey = this.timeKey;
    out.start = i;
    out.end = end;
    out.msgStart = ms;
    out.msgEnd = client;
    // Each key is the first of its markers after the previous key found, as parseErrorLine searches them.
    let from = client;
    let prev = -1;
    for (let k = 0; k < SCAN_KEYS.length; k++) {
      let at = -1;
      for (let o = 0; o < n; o++)
        if (kind[o] === k && (pos[o] as number) >= from) {
          at = pos[o] as number;
          break;
        }
      if (at < 0) {
        out.ctxStart[k] = -1;
        continue;
      }
      if (prev >= 0) out.ctxEnd[prev] = at;
      from = at + (MARKERS[k] as string).length;
      out.ctxStart[k] = from;
      prev = k;
    }
    if (prev >= 0) out.ctxEnd[prev] = end;
    for (let k = 0; k < SCAN_KEYS.length; k++) {
      const s = out.ctxStart[k] as number;
      if (s < 0 || t.charCodeAt(s) !== 0x22) continue;
      const e = out.ctxEnd[k] as number;
      out.ctxStart[k] = s + 1;
      if (e - s >= 2 && t.charCodeAt(e - 1) === 0x22) out.ctxEnd[k] = e - 1;
    }
    this.peer(out);
    return true;
  }

  /** The peer inside `upstream: "…"`, the way parseUpstream cuts it. */
  private peer(out: LineSpans): void {
    const t = this.t;
    const s = out.ctxStart[K_UPSTREAM] as number;
    if (s < 0) {
      out.upstreamKind = 0;
      out.peerStart = -1;
      out.peerEnd = -1;
      return;
    }
    const e = out.ctxEnd[K_UPSTREAM] as number;
    // A scheme is at most 11 characters ("memcached", "grpcs"): look for "://" only that far.
    let rest = s;
    for (let q = s + 1; q < s + 12 && q + 3 <= e; q++)
      if (t.charCodeAt(q) === 0x3a && t.charCodeAt(q + 1) === 0x2f && t.charCodeAt(q + 2) === 0x2f) {
        rest = q + 3;
        break;
      }
    out.peerStart = rest;
    if (
      rest + 5 <= e &&
      t.charCodeAt(rest) === 0x75 && // "unix:"
      t.charCodeAt(rest + 1) === 0x6e &&
      t.charCodeAt(rest + 2) === 0x69 &&
      t.charCodeAt(rest + 3) === 0x78 &&
      t.charCodeAt(rest + 4) === 0x3a
    ) {
      out.upstreamKind = 2;
      const c = t.indexOf(":", rest + 5);
      out.peerEnd = c >= 0 && c < e ? c : e;
    } else {
      out.upstreamKind = 1;
      const slash = t.indexOf("/", rest);
      out.peerEnd = slash >= 0 && slash < e ? slash : e;
    }
  }
}
