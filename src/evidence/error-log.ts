/**
 * Reads nginx error logs (plain, .gz, stdin, rotated sets in time order) and summarises upstream failures
 * per class, peer, server, host and minute, with sample lines. Streaming: memory is bounded by the number of
 * distinct keys (capped) and samples, not by the size of the input.
 */

import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type ErrorLine, errorTimeToMs, parseErrorLine } from "../nginx/errorlog/grammar.js";
import { type Classification, classify, type ErrorClass } from "../nginx/errorlog/taxonomy.js";
import { type InputWarning, isGzipFile, isStdin, lineBlocks, orderRotated, splitRanges } from "./input.js";
import type { ErrorGroup, ErrorLogEvidence } from "./types.js";

export interface ErrorLogOptions {
  /** Window in epoch ms (nginx's local time read in this machine's time zone). */
  since?: number;
  until?: number;
  /** Verbatim sample lines kept per class and per peer group. Default 3. */
  samples?: number;
  /** Cap on distinct peers/servers/hosts/minutes kept (further keys fold into "(other)"). Default 5000. */
  maxKeys?: number;
  onWarning?: (w: InputWarning) => void;
  /** Raw bytes read so far, across files. */
  onProgress?: (bytes: number) => void;
  /** Plain files at least this big are scanned in parallel (default ERRORLOG_PARALLEL_MIN_BYTES). */
  parallelMinBytes?: number;
}

export interface Sample {
  text: string;
  file: string;
  line: number;
}

export interface PeerSummary {
  peer: string;
  module: string | null;
  total: number;
  byClass: Record<string, number>;
  first: string | null;
  last: string | null;
  samples: Sample[];
}

export interface ErrorLogSummary {
  files: string[];
  lines: number;
  /** Lines that are not nginx error-log lines at all (garbage, other programs' output). */
  unparsed: number;
  /** Lines outside --since/--until. */
  outOfWindow: number;
  /** Upstream failure lines (every class but not-upstream and non-failure notes). */
  upstreamErrors: number;
  first: string | null;
  last: string | null;
  byClass: Record<string, number>;
  /** Upstream lines that are not failures, by detail: "peer-disabled", "non-fatal", "config". */
  notes: Record<string, number>;
  byPeer: PeerSummary[];
  byServer: Record<string, number>;
  byHost: Record<string, number>;
  /** Upstream failures per minute ("2026-11-24T10:07"). */
  byMinute: Record<string, number>;
  samples: Record<string, Sample[]>;
  /** Lines of one class toward one peer or group, for the diagnose rules. */
  groups: ErrorGroup[];
  warnings: InputWarning[];
}

/** Lines worth a full parse: everything else is counted as not-upstream after a cheap substring test. */
const MARKERS = [
  "upstream",
  "worker_connections",
  "open files",
  "file descriptors",
  "could not be resolved",
  "no resolver",
  "FastCGI",
  "connect() to",
  "SSL",
];

function interesting(line: string): boolean {
  for (const m of MARKERS) if (line.includes(m)) return true;
  return false;
}

/** "2026/11/24 10:07:33" → "2026-11-24T10:07:33" (nginx local time, no zone). */
export function isoLocal(t: string): string {
  return `${t.slice(0, 4)}-${t.slice(5, 7)}-${t.slice(8, 10)}T${t.slice(11, 19)}`;
}

/** Offset (minutes east of UTC) of this machine at the given local time: nginx logs local time. */
function localOffset(msAsUtc: number): number {
  return -new Date(msAsUtc).getTimezoneOffset();
}

/** True for lines that report a failure (not notes such as "upstream server temporarily disabled"). */
export function isFailure(c: Classification): boolean {
  return (
    c.class !== "not-upstream" &&
    c.detail !== "non-fatal" &&
    c.detail !== "peer-disabled" &&
    c.detail !== "config"
  );
}

export interface ErrorLogState {
  lines: number;
  unparsed: number;
  outOfWindow: number;
  upstreamErrors: number;
  first: string | null;
  last: string | null;
  byClass: Map<string, number>;
  notes: Map<string, number>;
  peers: Map<string, PeerSummary>;
  servers: Map<string, number>;
  hosts: Map<string, number>;
  minutes: Map<string, number>;
  samples: Map<string, Sample[]>;
  groups: Map<string, Map<string, GroupAcc>>;
}

interface GroupAcc extends ErrorGroup {
  uriSet: Set<string>;
  detailSet: Set<string>;
}

