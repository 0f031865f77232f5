/**
 * Access-log statistics through the log's own `log_format`: per upstream peer, per host, per location prefix and
 * per minute — request counts, 502/504/other-5xx, which peer of a retry chain failed, and latency percentiles
 * from a bounded-memory quantile sketch. Streaming: memory does not grow with file size (only with the number of
 * distinct peers/hosts/locations/minutes, each capped).
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { isKlogLine } from "../nginx/ingress.js";
import {
  COMBINED_FORMAT,
  type CompiledLogFormat,
  compileLogFormat,
  type LogEscape,
  parseMsec,
  parseRequestLine,
  parseTimeIso,
  parseTimeLocal,
} from "../nginx/logformat.js";
import { describeLines } from "../nginx/looks-like.js";
import { QuantileSketch, type SketchJSON } from "../nginx/sketch.js";
import { unknownVariables } from "../nginx/variables.js";
import {
  type FileAccount,
  type InputWarning,
  isPlainFile,
  isStdin,
  lineBlocks,
  orderRotated,
  splitRanges,
} from "./input.js";
import { loadWasmCore, type WasmCore } from "./wasm-core.js";

export interface AccessOptions {
  /** A format string, the args of a log_format directive, or "combined". Default combined. */
  format?: string | string[];
  escape?: LogEscape;
  /** Time window, epoch ms (inclusive start, exclusive end). Lines without a time are kept. */
  since?: number;
  until?: number;
  /** Maps a request URI to a location key; default: first path segment ("/api/users" → "/api/"). */
  locationOf?: (uri: string) => string;
  /** Max distinct keys per table (further keys are folded into "(other)"). Default 5000. */
  maxKeys?: number;
  onWarning?: (w: InputWarning) => void;
  /** Plain files at least this big are scanned by worker threads (default PARALLEL_MIN_BYTES, 64 MiB). */
  parallelMinBytes?: number;
  /**
   * The input is an ingress-nginx controller's log (`kubectl logs`): its own klog lines and nginx's error lines
   * are set apart (`controllerLines`), not counted as access lines that do not match.
   */
  controllerLog?: boolean;
  /**
   * Split common lines in the WebAssembly core (default true; it is off with a custom locationOf). False
   * reads every line in JavaScript: the differential test compares the two.
   */
  core?: boolean;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface Counts {
  /** Client requests (per peer: tries at that peer). */
  requests: number;
  s502: number;
  s504: number;
  /** 5xx other than 502 and 504. */
  s5xx: number;
  /** 404 Not Found (per peer: answered by the upstream) — a stripped or doubled URI prefix shows here. */
  s404: number;
}

export interface PeerStats extends Counts {
  /** Tries at this peer after which nginx went on to the next peer of the same group. */
  failedInChain: number;
  /** Tries at this peer that ended a retry chain (served after an earlier peer failed). */
  servedAfterRetry: number;
  latency: { response: Percentiles; header: Percentiles; connect: Percentiles };
}

export interface GroupStats extends Counts {
  /** Requests that reached at least one upstream. */
  upstreamed: number;
  latency: { request: Percentiles; upstream: Percentiles };
}

export interface AccessSummary {
  format: string;
  escape: LogEscape;
  files: string[];
  lines: number;
  matched: number;
  unmatched: number;
  /** Up to 10 lines that did not match the format (cut to 300 chars). */
  unmatchedSamples: string[];
  outOfWindow: number;
  /** With `controllerLog`: klog and nginx error lines set apart (not in `lines`). */
  controllerLines?: number;
  firstTime: string | null;
  lastTime: string | null;
  totals: GroupStats;
  byPeer: Record<string, PeerStats>;
  byHost: Record<string, GroupStats>;
  byLocation: Record<string, GroupStats>;
  /** Key: minute, ISO "2026-11-24T13:36Z". */
  byMinute: Record<string, Counts>;
  /**
   * 502/504 answers whose upstream answered something else (`$status` 502 while `$upstream_status` is 404): nginx
   * made the status itself, typically through `*_intercept_errors on` + `error_page 404 =502`. Needs $upstream_status.
   */
  rewritten: Array<{ status: number; upstreamStatus: number; location: string; count: number }>;
  /** Which fields the format provides (rules should check before trusting a zero). */
  fields: {
    upstreamAddr: boolean;
    upstreamStatus: boolean;
    requestTime: boolean;
    upstreamResponseTime: boolean;
    time: boolean;
  };
  /** Per input, in reading order: lines read, matched by the format (understood), not matched (skipped). */
  perFile: AccessFileAccount[];
  warnings: InputWarning[];
}

