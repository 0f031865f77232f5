// AssemblyScript (see shared.ts).
//
// The error-log summariser's hot loop. JavaScript copies a block of whole lines to offset 0 of this module's
// memory and calls `scanErrorLog`; for every line it writes one record (layout.ts, ERR_*): where the line is,
// and, for lines in nginx's layout (also behind a syslog, journald or kubectl prefix, found where parseErrorLine
// finds it) that may be about an upstream, small integer ids for the message (with its level, upstream kind
// and context flags), server, host and peer, plus the spans of the values JavaScript may need. Ids come from an
// intern table checked byte by byte, so equal ids mean equal text. A line without any upstream word is
// LINE_OTHER; every other line gets LINE_SLOW and JavaScript reads it with parseErrorLine. For the lines it
// accepts, the scanner finds exactly the fields parseErrorLine finds: the same timestamp, level,
// "PID#TID: *CID " and context-marker rules (markers are the first of their kind after the previous one; a
// stream session's counters end the context; lines with markers out of nginx's order, a Lua context, no
// connection number, messages over 300 bytes or lines over 64 KiB are left to parseErrorLine). A differential
// test compares the two on every input. Line ends and ", " pairs are found 32 bytes at a time (SIMD).

import {
  CTX_REQUEST,
  CTX_STREAM,
  CTX_SUBREQUEST,
  ERR_CONTEXT,
  ERR_DATE,
  ERR_HOST,
  ERR_HOST_ID,
  ERR_LEVEL,
  ERR_LINE,
  ERR_MESSAGE,
  ERR_MESSAGE_ID,
  ERR_PEER,
  ERR_PEER_ID,
  ERR_RECORD_INTS,
  ERR_REQUEST,
  ERR_SCRATCH,
  ERR_SCRATCH_BYTES,
  ERR_SERVER,
  ERR_SERVER_ID,
  ERR_SHAPE_ID,
  ERR_STAMP,
  ERR_STATUS,
  ERR_TIME,
  ERR_UPSTREAM,
  ERR_UPSTREAM_KIND,
  LEVEL_ALERT,
  LEVEL_CRIT,
  LEVEL_DEBUG,
  LEVEL_EMERG,
  LEVEL_ERROR,
  LEVEL_INFO,
  LEVEL_NOTICE,
  LEVEL_WARN,
  LINE_OTHER,
  LINE_SCANNED,
  LINE_SLOW,
  RECORD_BASE,
  RECORD_BYTES,
  UPSTREAM_NONE,
  UPSTREAM_TCP,
  UPSTREAM_UNIX,
} from "./layout";
import {
  at,
  bytesAt,
  findByte,
  findByteWide,
  intern,
  internedIds,
  internFull,
  isDigit,
  setNextLine,
} from "./shared";

// The last ERR_SCRATCH_BYTES of the record area hold a message's shape (see shapeOf).
const MAX_REC: i32 = (RECORD_BYTES - ERR_SCRATCH_BYTES) / (ERR_RECORD_INTS * 4);

export function errorRecordInts(): i32 {
  return ERR_RECORD_INTS;
}

// Intern kinds: messages are 1 + (level * 3 + upstream kind) * 8 + context flags (1…192); then servers, hosts
// and peers.
const KIND_SERVER: i32 = 200;
const KIND_HOST: i32 = 201;
const KIND_PEER: i32 = 202;
const MAX_LINE: i32 = 65536;
const MAX_MESSAGE: i32 = 300;

// Marker kinds, in nginx's order (ngx_http_log_error), then the stream counters.
const K_CLIENT: i32 = 0;
const K_SERVER: i32 = 1;
const K_REQUEST: i32 = 2;
const K_SUBREQUEST: i32 = 3;
const K_UPSTREAM: i32 = 4;
const K_HOST: i32 = 5;
const K_REFERRER: i32 = 6;
const M_STREAM: i32 = 7;
/** OpenResty's ", context: " (parseErrorLine takes it out of the message). */
const M_LUA: i32 = 8;

/** Length of each context marker, by kind (", client: ", ", server: ", ", request: ", …). */
const MARKER_LENGTH = StaticArray.fromArray<i32>([10, 10, 11, 14, 12, 8, 12]);
// Scratch for one line: context value spans.
const ctxS = new StaticArray<i32>(7);
const ctxE = new StaticArray<i32>(7);

