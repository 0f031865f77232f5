/**
 * The access-log summary's tables: counts and latency sketches per upstream peer, host, location and minute,
 * the rewritten-status table, and how partial summaries merge. Both ways of reading a line (lines.ts,
 * records.ts) count through `key` and `tally` here.
 */
import { IngressAccessAccumulator } from "../../nginx/ingress.js";
import { type CompiledLogFormat, compileLogFormat, type LogEscape } from "../../nginx/logformat.js";
import { QuantileSketch } from "../../nginx/sketch.js";
import type { InputWarning } from "../input.js";
import { FAIL_PEERS, FailMinutes } from "../scan/fail-minutes.js";
import { TimeoutCells } from "./timeout-cells.js";
import type {
  AccessFileAccount,
  AccessOptions,
  AccessSummary,
  AccumulatorState,
  Counts,
  GroupStats,
  PeerStats,
  Percentiles,
} from "./types.js";

/** Upper bounds (seconds) of the latency histogram: Prometheus-like steps plus the usual timeouts (30 s, 60 s). */
export const LATENCY_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** Unmatched lines kept per file to say what it looks like. */
export const FILE_SAMPLES = 50;

export class CountsAcc {
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

export class PeerAcc extends CountsAcc {
  failedInChain = 0;
  servedAfterRetry = 0;
  response = new QuantileSketch();
  header = new QuantileSketch();
  connect = new QuantileSketch();
}

export class GroupAcc extends CountsAcc {
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

export const newGroup = () => new GroupAcc();

export function feed(g: GroupAcc, status: number, rt: number, reached: boolean, upTotal: number): void {
  g.add(status);
  if (reached) g.upstreamed++;
  if (!Number.isNaN(rt)) g.request.add(rt);
  if (!Number.isNaN(upTotal)) g.upstream.add(upTotal);
}
export const newPeer = () => new PeerAcc();

export function mergeGroup(a: GroupAcc, b: GroupAcc): void {
  a.mergeCounts(b);
  a.upstreamed += b.upstreamed;
  a.request.merge(b.request);
  a.upstream.merge(b.upstream);
}

/** Mergeable tables of one access-log format. */
export class AccessTables {
  readonly fmt: CompiledLogFormat;
  lines = 0;
  matched = 0;
  unmatched = 0;
  outOfWindow = 0;
  /** Lines of an ingress-nginx controller's own (klog, nginx error lines), set apart with `controllerLog`. */
  controllerLines = 0;
  unmatchedSamples: string[] = [];
  /** Unmatched lines of the file being read (reset per file): what the file looks like instead. */
  fileSamples: string[] = [];
  /** Formats of other files merged into this one (`fields` says what any of them provides). */
  extraFormats: CompiledLogFormat[] = [];
  first = Number.POSITIVE_INFINITY;
  last = Number.NEGATIVE_INFINITY;
  /**
   * The lines no location counts (a format without $request). Every other line is in exactly one location
   * ("(other)" included), so the totals are this plus every location, summed at the end (totalsGroup) instead
   * of counted a second time per line.
   */
  unlocated = new GroupAcc();
  peers = new Map<string, PeerAcc>();
  hosts = new Map<string, GroupAcc>();
  locations = new Map<string, GroupAcc>();
  minutes = new Map<number, CountsAcc>();
  /** "status|upstreamStatus|location" → count, for 502/504 the upstream did not send (see AccessSummary.rewritten). */
  rewrites = new Map<string, number>();
  /** 502/504 answers per minute and peer (see AccessSummary.failuresByMinute). */
  fails: FailMinutes;
  /** Timeout what-if cells per (location, peer) (see AccessSummary.timeoutCells). */
  readonly cells: TimeoutCells;
  private failMinute = Number.NaN;
  private failLabel = "";
  protected readonly maxKeys: number;
  /** ingress-nginx's per-upstream-name table, fed from the same lines (the `ingress` option), or null. */
  readonly ingress: IngressAccessAccumulator | null;

  constructor(
    readonly formatText: string,
    readonly escapeMode: LogEscape,
    protected readonly opts: AccessOptions = {},
  ) {
    this.fmt = compileLogFormat({ format: formatText, escape: escapeMode });
    this.maxKeys = opts.maxKeys ?? 5000;
    this.fails = new FailMinutes(Math.min(this.maxKeys, FAIL_PEERS));
    this.cells = new TimeoutCells(this.maxKeys, this.fmt.indexOf("upstream_status") >= 0);
    this.ingress =
      opts.ingress !== undefined && this.fmt.indexOf("proxy_upstream_name") >= 0
        ? new IngressAccessAccumulator(
            opts.ingress ? { id: opts.ingress, versions: "", format: formatText } : formatText,
            escapeMode,
          )
        : null;
  }