/** What the reader made of one access log, and the format it was read with. */
export interface AccessFileAccount extends FileAccount {
  format: string;
  escape: LogEscape;
}

/** The default location key: the first path segment. */
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

type GroupState = { c: Counts; u: number; r: SketchJSON; p: SketchJSON };
/** Snapshot of an AccessAccumulator (plain data, safe to post between threads). */
export interface AccumulatorState {
  n: number[];
  samples: string[];
  totals: GroupState;
  peers: Array<[string, { c: Counts; f: number; s: number; r: SketchJSON; h: SketchJSON; x: SketchJSON }]>;
  hosts: Array<[string, GroupState]>;
  locations: Array<[string, GroupState]>;
  minutes: Array<[number, Counts]>;
  rewrites: Array<[string, number]>;
}

class CountsAcc {
  requests = 0;
  s502 = 0;
  s504 = 0;
  s5xx = 0;
  s404 = 0;
  add(status: number): void {
    this.requests++;
    if (status === 404) this.s404++;
    else if (status === 502) this.s502++;
    else if (status === 504) this.s504++;
    else if (status >= 500 && status < 600) this.s5xx++;
  }
  mergeCounts(o: CountsAcc): void {
    this.requests += o.requests;
    this.s502 += o.s502;
    this.s504 += o.s504;
    this.s5xx += o.s5xx;
    this.s404 += o.s404;
  }
  counts(): Counts {
    return { requests: this.requests, s502: this.s502, s504: this.s504, s5xx: this.s5xx, s404: this.s404 };
  }
}

class PeerAcc extends CountsAcc {
  failedInChain = 0;
  servedAfterRetry = 0;
  response = new QuantileSketch();
  header = new QuantileSketch();
  connect = new QuantileSketch();
}

class GroupAcc extends CountsAcc {
  upstreamed = 0;
  request = new QuantileSketch();
  upstream = new QuantileSketch();
}

function pct(s: QuantileSketch): Percentiles {
  const r = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    count: s.count,
    p50: r(s.quantile(0.5)),
    p95: r(s.quantile(0.95)),
    p99: r(s.quantile(0.99)),
    max: s.count ? s.max : null,
  };
}

const newGroup = () => new GroupAcc();

function feed(g: GroupAcc, status: number, rt: number, reached: boolean, upTotal: number): void {
  g.add(status);
  if (reached) g.upstreamed++;
  if (!Number.isNaN(rt)) g.request.add(rt);
  if (!Number.isNaN(upTotal)) g.upstream.add(upTotal);
}
const newPeer = () => new PeerAcc();

/** Mergeable accumulator: feed lines with `addLine`, combine with `merge`, finish with `result`. */
export class AccessAccumulator {
  readonly fmt: CompiledLogFormat;
  lines = 0;
  matched = 0;
  unmatched = 0;
  outOfWindow = 0;
  controllerLines = 0;
  unmatchedSamples: string[] = [];
  /** Unmatched lines of the file being read (reset per file): what the file looks like instead. */
  fileSamples: string[] = [];
  /** Formats of other files merged into this one (`fields` says what any of them provides). */
  extraFormats: CompiledLogFormat[] = [];
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  totals = new GroupAcc();
  peers = new Map<string, PeerAcc>();
  hosts = new Map<string, GroupAcc>();
  locations = new Map<string, GroupAcc>();
  minutes = new Map<number, CountsAcc>();
  /** "status|upstreamStatus|location" → count, for 502/504 the upstream did not send (see AccessSummary.rewritten). */
  rewrites = new Map<string, number>();
  /** The last upstream status of the line being counted (0: none). */
  private lastUp = 0;
  private readonly vals: string[];
  private readonly ix: Record<string, number>;
  private readonly want: boolean[];
  private readonly maxKeys: number;
  private readonly locationOf: (uri: string) => string;
  private lastTimeRaw = "";
  private lastTimeMs = Number.NaN;