/** The first 8 bytes of each marker, as one little-endian number. */
const W_CLIENT: u64 = ((<u64>0x746e6569) << 32) | 0x6c63202c;
const W_SERVER: u64 = ((<u64>0x72657672) << 32) | 0x6573202c;
const W_REQUEST: u64 = ((<u64>0x73657571) << 32) | 0x6572202c;
const W_SUBREQUEST: u64 = ((<u64>0x71657262) << 32) | 0x7573202c;
const W_UPSTREAM: u64 = ((<u64>0x65727473) << 32) | 0x7075202c;
const W_HOST: u64 = ((<u64>0x203a7473) << 32) | 0x6f68202c;
const W_REFERRER: u64 = ((<u64>0x72726566) << 32) | 0x6572202c;
const W_BYTES: u64 = ((<u64>0x20736574) << 32) | 0x7962202c;
const W_CONTEXT: u64 = ((<u64>0x7865746e) << 32) | 0x6f63202c;

/**
 * The kind of the context marker starting at the ", " at c, or -1: its first 8 bytes are compared as one
 * number, then the rest (", client: ", ", server: ", ", request: ", …).
 */
function markerAt(c: i32, lim: i32): i32 {
  if (c + 8 > lim) return -1;
  const w = load<u64>(<usize>c);
  const p = <usize>c + 8;
  if (w === W_CLIENT) return c + 10 <= lim && load<u16>(p) === 0x203a ? K_CLIENT : -1;
  if (w === W_SERVER) return c + 10 <= lim && load<u16>(p) === 0x203a ? K_SERVER : -1;
  if (w === W_UPSTREAM) return c + 12 <= lim && load<u32>(p) === 0x203a6d61 ? K_UPSTREAM : -1;
  if (w === W_REQUEST)
    return c + 11 <= lim && load<u16>(p) === 0x3a74 && at(c + 10) === 0x20 ? K_REQUEST : -1;
  if (w === W_HOST) return K_HOST;
  if (w === W_REFERRER) return c + 12 <= lim && load<u32>(p) === 0x203a7265 ? K_REFERRER : -1;
  if (w === W_SUBREQUEST)
    return c + 14 <= lim && load<u32>(p) === 0x74736575 && load<u16>(p + 4) === 0x203a ? K_SUBREQUEST : -1;
  if (w === W_BYTES) return bytesAt(c, lim, ", bytes from/to client:") ? M_STREAM : -1;
  if (w === W_CONTEXT) return c + 11 <= lim && load<u16>(p) === 0x3a74 && at(c + 10) === 0x20 ? M_LUA : -1;
  return -1;
}

/** The LEVEL_* index of the level name of length len at p, or -1 (its bytes compared as numbers). */
function levelAt(p: i32, len: i32): i32 {
  const w = load<u32>(<usize>p);
  if (len === 4) {
    if (w === 0x6e726177) return LEVEL_WARN; // "warn"
    if (w === 0x74697263) return LEVEL_CRIT; // "crit"
    if (w === 0x6f666e69) return LEVEL_INFO; // "info"
  } else if (len === 5) {
    const c = at(p + 4);
    if (w === 0x6f727265 && c === 0x72) return LEVEL_ERROR; // "erro" "r"
    if (w === 0x72656c61 && c === 0x74) return LEVEL_ALERT; // "aler" "t"
    if (w === 0x72656d65 && c === 0x67) return LEVEL_EMERG; // "emer" "g"
    if (w === 0x75626564 && c === 0x67) return LEVEL_DEBUG; // "debu" "g"
  } else if (len === 6) {
    if (w === 0x69746f6e && load<u16>(<usize>p + 4) === 0x6563) return LEVEL_NOTICE; // "noti" "ce"
  }
  return -1;
}

/** What keywordAt finds: one of the words of UPSTREAM_MARKERS (src/nginx/errorlog/facts.ts), "reconfiguring". */
const UPSTREAM_WORD: i32 = 1;
const RELOAD_WORD: i32 = 2;

