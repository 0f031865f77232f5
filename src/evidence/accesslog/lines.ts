/**
 * The access-log reader's reference path: each line split by the compiled format (CompiledLogFormat.split) in
 * JavaScript. Every line the scanner core does not take comes here, and the core's records must count exactly
 * as this does (test/evidence/access-log-core.test.ts).
 */

import { isKlogLine } from "../../nginx/ingress.js";
import {
  type LogEscape,
  parseMsec,
  parseRequestLine,
  parseTimeIso,
  parseTimeLocal,
} from "../../nginx/logformat.js";
import { AccessTables, FILE_SAMPLES, type GroupAcc, newGroup, newPeer } from "./tables.js";
import type { AccessOptions } from "./types.js";

/**
 * firstSegment of the URI inside a request line ("GET /api/users?x HTTP/1.1" → "/api/"), without building the
 * parsed request; null when the line is not the simple "METHOD /path PROTOCOL" shape (the caller then parses it).
 */
export function segmentOfRequest(raw: string): string | null {
  const sp = raw.indexOf(" ");
  const last = raw.lastIndexOf(" ");
  // exactly "METHOD /uri HTTP/x.y": one space on each side of the URI
  if (sp <= 0 || last <= sp || raw.charCodeAt(sp + 1) !== 0x2f || !raw.startsWith("HTTP/", last + 1))
    return null;
  if (raw.indexOf(" ", sp + 1) !== last) return null;
  const start = sp + 1;
  for (let i = start + 1; i <= last; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x2f) return raw.slice(start, i + 1);
    if (c === 0x3f || c === 0x23 || c === 0x20) return i === start + 1 ? "/" : raw.slice(start, i);
  }
  return null;
}

/** The default location key: the first path segment ("/api/users?x" → "/api/"). */
export function firstSegment(uri: string): string {
  if (uri[0] !== "/") return uri === "" ? "/" : "(other)";
  let end = uri.length;
  for (let i = 1; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c === 0x2f) return uri.slice(0, i + 1);
    if (c === 0x3f || c === 0x23) {
      end = i;
      break;
    }
  }
  return end === 1 ? "/" : uri.slice(0, end);
}

const NON_ASCII = /[^\x00-\x7f]/;

export class AccessLineReader extends AccessTables {
  /** The last upstream status of the line being counted (0: none). */
  protected lastUp = 0;
  /** The last peer of the line being counted ("-": none). */
  protected lastPeer = "-";
  protected readonly vals: string[];
  protected readonly ix: Record<string, number>;
  private readonly want: boolean[];
  private readonly locationOf: (uri: string) => string;
  private lastTimeRaw = "";
  protected lastTimeMs = Number.NaN;
  protected readonly timeVal: { index: number; kind: number };

  constructor(formatText: string, escapeMode: LogEscape, opts: AccessOptions = {}) {
    super(formatText, escapeMode, opts);
    this.vals = new Array(this.fmt.vars.length).fill("");
    // Only the variables the summary reads are cut out of each line.
    const used = new Set([
      "time_local",
      "time_iso8601",
      "msec",
      "status",
      "request_time",
      "request",
      "host",
      "server_name",
      "http_host",
      "upstream_addr",
      "upstream_status",
      "upstream_response_time",
      "upstream_header_time",
      "upstream_connect_time",
    ]);
    this.want = this.fmt.vars.map((n) => used.has(n));
    const names = [
      "status",
      "request",
      "time_local",
      "time_iso8601",
      "msec",
      "request_time",
      "host",
      "server_name",
      "upstream_addr",
      "upstream_status",
      "upstream_response_time",
      "upstream_header_time",
      "upstream_connect_time",
      "http_host",
    ];
    this.ix = Object.fromEntries(names.map((n) => [n, this.fmt.indexOf(n)]));
    this.locationOf = opts.locationOf ?? firstSegment;
    this.timeVal = this.timeVar();
  }

  private hostIx: number | undefined;
  /** Which variable names the virtual host: $host, else $server_name, else $http_host (-1: none). */
  protected hostIndex(): number {
    if (this.hostIx === undefined) {
      const ix = this.ix;
      this.hostIx =
        (ix["host"] as number) >= 0
          ? (ix["host"] as number)
          : (ix["server_name"] as number) >= 0
            ? (ix["server_name"] as number)
            : (ix["http_host"] as number);
    }
    return this.hostIx;
  }