  constructor(
    readonly formatText: string,
    readonly escapeMode: LogEscape,
    private readonly opts: AccessOptions = {},
  ) {
    this.fmt = compileLogFormat({ format: formatText, escape: escapeMode });
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
    this.maxKeys = opts.maxKeys ?? 5000;
    this.locationOf = opts.locationOf ?? firstSegment;
    this.timeVal = this.timeVar();
    this.core = opts.core === false || opts.locationOf ? null : this.setUpCore();
  }

  // ---- Fast path: lines split by the WebAssembly core (src/nginx/wasm/accesslog.ts) ----

  private readonly core: WasmCore | null;
  /** Lines counted by the core (the rest went through split/addLine). */
  coreLines = 0;
  /** Groups and peers by the core's interned ids (resolved through key() once per id). */
  private readonly hostById: Array<GroupAcc | undefined> = [];
  private readonly locationById: Array<GroupAcc | undefined> = [];
  private readonly peerById: Array<PeerAcc | undefined> = [];
  private readonly timeVal: { index: number; kind: number };

  /** A core loaded with this format's program, or null when the format does not fit it. */
  private setUpCore(): WasmCore | null {
    const { lead, seps, fixed, multi } = this.fmt.program;
    const n = seps.length;
    const literal = lead + seps.join("");
    // The core compares bytes: literals must be one byte per character, and fit the config area.
    if ([...literal].some((ch) => ch.charCodeAt(0) > 0xff) || literal.length > 60000) return null;
    const w = loadWasmCore();
    if (!w || n > w.accessMaxVars) return null;
    const ix = this.ix;
    const cfg = new Int32Array(w.bytes.buffer, w.configBase, 16 + 4 * w.accessMaxVars);
    cfg.set([
      n,
      this.escapeMode === "json" ? 1 : 0,
      lead.length,
      this.timeVal.index,
      ix["status"] as number,
      ix["request_time"] as number,
      ix["request"] as number,
      this.hostIndex(),
      ix["upstream_addr"] as number,
      ix["upstream_status"] as number,
      ix["upstream_response_time"] as number,
      ix["upstream_header_time"] as number,
      ix["upstream_connect_time"] as number,
    ]);
    let off = lead.length;
    for (let k = 0; k < n; k++) {
      const sep = seps[k] as string;
      cfg.set([off, sep.length, fixed[k] as number, multi[k] ? 1 : 0], 16 + 4 * k);
      off += sep.length;
    }
    w.bytes.set(Buffer.from(literal, "latin1"), w.configBase + 4096);
    return w;
  }

  /** Feeds a block of whole lines as bytes: through the core when there is one, else line by line. */
  addBytes(block: Buffer): void {
    const w = this.core;
    if (w === null || block.length > w.capacity) {
      addBlockText(this, block);
      return;
    }
    w.bytes.set(block, 0);
    const d = w.doubles;
    const base = w.recordBase >> 3;
    let from = 0;
    while (from < block.length) {
      const count = w.scanAccessLog(block.length, from);
      for (let r = 0; r < count; r++) {
        const b = base + r * w.accessRecordDoubles;
        const st = d[b];
        if (st === 1) this.addRecord(d, b, block);
        else if (st === 0) this.addLine(block.toString("latin1", d[b + 1], d[b + 2]));
      }
      from = w.nextLine();
    }
  }