/** The first 8 bytes of the words keywordAt knows (fewer for shorter words), each as one little-endian number. */
const W_UPSTREAM_WORD: u64 = ((<u64>0x6d616572) << 32) | 0x74737075; // "upstream"
const W_WORKER: u64 = ((<u64>0x635f7265) << 32) | 0x6b726f77; // "worker_c"
const W_OPEN: u64 = ((<u64>0x6c696620) << 32) | 0x6e65706f; // "open fil"
const W_FILE: u64 = ((<u64>0x73656420) << 32) | 0x656c6966; // "file des"
const W_COULD: u64 = ((<u64>0x6f6e2064) << 32) | 0x6c756f63; // "could no"
const W_CONNECT: u64 = ((<u64>0x28746365) << 32) | 0x6e6e6f63; // "connect("
const W_NO_RESOLVER: u64 = ((<u64>0x6c6f7365) << 32) | 0x72206f6e; // "no resol"
const W_FASTCGI: u64 = ((<u64>0x00494743) << 32) | 0x74736146; // "FastCGI"
const W_SSL: u64 = 0x004c5353; // "SSL"
const W_RECONFIG: u64 = ((<u64>0x6769666e) << 32) | 0x6f636572; // "reconfig"

/**
 * Whether the ASCII word `m` is at p (entirely before e), `w` being its first 8 bytes (all of a shorter word)
 * as one number: most places differ there, and only the others compare the rest byte by byte.
 */
function wordAt(p: i32, e: i32, w: u64, m: string): bool {
  const n = m.length;
  if (p + n > e) return false;
  const k = min<i32>(n, 8);
  if ((load<u64>(<usize>p) & (<u64>-1 >> <u64>(64 - (k << 3)))) !== w) return false;
  for (let j = 8; j < n; j++) if (at(p + j) !== <i32>m.charCodeAt(j)) return false;
  return true;
}

/** Which of the words that decide how addLine reads a line starts at p (UPSTREAM_WORD, RELOAD_WORD or 0). */
function keywordAt(p: i32, e: i32): i32 {
  switch (at(p)) {
    case 0x75:
      return wordAt(p, e, W_UPSTREAM_WORD, "upstream") ? UPSTREAM_WORD : 0;
    case 0x77:
      return wordAt(p, e, W_WORKER, "worker_connections") ? UPSTREAM_WORD : 0;
    case 0x6f:
      return wordAt(p, e, W_OPEN, "open files") ? UPSTREAM_WORD : 0;
    case 0x66:
      return wordAt(p, e, W_FILE, "file descriptors") ? UPSTREAM_WORD : 0;
    case 0x63:
      return wordAt(p, e, W_COULD, "could not be resolved") || wordAt(p, e, W_CONNECT, "connect() ")
        ? UPSTREAM_WORD
        : 0;
    case 0x6e:
      return wordAt(p, e, W_NO_RESOLVER, "no resolver") ? UPSTREAM_WORD : 0;
    case 0x46:
      return wordAt(p, e, W_FASTCGI, "FastCGI") ? UPSTREAM_WORD : 0;
    case 0x53:
      return wordAt(p, e, W_SSL, "SSL") ? UPSTREAM_WORD : 0;
    case 0x72:
      return wordAt(p, e, W_RECONFIG, "reconfiguring") ? RELOAD_WORD : 0;
  }
  return 0;
}

// Nibble tables of the keywords' first three bytes, one bit per group: bit 0 "ups", 1 "ope", 2 "wor",
// 3 "co" then u or n, 4 "no ", 5 "fil", 6 "Fas", 7 S or r, then S or e, then L or c ("SSL", "rec").
// A byte x can be a group's byte at that place when LO[x & 15] & HI[x >> 4] has its bit; a place is found
// when the three agree on a bit: at every keyword, and at a few other triples ("rel", "sec", "coe", …).
const FIRST_LO: v128 = i8x16(0, 0, -128, -120, 0, 1, 96, 4, 0, 0, 0, 0, 0, 0, 16, 2);
const FIRST_HI: v128 = i8x16(0, 0, 0, 0, 64, -128, 58, -123, 0, 0, 0, 0, 0, 0, 0, 0);
const SECOND_LO: v128 = i8x16(3, 64, 0, -128, 0, -128, 0, 0, 0, 32, 0, 0, 0, 0, 0, 28);
const SECOND_HI: v128 = i8x16(0, 0, 0, 0, 0, -128, -4, 3, 0, 0, 0, 0, 0, 0, 0, 0);
const THIRD_LO: v128 = i8x16(16, 0, 4, -63, 0, 10, 0, 0, 0, 0, 0, 0, -96, 0, 8, 0);
const THIRD_HI: v128 = i8x16(0, 0, 16, 0, -128, 0, -86, 77, 0, 0, 0, 0, 0, 0, 0, 0);

