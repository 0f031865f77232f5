// AssemblyScript (see shared.ts).
//
// The access-log summariser's hot loop: splits each line of a block with a compiled `log_format` (the program
// JavaScript writes at CONFIG_BASE, CFG_* slots in layout.ts, from compileLogFormat's literals) exactly as
// CompiledLogFormat.split does, and for the common line (one upstream peer, plain numbers, a request line with
// a plain URI) writes a record (ACC_* slots) of numbers and interned ids: status, times, host, location (first
// path segment), peer. Every other line gets LINE_SLOW and JavaScript reads it with the format's own split;
// empty lines get LINE_EMPTY (not counted).

import {
  ACC_CONNECT_TIME,
  ACC_GROUP,
  ACC_GROUP_ID,
  ACC_HEADER_TIME,
  ACC_HOST,
  ACC_HOST_ID,
  ACC_HTTP_STATUS,
  ACC_LINE,
  ACC_LOCATION,
  ACC_LOCATION_ID,
  ACC_MAX_TRIES,
  ACC_PEER,
  ACC_PEER_ID,
  ACC_RECORD_DOUBLES,
  ACC_REQUEST_TIME,
  ACC_RESPONSE_TIME,
  ACC_SAME_TIME,
  ACC_SENT,
  ACC_STATUS,
  ACC_TIME,
  ACC_TRIES,
  ACC_TRY_CHAIN,
  ACC_UPSTREAM_STATUS,
  ACCESS_MAX_VARS,
  CFG_CONNECT_TIME_VAR,
  CFG_GROUP_VAR,
  CFG_HEADER_TIME_VAR,
  CFG_HOST_VAR,
  CFG_JSON,
  CFG_LEAD,
  CFG_LENGTH_VAR,
  CFG_REQUEST_TIME_VAR,
  CFG_REQUEST_VAR,
  CFG_RESPONSE_TIME_VAR,
  CFG_STATUS_VAR,
  CFG_TIME_VAR,
  CFG_UPSTREAM_ADDR_VAR,
  CFG_UPSTREAM_STATUS_VAR,
  CFG_VAR_SLOTS,
  CFG_VAR_TABLE,
  CFG_VARS,
  CONFIG_BASE,
  CONFIG_LITERALS,
  LINE_EMPTY,
  LINE_SCANNED,
  LINE_SLOW,
  LINE_TRY,
  RECORD_BYTES,
} from "./layout";
import { at, bytesAt, eachLineRecords, findByte, intern, isDigit } from "./shared";

const REC_BYTES: i32 = ACC_RECORD_DOUBLES * 8;
const MAX_REC: i32 = RECORD_BYTES / REC_BYTES;
const CFG_BYTES: usize = <usize>(CONFIG_BASE + CONFIG_LITERALS);

// Intern kinds.
const KIND_HOST: i32 = 1;
const KIND_LOCATION: i32 = 2;
const KIND_PEER: i32 = 3;
const KIND_GROUP: i32 = 4;

export function accessRecordDoubles(): i32 {
  return ACC_RECORD_DOUBLES;
}
export function accessMaxVars(): i32 {
  return ACCESS_MAX_VARS;
}

const varS = new StaticArray<i32>(ACCESS_MAX_VARS);
const varE = new StaticArray<i32>(ACCESS_MAX_VARS);
/** Copy of the last split line's time value (for "same time as before"). */
const lastTime = new StaticArray<u8>(64);
let lastTimeLen: i32 = -1;

function cfg(k: i32): i32 {
  return load<i32>(<usize>CONFIG_BASE + <usize>(k << 2));
}

/**
 * Whether literal bytes [off, off+n) of the config are at p (before lim). Long separators (escape=json's
 * `","name":"`, quoted key="…" fields) are compared 16 and 8 bytes at a time; every load stays inside
 * [p, p+n) and the config's literal, which are both in memory.
 */
