// AssemblyScript (see shared.ts).
//
// The access-log summariser's hot loop: splits each line of a block with a compiled `log_format` (the program
// JavaScript writes at CFG_BASE, from compileLogFormat's literals) exactly as CompiledLogFormat.split does, and
// for the common line (one upstream peer, plain numbers, a request line with a plain URI) writes a record of
// numbers and interned ids: status, times, host, location (first path segment), peer. Every other line gets
// status 0 and JavaScript reads it with the format's own split; empty lines get status 2 (not counted).
//
// Config (i32 at CFG_BASE): 0 variables, 1 escape=json, 2 lead length, 3 time variable, 4 $status,
// 5 $request_time, 6 $request, 7 host variable, 8 $upstream_addr, 9 $upstream_status,
// 10 $upstream_response_time, 11 $upstream_header_time, 12 $upstream_connect_time (-1 when absent);
// from 16, per variable: separator offset, separator length, fixed width, multi-value flag. Literal bytes
// (lead, then separators) from CFG_BASE + 4096.
//
// Record (f64 × ACCESS_REC): 0 status (1 = counted here, 0 = JavaScript, 2 = empty line), 1-2 line,
// 3 time equals the previous split line's, 4-5 time value, 6 $status, 7 $request_time, 8 host id, 9-10 host,
// 11 location id, 12-13 location, 14 peer id (-1: not reached), 15-16 peer, 17 $upstream_status,
// 18-20 response, header and connect times. Absent numbers are NaN.

import { at, bytesAt, CFG_BASE, findByte, intern, isDigit, REC_BYTES, eachLine } from "./shared";

const ACCESS_REC: i32 = 24;
const MAX_REC: i32 = <i32>(REC_BYTES / <usize>(ACCESS_REC * 8));
const CFG_BYTES: usize = CFG_BASE + 4096;
const MAX_VARS: i32 = 64;

export function accessRecordDoubles(): i32 {
  return ACCESS_REC;
}
export function accessMaxVars(): i32 {
  return MAX_VARS;
}

const varS = new StaticArray<i32>(MAX_VARS);
const varE = new StaticArray<i32>(MAX_VARS);
/** Copy of the last split line's time value (for "same time as before"). */
const lastTime = new StaticArray<u8>(64);
let lastTimeLen: i32 = -1;

@inline function cfg(k: i32): i32 {
  return load<i32>(CFG_BASE + <usize>(k << 2));
}

/** Whether literal bytes [off, off+n) of the config are at p (before lim). */
function litAt(p: i32, lim: i32, off: i32, n: i32): bool {
  if (p + n > lim) return false;
  const base = CFG_BYTES + <usize>off;
  for (let k = 0; k < n; k++) if (at(p + k) != <i32>load<u8>(base + <usize>k)) return false;
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
    if (json && first == 0x22) {
      let b = 0;
      for (let p = i - 1; p >= from && at(p) == 0x5c; p--) b++;
      if (b % 2 == 1) ok = false;
    }
    if (ok && multi && first == 0x20) {
      const prev = i - 1 >= s ? at(i - 1) : -1;
      if (prev == 0x2c) ok = false;
      else if (i + 2 < lim && at(i + 1) == 0x3a && at(i + 2) == 0x20) ok = false;
      else if (prev == 0x3a && i - 2 >= s && at(i - 2) == 0x20) ok = false;
    }
    if (ok) return i;
    i = indexOfLit(i + 1, lim, off, n);
  }
  return -1;
}

/** CompiledLogFormat.split on the line [s, e): fills varS/varE; false when the line does not match. */
function split(s: i32, e: i32): bool {
  const n = cfg(0);
  const leadLen = cfg(2);
  if (!litAt(s, e, 0, leadLen)) return false;
  let pos = s + leadLen;
  for (let k = 0; k < n; k++) {
    const base = 16 + (k << 2);
    const off = cfg(base);
    const len = cfg(base + 1);
    const width = cfg(base + 2);
    let end: i32;
    if (width > 0 && (pos >= e || at(pos) != 0x2d)) {
      end = pos + width;
      if (end > e || (len != 0 && !litAt(end, e, off, len))) return false;
    } else if (len == 0) {
      if (k == n - 1) end = e;
      else return false;
    } else if (k == n - 1) {
      if (e - len < pos || !litAt(e - len, e, off, len)) return false;
      end = e - len;
    } else {
      end = findSep(s, e, pos, off, len, cfg(base + 3) != 0, cfg(1) != 0);
      if (end < 0) return false;
    }
    unchecked((varS[k] = pos));
    unchecked((varE[k] = end));
    pos = end + len;
  }
  return pos == e;
}

