/**
 * The error-log summary's tables: counts per class, peer, server, host and minute, samples, the groups the
 * diagnose rules read, and how two partial summaries merge. Both ways of reading a line (lines.ts, records.ts)
 * count through the methods here, so they cannot drift apart in what they keep.
 */
import type { Classification, ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import type { FileAccount, InputWarning } from "../input.js";
import { FAIL_PEERS, FailMinutes } from "../scan/fail-minutes.js";
import type { ErrorGroup } from "../types.js";
import type {
  ClassCounter,
  ErrorLogOptions,
  ErrorLogState,
  ErrorLogSummary,
  GroupAcc,
  PeerSummary,
  Sample,
} from "./types.js";

export type { ClassCounter, ErrorLogOptions, ErrorLogState, ErrorLogSummary, GroupAcc, PeerSummary, Sample };

/** A counter for keys that repeat in runs (server, host, minute): counted locally, added on change. */
export interface Run {
  key: string | null;
  n: number;
}

/** Lines kept per file to say what a file that is not an error log looks like. */
export const SKIPPED_SAMPLES = 50;

/** Distinct URIs, details and names kept per group. */
export const PER_GROUP = 5;

/** Longest sample text and request URI kept (UTF-16 units); longer ones are cut and end with "…". */
export const SAMPLE_CHARS = 2000;
export const URI_CHARS = 1000;

/**
 * A copy of `s` that owns its characters. A slice of a long string can keep the whole of it alive (V8 makes
 * slices that point into their parent), and what the tables keep must not hold whole lines or blocks.
 */
export function ownCopy(s: string): string {
  // Joining makes a new string of two parts; slicing it flattens them into fresh characters first.
  return ` ${s}`.slice(1);
}

/** `s` cut to `max` units with "…" after it, as a copy of its own. */
export function cut(s: string, max: number): string {
  return s.length > max ? `${ownCopy(s.slice(0, max))}…` : ownCopy(s);
}

/** "2026/11/24 10:07:33" → "2026-11-24T10:07:33" (nginx local time, no zone). */
export function isoLocal(t: string): string {
  return `${t.slice(0, 4)}-${t.slice(5, 7)}-${t.slice(8, 10)}T${t.slice(11, 19)}`;
}

/** One reusable holder per accumulator: no closure or object per line when no sample is taken. */
export class SampleSource {
  private src: string | Buffer = "";
  private enc: BufferEncoding = "utf8";
  private i = 0;
  private k = 0;
  private file = "";
  private line = 0;
  private made: Sample | null = null;

  /** The line [i, k) of a string, or of a buffer decoded with `enc`. */
  set(src: string | Buffer, enc: BufferEncoding, i: number, k: number, file: string, line: number): this {
    this.src = src;
    this.enc = enc;
    this.i = i;
    this.k = k;
    this.file = file;
    this.line = line;
    this.made = null;
    return this;
  }

  get(): Sample {
    if (this.made === null) {
      const s = this.src;
      let text: string;
      if (typeof s === "string") text = cut(s.slice(this.i, this.k), SAMPLE_CHARS);
      else {
        // Decode no more than the kept part can need: SAMPLE_CHARS units take at most 3 bytes each in UTF-8
        // (4-byte characters are two units), and the bytes past the cut cannot change the units before it.
        const room = this.enc === "latin1" ? SAMPLE_CHARS + 1 : SAMPLE_CHARS * 3 + 4;
        const whole = this.k - this.i <= room;
        text = s.toString(this.enc, this.i, whole ? this.k : this.i + room);
        if (text.length > SAMPLE_CHARS) text = cut(text, SAMPLE_CHARS);
      }
      this.made = { text, file: this.file, line: this.line };
    }
    return this.made;
  }
}

export class ErrorTables {
  lines = 0;
  unparsed = 0;
  /** Lines of NUL bytes only (crash padding): not counted as lines. */
  padding = 0;
  /** Empty or blank lines (counted in `lines`, neither understood nor skipped). */
  blankLines = 0;
  /** The first lines that were not error-log lines (what the file looks like instead). */
  skippedSamples: string[] = [];
  outOfWindow = 0;
  upstreamErrors = 0;
  first: string | null = null;
  last: string | null = null;
  readonly byClass = new Map<string, number>();
  readonly notes = new Map<string, number>();
  readonly peers = new Map<string, PeerSummary>();
  readonly servers = new Map<string, number>();
  readonly hosts = new Map<string, number>();
  readonly minutes = new Map<string, number>();
  /** Failures per minute and peer key (see ErrorLogSummary.failuresByMinute). */
  readonly fails: FailMinutes;
  /** Per peer, the minute being counted and its count so far (added to `fails` when the minute changes). */
  private readonly peerMinuteRuns = new Map<string, Run>();
  readonly samples = new Map<string, Sample[]>();
  /** class → peer → group */
  readonly groups = new Map<string, Map<string, GroupAcc>>();
  /** Configuration reloads seen (ISO local times, one per reload, at most 100). */
  readonly reloads: string[] = [];
  protected groupCount = 0;
  protected readonly maxSamples: number;
  protected readonly maxKeys: number;
  protected readonly classCounters = new Map<string, ClassCounter>();
  protected readonly serverRun: Run = { key: null, n: 0 };
  protected readonly hostRun: Run = { key: null, n: 0 };
  protected readonly minuteRun: Run = { key: null, n: 0 };

  constructor(protected readonly opts: ErrorLogOptions = {}) {
    this.maxSamples = opts.samples ?? 3;
    this.maxKeys = opts.maxKeys ?? 5000;
    this.fails = new FailMinutes(Math.min(this.maxKeys, FAIL_PEERS));
  }

  protected bump(m: Map<string, number>, key: string, n = 1): void {
    const v = m.get(key);
    if (v !== undefined) m.set(key, v + n);
    else if (m.size < this.maxKeys) m.set(key, n);
    else m.set("(other)", (m.get("(other)") ?? 0) + n);
  }

  protected counterOf(cls: ErrorClass): ClassCounter {
    let ctr = this.classCounters.get(cls);
    if (!ctr) {
      ctr = { cls, n: 0, samplesFull: false };
      this.classCounters.set(cls, ctr);
      // Enter the class in byClass now, so that its place in the map is where it first appeared.
      if (!this.byClass.has(cls)) this.bump(this.byClass, cls, 0);
    }
    return ctr;
  }

  /** Adds the counts held back by the run and class counters (before results are read or merged). */
  protected flushRuns(): void {
    // The runs are emptied, not dropped: the fast path's peer entries hold on to theirs.
    for (const [peer, run] of this.peerMinuteRuns) {
      if (run.key !== null) this.fails.add(run.key, 0, peer, run.n);
      run.key = null;
      run.n = 0;
    }
    for (const ctr of this.classCounters.values()) {
      if (ctr.n > 0) this.bump(this.byClass, ctr.cls, ctr.n);
      ctr.n = 0;
      ctr.samplesFull = false;
    }
    for (const [run, m] of [
      [this.serverRun, this.servers],
      [this.hostRun, this.hosts],
      [this.minuteRun, this.minutes],
    ] as const) {
      if (run.key !== null && run.n > 0) this.bump(m, run.key, run.n);
      run.key = null;
      run.n = 0;
    }
  }

  /**
   * Counts `key` in `m` through `run`. Keys enter the map at the end of their first run, which keeps the
   * order in which they first appeared (ties in the output and the maxKeys cap depend on it).
   */
  protected runKey(run: Run, m: Map<string, number>, key: string): void {
    if (run.key === key) {
      run.n++;
      return;
    }
    if (run.key !== null && run.n > 0) this.bump(m, run.key, run.n);
    run.key = key;
    run.n = 1;
  }

  /** The summary of one peer key, created while there is room. */
  protected peerSummary(key: string, module: string | null): PeerSummary | undefined {
    let p = this.peers.get(key);
    if (!p && this.peers.size < this.maxKeys) {
      p = { peer: key, module, total: 0, byClass: {}, first: null, last: null, samples: [] };
      this.peers.set(key, p);
    }
    return p;
  }

  /** The run of failures per minute of one peer key (the fast path keeps it with the peer's entry). */
  protected minuteRunOf(peer: string): Run {
    let run = this.peerMinuteRuns.get(peer);
    if (!run) {
      run = { key: null, n: 0 };
      this.peerMinuteRuns.set(peer, run);
    }
    return run;
  }

  /**
   * Counts a failure of peer p. `minute` is iso's first 16 characters (the same string for every line of a
   * second, so that comparing it is cheap); `run` is minuteRunOf(p.peer) when the caller has it at hand.
   */
  protected countPeer(
    p: PeerSummary,
    /** Null when the caller counts the class itself. */
    c: Classification | null,
    iso: string | null,
    minute: string,
    mk: SampleSource,
    given?: Run,
  ): void {
    if (iso) {
      const run = given ?? this.minuteRunOf(p.peer);
      if (run.key === minute) run.n++;
      else {
        if (run.key !== null) this.fails.add(run.key, 0, p.peer, run.n);
        run.key = minute;
        run.n = 1;
      }
    }
    p.total++;
    if (c !== null) p.byClass[c.class] = (p.byClass[c.class] ?? 0) + 1;
    // Lines come mostly in time order: the same second as the last one leaves first and last as they are.
    if (iso && iso !== p.last) {
      if (p.first === null || iso < p.first) p.first = iso;
      if (p.last === null || iso > p.last) p.last = iso;
    }
    if (p.samples.length < this.maxSamples) p.samples.push(mk.get());
  }

  /** The group of one class and peer key, created (from `init`) while there is room. */
  protected group(
    cls: ErrorClass,
    peerKey: string,
    init: () => Pick<ErrorGroup, "peer" | "upstream" | "group" | "server" | "host">,
  ): GroupAcc | undefined {
    let byPeer = this.groups.get(cls);
    if (!byPeer) {
      byPeer = new Map();
      this.groups.set(cls, byPeer);
    }
    let g = byPeer.get(peerKey);
    if (!g) {
      if (this.groupCount >= this.maxKeys) return undefined;
      this.groupCount++;
      const at = init();
      // A long upstream URL (its URI) is kept as far as a request URI is.
      if (at.upstream !== null && at.upstream.length > URI_CHARS) at.upstream = cut(at.upstream, URI_CHARS);
      g = {
        class: cls,
        ...at,
        count: 0,
        first: null,
        last: null,
        samples: [],
        uris: [],
        details: [],
        uriSet: new Set(),
        detailSet: new Set(),
        nameSet: new Set(),
      };
      byPeer.set(peerKey, g);
    }
    return g;
  }

  protected countGroup(g: GroupAcc, c: Classification, iso: string | null, mk: SampleSource): void {
    g.count++;
    if (c.afterHeaders) g.afterHeaders = (g.afterHeaders ?? 0) + 1;
    if (iso && iso !== g.last) {
      if (g.first === null || iso < g.first) g.first = iso;
      if (g.last === null || iso > g.last) g.last = iso;
    }
    if (g.samples.length < this.maxSamples) g.samples.push(mk.get());
  }

  /** Adds a request URI, a detail and an unresolved name to a group's short lists (null: none). */
  protected noteInGroup(g: GroupAcc, uri: string | null, detail: string | null, name: string | null): void {
    if (uri && g.uriSet.size < PER_GROUP) g.uriSet.add(cut(uri, URI_CHARS));
    if (detail && g.detailSet.size < PER_GROUP) g.detailSet.add(detail);
    if (name && g.nameSet.size < PER_GROUP) g.nameSet.add(name);
  }

  /** Forgets what is cached by interned id (merging makes new entries). */
  protected forgetIds(): void {}

  /** Plain data for a worker thread to post back. */
  toState(): ErrorLogState {
    this.flushRuns();
    return {
      lines: this.lines,
      unparsed: this.unparsed,
      padding: this.padding,
      blankLines: this.blankLines,
      skippedSamples: this.skippedSamples,
      outOfWindow: this.outOfWindow,
      upstreamErrors: this.upstreamErrors,
      first: this.first,
      last: this.last,
      byClass: this.byClass,
      notes: this.notes,
      peers: this.peers,
      servers: this.servers,
      hosts: this.hosts,
      minutes: this.minutes,
      peerMinutes: this.fails.toState(),
      samples: this.samples,
      groups: this.groups,
      reloads: this.reloads,
    };
  }

  /** Adds another accumulator's state; `lineOffset` shifts its sample line numbers (byte-range scans). */
  /**
   * Whether merging this state could count otherwise than reading its lines here (see LogAccumulator.mergeLoses):
   * one of its capped tables is full. A key literally named "(other)" only makes the scanner read the range again.
   */
  mergeLoses(o: ErrorLogState): boolean {
    const full = (m: { size: number }) => m.size >= this.maxKeys;
    if (
      full(o.servers) ||
      full(o.hosts) ||
      full(o.minutes) ||
      full(o.notes) ||
      full(o.byClass) ||
      full(o.peers)
    )
      return true;
    let groups = 0;
    for (const m of o.groups.values()) groups += m.size;
    return groups >= this.maxKeys || (o.peerMinutes ?? []).some((row) => row[1] === "(other)");
  }

  merge(o: ErrorLogState, lineOffset = 0): void {
    // This accumulator's own runs first: the peers it saw first take the per-minute table's rows first, as in
    // a sequential read.
    this.flushRuns();
    this.fails.mergeState(o.peerMinutes);
    for (const r of o.reloads ?? [])
      if (!this.reloads.includes(r) && this.reloads.length < 100) this.reloads.push(r);
    this.forgetIds();
    this.lines += o.lines;
    this.unparsed += o.unparsed;
    this.padding += o.padding;
    this.blankLines += o.blankLines;
    for (const x of o.skippedSamples)
      if (this.skippedSamples.length < SKIPPED_SAMPLES) this.skippedSamples.push(x);
    this.outOfWindow += o.outOfWindow;
    this.upstreamErrors += o.upstreamErrors;
    if (o.first !== null && (this.first === null || o.first < this.first)) this.first = o.first;
    if (o.last !== null && (this.last === null || o.last > this.last)) this.last = o.last;
    for (const [into, from] of [
      [this.byClass, o.byClass],
      [this.notes, o.notes],
      [this.servers, o.servers],
      [this.hosts, o.hosts],
      [this.minutes, o.minutes],
    ] as const)
      for (const [k, v] of from) this.bump(into, k, v);
    const shift = <T extends { line?: number }>(xs: T[]): T[] =>
      xs.map((x) => ({ ...x, line: (x.line ?? 0) + lineOffset }));
    const takeSamples = <T extends { line?: number }>(into: T[], from: T[]) => {
      for (const x of shift(from)) if (into.length < this.maxSamples) into.push(x);
    };
    for (const [k, xs] of o.samples) {
      const cur = this.samples.get(k);
      if (cur) takeSamples(cur, xs);
      else this.samples.set(k, shift(xs).slice(0, this.maxSamples));
    }
    for (const [k, p] of o.peers) {
      const cur = this.peers.get(k);
      if (!cur) {
        if (this.peers.size < this.maxKeys) this.peers.set(k, { ...p, samples: shift(p.samples) });
        continue;
      }
      cur.total += p.total;
      for (const [c, v] of Object.entries(p.byClass)) cur.byClass[c] = (cur.byClass[c] ?? 0) + v;
      span(cur, p);
      takeSamples(cur.samples, p.samples);
    }
    for (const [cls, m] of o.groups) {
      let mine = this.groups.get(cls);
      if (!mine) {
        mine = new Map();
        this.groups.set(cls, mine);
      }
      for (const [peer, g] of m) {
        const cur = mine.get(peer);
        if (!cur) {
          if (this.groupCount >= this.maxKeys) continue;
          this.groupCount++;
          mine.set(peer, { ...g, samples: shift(g.samples) });
          continue;
        }
        cur.count += g.count;
        if (g.afterHeaders) cur.afterHeaders = (cur.afterHeaders ?? 0) + g.afterHeaders;
        span(cur, g);
        takeSamples(cur.samples, g.samples);
        for (const u of g.uriSet) this.noteInGroup(cur, u, null, null);
        for (const d of g.detailSet) this.noteInGroup(cur, null, d, null);
        for (const n of g.nameSet) this.noteInGroup(cur, null, null, n);
      }
    }
  }

  result(files: string[], warnings: InputWarning[], perFile: FileAccount[] = []): ErrorLogSummary {
    this.flushRuns();
    const obj = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
    const groups: ErrorGroup[] = [...this.groups.values()]
      .flatMap((m) => [...m.values()])
      .map(({ uriSet, detailSet, nameSet, ...g }) => ({
        ...g,
        uris: [...uriSet],
        details: [...detailSet],
        ...(nameSet.size > 0 ? { names: [...nameSet] } : {}),
      }));
    return {
      files,
      lines: this.lines,
      unparsed: this.unparsed,
      outOfWindow: this.outOfWindow,
      upstreamErrors: this.upstreamErrors,
      first: this.first,
      last: this.last,
      byClass: obj(this.byClass),
      notes: obj(this.notes),
      byPeer: [...this.peers.values()].sort((a, b) => b.total - a.total),
      byServer: obj(this.servers),
      byHost: obj(this.hosts),
      byMinute: Object.fromEntries([...this.minutes].sort((a, b) => (a[0] < b[0] ? -1 : 1))),
      failuresByMinute: this.fails.rows([0], (minute, peer, [count]) => ({
        minute,
        peer,
        count: count as number,
      })),
      samples: Object.fromEntries(this.samples),
      groups: groups.sort((a, b) => b.count - a.count),
      reloads: [...this.reloads].sort(),
      perFile,
      warnings,
    };
  }
}

/** Widens a's first/last time to cover b's. */
function span(
  a: { first: string | null; last: string | null },
  b: { first: string | null; last: string | null },
): void {
  if (b.first !== null && (a.first === null || b.first < a.first)) a.first = b.first;
  if (b.last !== null && (a.last === null || b.last > a.last)) a.last = b.last;
}