function litAt(p: i32, lim: i32, off: i32, n: i32): bool {
  if (p + n > lim) return false;
  const a = <usize>p;
  const base = CFG_BYTES + <usize>off;
  let k = 0;
  for (; k + 16 <= n; k += 16)
    if (!i8x16.all_true(i8x16.eq(v128.load(a + <usize>k), v128.load(base + <usize>k)))) return false;
  if (k + 8 <= n) {
    if (load<u64>(a + <usize>k) !== load<u64>(base + <usize>k)) return false;
    k += 8;
  }
  for (; k < n; k++) if (at(p + k) !== <i32>load<u8>(base + <usize>k)) return false;
  return true;
}

/** First index >= from of the separator (bytes [off, off+n)) in [from, lim), or -1. */
function indexOfLit(from: i32, lim: i32, off: i32, n: i32): i32 {
  const first = <i32>load<u8>(CFG_BYTES + <usize>off);
  let i = findByte(from, lim, first);
  while (i < lim) {
    if (litAt(i, lim, off, n)) return i;
    i = findByte(i + 1, lim, first);
  }
  return -1;
}

/** CompiledLogFormat's findSep: skips escaped quotes (escape=json) and list separators in multi values. */
function findSep(s: i32, lim: i32, from: i32, off: i32, n: i32, multi: bool, json: bool): i32 {
  const first = <i32>load<u8>(CFG_BYTES + <usize>off);
  let i = indexOfLit(from, lim, off, n);
  while (i >= 0) {
    let ok = true;
    if (json && first === 0x22) {
      let b = 0;
      for (let p = i - 1; p >= from && at(p) === 0x5c; p--) b++;
      if (b % 2 === 1) ok = false;
    }
    if (ok && multi && first === 0x20) {
      const prev = i - 1 >= s ? at(i - 1) : -1;
      if (prev === 0x2c) ok = false;
      else if (i + 2 < lim && at(i + 1) === 0x3a && at(i + 2) === 0x20) ok = false;
      else if (prev === 0x3a && i - 2 >= s && at(i - 2) === 0x20) ok = false;
    }
    if (ok) return i;
    i = indexOfLit(i + 1, lim, off, n);
  }
  return -1;
}

/** CompiledLogFormat.split on the line [s, e): fills varS/varE; false when the line does not match. */
function split(s: i32, e: i32): bool {
  const n = cfg(CFG_VARS);
  const leadLen = cfg(CFG_LEAD);
  if (!litAt(s, e, 0, leadLen)) return false;
  let pos = s + leadLen;
  for (let k = 0; k < n; k++) {
    const base = CFG_VAR_TABLE + k * CFG_VAR_SLOTS;
    const off = cfg(base);
    const len = cfg(base + 1);
    const width = cfg(base + 2);
    let end: i32;
    if (width > 0 && (pos >= e || at(pos) !== 0x2d)) {
      end = pos + width;
      if (end > e || (len !== 0 && !litAt(end, e, off, len))) return false;
    } else if (len === 0) {
      if (k === n - 1) end = e;
      else return false;
    } else if (k === n - 1) {
      if (e - len < pos || !litAt(e - len, e, off, len)) return false;
      end = e - len;
    } else {
      end = findSep(s, e, pos, off, len, cfg(base + 3) !== 0, cfg(CFG_JSON) !== 0);
      if (end < 0) return false;
    }
    unchecked((varS[k] = pos));
    unchecked((varE[k] = end));
    pos = end + len;
  }
  return pos === e;
}

/** toInt of access-log.ts for the common forms; NaN asks JavaScript to decide. */
function intOf(s: i32, e: i32): f64 {
  const n = e - s;
  if (n === 0) return 0;
  if (n === 1 && at(s) === 0x2d) return 0;
  if (n > 15) return NaN;
  let v: f64 = 0;
  for (let p = s; p < e; p++) {
    const c = at(p);
    if (!isDigit(c)) return NaN;
    v = v * 10 + <f64>(c - 48);
  }
  return v;
}