/** The group bits of the 16 bytes v, looked up in two nibble tables. */
function groups(v: v128, lo: v128, hi: v128): v128 {
  const l = v128.and(v, i8x16.splat(0x0f));
  const h = v128.and(i8x16.shr_u(v, 4), i8x16.splat(0x0f));
  return v128.and(i8x16.swizzle(lo, l), i8x16.swizzle(hi, h));
}

/** Bit k set when a keyword may start at p + k (k < 16): the three nibble-table lookups agree on a group. */
function keywordPlaces(p: i32): i32 {
  const both = v128.and(
    v128.and(
      groups(v128.load(<usize>p), FIRST_LO, FIRST_HI),
      groups(v128.load(<usize>p + 1), SECOND_LO, SECOND_HI),
    ),
    groups(v128.load(<usize>p + 2), THIRD_LO, THIRD_HI),
  );
  return i8x16.bitmask(v128.not(i8x16.eq(both, i8x16.splat(0))));
}

/**
 * Which of the words keywordAt knows [s, e) has (UPSTREAM_WORD | RELOAD_WORD; the search stops at the first
 * upstream word). Places where their first three bytes may be are found 16 positions at a time with the
 * nibble tables above, and keywordAt checks each place found.
 */
function wordsIn(s: i32, e: i32): i32 {
  let found = 0;
  let p = s;
  while (p + 16 <= e) {
    let m = keywordPlaces(p);
    while (m !== 0) {
      found |= keywordAt(p + ctz<i32>(m), e);
      if (found & UPSTREAM_WORD) return found;
      m &= m - 1;
    }
    p += 16;
  }
  if (p < e && e - s >= 16) {
    // The last positions (fewer than 16): the block that ends at e, less what was read.
    const b = e - 16;
    let m = keywordPlaces(b) & (-1 << (p - b));
    while (m !== 0) {
      found |= keywordAt(b + ctz<i32>(m), e);
      if (found & UPSTREAM_WORD) return found;
      m &= m - 1;
    }
    return found;
  }
  for (; p < e && (found & UPSTREAM_WORD) === 0; p++) found |= keywordAt(p, e);
  return found;
}

/** Writes slot k of the record at rec. */
function put(rec: usize, k: i32, v: i32): void {
  store<i32>(rec + <usize>(k << 2), v);
}

/** Whether "YYYY/MM/DD HH:MM:SS [" starts at p (the fixed part of nginx's layout; before lim). */
function stampAt(p: i32, lim: i32): bool {
  if (p + 21 > lim) return false;
  if (at(p + 4) !== 0x2f || at(p + 7) !== 0x2f || at(p + 10) !== 0x20 || at(p + 13) !== 0x3a) return false;
  if (at(p + 16) !== 0x3a || at(p + 19) !== 0x20 || at(p + 20) !== 0x5b) return false;
  for (let o = 0; o < 19; o++) {
    if (o === 4 || o === 7 || o === 10 || o === 13 || o === 16) continue;
    if (!isDigit(at(p + o))) return false;
  }
  return true;
}

// The last stamp read: its 19 bytes (as three little-endian numbers, the last overlapping) and its values.
let stampKnown: bool = false;
let stamp0: u64 = 0;
let stamp1: u64 = 0;
let stamp2: u32 = 0;
let stampDate: i32 = 0;
let stampTime: i32 = 0;

/** Reads the stamp at t (checked by stampAt) into stampDate/stampTime and remembers its bytes. */
function rememberStamp(t: i32): void {
  let hi = 0;
  for (let o = 0; o < 10; o++) {
    if (o === 4 || o === 7) continue;
    hi = hi * 10 + (at(t + o) - 48);
  }
  let lo = 0;
  for (let o = 11; o < 19; o++) {
    if (o === 13 || o === 16) continue;
    lo = lo * 10 + (at(t + o) - 48);
  }
  stampDate = hi;
  stampTime = lo;
  stamp0 = load<u64>(<usize>t);
  stamp1 = load<u64>(<usize>t + 8);
  stamp2 = load<u32>(<usize>t + 15);
  stampKnown = true;
}