  /** Counts one line from its record at d[b…] exactly as addLine would (layout in accesslog.ts). */
  private addRecord(d: Float64Array, b: number, block: Buffer): void {
    this.lines++;
    this.coreLines++;
    // The core says whether the time value repeats the previous line's; only a new one is decoded.
    const t =
      this.timeVal.index < 0
        ? Number.NaN
        : d[b + 3] === 1
          ? this.lastTimeMs
          : this.timeOf(block.toString("latin1", d[b + 4], d[b + 5]));
    if (!this.admit(t)) return;
    const status = d[b + 6] as number;
    const rt = d[b + 7] as number;
    const pid = d[b + 14] as number;
    let upTotal = Number.NaN;
    if (pid >= 0) {
      let acc = this.peerById[pid];
      if (acc === undefined) {
        acc = this.key(this.peers, block.toString("latin1", d[b + 15], d[b + 16]), newPeer);
        this.peerById[pid] = acc;
      }
      acc.add(d[b + 17] as number);
      const r = d[b + 18] as number;
      if (!Number.isNaN(r)) acc.response.add(r);
      if ((this.ix["upstream_header_time"] as number) >= 0) acc.header.add(d[b + 19] as number);
      if ((this.ix["upstream_connect_time"] as number) >= 0) acc.connect.add(d[b + 20] as number);
      upTotal = r;
    }
    let host: GroupAcc | null = null;
    const hid = d[b + 8] as number;
    if (hid >= 0) {
      host = this.hostById[hid] ?? null;
      if (host === null) {
        const raw = block.toString("latin1", d[b + 9], d[b + 10]);
        host = this.key(this.hosts, this.fmt.unescape(raw), newGroup);
        this.hostById[hid] = host;
      }
    }
    let loc: GroupAcc | null = null;
    const lid = d[b + 11] as number;
    if (lid >= 0) {
      loc = this.locationById[lid] ?? null;
      if (loc === null) {
        loc = this.key(this.locations, block.toString("latin1", d[b + 12], d[b + 13]), newGroup);
        this.locationById[lid] = loc;
      }
    }
    if ((status === 502 || status === 504) && pid >= 0) {
      const up = d[b + 17] as number;
      if (up > 0 && up !== status)
        this.noteRewrite(status, up, lid >= 0 ? block.toString("latin1", d[b + 12], d[b + 13]) : "");
    }
    this.tally(t, status, rt, pid >= 0, upTotal, host, loc);
  }

  private noteRewrite(status: number, up: number, location: string): void {
    const k = `${status}|${up}|${location}`;
    const n = this.rewrites.get(k);
    if (n !== undefined) this.rewrites.set(k, n + 1);
    else if (this.rewrites.size < 200) this.rewrites.set(k, 1);
  }