/** toNum of access-log.ts: "-" and "" are NaN; `ok` is cleared for forms JavaScript must parse. */
let numOk: bool = true;
function numOf(s: i32, e: i32): f64 {
  const n = e - s;
  if (n === 0) return NaN;
  if (n > 15) {
    numOk = false;
    return NaN;
  }
  let int: f64 = 0;
  let p = s;
  for (; p < e; p++) {
    const c = at(p);
    if (!isDigit(c)) break;
    int = int * 10 + <f64>(c - 48);
  }
  if (p === e) return int;
  if (at(p) !== 0x2e || p === s) {
    if (n !== 1 || at(s) !== 0x2d) numOk = false;
    return NaN;
  }
  let frac: f64 = 0;
  let scale: f64 = 1;
  for (p++; p < e; p++) {
    const c = at(p);
    if (!isDigit(c)) {
      numOk = false;
      return NaN;
    }
    frac = frac * 10 + <f64>(c - 48);
    scale *= 10;
  }
  return int + frac / scale;
}

function put(rec: usize, k: i32, v: f64): void {
  store<f64>(rec + <usize>(k << 3), v);
}

/** segmentOfRequest: "METHOD /uri HTTP/x.y" → the first path segment; false when the request is not that. */
let locS: i32 = 0;
let locE: i32 = 0;
/** Where the segment ended and on which byte ('/', '?', '#' or the space before the protocol). */
let locDelim: i32 = 0;
let locDelimAt: i32 = 0;
function segment(s: i32, e: i32): bool {
  const sp = findByte(s, e, 0x20);
  if (sp >= e || sp === s) return false;
  let last = e - 1;
  while (last > sp && at(last) !== 0x20) last--;
  if (last <= sp || at(sp + 1) !== 0x2f || !bytesAt(last + 1, e, "HTTP/")) return false;
  if (findByte(sp + 1, e, 0x20) !== last) return false;
  const start = sp + 1;
  for (let i = start + 1; i <= last; i++) {
    const c = at(i);
    if (c === 0x2f) {
      locS = start;
      locE = i + 1;
      locDelim = c;
      locDelimAt = i;
      return true;
    }
    if (c === 0x3f || c === 0x23 || c === 0x20) {
      locS = start;
      locE = i === start + 1 ? start + 1 : i;
      locDelim = c;
      locDelimAt = i;
      return true;
    }
  }
  return false;
}