/** Whether a whole "YYYY/MM/DD HH:MM:SS [level] " (any 4 to 6 lowercase letters) starts at p. */
function fullStampAt(p: i32, lim: i32): bool {
  if (!stampAt(p, lim)) return false;
  let q = p + 21;
  while (q < lim && q < p + 27 && <u32>(at(q) - 0x61) < 26) q++;
  const n = q - p - 21;
  return n >= 4 && at(q) === 0x5d && at(q + 1) === 0x20 && q + 2 <= lim;
}

/**
 * Where nginx's timestamp starts after a prefix, found as parseErrorLine finds it: at the first '/' (from the
 * fourth byte on, before byte 400) that has another '/' three bytes on and a whole stamp four bytes back.
 * -1 when there is none, or when the prefix is not ASCII (parseErrorLine counts UTF-16 units, not bytes).
 */
function stampAfterPrefix(i: i32, end: i32): i32 {
  const lim = end < i + 400 ? end : i + 400;
  let q = findByte(i, lim, 0x2f);
  if (q - i < 4) return -1;
  while (q < lim) {
    if (at(q + 3) === 0x2f && fullStampAt(q - 4, end)) {
      for (let k = i; k < q - 4; k++) if (at(k) >= 0x80) return -1;
      return q - 4;
    }
    q = findByte(q + 1, lim, 0x2f);
  }
  return -1;
}

/**
 * The shape id of the message [ms, me) interned as `kind` with id `msgId` (see ERR_SHAPE_ID): runs of 4+ digits
 * not after "(" or a digit become "#" (as LONG_NUMBERS in src/evidence/errorlog/lines.ts); msgId when there are
 * none; -1 when the intern table is full.
 */
function shapeOf(kind: i32, msgId: i32, ms: i32, me: i32): i32 {
  if (me - ms > ERR_SCRATCH_BYTES) return msgId;
  // Find the first run to blank; most messages have none.
  let i = ms;
  let run = -1;
  while (i < me) {
    if (isDigit(at(i))) {
      const s = i;
      while (i < me && isDigit(at(i))) i++;
      if (i - s >= 4 && (s === ms || at(s - 1) !== 0x28)) {
        run = s;
        break;
      }
    } else i++;
  }
  if (run < 0) return msgId;
  // Copy with every such run turned into "#".
  let o = <usize>ERR_SCRATCH;
  memory.copy(o, <usize>ms, <usize>(run - ms));
  o += <usize>(run - ms);
  i = run;
  while (i < me) {
    const c = at(i);
    if (isDigit(c)) {
      const s = i;
      while (i < me && isDigit(at(i))) i++;
      if (i - s >= 4 && (s === ms || at(s - 1) !== 0x28)) store<u8>(o++, 0x23);
      else {
        memory.copy(o, <usize>s, <usize>(i - s));
        o += <usize>(i - s);
      }
    } else {
      store<u8>(o++, <u8>c);
      i++;
    }
  }
  return intern(kind, ERR_SCRATCH, <i32>o);
}