  /** The variable that gives the line's time ($time_local, else $time_iso8601, else $msec) and its kind. */
  private timeVar(): { index: number; kind: number } {
    const ix = this.ix;
    for (const [name, kind] of [
      ["time_local", 0],
      ["time_iso8601", 1],
      ["msec", 2],
    ] as const) {
      const index = ix[name] as number;
      if (index >= 0) return { index, kind };
    }
    return { index: -1, kind: -1 };
  }

  private time(): number {
    return this.timeVal.index < 0 ? Number.NaN : this.timeOf(this.vals[this.timeVal.index] as string);
  }

  /** Epoch ms of a time value (the previous line's value is remembered: lines of one second share it). */
  protected timeOf(raw: string): number {
    if (raw === this.lastTimeRaw) return this.lastTimeMs;
    const kind = this.timeVal.kind;
    const t = kind === 0 ? parseTimeLocal(raw) : kind === 1 ? parseTimeIso(raw) : parseMsec(raw);
    this.lastTimeRaw = raw;
    this.lastTimeMs = t;
    return t;
  }

  addLine(line: string): void {
    this.lines++;
    const v = this.vals;
    if (!this.fmt.split(line, v, this.want)) {
      if (line.charCodeAt(0) === 0) {
        // A crash can leave NUL bytes in front of the next line nginx appends: read the line without them.
        let i = 1;
        while (i < line.length && line.charCodeAt(i) === 0) i++;
        this.lines--;
        if (i < line.length) this.addLine(line.slice(i));
        return;
      }
      this.ingress?.skipLine();
      if (this.opts.controllerLog && isControllerLine(line)) {
        this.lines--;
        this.controllerLines++;
        return;
      }
      this.unmatched++;
      if (this.unmatchedSamples.length < 10) this.unmatchedSamples.push(line.slice(0, 300));
      if (this.fileSamples.length < FILE_SAMPLES) this.fileSamples.push(line.slice(0, 1000));
      return;
    }
    const ix = this.ix;
    const t = this.time();
    if (!this.admit(t)) return;
    // The reader's lines are latin1 (one char per byte); ingress-nginx's table reads them as UTF-8.
    if (this.ingress)
      this.ingress.addLine(NON_ASCII.test(line) ? Buffer.from(line, "latin1").toString() : line);
    const si = ix["status"] as number;
    const status = si >= 0 ? toInt(v[si] as string) : 0;
    const reqTime = ix["request_time"] as number;
    const rt = reqTime >= 0 ? toNum(v[reqTime] as string) : Number.NaN;

    // upstream lists
    const ai = ix["upstream_addr"] as number;
    let upTotal = Number.NaN;
    let reached = false;
    this.lastUp = 0;
    this.lastPeer = "-";
    this.cells.startLine();
    if (ai >= 0) {
      const addr = v[ai] as string;
      if (addr !== "-" && addr !== "") {
        reached = true;
        upTotal = this.addPeers(addr);
      }
    }
    const hi = this.hostIndex();
    const host = hi >= 0 ? this.key(this.hosts, this.fmt.unescape(v[hi] as string), newGroup) : null;
    const qi = ix["request"] as number;
    let locGroup: GroupAcc | null = null;
    if (qi >= 0) {
      const raw = v[qi] as string;
      let loc: string | null = null;
      if (this.locationOf === firstSegment && raw.indexOf("\\") < 0) loc = segmentOfRequest(raw);
      if (loc === null) {
        const r = parseRequestLine(raw.indexOf("\\") < 0 ? raw : this.fmt.unescape(raw));
        loc = r ? this.locationOf(r.uri) : "(bad request)";
      }
      locGroup = this.key(this.locations, loc, newGroup);
      if ((status === 502 || status === 504) && this.lastUp > 0 && this.lastUp !== status)
        this.noteRewrite(status, this.lastUp, loc);
      this.cells.flush(loc);
    } else this.cells.flush("");
    this.tally(t, status, rt, reached, upTotal, host, locGroup);
    if (status === 502 || status === 504) this.noteFail(t, status, this.lastPeer);
  }