/** Counts the line [s, e) into its record at `rec` (and the try records after it); returns the records written. */
function line(s: i32, e: i32, rec: usize): i32 {
  put(rec, ACC_STATUS, LINE_SLOW);
  put(rec, ACC_LINE, <f64>s);
  put(rec, ACC_LINE + 1, <f64>e);
  if (e === s) {
    put(rec, ACC_STATUS, LINE_EMPTY);
    return 1;
  }
  if (!split(s, e)) return 1;
  // Time: the same bytes as the previous split line's (JavaScript keeps the parsed value).
  const ti = cfg(CFG_TIME_VAR);
  if (ti >= 0) {
    const ts = unchecked(varS[ti]);
    const te = unchecked(varE[ti]);
    const n = te - ts;
    let same = n === lastTimeLen;
    if (same)
      for (let k = 0; k < n; k++)
        if (unchecked(lastTime[k]) !== <u8>at(ts + k)) {
          same = false;
          break;
        }
    if (!same) {
      if (n <= 64) {
        for (let k = 0; k < n; k++) unchecked((lastTime[k] = <u8>at(ts + k)));
        lastTimeLen = n;
      } else lastTimeLen = -1;
    }
    put(rec, ACC_SAME_TIME, same ? 1 : 0);
    put(rec, ACC_TIME, <f64>ts);
    put(rec, ACC_TIME + 1, <f64>te);
  }
  numOk = true;
  const si = cfg(CFG_STATUS_VAR);
  let status: f64 = 0;
  if (si >= 0) {
    status = intOf(unchecked(varS[si]), unchecked(varE[si]));
    if (Number.isNaN(status)) return 1;
  }
  put(rec, ACC_HTTP_STATUS, status);
  const ri = cfg(CFG_REQUEST_TIME_VAR);
  put(rec, ACC_REQUEST_TIME, ri >= 0 ? numOf(unchecked(varS[ri]), unchecked(varE[ri])) : NaN);
  const hi = cfg(CFG_HOST_VAR);
  if (hi >= 0) {
    const hs = unchecked(varS[hi]);
    const he = unchecked(varE[hi]);
    const id = intern(KIND_HOST, hs, he);
    if (id < 0) return 1;
    put(rec, ACC_HOST_ID, <f64>id);
    put(rec, ACC_HOST, <f64>hs);
    put(rec, ACC_HOST + 1, <f64>he);
  } else put(rec, ACC_HOST_ID, -1);
  // The ingress-nginx upstream name, interned for JavaScript's per-name table (empty or escaped: JavaScript's).
  const gi = cfg(CFG_GROUP_VAR);
  put(rec, ACC_GROUP_ID, -1);
  if (gi >= 0) {
    const gs = unchecked(varS[gi]);
    const ge = unchecked(varE[gi]);
    if (ge > gs && findByte(gs, ge, 0x5c) >= ge) {
      const id = intern(KIND_GROUP, gs, ge);
      if (id < 0) return 1;
      put(rec, ACC_GROUP_ID, <f64>id);
      put(rec, ACC_GROUP, <f64>gs);
      put(rec, ACC_GROUP + 1, <f64>ge);
    }
  }
  const qi = cfg(CFG_REQUEST_VAR);
  if (qi >= 0) {
    const qs = unchecked(varS[qi]);
    const qe = unchecked(varE[qi]);
    if (!segment(qs, qe)) return 1;
    // An escaped byte (\xHH, or JSON's \") after the segment's own '/', '?' or '#' cannot change the segment
    // JavaScript finds in the unescaped request; before it (or with the space as the end) JavaScript decides.
    const bs = findByte(qs, qe, 0x5c);
    if (bs < qe && (locDelim === 0x20 || bs <= locDelimAt)) return 1;
    // The segment is ASCII: JavaScript's UTF-8 decoding of an escaped request leaves it alone.
    if (bs < qe) for (let p = locS; p < locE; p++) if (at(p) > 0x7e) return 1;
    const id = intern(KIND_LOCATION, locS, locE);
    if (id < 0) return 1;
    put(rec, ACC_LOCATION_ID, <f64>id);
    put(rec, ACC_LOCATION, <f64>locS);
    put(rec, ACC_LOCATION + 1, <f64>locE);
  } else put(rec, ACC_LOCATION_ID, -1);
  const ai = cfg(CFG_UPSTREAM_ADDR_VAR);
  put(rec, ACC_PEER_ID, -1);
  put(rec, ACC_TRIES, -1);
  let used = 1;
  if (ai >= 0) {
    const as = unchecked(varS[ai]);
    const ae = unchecked(varE[ai]);
    if (ae > as && !(ae - as === 1 && at(as) === 0x2d)) {
      let list = findByte(as, ae, 0x2c) < ae;
      if (!list)
        for (let c = findByte(as, ae, 0x3a); c < ae; c = findByte(c + 1, ae, 0x3a))
          if (c > as && at(c - 1) === 0x20 && c + 1 < ae && at(c + 1) === 0x20) {
            list = true;
            break;
          }
      if (list) {
        const n = tries(rec);
        if (n < 0) return 1;
        used += n;
      } else {
        const id = intern(KIND_PEER, as, ae);
        if (id < 0) return 1;
        put(rec, ACC_PEER_ID, <f64>id);
        put(rec, ACC_PEER, <f64>as);
        put(rec, ACC_PEER + 1, <f64>ae);
        const ui = cfg(CFG_UPSTREAM_STATUS_VAR);
        let us: f64 = 0;
        if (ui >= 0) {
          us = intOf(unchecked(varS[ui]), unchecked(varE[ui]));
          if (Number.isNaN(us)) return 1;
        }
        put(rec, ACC_UPSTREAM_STATUS, us);
        const li = cfg(CFG_LENGTH_VAR);
        put(rec, ACC_SENT, li >= 0 ? sent(unchecked(varS[li]), unchecked(varE[li])) : 0);
        const a = cfg(CFG_RESPONSE_TIME_VAR);
        const b = cfg(CFG_HEADER_TIME_VAR);
        const c = cfg(CFG_CONNECT_TIME_VAR);
        put(rec, ACC_RESPONSE_TIME, a >= 0 ? numOf(unchecked(varS[a]), unchecked(varE[a])) : NaN);
        put(rec, ACC_HEADER_TIME, b >= 0 ? numOf(unchecked(varS[b]), unchecked(varE[b])) : NaN);
        put(rec, ACC_CONNECT_TIME, c >= 0 ? numOf(unchecked(varS[c]), unchecked(varE[c])) : NaN);
      }
    }
  }
  if (!numOk) return 1;
  put(rec, ACC_STATUS, LINE_SCANNED);
  return used;
}