/** Writes the spans and ids every scanned record has; false when the intern table is full. */
function scanned(
  rec: usize,
  level: i32,
  ukind: i32,
  ms: i32,
  me: i32,
  us: i32,
  ue: i32,
  rest: i32,
  pe: i32,
  flags: i32,
): bool {
  const kind = 1 + (level * 3 + ukind) * 8 + flags;
  const known = internedIds();
  const msgId = intern(kind, ms, me);
  if (msgId < 0) return false;
  // Only a message new to the table needs its shape (JavaScript reads ERR_SHAPE_ID only for an id it has not
  // seen, and it forgets ids exactly when the table is emptied): the others skip the scan for digits.
  const shapeId = msgId < known ? msgId : shapeOf(kind, msgId, ms, me);
  if (shapeId < 0) return false;
  const ss = unchecked(ctxS[K_SERVER]);
  const serverId = ss < 0 ? -1 : intern(KIND_SERVER, ss, unchecked(ctxE[K_SERVER]));
  const hs = unchecked(ctxS[K_HOST]);
  const hostId = hs < 0 ? -1 : intern(KIND_HOST, hs, unchecked(ctxE[K_HOST]));
  const peerId = rest < 0 ? -1 : intern(KIND_PEER, rest, pe);
  if (serverId === -1 && ss >= 0) return false;
  if (hostId === -1 && hs >= 0) return false;
  if (peerId < 0 && rest >= 0) return false;
  put(rec, ERR_STATUS, LINE_SCANNED);
  put(rec, ERR_MESSAGE_ID, msgId);
  put(rec, ERR_SHAPE_ID, shapeId);
  put(rec, ERR_SERVER_ID, serverId);
  put(rec, ERR_HOST_ID, hostId);
  put(rec, ERR_PEER_ID, peerId);
  put(rec, ERR_UPSTREAM_KIND, ukind);
  put(rec, ERR_MESSAGE, ms);
  put(rec, ERR_MESSAGE + 1, me);
  const rs = unchecked(ctxS[K_REQUEST]);
  put(rec, ERR_REQUEST, rs);
  put(rec, ERR_REQUEST + 1, rs < 0 ? -1 : unchecked(ctxE[K_REQUEST]));
  put(rec, ERR_UPSTREAM, us);
  put(rec, ERR_UPSTREAM + 1, ue);
  put(rec, ERR_SERVER, ss);
  put(rec, ERR_SERVER + 1, ss < 0 ? -1 : unchecked(ctxE[K_SERVER]));
  put(rec, ERR_HOST, hs);
  put(rec, ERR_HOST + 1, hs < 0 ? -1 : unchecked(ctxE[K_HOST]));
  put(rec, ERR_PEER, rest);
  put(rec, ERR_PEER + 1, pe);
  put(rec, ERR_LEVEL, level);
  put(rec, ERR_CONTEXT, flags);
  return true;
}

/**
 * Scans one line [i, end); writes its record at rec. The line's own words are searched (a long scan on long
 * lines) only when it has no upstream context: a line with one is about an upstream anyway.
 */
function line(i: i32, end: i32, rec: usize): void {
  put(rec, ERR_STATUS, LINE_SLOW);
  put(rec, ERR_LINE, i);
  put(rec, ERR_LINE + 1, end);
  const n0 = end - i;
  if (n0 > MAX_LINE || n0 < 32) return;
  let t = i;
  // Most lines carry the previous line's second: its 19 bytes compared as three numbers stand for stampAt.
  if (
    !stampKnown ||
    i + 21 > end ||
    load<u64>(<usize>i) !== stamp0 ||
    load<u64>(<usize>i + 8) !== stamp1 ||
    load<u32>(<usize>i + 15) !== stamp2 ||
    load<u16>(<usize>i + 19) !== 0x5b20
  ) {
    if (!stampAt(i, end)) {
      // A Docker json-file line is unwrapped by parseErrorLine; other prefixes are skipped as it skips them.
      if (at(i) === 0x7b) return;
      t = stampAfterPrefix(i, end);
      if (t < 0) return;
    }
    rememberStamp(t);
  }
  put(rec, ERR_DATE, stampDate);
  put(rec, ERR_TIME, stampTime);
  put(rec, ERR_STAMP, t);
  const st = structure(t, end);
  if (st === 0) {
    // Not in the layout the core reads: a line without any upstream word is counted as not-upstream, as
    // addLine does after the same test (for an unprefixed line; a prefixed one needs parseErrorLine).
    if (t === i && wordsIn(i, end) === 0) put(rec, ERR_STATUS, LINE_OTHER);
    return;
  }
  const level = stLevel;
  const ms = stMessage;
  const client = stClient;
  const stream = stEnd < end ? CTX_STREAM : 0;
  const us = unchecked(ctxS[K_UPSTREAM]);
  if (us < 0) {
    // No upstream context: the message ends at ", client: " (or is the whole rest of the line).
    const me = client < 0 ? stEnd : client;
    const words = wordsIn(i, end);
    if ((words & UPSTREAM_WORD) === 0) {
      // addLine counts a line without upstream words as not-upstream, unless "reconfiguring" makes it look
      // for a reload note first: that is left to it.
      if (words === 0) put(rec, ERR_STATUS, LINE_OTHER);
      return;
    }
    if (me - ms > MAX_MESSAGE) return;
    // Without an upstream, the classification also depends on whether a request and a subrequest are named.
    let flags = stream;
    const rs = unchecked(ctxS[K_REQUEST]);
    if (rs >= 0) {
      const re = unchecked(ctxE[K_REQUEST]);
      if (findByte(rs, re, 0x20) < re && at(rs) !== 0x20) flags |= CTX_REQUEST;
    }
    if (unchecked(ctxS[K_SUBREQUEST]) >= 0) flags |= CTX_SUBREQUEST;
    scanned(rec, level, UPSTREAM_NONE, ms, me, -1, -1, -1, -1, flags);
    return;
  }
  if (client < 0 || client - ms > MAX_MESSAGE) return;
  const ue = unchecked(ctxE[K_UPSTREAM]);
  // The peer, as parseUpstream cuts it.
  let rest = us;
  for (let x = us + 1; x < us + 12 && x + 3 <= ue; x++)
    if (at(x) === 0x3a && at(x + 1) === 0x2f && at(x + 2) === 0x2f) {
      rest = x + 3;
      break;
    }
  let ukind = UPSTREAM_TCP;
  let pe = ue;
  if (rest + 5 <= ue && bytesAt(rest, ue, "unix:")) {
    ukind = UPSTREAM_UNIX;
    pe = findByte(rest + 5, ue, 0x3a);
  } else pe = findByte(rest, ue, 0x2f);
  scanned(rec, level, ukind, ms, client, us, ue, rest, pe, stream);
}