export class ErrorLogAccumulator {
  lines = 0;
  unparsed = 0;
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
  readonly samples = new Map<string, Sample[]>();
  /** class → peer → group */
  readonly groups = new Map<string, Map<string, GroupAcc>>();
  private groupCount = 0;
  private lastTimeRaw = "";
  private lastTimeMs = 0;
  private lastIsoRaw = "";
  private lastIso = "";
  private lastMinute = "";
  private readonly maxSamples: number;
  private readonly maxKeys: number;

  constructor(private readonly opts: ErrorLogOptions = {}) {
    this.maxSamples = opts.samples ?? 3;
    this.maxKeys = opts.maxKeys ?? 5000;
  }

  private bump(m: Map<string, number>, key: string): void {
    const v = m.get(key);
    if (v !== undefined) m.set(key, v + 1);
    else if (m.size < this.maxKeys) m.set(key, 1);
    else m.set("(other)", (m.get("(other)") ?? 0) + 1);
  }

  private timeMs(t: string): number {
    if (t === this.lastTimeRaw) return this.lastTimeMs;
    const asUtc = errorTimeToMs(t);
    this.lastTimeRaw = t;
    this.lastTimeMs = asUtc - localOffset(asUtc) * 60000;
    return this.lastTimeMs;
  }

  private readonly classCache = new Map<string, Classification>();
  /** Classification depends only on level, message and a few flags: cache it per distinct message. */
  private classifyCached(line: ErrorLine): Classification {
    if (line.message.length > 300) return classify(line);
    const key = `${line.level ?? ""}${line.upstream?.peer.startsWith("unix:") ? "u" : "t"}${line.confFile !== null ? "c" : ""}${line.connection === null ? "n" : ""}|${line.message}`;
    let c = this.classCache.get(key);
    if (c === undefined) {
      c = classify(line);
      if (this.classCache.size < 4096) this.classCache.set(key, c);
    }
    return c;
  }

  /** Feeds one line (without its newline). */
  addLine(text: string, file: string, lineNo: number): void {
    this.lines++;
    if (!interesting(text)) {
      if (
        text.length > 0 &&
        text.charCodeAt(0) >= 0x30 &&
        text.charCodeAt(0) <= 0x39 &&
        text.includes(" [")
      ) {
        this.bump(this.byClass, "not-upstream");
      } else if (text.trim() !== "") this.unparsed++;
      return;
    }
    const line = parseErrorLine(text);
    if (!line) {
      this.unparsed++;
      return;
    }
    if (line.time && (this.opts.since !== undefined || this.opts.until !== undefined)) {
      const t = this.timeMs(line.time);
      if (
        (this.opts.since !== undefined && t < this.opts.since) ||
        (this.opts.until !== undefined && t >= this.opts.until)
      ) {
        this.outOfWindow++;
        return;
      }
    }
    const c = this.classifyCached(line);
    if (!isFailure(c) && c.class !== "not-upstream") {
      // Notes about upstreams that are not failures themselves (a peer marked down, extra body bytes dropped).
      this.bump(this.notes, c.detail ?? c.class);
      return;
    }
    this.bump(this.byClass, c.class);
    if (!isFailure(c)) return;
    this.record(line, c, text, file, lineNo);
  }