  private hostIx: number | undefined;
  /** Which variable names the virtual host: $host, else $server_name, else $http_host (-1: none). */
  private hostIndex(): number {
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

  private key<T>(m: Map<string, T>, k: string, make: () => T): T {
    let v = m.get(k);
    if (v === undefined) {
      if (m.size >= this.maxKeys) k = "(other)";
      v = m.get(k);
      if (v === undefined) {
        v = make();
        m.set(k, v);
      }
    }
    return v;
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
  private timeOf(raw: string): number {
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
    const si = ix["status"] as number;
    const status = si >= 0 ? toInt(v[si] as string) : 0;
    const reqTime = ix["request_time"] as number;
    const rt = reqTime >= 0 ? toNum(v[reqTime] as string) : Number.NaN;

    // upstream lists
    const ai = ix["upstream_addr"] as number;
    let upTotal = Number.NaN;
    let reached = false;
    this.lastUp = 0;
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
    }
    this.tally(t, status, rt, reached, upTotal, host, locGroup);
  }

  /** The window test for a split line, and its time span; false when the line is out of the window. */
  private admit(t: number): boolean {
    if (!Number.isNaN(t)) {
      if (
        (this.opts.since !== undefined && t < this.opts.since) ||
        (this.opts.until !== undefined && t >= this.opts.until)
      ) {
        this.outOfWindow++;
        return false;
      }
      if (t < this.first) this.first = t;
      if (t > this.last) this.last = t;
    }
    this.matched++;
    return true;
  }

  /** Counts an admitted line in the totals, its host, its location and its minute. */
  private tally(
    t: number,
    status: number,
    rt: number,
    reached: boolean,
    upTotal: number,
    host: GroupAcc | null,
    loc: GroupAcc | null,
  ): void {
    feed(this.totals, status, rt, reached, upTotal);
    if (host) feed(host, status, rt, reached, upTotal);
    if (loc) feed(loc, status, rt, reached, upTotal);
    if (!Number.isNaN(t)) {
      const m = Math.floor(t / 60000);
      let c = this.minutes.get(m);
      if (c === undefined) {
        c = new CountsAcc();
        this.minutes.set(m, c);
      }
      c.add(status);
    }
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
      }
    }
    return total;
  }

  /** A structured-clone-able snapshot (for worker threads); `fromState` rebuilds an accumulator to `merge`. */
  toState(): AccumulatorState {
    const g = (a: GroupAcc) => ({
      c: a.counts(),
      u: a.upstreamed,
      r: a.request.toJSON(),
      p: a.upstream.toJSON(),
    });
    return {
      n: [
        this.lines,
        this.matched,
        this.unmatched,
        this.outOfWindow,
        this.first,
        this.last,
        this.controllerLines,
      ],
      samples: this.unmatchedSamples,
      totals: g(this.totals),
      peers: [...this.peers].map(([k, p]) => [
        k,
        {
          c: p.counts(),
          f: p.failedInChain,
          s: p.servedAfterRetry,
          r: p.response.toJSON(),
          h: p.header.toJSON(),
          x: p.connect.toJSON(),
        },
      ]),
      hosts: [...this.hosts].map(([k, a]) => [k, g(a)]),
      locations: [...this.locations].map(([k, a]) => [k, g(a)]),
      minutes: [...this.minutes].map(([k, a]) => [k, a.counts()]),
      rewrites: [...this.rewrites],
    };
  }

  static fromState(formatText: string, escapeMode: LogEscape, st: AccumulatorState): AccessAccumulator {
    const a = new AccessAccumulator(formatText, escapeMode, { core: false });
    [a.lines, a.matched, a.unmatched, a.outOfWindow, a.first, a.last] = st.n as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    a.controllerLines = st.n[6] ?? 0;
    a.unmatchedSamples = st.samples;
    const counts = (t: CountsAcc, c: Counts) => {
      t.requests = c.requests;
      t.s502 = c.s502;
      t.s504 = c.s504;
      t.s5xx = c.s5xx;
      t.s404 = c.s404 ?? 0;
    };
    const g = (x: AccumulatorState["totals"]) => {
      const r = new GroupAcc();
      counts(r, x.c);
      r.upstreamed = x.u;
      r.request = QuantileSketch.fromJSON(x.r);
      r.upstream = QuantileSketch.fromJSON(x.p);
      return r;
    };
    a.totals = g(st.totals);
    for (const [k, x] of st.peers) {
      const p = new PeerAcc();
      counts(p, x.c);
      p.failedInChain = x.f;
      p.servedAfterRetry = x.s;
      p.response = QuantileSketch.fromJSON(x.r);
      p.header = QuantileSketch.fromJSON(x.h);
      p.connect = QuantileSketch.fromJSON(x.x);
      a.peers.set(k, p);
    }
    for (const [k, x] of st.hosts) a.hosts.set(k, g(x));
    for (const [k, x] of st.locations) a.locations.set(k, g(x));
    for (const [k, n] of st.rewrites ?? []) a.rewrites.set(k, n);
    for (const [k, c] of st.minutes) {
      const m = new CountsAcc();
      counts(m, c);
      a.minutes.set(k, m);
    }
    return a;
  }

  /** Fast path for the common case: one peer, one try (no lists to split). */
  private addOnePeer(addr: string): number {
    const v = this.vals;
    const ix = this.ix;
    const acc = this.key(this.peers, addr, newPeer);
    const si = ix["upstream_status"] as number;
    const s = si >= 0 ? toInt(v[si] as string) : 0;
    acc.add(s);
    this.lastUp = s;
    const ri = ix["upstream_response_time"] as number;
    const r = ri >= 0 ? toNum(v[ri] as string) : Number.NaN;
    if (!Number.isNaN(r)) acc.response.add(r);
    const hi = ix["upstream_header_time"] as number;
    if (hi >= 0) acc.header.add(toNum(v[hi] as string));
    const ci = ix["upstream_connect_time"] as number;
    if (ci >= 0) acc.connect.add(toNum(v[ci] as string));
    return r;
  }

  merge(o: AccessAccumulator): void {
    this.lines += o.lines;
    this.matched += o.matched;
    this.unmatched += o.unmatched;
    this.outOfWindow += o.outOfWindow;
    this.controllerLines += o.controllerLines;
    for (const s of o.unmatchedSamples) if (this.unmatchedSamples.length < 10) this.unmatchedSamples.push(s);
    for (const s of o.fileSamples.length ? o.fileSamples : o.unmatchedSamples)
      if (this.fileSamples.length < FILE_SAMPLES) this.fileSamples.push(s);
    if (o.fmt !== this.fmt) this.extraFormats.push(o.fmt, ...o.extraFormats);
    this.first = Math.min(this.first, o.first);
    this.last = Math.max(this.last, o.last);
    mergeGroup(this.totals, o.totals);
    for (const [k, p] of o.peers) {
      const a = this.key(this.peers, k, newPeer);
      a.mergeCounts(p);
      a.failedInChain += p.failedInChain;
      a.servedAfterRetry += p.servedAfterRetry;
      a.response.merge(p.response);
      a.header.merge(p.header);
      a.connect.merge(p.connect);
    }
    for (const [k, g] of o.hosts) mergeGroup(this.key(this.hosts, k, newGroup), g);
    for (const [k, g] of o.locations) mergeGroup(this.key(this.locations, k, newGroup), g);
    for (const [k, n] of o.rewrites) {
      const cur = this.rewrites.get(k);
      if (cur !== undefined) this.rewrites.set(k, cur + n);
      else if (this.rewrites.size < 200) this.rewrites.set(k, n);
    }
    for (const [k, c] of o.minutes) {
      let a = this.minutes.get(k);
      if (!a) {
        a = new CountsAcc();
        this.minutes.set(k, a);
      }
      a.mergeCounts(c);
    }
  }

  result(files: string[], warnings: InputWarning[], perFile: AccessFileAccount[] = []): AccessSummary {
    const has = (n: string) => this.fmt.indexOf(n) >= 0 || this.extraFormats.some((f) => f.indexOf(n) >= 0);
    const group = (g: GroupAcc): GroupStats => ({
      ...g.counts(),
      upstreamed: g.upstreamed,
      latency: { request: pct(g.request), upstream: pct(g.upstream) },
    });
    const byPeer: Record<string, PeerStats> = {};
    for (const [k, p] of [...this.peers].sort((a, b) => b[1].requests - a[1].requests)) {
      byPeer[k] = {
        ...p.counts(),
        failedInChain: p.failedInChain,
        servedAfterRetry: p.servedAfterRetry,
        latency: { response: pct(p.response), header: pct(p.header), connect: pct(p.connect) },
      };
    }
    const table = (m: Map<string, GroupAcc>) =>
      Object.fromEntries([...m].sort((a, b) => b[1].requests - a[1].requests).map(([k, g]) => [k, group(g)]));
    const byMinute: Record<string, Counts> = {};
    for (const [m, c] of [...this.minutes].sort((a, b) => a[0] - b[0]))
      byMinute[`${new Date(m * 60000).toISOString().slice(0, 16)}Z`] = c.counts();
    return {
      format: this.formatText,
      escape: this.escapeMode,
      files,
      lines: this.lines,
      matched: this.matched,
      unmatched: this.unmatched,
      unmatchedSamples: this.unmatchedSamples,
      outOfWindow: this.outOfWindow,
      ...(this.controllerLines ? { controllerLines: this.controllerLines } : {}),
      firstTime: Number.isFinite(this.first) ? new Date(this.first).toISOString() : null,
      lastTime: Number.isFinite(this.last) ? new Date(this.last).toISOString() : null,
      totals: group(this.totals),
      byPeer,
      byHost: table(this.hosts),
      byLocation: table(this.locations),
      byMinute,
      rewritten: [...this.rewrites]
        .map(([k, count]) => {
          const [st, up, ...loc] = k.split("|");
          return { status: Number(st), upstreamStatus: Number(up), location: loc.join("|"), count };
        })
        .sort((a, b) => b.count - a.count),
      fields: {
        upstreamAddr: has("upstream_addr"),
        upstreamStatus: has("upstream_status"),
        requestTime: has("request_time"),
        upstreamResponseTime: has("upstream_response_time"),
        time: has("time_local") || has("time_iso8601") || has("msec"),
      },
      perFile,
      warnings,
    };
  }
}