const BYTES_30: u64 = <u64>0x30303030 * 0x100000001;
const BYTES_7F: u64 = <u64>0x7f7f7f7f * 0x100000001;
const BYTES_76: u64 = <u64>0x76767676 * 0x100000001;
const BYTES_80: u64 = <u64>0x80808080 * 0x100000001;

/**
 * The first position from p on that does not hold an ASCII digit, 8 bytes at a time: a byte x is a digit when
 * t = x ^ '0' is below 10, and t + 0x76 (on the low 7 bits, so no carry crosses bytes) or t itself then has
 * no high bit.
 */
function afterDigits(p: i32): i32 {
  for (;;) {
    const t = load<u64>(<usize>p) ^ BYTES_30;
    const other = (((t & BYTES_7F) + BYTES_76) | t) & BYTES_80;
    if (other !== 0) return p + <i32>(ctz<u64>(other) >> 3);
    p += 8;
  }
  // biome-ignore lint/correctness/noUnreachable: AssemblyScript wants a return after the endless loop.
  return p;
}

/** Bit k set when a ", " pair starts at p + k (k < 16; the comma at p + k, the space at p + k + 1). */
function pairsAt(p: i32): i32 {
  return i8x16.bitmask(
    v128.and(
      i8x16.eq(v128.load(<usize>p), i8x16.splat(0x2c)),
      i8x16.eq(v128.load(<usize>p + 1), i8x16.splat(0x20)),
    ),
  );
}

// What structure() found: the level, where the message starts, where ", client: " is (-1: absent).
let stLevel: i32 = -1;
let stMessage: i32 = -1;
let stClient: i32 = -1;
/** Where message and context end: the line's end, or a stream session's ", bytes from/to client:". */
let stEnd: i32 = -1;

/**
 * Reads "[level] PID#TID: *CID " after the stamp at t and the context markers after it (into ctxS/ctxE, -1
 * when absent); 0 when the line is not in the layout the core reads (no connection number, markers out of
 * nginx's order, stream counters), 1 otherwise.
 */