// ---- Upstream lists: the entries of $upstream_addr and of the parallel status/time lists, in order ----
//
// As JavaScript walks them (lines.ts addPeers): groups split at " : ", then each group at ", ", flat index k
// across groups; an entry missing from a shorter list reads as "-".

/** Cursor per list: 0 $upstream_addr, 1 status, 2 response, 3 header, 4 connect time, 5 response length. */
const curP = new StaticArray<i32>(6);
const curGroupEnd = new StaticArray<i32>(6);
const curEnd = new StaticArray<i32>(6);
const curDone = new StaticArray<bool>(6);
/** The entry the last `nextEntry` gave, and whether it was the last of its group. */
let entS: i32 = 0;
let entE: i32 = 0;
let entLast: bool = false;

/** End of the group starting at p: the next " : " in [p, lim), or lim. */
function groupEnd(p: i32, lim: i32): i32 {
  for (let c = findByte(p, lim, 0x3a); c < lim; c = findByte(c + 1, lim, 0x3a))
    if (c - 1 >= p && at(c - 1) === 0x20 && c + 1 < lim && at(c + 1) === 0x20) return c - 1;
  return lim;
}

function startList(j: i32, vi: i32): void {
  if (vi < 0) {
    unchecked((curDone[j] = true));
    return;
  }
  const s = unchecked(varS[vi]);
  const e = unchecked(varE[vi]);
  unchecked((curP[j] = s));
  unchecked((curEnd[j] = e));
  unchecked((curGroupEnd[j] = groupEnd(s, e)));
  unchecked((curDone[j] = false));
}

/** The next entry of list j into entS/entE/entLast; false when the list has no more entries. */
function nextEntry(j: i32): bool {
  if (unchecked(curDone[j])) return false;
  const p = unchecked(curP[j]);
  const g = unchecked(curGroupEnd[j]);
  let c = findByte(p, g, 0x2c);
  while (c < g && !(c + 1 < g && at(c + 1) === 0x20)) c = findByte(c + 1, g, 0x2c);
  entS = p;
  if (c < g) {
    entE = c;
    entLast = false;
    unchecked((curP[j] = c + 2));
    return true;
  }
  entE = g;
  entLast = true;
  const e = unchecked(curEnd[j]);
  if (g >= e) unchecked((curDone[j] = true));
  else {
    unchecked((curP[j] = g + 3));
    unchecked((curGroupEnd[j] = groupEnd(g + 3, e)));
  }
  return true;
}

/** toInt of the next entry of list j ("-" when missing); NaN asks JavaScript. */
function nextInt(j: i32): f64 {
  if (unchecked(curDone[j])) return 0;
  nextEntry(j);
  return intOf(entS, entE);
}