function mergeGroup(a: GroupAcc, b: GroupAcc): void {
  a.mergeCounts(b);
  a.upstreamed += b.upstreamed;
  a.request.merge(b.request);
  a.upstream.merge(b.upstream);
}

/** All entries of a multi-value list in order, ignoring the group structure. */
function splitFlat(v: string): string[] {
  if (v.indexOf(" : ") >= 0) return v.split(" : ").flatMap((g) => g.split(", "));
  return v.split(", ");
}

function toInt(s: string): number {
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
function toNum(s: string): number {
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

/** Resolves "combined" / a raw format string to the text the parser compiles. */
export function resolveFormat(format: string | string[] | undefined): string {
  if (format === undefined) return COMBINED_FORMAT;
  const text = Array.isArray(format) ? format.join("") : format;
  return text === "combined" ? COMBINED_FORMAT : text;
}

/** Feeds a block of whole lines into an accumulator (through the WebAssembly core when it is loaded). */
export function addBlock(acc: AccessAccumulator, block: Buffer): void {
  acc.addBytes(block);
}

/** Line by line in JavaScript (latin1 decoding: one char per byte; unescape restores UTF-8). */
function addBlockText(acc: AccessAccumulator, block: Buffer): void {
  const s = block.toString("latin1");
  let i = 0;
  while (i < s.length) {
    let j = s.indexOf("\n", i);
    if (j < 0) j = s.length;
    let e = j;
    if (e > i && s.charCodeAt(e - 1) === 0x0d) e--;
    if (e > i) acc.addLine(s.slice(i, e));
    i = j + 1;
  }
}

/** A format and its escaping, as an access log is read with it. */
export interface FormatChoice {
  format: string | string[];
  escape?: LogEscape;
  /** The log_format name, for messages. */
  name?: string;
}

/**
 * Reads the given files (plain, .gz, "-" for stdin; rotated sets in age order) and summarizes them. Each file
 * is read with the format `formatFor` picks for it (default: `format`); a format naming a variable nginx does
 * not know is refused (warning "bad-format", its files are not read). Files whose lines mostly do not match
 * their format get a "no-match" warning naming what they look like; below 95 % matched, "low-match".
 */
export async function summarizeAccessLogs(
  files: string[],
  opts: AccessOptions & {
    formatFor?: (file: string) => FormatChoice | undefined;
    /** Variables the configuration defines (map, set, geo…): not unknown in a format. */
    definedVariables?: ReadonlySet<string>;
  } = {},
): Promise<AccessSummary> {
  const ordered = files.includes("-") ? files : orderRotated(files);
  const base: FormatChoice = {
    format: opts.format ?? "combined",
    escape: opts.escape ?? "default",
    ...(typeof opts.format === "string" && !opts.format.includes("$") ? { name: opts.format } : {}),
  };
  const warnings: InputWarning[] = [];
  const warn = (w: InputWarning) => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  const accs = new Map<string, AccessAccumulator>();
  /** Formats refused, with the reason (every file written with one is reported). */
  const refused = new Map<string, string>();
  const choiceOf = (f: string) => opts.formatFor?.(f) ?? base;
  const accOf = (c: FormatChoice, file: string): AccessAccumulator | null => {
    const text = resolveFormat(c.format);
    const esc = c.escape ?? "default";
    const key = `${esc}\u0000${text}`;
    const why = refused.get(key);
    const refuse = (reason: string) => {
      warn({
        source: file,
        code: "bad-format",
        message: `${file === "-" ? "(stdin)" : file}: not read: ${reason}`,
      });
      return null;
    };
    if (why !== undefined) return refuse(why);
    let acc = accs.get(key);
    if (!acc) {
      const unknown = unknownVariables(text, opts.definedVariables);
      if (unknown.length) {
        const reason = badFormatMessage(c, unknown);
        refused.set(key, reason);
        return refuse(reason);
      }
      acc = new AccessAccumulator(text, esc, opts);
      accs.set(key, acc);
    }
    return acc;
  };
  const perFile: AccessFileAccount[] = [];
  const workerFile = fileURLToPath(new URL("./access-worker.js", import.meta.url));
  const parallel = !opts.locationOf && availableParallelism() > 1 && existsSync(workerFile);
  for (const f of ordered) {
    const choice = choiceOf(f);
    const acc = accOf(choice, f);
    if (!acc) continue;
    const name = f === "-" ? "(stdin)" : f;
    const before = { lines: acc.lines, unmatched: acc.unmatched };
    acc.fileSamples = [];
    if (
      parallel &&
      !isStdin(f) &&
      sizeOf(f) >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES) &&
      isPlainFile(f)
    ) {
      // This thread scans the first range while worker threads scan the others.
      const [own, ...rest] = splitRanges(sizeOf(f), availableParallelism());
      const workers = rest.map(
        (r) =>
          new Promise<AccumulatorState>((resolve, reject) => {
            const w = new Worker(workerFile, {
              workerData: {
                file: f,
                ...r,
                format: acc.formatText,
                escape: acc.escapeMode,
                since: opts.since,
                until: opts.until,
                maxKeys: opts.maxKeys,
                controllerLog: opts.controllerLog,
              },
            });
            w.once("message", resolve);
            w.once("error", reject);
          }),
      );
      if (own)
        for await (const block of lineBlocks(f, { start: own.start, end: own.end, chunkBytes: 256 << 10 }))
          addBlock(acc, block);
      const states = await Promise.all(workers);
      for (const st of states) acc.merge(AccessAccumulator.fromState(acc.formatText, acc.escapeMode, st));
    } else {
      for await (const block of lineBlocks(f, { onWarning: warn })) addBlock(acc, block);
    }
    const account: AccessFileAccount = {
      file: name,
      lines: acc.lines - before.lines,
      understood: acc.lines - before.lines - (acc.unmatched - before.unmatched),
      skipped: acc.unmatched - before.unmatched,
      format: acc.formatText,
      escape: acc.escapeMode,
    };
    perFile.push(account);
    const w = matchWarning(account, acc.fileSamples, choice);
    if (w) warn(w);
  }
  const [main, ...others] = [...accs.values()];
  const acc = main ?? new AccessAccumulator(resolveFormat(base.format), base.escape ?? "default", opts);
  for (const o of others) acc.merge(o);
  return acc.result(ordered, warnings, perFile);
}

function formatName(c: FormatChoice): string {
  return c.name ? `log_format ${c.name}` : "the log format";
}

/** "log_format main: unknown variable "$upstream_adr" (nginx refuses it: unknown "upstream_adr" variable)". */
export function badFormatMessage(c: FormatChoice, unknown: string[]): string {
  const first = unknown[0] as string;
  const more =
    unknown.length > 1
      ? ` (also ${unknown
          .slice(1)
          .map((v) => `$${v}`)
          .join(", ")})`
      : "";
  return `${formatName(c)} uses the unknown variable $${first}${more}; nginx refuses such a format (unknown "${first}" variable)`;
}

/**
 * The warning for an access log read through a format most of its lines do not match ("no-match": the file
 * is not understood, commands exit 2) or a few of them ("low-match", below 95 % matched).
 */
export function matchWarning(a: AccessFileAccount, samples: string[], c: FormatChoice): InputWarning | null {
  const tried = a.understood + a.skipped;
  if (a.skipped === 0 || tried === 0) return null;
  const rate = a.understood / tried;
  if (rate >= 0.95) return null;
  const pctText = `${a.skipped} of ${tried} line(s) do not match ${formatName(c)}`;
  if (rate >= 0.5)
    return {
      source: a.file,
      code: "low-match",
      message: `${a.file}: ${pctText} (${(100 * rate).toFixed(1)} % matched; e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))})`,
    };
  const looks = describeLines(samples);
  let what: string;
  if (looks?.kind === "error")
    what = "this looks like an nginx error log, not an access log; give it as the error log";
  else if (looks?.kind === "combined" && resolveFormat(c.format) !== COMBINED_FORMAT)
    what = "this looks like an access log (combined format): read it with --log-format combined";
  else if (looks) what = `this looks like ${looks.words} written with another log_format`;
  else what = `e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))}`;
  return { source: a.file, code: "no-match", message: `${a.file}: ${pctText}; ${what}` };
}

/** A controller's klog line or an nginx error line, in an ingress-nginx controller log. */
function isControllerLine(line: string): boolean {
  return isKlogLine(line) || /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/.test(line);
}

/** Unmatched lines kept per file to say what it looks like. */
const FILE_SAMPLES = 50;

/** Plain files at least this big are split into byte ranges scanned by worker threads (one per core). */
export const PARALLEL_MIN_BYTES = 64 << 20;

function sizeOf(f: string): number {
  try {
    return statSync(f).size;
  } catch {
    return 0;
  }
}
