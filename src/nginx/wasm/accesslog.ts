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
  ACC_HEADER_TIME,
  ACC_HOST,
  ACC_HOST_ID,
  ACC_HTTP_STATUS,
  ACC_LINE,
  ACC_LOCATION,
  ACC_LOCATION_ID,
  ACC_PEER,
  ACC_PEER_ID,
  ACC_RECORD_DOUBLES,
  ACC_REQUEST_TIME,
  ACC_RESPONSE_TIME,
  ACC_SAME_TIME,
  ACC_STATUS,
  ACC_TIME,
  ACC_UPSTREAM_STATUS,
  ACCESS_MAX_VARS,
  CFG_CONNECT_TIME_VAR,
  CFG_HEADER_TIME_VAR,
  CFG_HOST_VAR,
  CFG_JSON,
  CFG_LEAD,
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
  RECORD_BYTES,
} from "./layout";
import { at, bytesAt, eachLine, findByte, intern, isDigit } from "./shared";

const MAX_REC: i32 = RECORD_BYTES / (ACC_RECORD_DOUBLES * 8);
const CFG_BYTES: usize = <usize>(CONFIG_BASE + CONFIG_LITERALS);

// Intern kinds.
const KIND_HOST: i32 = 1;
const KIND_LOCATION: i32 = 2;
const KIND_PEER: i32 = 3;

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

/** Whether literal bytes [off, off+n) of the config are at p (before lim). */
function litAt(p: i32, lim: i32, off: i32, n: i32): bool {
  if (p + n > lim) return false;
  const base = CFG_BYTES + <usize>off;
  for (let k = 0; k < n; k++) if (at(p + k) !== <i32>load<u8>(base + <usize>k)) return false;
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
      return true;
    }
    if (c === 0x3f || c === 0x23 || c === 0x20) {
      locS = start;
      locE = i === start + 1 ? start + 1 : i;
      return true;
    }
  }
  return false;
}

function line(s: i32, e: i32, rec: usize): void {
  put(rec, ACC_STATUS, LINE_SLOW);
  put(rec, ACC_LINE, <f64>s);
  put(rec, ACC_LINE + 1, <f64>e);
  if (e === s) {
    put(rec, ACC_STATUS, LINE_EMPTY);
    return;
  }
  if (!split(s, e)) return;
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
    if (Number.isNaN(status)) return;
  }
  put(rec, ACC_HTTP_STATUS, status);
  const ri = cfg(CFG_REQUEST_TIME_VAR);
  put(rec, ACC_REQUEST_TIME, ri >= 0 ? numOf(unchecked(varS[ri]), unchecked(varE[ri])) : NaN);
  const hi = cfg(CFG_HOST_VAR);
  if (hi >= 0) {
    const hs = unchecked(varS[hi]);
    const he = unchecked(varE[hi]);
    const id = intern(KIND_HOST, hs, he);
    if (id < 0) return;
    put(rec, ACC_HOST_ID, <f64>id);
    put(rec, ACC_HOST, <f64>hs);
    put(rec, ACC_HOST + 1, <f64>he);
  } else put(rec, ACC_HOST_ID, -1);
  const qi = cfg(CFG_REQUEST_VAR);
  if (qi >= 0) {
    const qs = unchecked(varS[qi]);
    const qe = unchecked(varE[qi]);
    if (findByte(qs, qe, 0x5c) < qe || !segment(qs, qe)) return;
    const id = intern(KIND_LOCATION, locS, locE);
    if (id < 0) return;
    put(rec, ACC_LOCATION_ID, <f64>id);
    put(rec, ACC_LOCATION, <f64>locS);
    put(rec, ACC_LOCATION + 1, <f64>locE);
  } else put(rec, ACC_LOCATION_ID, -1);
  const ai = cfg(CFG_UPSTREAM_ADDR_VAR);
  put(rec, ACC_PEER_ID, -1);
  if (ai >= 0) {
    const as = unchecked(varS[ai]);
    const ae = unchecked(varE[ai]);
    if (ae > as && !(ae - as === 1 && at(as) === 0x2d)) {
      // One peer only: lists (", " and " : ") are JavaScript's.
      if (findByte(as, ae, 0x2c) < ae) return;
      for (let c = findByte(as, ae, 0x3a); c < ae; c = findByte(c + 1, ae, 0x3a))
        if (c > as && at(c - 1) === 0x20 && c + 1 < ae && at(c + 1) === 0x20) return;
      const id = intern(KIND_PEER, as, ae);
      if (id < 0) return;
      put(rec, ACC_PEER_ID, <f64>id);
      put(rec, ACC_PEER, <f64>as);
      put(rec, ACC_PEER + 1, <f64>ae);
      const ui = cfg(CFG_UPSTREAM_STATUS_VAR);
      let us: f64 = 0;
      if (ui >= 0) {
        us = intOf(unchecked(varS[ui]), unchecked(varE[ui]));
        if (Number.isNaN(us)) return;
      }
      put(rec, ACC_UPSTREAM_STATUS, us);
      const a = cfg(CFG_RESPONSE_TIME_VAR);
      const b = cfg(CFG_HEADER_TIME_VAR);
      const c = cfg(CFG_CONNECT_TIME_VAR);
      put(rec, ACC_RESPONSE_TIME, a >= 0 ? numOf(unchecked(varS[a]), unchecked(varE[a])) : NaN);
      put(rec, ACC_HEADER_TIME, b >= 0 ? numOf(unchecked(varS[b]), unchecked(varE[b])) : NaN);
      put(rec, ACC_CONNECT_TIME, c >= 0 ? numOf(unchecked(varS[c]), unchecked(varE[c])) : NaN);
    }
  }
  if (!numOk) return;
  put(rec, ACC_STATUS, LINE_SCANNED);
}

/**
 * Splits the lines of the block [0, len) from `from` on, at most MAX_REC of them; returns how many records it
 * wrote. `nextLine()` then tells where to continue.
 */
export function scanAccessLog(len: i32, from: i32): i32 {
  return eachLine(len, from, ACC_RECORD_DOUBLES * 8, MAX_REC, line);
}