/** toNum of the next entry of list j (NaN when missing). */
function nextNum(j: i32): f64 {
  if (unchecked(curDone[j])) return NaN;
  nextEntry(j);
  return numOf(entS, entE);
}

/** 1 when a `$upstream_response_length` entry [s, e) shows bytes from the peer: not "0", "-" or empty. */
function sent(s: i32, e: i32): f64 {
  if (e === s) return 0;
  if (e - s === 1 && (at(s) === 0x30 || at(s) === 0x2d)) return 0;
  return 1;
}

/** sent() of the next entry of list j (0 when the list has no more). */
function nextSent(j: i32): f64 {
  if (unchecked(curDone[j])) return 0;
  nextEntry(j);
  return sent(entS, entE);
}

/**
 * Writes a try record after `rec` for each peer of the list in $upstream_addr and the list's summary into `rec`;
 * returns the number of try records, or -1 when JavaScript must read the line.
 */
function tries(rec: usize): i32 {
  startList(0, cfg(CFG_UPSTREAM_ADDR_VAR));
  const statusVar = cfg(CFG_UPSTREAM_STATUS_VAR);
  startList(1, statusVar);
  startList(2, cfg(CFG_RESPONSE_TIME_VAR));
  startList(3, cfg(CFG_HEADER_TIME_VAR));
  startList(4, cfg(CFG_CONNECT_TIME_VAR));
  startList(5, cfg(CFG_LENGTH_VAR));
  let n = 0;
  let first: bool = true;
  let lastId: f64 = -1;
  let lastS: i32 = -1;
  let lastE: i32 = -1;
  let lastUp: f64 = 0;
  let total: f64 = NaN;
  while (nextEntry(0)) {
    const ps = entS;
    const pe = entE;
    const lastOfGroup = entLast;
    const firstOfGroup = first;
    first = lastOfGroup;
    const st = statusVar >= 0 ? nextInt(1) : 0;
    const r = nextNum(2);
    const h = nextNum(3);
    const c = nextNum(4);
    const sn = nextSent(5);
    if (pe === ps || (pe - ps === 1 && at(ps) === 0x2d)) continue;
    if (Number.isNaN(st) || n >= ACC_MAX_TRIES) return -1;
    const id = intern(KIND_PEER, ps, pe);
    if (id < 0) return -1;
    const t = rec + <usize>((n + 1) * REC_BYTES);
    put(t, ACC_STATUS, LINE_TRY);
    put(t, ACC_PEER_ID, <f64>id);
    put(t, ACC_PEER, <f64>ps);
    put(t, ACC_PEER + 1, <f64>pe);
    put(t, ACC_UPSTREAM_STATUS, st);
    put(t, ACC_RESPONSE_TIME, r);
    put(t, ACC_HEADER_TIME, h);
    put(t, ACC_CONNECT_TIME, c);
    put(t, ACC_SENT, sn);
    put(t, ACC_TRY_CHAIN, !lastOfGroup ? 1 : firstOfGroup ? 0 : 2);
    if (!Number.isNaN(r)) total = Number.isNaN(total) ? r : total + r;
    lastId = <f64>id;
    lastS = ps;
    lastE = pe;
    lastUp = st;
    n++;
  }
  put(rec, ACC_TRIES, <f64>n);
  put(rec, ACC_PEER_ID, lastId);
  put(rec, ACC_PEER, <f64>lastS);
  put(rec, ACC_PEER + 1, <f64>lastE);
  put(rec, ACC_UPSTREAM_STATUS, lastUp);
  put(rec, ACC_RESPONSE_TIME, total);
  return n;
}

/**
 * Splits the lines of the block [0, len) from `from` on, at most MAX_REC of them; returns how many records it
 * wrote. `nextLine()` then tells where to continue.
 */
export function scanAccessLog(len: i32, from: i32): i32 {
  return eachLineRecords(len, from, REC_BYTES, MAX_REC, 1 + ACC_MAX_TRIES, line);
}
