// AssemblyScript (see shared.ts).
//
// The error-log summariser's hot loop. JavaScript copies a block of whole lines to offset 0 of this module's
// memory and calls `scan`; for every line it writes one record: where the line is, and, for lines in nginx's
// plain layout that name an upstream, small integer ids for the message (with its level and upstream kind),
// server, host and peer, plus the offsets of the values JavaScript may need. Ids come from an intern table
// checked byte by byte, so equal ids mean equal text. Every other line gets status 0 and JavaScript reads it
// with parseErrorLine. For the lines it accepts, the scanner finds exactly the fields parseErrorLine finds:
// the same timestamp, level, "PID#TID: *CID " and context-marker rules (markers are the first of their kind
// after the previous one; lines with markers out of nginx's order, stream counters, messages over 300 bytes or
// lines over 64 KiB are left to parseErrorLine). A differential test compares the two on every input.
// Newlines and commas are found 16 bytes at a time (SIMD).
//
// Record (REC_INTS i32): 0 status (1 = scanned), 1 line start, 2 line end (no CR), 3 message id, 4 server id,
// 5 host id, 6 peer id, 7 upstream kind (1 TCP or group, 2 unix), 8 YYYYMMDD, 9 HHMMSS, 10-11 message,
// 12-13 request value, 14-15 upstream value, 16-17 server, 18-19 host, 20-21 peer, 22 level index
// (warn crit info error alert emerg debug notice). Absent values: -1.

import { at, bytesAt, findByte, intern, isDigit, REC_BYTES, eachLine } from "./shared";

const REC_INTS: i32 = 24;
const MAX_REC: i32 = <i32>(REC_BYTES / <usize>(REC_INTS * 4));

export function errorRecordInts(): i32 {
  return REC_INTS;
}
const MAX_LINE: i32 = 65536;
const MAX_MESSAGE: i32 = 300;
const MAX_OCC: i32 = 32;

// Marker kinds, in nginx's order (ngx_http_log_error), then the stream counters.
const K_CLIENT: i32 = 0;
const K_SERVER: i32 = 1;
const K_REQUEST: i32 = 2;
const K_SUBREQUEST: i32 = 3;
const K_UPSTREAM: i32 = 4;
const K_HOST: i32 = 5;
const K_REFERRER: i32 = 6;
const M_STREAM: i32 = 7;

// Scratch for one line: marker kinds and positions, context value spans.
const occKind = new StaticArray<i32>(MAX_OCC);
const occPos = new StaticArray<i32>(MAX_OCC);
const ctxS = new StaticArray<i32>(7);
const ctxE = new StaticArray<i32>(7);

/** Marker starting at the ", " at c, or -1; returns its length through markerLen. */
let markerLen: i32 = 0;
function markerAt(c: i32, lim: i32): i32 {
  switch (at(c + 2)) {
    case 0x63:
      if (bytesAt(c, lim, ", client: ")) { markerLen = 10; return K_CLIENT; }
      return -1;
    case 0x73:
      if (bytesAt(c, lim, ", server: ")) { markerLen = 10; return K_SERVER; }
      if (bytesAt(c, lim, ", subrequest: ")) { markerLen = 14; return K_SUBREQUEST; }
      return -1;
    case 0x72:
      if (bytesAt(c, lim, ", request: ")) { markerLen = 11; return K_REQUEST; }
      if (bytesAt(c, lim, ", referrer: ")) { markerLen = 12; return K_REFERRER; }
      return -1;
    case 0x75:
      if (bytesAt(c, lim, ", upstream: ")) { markerLen = 12; return K_UPSTREAM; }
      return -1;
    case 0x68:
      if (bytesAt(c, lim, ", host: ")) { markerLen = 8; return K_HOST; }
      return -1;
    case 0x62:
      if (bytesAt(c, lim, ", bytes from/to client:")) { markerLen = 23; return M_STREAM; }
      return -1;
  }
  return -1;
}

/** Index of the level name (error=0 … in the order below) of length len at p, or -1. */
function levelAt(p: i32, len: i32): i32 {
  if (len == 4) {
    if (bytesAt(p, p + 4, "warn")) return 0;
    if (bytesAt(p, p + 4, "crit")) return 1;
    if (bytesAt(p, p + 4, "info")) return 2;
  } else if (len == 5) {
    if (bytesAt(p, p + 5, "error")) return 3;
    if (bytesAt(p, p + 5, "alert")) return 4;
    if (bytesAt(p, p + 5, "emerg")) return 5;
    if (bytesAt(p, p + 5, "debug")) return 6;
  } else if (len == 6) {
    if (bytesAt(p, p + 6, "notice")) return 7;
  }
  return -1;
}