/** toInt of access-log.ts for the common forms; NaN asks JavaScript to decide. */
function intOf(s: i32, e: i32): f64 {
  const n = e - s;
  if (n == 0) return 0;
  if (n == 1 && at(s) == 0x2d) return 0;
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
  if (n == 0) return NaN;
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
  if (p == e) return int;
  if (at(p) != 0x2e || p == s) {
    if (n != 1 || at(s) != 0x2d) numOk = false;
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

@inline function put(rec: usize, k: i32, v: f64): void {
  store<f64>(rec + <usize>(k << 3), v);
}

/** segmentOfRequest: "METHOD /uri HTTP/x.y" → the first path segment; false when the request is not that. */
let locS: i32 = 0;
let locE: i32 = 0;
function segment(s: i32, e: i32): bool {
  const sp = findByte(s, e, 0x20);
  if (sp >= e || sp == s) return false;
  let last = e - 1;
  while (last > sp && at(last) != 0x20) last--;
  if (last <= sp || at(sp + 1) != 0x2f || !bytesAt(last + 1, e, "HTTP/")) return false;
  if (findByte(sp + 1, e, 0x20) != last) return false;
  const start = sp + 1;
  for (let i = start + 1; i <= last; i++) {
    const c = at(i);
    if (c == 0x2f) {
      locS = start;
      locE = i + 1;
      return true;
    }
    if (c == 0x3f || c == 0x23 || c == 0x20) {
      locS = start;
      locE = i == start + 1 ? start + 1 : i;
      return true;
    }
  }
  return false;
}

function line(s: i32, e: i32, rec: usize): void {
  put(rec, 0, 0);
  put(rec, 1, <f64>s);
  put(rec, 2, <f64>e);
  if (e == s) {
    put(rec, 0, 2);
    return;
  }
  if (!split(s, e)) return;
  // Time: the same bytes as the previous split line's (JavaScript keeps the parsed value).
  const ti = cfg(3);
  if (ti >= 0) {
    const ts = unchecked(varS[ti]);
    const te = unchecked(varE[ti]);
    const n = te - ts;
    let same = n == lastTimeLen;
    if (same) for (let k = 0; k < n; k++) if (unchecked(lastTime[k]) != <u8>at(ts + k)) {
      same = false;
      break;
    }
    if (!same) {
      if (n <= 64) {
        for (let k = 0; k < n; k++) unchecked((lastTime[k] = <u8>at(ts + k)));
        lastTimeLen = n;
      } else lastTimeLen = -1;
    }
    put(rec, 3, same ? 1 : 0);
    put(rec, 4, <f64>ts);
    put(rec, 5, <f64>te);
  }
  numOk = true;
  const si = cfg(4);
  let status: f64 = 0;
  if (si >= 0) {
    status = intOf(unchecked(varS[si]), unchecked(varE[si]));
    if (isNaN(status)) return;
  }
  put(rec, 6, status);
  const ri = cfg(5);
  put(rec, 7, ri >= 0 ? numOf(unchecked(varS[ri]), unchecked(varE[ri])) : NaN);
  const hi = cfg(7);
  if (hi >= 0) {
    const hs = unchecked(varS[hi]);
    const he = unchecked(varE[hi]);
    const id = intern(1, hs, he);
    if (id < 0) return;
    put(rec, 8, <f64>id);
    put(rec, 9, <f64>hs);
    put(rec, 10, <f64>he);
  } else put(rec, 8, -1);
  const qi = cfg(6);
  if (qi >= 0) {
    const qs = unchecked(varS[qi]);
    const qe = unchecked(varE[qi]);
    if (findByte(qs, qe, 0x5c) < qe || !segment(qs, qe)) return;
    const id = intern(2, locS, locE);
    if (id < 0) return;
    put(rec, 11, <f64>id);
    put(rec, 12, <f64>locS);
    put(rec, 13, <f64>locE);
  } else put(rec, 11, -1);
  const ai = cfg(8);
  put(rec, 14, -1);
  if (ai >= 0) {
    const as = unchecked(varS[ai]);
    const ae = unchecked(varE[ai]);
    if (ae > as && !(ae - as == 1 && at(as) == 0x2d)) {
      // One peer only: lists (", " and " : ") are JavaScript's.
      if (findByte(as, ae, 0x2c) < ae) return;
      for (let c = findByte(as, ae, 0x3a); c < ae; c = findByte(c + 1, ae, 0x3a))
        if (c > as && at(c - 1) == 0x20 && c + 1 < ae && at(c + 1) == 0x20) return;
      const id = intern(3, as, ae);
      if (id < 0) return;
      put(rec, 14, <f64>id);
      put(rec, 15, <f64>as);
      put(rec, 16, <f64>ae);
      const ui = cfg(9);
      let us: f64 = 0;
      if (ui >= 0) {
        us = intOf(unchecked(varS[ui]), unchecked(varE[ui]));
        if (isNaN(us)) return;
      }
      put(rec, 17, us);
      const a = cfg(10);
      const b = cfg(11);
      const c = cfg(12);
      put(rec, 18, a >= 0 ? numOf(unchecked(varS[a]), unchecked(varE[a])) : NaN);
      put(rec, 19, b >= 0 ? numOf(unchecked(varS[b]), unchecked(varE[b])) : NaN);
      put(rec, 20, c >= 0 ? numOf(unchecked(varS[c]), unchecked(varE[c])) : NaN);
    }
  }
  if (!numOk) return;
  put(rec, 0, 1);
}

/**
 * Splits the lines of the block [0, len) from `from` on, at most MAX_REC of them; returns how many records it
 * wrote. `nextLine()` then tells where to continue.
 */
export function scanAccessLog(len: i32, from: i32): i32 {
  return eachLine(len, from, ACCESS_REC * 8, MAX_REC, line);
}