  private record(line: ErrorLine, c: Classification, text: string, file: string, lineNo: number): void {
    this.upstreamErrors++;
    let iso: string | null = null;
    if (line.time) {
      if (line.time !== this.lastIsoRaw) {
        this.lastIsoRaw = line.time;
        this.lastIso = isoLocal(line.time);
        this.lastMinute = this.lastIso.slice(0, 16);
      }
      iso = this.lastIso;
      if (this.first === null || iso < this.first) this.first = iso;
      if (this.last === null || iso > this.last) this.last = iso;
      this.bump(this.minutes, this.lastMinute);
    }
    let sample: Sample | null = null;
    const mk = (): Sample => {
      sample ??= { text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text, file, line: lineNo };
      return sample;
    };
    const cs = this.samples.get(c.class);
    if (!cs) this.samples.set(c.class, [mk()]);
    else if (cs.length < this.maxSamples) cs.push(mk());
    if (line.server) this.bump(this.servers, line.server);
    if (line.host) this.bump(this.hosts, line.host);
    const noPeer = c.class === "no-live-upstreams" || c.class === "dns-failure" || c.class === "no-resolver";
    const peer = line.upstream && !noPeer ? line.upstream.peer : null;
    const groupName = c.class === "no-live-upstreams" && line.upstream ? line.upstream.peer : null;
    const peerKey = peer ?? groupName ?? "(none)";
    let p = this.peers.get(peerKey);
    if (!p && this.peers.size < this.maxKeys) {
      p = {
        peer: peerKey,
        module: line.upstream?.module ?? null,
        total: 0,
        byClass: {},
        first: null,
        last: null,
        samples: [],
      };
      this.peers.set(peerKey, p);
    }
    if (p) {
      p.total++;
      p.byClass[c.class] = (p.byClass[c.class] ?? 0) + 1;
      if (iso) {
        if (p.first === null || iso < p.first) p.first = iso;
        if (p.last === null || iso > p.last) p.last = iso;
      }
      if (p.samples.length < this.maxSamples) p.samples.push(mk());
    }
    let byPeer = this.groups.get(c.class);
    if (!byPeer) {
      byPeer = new Map();
      this.groups.set(c.class, byPeer);
    }
    let g = byPeer.get(peerKey);
    if (!g) {
      if (this.groupCount >= this.maxKeys) return;
      this.groupCount++;
      g = {
        class: c.class,
        peer,
        upstream: line.upstream?.raw ?? null,
        group: groupName,
        server: line.server,
        host: line.host,
        count: 0,
        first: null,
        last: null,
        samples: [],
        uris: [],
        details: [],
        uriSet: new Set(),
        detailSet: new Set(),
      };
      byPeer.set(peerKey, g);
    }
    g.count++;
    if (iso) {
      if (g.first === null || iso < g.first) g.first = iso;
      if (g.last === null || iso > g.last) g.last = iso;
    }
    if (g.samples.length < this.maxSamples) g.samples.push(mk());
    const uri = line.request?.uri;
    if (uri && g.uriSet.size < 5 && !g.uriSet.has(uri)) g.uriSet.add(uri);
    const detail =
      c.detail ??
      (c.class === "fastcgi-stderr" || c.class.startsWith("tls") ? line.message.slice(0, 200) : null);
    if (detail && g.detailSet.size < 5) g.detailSet.add(detail);
  }

  /** Plain data for a worker thread to post back (Maps and Sets survive structured cloning). */
  toState(): ErrorLogState {
    return {
      lines: this.lines,
      unparsed: this.unparsed,
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
      samples: this.samples,
      groups: this.groups,
    };
  }