  /** Walks the peers of `$upstream_addr` with the parallel status/time lists; returns the summed response time. */
  private addPeers(addr: string): number {
    const v = this.vals;
    const ix = this.ix;
    if (addr.indexOf(",") < 0 && addr.indexOf(" : ") < 0) return this.addOnePeer(addr);
    const lists = [
      "upstream_status",
      "upstream_response_time",
      "upstream_header_time",
      "upstream_connect_time",
    ].map((n) => {
      const i = ix[n] as number;
      return i >= 0 ? splitFlat(v[i] as string) : null;
    });
    const [st, rsp, hdr, con] = lists;
    let total = Number.NaN;
    // Flat walk: entries are in the same order across all lists; group boundaries are " : ".
    const groups = addr.split(" : ");
    let k = 0;
    for (let g = 0; g < groups.length; g++) {
      const peers = (groups[g] as string).split(", ");
      for (let p = 0; p < peers.length; p++, k++) {
        const name = peers[p] as string;
        if (name === "-" || name === "") continue;
        const acc = this.key(this.peers, name, newPeer);
        this.lastPeer = name;
        const s = st ? toInt(st[k] ?? "-") : 0;
        acc.add(s);
        this.lastUp = s;
        if (p < peers.length - 1) acc.failedInChain++;
        else if (p > 0) acc.servedAfterRetry++;
        const r = rsp ? toNum(rsp[k] ?? "-") : Number.NaN;
        if (!Number.isNaN(r)) {
          acc.response.add(r);
          total = Number.isNaN(total) ? r : total + r;
        }
        const h = hdr ? toNum(hdr[k] ?? "-") : Number.NaN;
        if (!Number.isNaN(h)) acc.header.add(h);
        const c = con ? toNum(con[k] ?? "-") : Number.NaN;
        if (!Number.isNaN(c)) acc.connect.add(c);
        this.cells.noteTry(name, s, r, h, c);
      }
    }
    return total;
  }

  /** Fast path for the common case: one peer, one try (no lists to split). */
  private addOnePeer(addr: string): number {
    const v = this.vals;
    const ix = this.ix;
    const acc = this.key(this.peers, addr, newPeer);
    this.lastPeer = addr;
    const si = ix["upstream_status"] as number;
    const s = si >= 0 ? toInt(v[si] as string) : 0;
    acc.add(s);
    this.lastUp = s;
    const ri = ix["upstream_response_time"] as number;
    const r = ri >= 0 ? toNum(v[ri] as string) : Number.NaN;
    if (!Number.isNaN(r)) acc.response.add(r);
    const hi = ix["upstream_header_time"] as number;
    const h = hi >= 0 ? toNum(v[hi] as string) : Number.NaN;
    if (hi >= 0) acc.header.add(h);
    const ci = ix["upstream_connect_time"] as number;
    const c = ci >= 0 ? toNum(v[ci] as string) : Number.NaN;
    if (ci >= 0) acc.connect.add(c);
    this.cells.noteTry(addr, s, r, h, c);
    return r;
  }

  /** Line by line in JavaScript (latin1 decoding: one char per byte; unescape restores UTF-8). */
  addText(block: Buffer): void {
    const s = block.toString("latin1");
    let i = 0;
    while (i < s.length) {
      let j = s.indexOf("\n", i);
      if (j < 0) j = s.length;
      let e = j;
      if (e > i && s.charCodeAt(e - 1) === 0x0d) e--;
      if (e > i) this.addLine(s.slice(i, e));
      i = j + 1;
    }
  }
}

/** All entries of a multi-value list in order, ignoring the group structure. */
function splitFlat(v: string): string[] {
  if (v.indexOf(" : ") >= 0) return v.split(" : ").flatMap((g) => g.split(", "));
  return v.split(", ");
}

export function toInt(s: string): number {
  if (s.length === 3) {
    const a = s.charCodeAt(0) - 48;
    const b = s.charCodeAt(1) - 48;
    const c = s.charCodeAt(2) - 48;
    if (a >= 0 && a <= 9 && b >= 0 && b <= 9 && c >= 0 && c <= 9) return a * 100 + b * 10 + c;
  }
  const n = Number(s);
  return Number.isInteger(n) ? n : 0;
}

/** Parses nginx's "1.234" / "0" / "-" time values; a hand-rolled loop is much faster than Number() here. */
export function toNum(s: string): number {
  const n = s.length;
  if (n === 0 || n > 15) return n === 0 ? Number.NaN : Number(s);
  let int = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    int = int * 10 + c;
  }
  if (i === n) return i === 0 ? Number.NaN : int;
  if (s.charCodeAt(i) !== 46 || i === 0) return s === "-" ? Number.NaN : Number(s);
  let frac = 0;
  let scale = 1;
  for (i++; i < n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number(s);
    frac = frac * 10 + c;
    scale *= 10;
  }
  return int + frac / scale;
}

/** A controller's klog line or an nginx error line, in an ingress-nginx controller log. */
function isControllerLine(line: string): boolean {
  return isKlogLine(line) || /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/.test(line);
}