/** Scans one line [i, end); writes its record at rec. */
function line(i: i32, end: i32, rec: usize): void {
  store<i32>(rec, 0);
  store<i32>(rec, i, 4);
  store<i32>(rec, end, 8);
  const n0 = end - i;
  if (n0 > MAX_LINE || n0 < 32) return;
  if (at(i + 4) != 0x2f || at(i + 7) != 0x2f || at(i + 10) != 0x20 || at(i + 13) != 0x3a) return;
  if (at(i + 16) != 0x3a || at(i + 19) != 0x20 || at(i + 20) != 0x5b) return;
  let hi = 0;
  for (let o = 0; o < 10; o++) {
    if (o == 4 || o == 7) continue;
    const c = at(i + o);
    if (!isDigit(c)) return;
    hi = hi * 10 + (c - 48);
  }
  let lo = 0;
  for (let o = 11; o < 19; o++) {
    if (o == 13 || o == 16) continue;
    const c = at(i + o);
    if (!isDigit(c)) return;
    lo = lo * 10 + (c - 48);
  }
  let level = -1;
  let p = 0;
  for (let len = 4; len <= 6; len++) {
    if (at(i + 21 + len) == 0x5d && at(i + 22 + len) == 0x20) {
      level = levelAt(i + 21, len);
      p = i + 23 + len;
      break;
    }
  }
  if (level < 0) return;
  let q = p;
  while (isDigit(at(q))) q++;
  if (q == p || at(q) != 0x23) return;
  const tid = ++q;
  while (isDigit(at(q))) q++;
  if (q == tid || at(q) != 0x3a || at(q + 1) != 0x20 || q - p >= 24) return;
  q += 2;
  if (at(q) != 0x2a) return;
  const cid = ++q;
  while (isDigit(at(q))) q++;
  if (q == cid || at(q) != 0x20) return;
  const ms = q + 1;
  // Markers: every ", " of message and context that starts one.
  let n = 0;
  let client = -1;
  let prevKind = -1;
  for (let c = findByte(ms, end, 0x2c); c + 1 < end; c = findByte(c + 1, end, 0x2c)) {
    if (at(c + 1) != 0x20) continue;
    const m = markerAt(c, end);
    if (m < 0) continue;
    // Stream lines, crowded lines and markers out of nginx's order are left to parseErrorLine.
    if (m == M_STREAM || n == MAX_OCC || m <= prevKind) return;
    if (m == K_CLIENT) client = c;
    unchecked((occKind[n] = m));
    unchecked((occPos[n] = c));
    prevKind = m;
    n++;
  }
  if (client < 0 || client - ms > MAX_MESSAGE) return;
  for (let k = 0; k < 7; k++) unchecked((ctxS[k] = -1));
  let prev = -1;
  for (let o = 0; o < n; o++) {
    const k = unchecked(occKind[o]);
    const pos = unchecked(occPos[o]);
    if (prev >= 0) unchecked((ctxE[prev] = pos));
    const len = k == K_CLIENT || k == K_SERVER ? 10 : k == K_REQUEST ? 11 : k == K_SUBREQUEST ? 14 : k == K_UPSTREAM || k == K_REFERRER ? 12 : 8;
    unchecked((ctxS[k] = pos + len));
    prev = k;
  }
  if (prev >= 0) unchecked((ctxE[prev] = end));
  for (let k = 0; k < 7; k++) {
    const s = unchecked(ctxS[k]);
    if (s < 0 || at(s) != 0x22) continue;
    const e = unchecked(ctxE[k]);
    unchecked((ctxS[k] = s + 1));
    if (e - s >= 2 && at(e - 1) == 0x22) unchecked((ctxE[k] = e - 1));
  }
  const us = unchecked(ctxS[K_UPSTREAM]);
  if (us < 0) return;
  const ue = unchecked(ctxE[K_UPSTREAM]);
  // The peer, as parseUpstream cuts it.
  let rest = us;
  for (let x = us + 1; x < us + 12 && x + 3 <= ue; x++)
    if (at(x) == 0x3a && at(x + 1) == 0x2f && at(x + 2) == 0x2f) {
      rest = x + 3;
      break;
    }
  let ukind = 1;
  let pe = ue;
  if (rest + 5 <= ue && bytesAt(rest, ue, "unix:")) {
    ukind = 2;
    pe = findByte(rest + 5, ue, 0x3a);
  } else pe = findByte(rest, ue, 0x2f);
  const msgId = intern(1 + level * 3 + ukind, ms, client);
  if (msgId < 0) return;
  const ss = unchecked(ctxS[K_SERVER]);
  const serverId = ss < 0 ? -1 : intern(40, ss, unchecked(ctxE[K_SERVER]));
  const hs = unchecked(ctxS[K_HOST]);
  const hostId = hs < 0 ? -1 : intern(41, hs, unchecked(ctxE[K_HOST]));
  const peerId = intern(42, rest, pe);
  if (serverId == -1 && ss >= 0) return;
  if (hostId == -1 && hs >= 0) return;
  if (peerId < 0) return;
  store<i32>(rec, 1);
  store<i32>(rec, msgId, 12);
  store<i32>(rec, serverId, 16);
  store<i32>(rec, hostId, 20);
  store<i32>(rec, peerId, 24);
  store<i32>(rec, ukind, 28);
  store<i32>(rec, hi, 32);
  store<i32>(rec, lo, 36);
  store<i32>(rec, ms, 40);
  store<i32>(rec, client, 44);
  const rs = unchecked(ctxS[K_REQUEST]);
  store<i32>(rec, rs, 48);
  store<i32>(rec, rs < 0 ? -1 : unchecked(ctxE[K_REQUEST]), 52);
  store<i32>(rec, us, 56);
  store<i32>(rec, ue, 60);
  store<i32>(rec, ss, 64);
  store<i32>(rec, ss < 0 ? -1 : unchecked(ctxE[K_SERVER]), 68);
  store<i32>(rec, hs, 72);
  store<i32>(rec, hs < 0 ? -1 : unchecked(ctxE[K_HOST]), 76);
  store<i32>(rec, rest, 80);
  store<i32>(rec, pe, 84);
  store<i32>(rec, level, 88);
}

/**
 * Scans the lines of the block [0, len) from `from` on, at most MAX_REC of them; returns how many records it
 * wrote. `nextLine()` then tells where to continue (len when the block is done).
 */
export function scanErrorLog(len: i32, from: i32): i32 {
  return eachLine(len, from, REC_INTS * 4, MAX_REC, line);
}