  /** Counts a 502/504 in its minute and peer (the last peer tried; "-" when none was reached). */
  protected noteFail(t: number, status: number, peer: string): void {
    if (Number.isNaN(t)) return;
    const m = Math.floor(t / 60000);
    if (m !== this.failMinute) {
      this.failMinute = m;
      this.failLabel = `${new Date(m * 60000).toISOString().slice(0, 16)}Z`;
    }
    this.fails.add(this.failLabel, status, peer);
  }

  protected noteRewrite(status: number, up: number, location: string): void {
    const k = `${status}|${up}|${location}`;
    const n = this.rewrites.get(k);
    if (n !== undefined) this.rewrites.set(k, n + 1);
    else if (this.rewrites.size < 200) this.rewrites.set(k, 1);
  }

  protected key<T>(m: Map<string, T>, k: string, make: () => T): T {
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

  protected admit(t: number): boolean {
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

  /** Counts an admitted line in its location (or with the unlocated lines), its host and its minute. */
  protected tally(
    t: number,
    status: number,
    rt: number,
    reached: boolean,
    upTotal: number,
    host: GroupAcc | null,
    loc: GroupAcc | null,
  ): void {
    if (host) feed(host, status, rt, reached, upTotal);
    feed(loc ?? this.unlocated, status, rt, reached, upTotal);
    if (!Number.isNaN(t)) {
      const m = Math.floor(t / 60000);
      // consecutive lines mostly share their minute
      let c = m === this.lastMinute ? this.lastMinuteAcc : this.minutes.get(m);
      if (c === undefined) {
        c = new CountsAcc();
        this.minutes.set(m, c);
      }
      this.lastMinute = m;
      this.lastMinuteAcc = c;
      c.add(status);
    }
  }
  private lastMinute = Number.NaN;
  private lastMinuteAcc: CountsAcc | undefined;

  /** A structured-clone-able snapshot (for worker threads); `fromState` rebuilds an accumulator to `merge`. */
  toState(): AccumulatorState {
    const g = (a: GroupAcc) => ({
      c: a.counts(),
      u: a.upstreamed,
      r: a.request.toPacked(),
      p: a.upstream.toPacked(),
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
      unlocated: g(this.unlocated),
      peers: [...this.peers].map(([k, p]) => [
        k,
        {
          c: p.counts(),
          f: p.failedInChain,
          s: p.servedAfterRetry,
          r: p.response.toPacked(),
          h: p.header.toPacked(),
          x: p.connect.toPacked(),
        },
      ]),
      hosts: [...this.hosts].map(([k, a]) => [k, g(a)]),
      locations: [...this.locations].map(([k, a]) => [k, g(a)]),
      minutes: [...this.minutes].map(([k, a]) => [k, a.counts()]),
      rewrites: [...this.rewrites],
      fails: this.fails.toState(),
      cells: this.cells.toState(),
      ...(this.ingress ? { ing: this.ingress.result() } : {}),
    };
  }

  static fromState(formatText: string, escapeMode: LogEscape, st: AccumulatorState): AccessTables {
    const a = new AccessTables(formatText, escapeMode, st.ing ? { ingress: st.ing.format } : {});
    if (st.ing) a.ingress?.merge(st.ing);
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
    const g = (x: AccumulatorState["unlocated"]) => {
      const r = new GroupAcc();
      counts(r, x.c);
      r.upstreamed = x.u;
      r.request = QuantileSketch.fromPacked(x.r);
      r.upstream = QuantileSketch.fromPacked(x.p);
      return r;
    };
    a.unlocated = g(st.unlocated);
    for (const [k, x] of st.peers) {
      const p = new PeerAcc();
      counts(p, x.c);
      p.failedInChain = x.f;
      p.servedAfterRetry = x.s;
      p.response = QuantileSketch.fromPacked(x.r);
      p.header = QuantileSketch.fromPacked(x.h);
      p.connect = QuantileSketch.fromPacked(x.x);
      a.peers.set(k, p);
    }
    for (const [k, x] of st.hosts) a.hosts.set(k, g(x));
    for (const [k, x] of st.locations) a.locations.set(k, g(x));
    for (const [k, n] of st.rewrites ?? []) a.rewrites.set(k, n);
    a.fails.mergeState(st.fails);
    a.cells.mergeState(st.cells);
    for (const [k, c] of st.minutes) {
      const m = new CountsAcc();
      counts(m, c);
      a.minutes.set(k, m);
    }
    return a;
  }

  /**
   * Adds the state of an accumulator of this format (a worker's byte range): the same as
   * mergeFrom(AccessTables.fromState(…, st)), without building the other tables and their sketches first.
   */
  mergeState(st: AccumulatorState): void {
    const [lines, matched, unmatched, outOfWindow, first, last] = st.n as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    this.lines += lines;
    this.matched += matched;
    this.unmatched += unmatched;
    this.outOfWindow += outOfWindow;
    this.controllerLines += st.n[6] ?? 0;
    for (const s of st.samples) if (this.unmatchedSamples.length < 10) this.unmatchedSamples.push(s);
    for (const s of st.samples) if (this.fileSamples.length < FILE_SAMPLES) this.fileSamples.push(s);
    this.first = Math.min(this.first, first);
    this.last = Math.max(this.last, last);
    const counts = (t: CountsAcc, c: Counts) => {
      t.requests += c.requests;
      t.s502 += c.s502;
      t.s504 += c.s504;
      t.s5xx += c.s5xx;
      t.s404 += c.s404 ?? 0;
    };
    const group = (a: GroupAcc, x: AccumulatorState["unlocated"]) => {
      counts(a, x.c);
      a.upstreamed += x.u;
      a.request.mergePacked(x.r);
      a.upstream.mergePacked(x.p);
    };
    group(this.unlocated, st.unlocated);
    for (const [k, x] of st.peers) {
      const p = this.key(this.peers, k, newPeer);
      counts(p, x.c);
      p.failedInChain += x.f;
      p.servedAfterRetry += x.s;
      p.response.mergePacked(x.r);
      p.header.mergePacked(x.h);
      p.connect.mergePacked(x.x);
    }
    for (const [k, x] of st.hosts) group(this.key(this.hosts, k, newGroup), x);
    for (const [k, x] of st.locations) group(this.key(this.locations, k, newGroup), x);
    for (const [k, n] of st.rewrites ?? []) {
      const cur = this.rewrites.get(k);
      if (cur !== undefined) this.rewrites.set(k, cur + n);
      else if (this.rewrites.size < 200) this.rewrites.set(k, n);
    }
    // through a table like the one fromState builds, so that peers fold into "(other)" exactly as before
    const fails = new FailMinutes(Math.min(5000, FAIL_PEERS));
    fails.mergeState(st.fails);
    this.fails.mergeState(fails.toState());
    this.cells.mergeState(st.cells);
    if (st.ing) this.ingress?.merge(st.ing);
    for (const [k, c] of st.minutes) {
      let a = this.minutes.get(k);
      if (!a) {
        a = new CountsAcc();
        this.minutes.set(k, a);
      }
      counts(a, c);
    }
  }

  /** Adds another accumulator's tables (of this format, or of another one: see extraFormats). */
  mergeFrom(o: AccessTables): void {
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
    mergeGroup(this.unlocated, o.unlocated);
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
    this.fails.mergeState(o.fails.toState());
    this.cells.mergeFrom(o.cells);
    if (o.ingress) this.ingress?.merge(o.ingress.result());
    for (const [k, c] of o.minutes) {
      let a = this.minutes.get(k);
      if (!a) {
        a = new CountsAcc();
        this.minutes.set(k, a);
      }
      a.mergeCounts(c);
    }
  }

  /** Every admitted line: the unlocated ones plus every location. */
  totalsGroup(): GroupAcc {
    const t = new GroupAcc();
    mergeGroup(t, this.unlocated);
    for (const g of this.locations.values()) mergeGroup(t, g);
    return t;
  }

  result(files: string[], warnings: InputWarning[], perFile: AccessFileAccount[] = []): AccessSummary {
    const totals = this.totalsGroup();
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
      totals: group(totals),
      byPeer,
      byHost: table(this.hosts),
      byLocation: table(this.locations),
      byMinute,
      failuresByMinute: this.fails.rows([502, 504], (minute, peer, [s502, s504]) => ({
        minute,
        peer,
        s502: s502 as number,
        s504: s504 as number,
      })),
      latencyHistogram: {
        bounds: LATENCY_BOUNDS,
        upstream: totals.upstream.histogram(LATENCY_BOUNDS),
        byPeer: Object.fromEntries(
          Object.keys(byPeer).map((k) => [
            k,
            (this.peers.get(k) as PeerAcc).response.histogram(LATENCY_BOUNDS),
          ]),
        ),
      },
      rewritten: [...this.rewrites]
        .map(([k, count]) => {
          const [st, up, ...loc] = k.split("|");
          return { status: Number(st), upstreamStatus: Number(up), location: loc.join("|"), count };
        })
        .sort((a, b) => b.count - a.count),
      timeoutCells: this.cells.rows(),
      fields: {
        upstreamAddr: has("upstream_addr"),
        upstreamStatus: has("upstream_status"),
        requestTime: has("request_time"),
        upstreamResponseTime: has("upstream_response_time"),
        time: has("time_local") || has("time_iso8601") || has("msec"),
      },
      perFile,
      warnings,
      ...(this.ingress ? { ingress: this.ingress.result() } : {}),
    };
  }
}