function structure(t: i32, end: i32): i32 {
  let level = -1;
  let p = 0;
  for (let len = 4; len <= 6; len++) {
    if (at(t + 21 + len) === 0x5d && at(t + 22 + len) === 0x20) {
      level = levelAt(t + 21, len);
      p = t + 23 + len;
      break;
    }
  }
  if (level < 0) return 0;
  let q = afterDigits(p);
  if (q === p || at(q) !== 0x23) return 0;
  const tid = ++q;
  q = afterDigits(q);
  if (q === tid || at(q) !== 0x3a || at(q + 1) !== 0x20 || q - p >= 24) return 0;
  q += 2;
  if (at(q) !== 0x2a) return 0;
  const cid = ++q;
  q = afterDigits(q);
  if (q === cid || at(q) !== 0x20) return 0;
  const ms = q + 1;
  // Markers: every ", " of message and context that starts one.
  let client = -1;
  let prevKind = -1;
  let cend = end;
  for (let k = 0; k < 7; k++) unchecked((ctxS[k] = -1));
  // Every marker starts with ", ": the pairs are found 32 (near the end 16) positions at a time (a comma at p,
  // a space at p + 1), and only those are read as markers.
  let base = ms;
  let blk = ms;
  let mask = 0;
  for (;;) {
    if (mask === 0) {
      if (base + 1 >= end) break;
      if (base + 33 <= end) {
        // 32 positions at once (two blocks), so that most lines take few turns of this loop.
        blk = base;
        mask = pairsAt(base) | (pairsAt(base + 16) << 16);
        base += 32;
        continue;
      }
      // 16 positions from base; near the end, the 16 that end at the line's end, less those already read.
      blk = base + 17 <= end ? base : end - 17;
      mask = pairsAt(blk) & (-1 << (base - blk));
      base = blk + 16;
      continue;
    }
    const c = blk + ctz<i32>(mask);
    mask &= mask - 1;
    // The marker at c, as markerAt reads it (written out here: a call in this loop costs more than the test).
    let m = -1;
    if (c + 8 <= end) {
      const w = load<u64>(<usize>c);
      const q = <usize>c + 8;
      if (w === W_CLIENT) m = c + 10 <= end && load<u16>(q) === 0x203a ? K_CLIENT : -1;
      else if (w === W_SERVER) m = c + 10 <= end && load<u16>(q) === 0x203a ? K_SERVER : -1;
      else if (w === W_UPSTREAM) m = c + 12 <= end && load<u32>(q) === 0x203a6d61 ? K_UPSTREAM : -1;
      else if (w === W_REQUEST)
        m = c + 11 <= end && load<u16>(q) === 0x3a74 && at(c + 10) === 0x20 ? K_REQUEST : -1;
      else if (w === W_HOST) m = K_HOST;
      else if (w === W_REFERRER) m = c + 12 <= end && load<u32>(q) === 0x203a7265 ? K_REFERRER : -1;
      else if (w === W_SUBREQUEST || w === W_BYTES || w === W_CONTEXT) m = markerAt(c, end);
    }
    if (m < 0) continue;
    // A stream session's counters end what parseErrorLine reads as message and context.
    if (m === M_STREAM) {
      cend = c;
      break;
    }
    // Lua contexts and markers out of nginx's order are left to parseErrorLine (so a line has at most one
    // marker of each kind, in order: a value ends where the next marker starts).
    if (m === M_LUA || m <= prevKind) return 0;
    if (m === K_CLIENT) client = c;
    if (prevKind >= 0) closeValue(prevKind, c);
    unchecked((ctxS[m] = c + unchecked(MARKER_LENGTH[m])));
    prevKind = m;
  }
  stLevel = level;
  stMessage = ms;
  stClient = client;
  stEnd = cend;
  // Without ", client: " parseErrorLine reads no context at all (the markers are part of the message).
  if (client < 0) {
    for (let k = 0; k < 7; k++) unchecked((ctxS[k] = -1));
    return 1;
  }
  closeValue(prevKind, cend);
  return 1;
}

/** Ends the value of marker kind k at e, without the quotes around it (a leading '"', and a trailing one). */
function closeValue(k: i32, e: i32): void {
  const s = unchecked(ctxS[k]);
  if (at(s) === 0x22) {
    unchecked((ctxS[k] = s + 1));
    if (e - s >= 2 && at(e - 1) === 0x22) e--;
  }
  unchecked((ctxE[k] = e));
}

/**
 * Scans the lines of the block [0, len) from `from` on, at most MAX_REC of them; returns how many records it
 * wrote. `nextLine()` then tells where to continue (len when the block is done).
 */
export function scanErrorLog(len: i32, from: i32): i32 {
  // Line ends are found 32 bytes per turn; a line that finds the intern table full is the last of the call.
  let i = from;
  let r = 0;
  while (i < len && r < MAX_REC && internFull() === 0) {
    const j = findByteWide(i, len, 0x0a);
    let end = j;
    if (end > i && at(end - 1) === 0x0d) end--;
    line(i, end, <usize>RECORD_BASE + <usize>(r * ERR_RECORD_INTS * 4));
    r++;
    i = j + 1;
  }
  setNextLine(i);
  return r;
}