  /** Adds another accumulator's state; `lineOffset` shifts its sample line numbers (byte-range scans). */
  merge(o: ErrorLogState, lineOffset = 0): void {
    this.lines += o.lines;
    this.unparsed += o.unparsed;
    this.outOfWindow += o.outOfWindow;
    this.upstreamErrors += o.upstreamErrors;
    if (o.first !== null && (this.first === null || o.first < this.first)) this.first = o.first;
    if (o.last !== null && (this.last === null || o.last > this.last)) this.last = o.last;
    const add = (into: Map<string, number>, from: Map<string, number>) => {
      for (const [k, v] of from) {
        const cur = into.get(k);
        if (cur !== undefined) into.set(k, cur + v);
        else if (into.size < this.maxKeys) into.set(k, v);
        else into.set("(other)", (into.get("(other)") ?? 0) + v);
      }
    };
    add(this.byClass, o.byClass);
    add(this.notes, o.notes);
    add(this.servers, o.servers);
    add(this.hosts, o.hosts);
    add(this.minutes, o.minutes);
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
    const span = (
      a: { first: string | null; last: string | null },
      b: { first: string | null; last: string | null },
    ) => {
      if (b.first !== null && (a.first === null || b.first < a.first)) a.first = b.first;
      if (b.last !== null && (a.last === null || b.last > a.last)) a.last = b.last;
    };
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
        span(cur, g);
        takeSamples(cur.samples, g.samples);
        for (const u of g.uriSet) if (cur.uriSet.size < 5) cur.uriSet.add(u);
        for (const d of g.detailSet) if (cur.detailSet.size < 5) cur.detailSet.add(d);
      }
    }
  }

  result(files: string[], warnings: InputWarning[]): ErrorLogSummary {
    const obj = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
    const groups: ErrorGroup[] = [...this.groups.values()]
      .flatMap((m) => [...m.values()])
      .map(({ uriSet, detailSet, ...g }) => ({
        ...g,
        uris: [...uriSet],
        details: [...detailSet],
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
      samples: Object.fromEntries(this.samples),
      groups: groups.sort((a, b) => b.count - a.count),
      warnings,
    };
  }
}

/** Feeds one block of whole lines; returns the number of lines it held. */
export function addErrorBlock(
  acc: ErrorLogAccumulator,
  block: Buffer,
  file: string,
  firstLine: number,
): number {
  const text = block.toString("utf8");
  let n = 0;
  let i = 0;
  while (i < text.length) {
    let j = text.indexOf("\n", i);
    if (j < 0) j = text.length;
    let k = j;
    if (k > i && text.charCodeAt(k - 1) === 0x0d) k--;
    n++;
    acc.addLine(k - i > 65536 ? text.slice(i, i + 65536) : text.slice(i, k), file, firstLine + n);
    i = j + 1;
  }
  return n;
}

/** Plain files at least this big are scanned by worker threads over byte ranges. */
export const ERRORLOG_PARALLEL_MIN_BYTES = 32 << 20;

function sizeOf(f: string): number {
  try {
    const st = statSync(f);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/**
 * Scans a big plain file over byte ranges: this thread takes the first range while worker threads take the
 * others (one fewer worker to start and one fewer heap than giving every range to a worker).
 */
async function scanParallel(
  file: string,
  acc: ErrorLogAccumulator,
  opts: ErrorLogOptions,
  workerFile: string,
): Promise<void> {
  const [own, ...rest] = splitRanges(sizeOf(file), availableParallelism());
  if (!own) return;
  const workers = rest.map(
    (r) =>
      new Promise<ErrorLogState>((resolve, reject) => {
        const w = new Worker(workerFile, {
          workerData: {
            file,
            ...r,
            since: opts.since,
            until: opts.until,
            samples: opts.samples,
            maxKeys: opts.maxKeys,
          },
          resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 },
        });
        w.once("message", resolve);
        w.once("error", reject);
      }),
  );
  const mine = new ErrorLogAccumulator(opts);
  let line = 0;
  for await (const block of lineBlocks(file, {
    start: own.start,
    end: own.end,
    maxLineBytes: 1 << 20,
    chunkBytes: 128 << 10,
  }))
    line += addErrorBlock(mine, block, file, line);
  const states = [mine.toState(), ...(await Promise.all(workers))];
  let offset = 0;
  for (const st of states) {
    acc.merge(st, offset);
    offset += st.lines;
  }
}

/** Summarises error logs. Unreadable or damaged inputs become warnings; the rest is still read. */
export async function summarizeErrorLogs(
  files: string[],
  opts: ErrorLogOptions = {},
): Promise<ErrorLogSummary> {
  const ordered = orderRotated(files);
  const acc = new ErrorLogAccumulator(opts);
  const warnings: InputWarning[] = [];
  const onWarning = (w: InputWarning) => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  let doneBytes = 0;
  const workerFile = fileURLToPath(new URL("./error-worker.js", import.meta.url));
  const parallel = availableParallelism() > 1 && existsSync(workerFile);
  for (const file of ordered) {
    const name = file === "-" ? "(stdin)" : file;
    let lineNo = 0;
    let fileBytes = 0;
    if (
      parallel &&
      !isStdin(file) &&
      sizeOf(file) >= (opts.parallelMinBytes ?? ERRORLOG_PARALLEL_MIN_BYTES) &&
      !isGzipFile(file)
    ) {
      await scanParallel(file, acc, opts, workerFile);
      fileBytes = sizeOf(file);
      doneBytes += fileBytes;
      opts.onProgress?.(doneBytes);
      continue;
    }
    for await (const block of lineBlocks(file, {
      onWarning,
      maxLineBytes: 1 << 20,
      chunkBytes: 128 << 10,
      onProgress: (b) => {
        fileBytes = b;
        opts.onProgress?.(doneBytes + b);
      },
    })) {
      lineNo += addErrorBlock(acc, block, name, lineNo);
    }
    doneBytes += fileBytes;
  }
  return acc.result(
    ordered.map((f) => (f === "-" ? "(stdin)" : f)),
    warnings,
  );
}

/** The part of a summary the diagnose rules read. */
export function errorEvidence(s: ErrorLogSummary): ErrorLogEvidence {
  return {
    files: s.files,
    lines: s.lines,
    byClass: s.byClass,
    groups: s.groups,
    first: s.first,
    last: s.last,
  };
}

export type { ErrorClass };
