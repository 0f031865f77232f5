/**
 * Reads nginx error logs (plain, .gz, stdin, rotated sets in time order) and summarises upstream failures
 * per class, peer, server, host and minute, with sample lines. Streaming: memory is bounded by the number of
 * distinct keys (capped) and samples, not by the size of the input.
 */

import { isAscii } from "node:buffer";
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  blank,
  type ErrorLevel,
  type ErrorLine,
  errorTimeToMs,
  messagePeer,
  parseErrorLine,
  parseUpstream,
} from "../nginx/errorlog/grammar.js";
import { type Classification, classify, type ErrorClass, isReload } from "../nginx/errorlog/taxonomy.js";
import { parseRequestLine } from "../nginx/logformat.js";
import { describeLines } from "../nginx/looks-like.js";
import {
  type FileAccount,
  type InputWarning,
  isPlainFile,
  isStdin,
  lineBlocks,
  orderRotated,
  splitRanges,
} from "./input.js";
import type { ErrorGroup, ErrorLogEvidence } from "./types.js";
import { loadWasmCore, type WasmCore } from "./wasm-core.js";

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
  /**
   * Read lines in nginx's plain layout through the WebAssembly scanner core (default true; without the core
   * every line goes through parseErrorLine). False forces parseErrorLine: the differential test compares the two.
   */
  core?: boolean;
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
  /** Configuration reloads (ISO local times) seen in the log. */
  reloads: string[];
  /** Per input, in reading order: what was read, understood and skipped. */
  perFile: FileAccount[];
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
  "connect() ",
  "SSL",
];

export function interesting(line: string): boolean {
  for (const m of MARKERS) if (line.includes(m)) return true;
  return false;
}

/** A message the scanner core has given an id, with its classification. */
interface KnownMessage {
  c: Classification;
  /** A configuration reload note ("…, reconfiguring"): its times are kept. */
  reload: boolean;
  failure: boolean;
  /** The count of its class in byClass (failures and not-upstream lines), made when first counted. */
  counter: ClassCounter | null;
}

/** Lines of one class counted by the fast path and not yet added to byClass. */
interface ClassCounter {
  cls: ErrorClass;
  n: number;
  /** The class's sample list has all it may take. */
  samplesFull: boolean;
}

/** What the fast path keeps per peer key: the summary and the groups of that peer, by class. */
interface FastPeer {
  key: string;
  summary: PeerSummary | undefined;
  groups: Map<string, GroupAcc>;
}

/** A counter for keys that repeat in runs (server, host, minute): counted locally, added on change. */
interface Run {
  key: string | null;
  n: number;
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
    // Start-up/nginx -t lines are notes, except an upstream name that does not resolve: nginx then does not
    // start (or keeps the old configuration), which is the cause the operator is looking for.
    (c.detail !== "config" || c.class === "dns-failure")
  );
}

export interface ErrorLogState {
  lines: number;
  unparsed: number;
  padding: number;
  blankLines: number;
  skippedSamples: string[];
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
  reloads: string[];
}

interface GroupAcc extends ErrorGroup {
  uriSet: Set<string>;
  detailSet: Set<string>;
}

export class ErrorLogAccumulator {
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
    this.wasm = opts.core === false ? null : loadWasmCore();
    this.windowed = opts.since !== undefined || opts.until !== undefined;
  }

  private bump(m: Map<string, number>, key: string, n = 1): void {
    const v = m.get(key);
    if (v !== undefined) m.set(key, v + n);
    else if (m.size < this.maxKeys) m.set(key, n);
    else m.set("(other)", (m.get("(other)") ?? 0) + n);
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
    const ups = line.upstream === null ? "-" : line.upstream.peer.startsWith("unix:") ? "u" : "t";
    const key = `${line.level ?? ""}${ups}${line.confFile !== null ? "c" : ""}${line.connection === null ? "n" : ""}|${line.message}`;
    let c = this.classCache.get(key);
    if (c === undefined) {
      c = classify(line);
      if (this.classCache.size < 4096) this.classCache.set(key, c);
    }
    return c;
  }

  /** Configuration reloads seen (ISO local times, one per reload, at most 100). */
  readonly reloads: string[] = [];
  private lastReloadMs = Number.NEGATIVE_INFINITY;

  private noteReload(raw: string): void {
    const ms = errorTimeToMs(raw);
    // One reload writes two lines ("signal 1 (SIGHUP) received…, reconfiguring" and "reconfiguring").
    if (Math.abs(ms - this.lastReloadMs) <= 5000) return;
    this.lastReloadMs = ms;
    if (this.reloads.length < 100) this.reloads.push(isoLocal(raw));
  }

  /** Feeds one line (without its newline). */
  addLine(text: string, file: string, lineNo: number): void {
    this.lines++;
    if (text.includes("reconfiguring")) {
      const l = parseErrorLine(text);
      if (l?.time && isReload(l.message)) {
        this.noteReload(l.time);
        this.bump(this.byClass, "not-upstream");
        return;
      }
    }
    if (!interesting(text)) {
      // "2026/11/24 …" (or kubectl's "2026-11-24T…" prefix) and " [": an error-log line about something else.
      // An access line also starts with a digit and has " [", but an address never has '/' or '-' at 4.
      const c4 = text.charCodeAt(4);
      if (
        text.charCodeAt(0) >= 0x30 &&
        text.charCodeAt(0) <= 0x39 &&
        (c4 === 0x2f || c4 === 0x2d) &&
        text.includes(" [")
      ) {
        this.bump(this.byClass, "not-upstream");
      } else if (text.trim() !== "") {
        // Other prefixes (syslog, journald, Docker) are left to the full parser.
        if (text.charCodeAt(0) !== 0 && parseErrorLine(text) !== null)
          this.bump(this.byClass, "not-upstream");
        else this.skip(text, file, lineNo);
      } else this.blankLines++;
      return;
    }
    const line = parseErrorLine(text);
    if (!line) {
      this.skip(text, file, lineNo);
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

  /**
   * A line that is not an nginx error-log line. A crash can leave a run of NUL bytes in front of the next line
   * nginx appends: such a line is read without them (a line of NULs only is padding, not a line).
   */
  private skip(text: string, file: string, lineNo: number): void {
    if (text.charCodeAt(0) === 0) {
      let i = 1;
      while (i < text.length && text.charCodeAt(i) === 0) i++;
      this.lines--;
      if (i < text.length) this.addLine(text.slice(i), file, lineNo);
      else this.padding++;
      return;
    }
    this.unparsed++;
    if (this.skippedSamples.length < SKIPPED_SAMPLES) this.skippedSamples.push(text.slice(0, 1000));
  }

  private record(line: ErrorLine, c: Classification, text: string, file: string, lineNo: number): void {
    this.upstreamErrors++;
    let iso: string | null = null;
    if (line.time) {
      if (line.time !== this.lastIsoRaw) {
        this.lastIsoRaw = line.time;
        this.lastTimeKey = -1;
        this.lastIso = isoLocal(line.time);
        this.lastMinute = this.lastIso.slice(0, 16);
      }
      iso = this.lastIso;
      if (this.first === null || iso < this.first) this.first = iso;
      if (this.last === null || iso > this.last) this.last = iso;
      this.runKey(this.minuteRun, this.minutes, this.lastMinute);
    }
    const mk = this.sample.set(text, "utf8", 0, text.length, file, lineNo);
    const cs = this.samples.get(c.class);
    if (!cs) this.samples.set(c.class, [mk.get()]);
    else if (cs.length < this.maxSamples) cs.push(mk.get());
    if (line.server) this.runKey(this.serverRun, this.servers, line.server);
    if (line.host) this.runKey(this.hostRun, this.hosts, line.host);
    const noPeer = c.class === "no-live-upstreams" || c.class === "dns-failure" || c.class === "no-resolver";
    const peer = noPeer ? null : (line.upstream?.peer ?? messagePeer(line.message));
    const groupName = c.class === "no-live-upstreams" && line.upstream ? line.upstream.peer : null;
    const peerKey = peer ?? groupName ?? "(none)";
    const p = this.peerSummary(peerKey, line.upstream?.module ?? null);
    if (p) this.countPeer(p, c, iso, mk);
    const g = this.group(c.class, peerKey, () => ({
      peer,
      upstream: line.upstream?.raw ?? null,
      group: groupName,
      server: line.server,
      host: line.host,
    }));
    if (!g) return;
    this.countGroup(g, c, iso, mk);
    const uri = line.request?.uri;
    if (uri && g.uriSet.size < 5 && !g.uriSet.has(uri)) g.uriSet.add(uri);
    if (g.detailSet.size < 5) {
      const detail = detailOf(c, line.message);
      if (detail) g.detailSet.add(detail);
    }
  }

  /** The summary of one peer key, created while there is room. */
  private peerSummary(key: string, module: string | null): PeerSummary | undefined {
    let p = this.peers.get(key);
    if (!p && this.peers.size < this.maxKeys) {
      p = { peer: key, module, total: 0, byClass: {}, first: null, last: null, samples: [] };
      this.peers.set(key, p);
    }
    return p;
  }

  private countPeer(p: PeerSummary, c: Classification, iso: string | null, mk: SampleSource): void {
    p.total++;
    p.byClass[c.class] = (p.byClass[c.class] ?? 0) + 1;
    // Lines come mostly in time order: the same second as the last one leaves first and last as they are.
    if (iso && iso !== p.last) {
      if (p.first === null || iso < p.first) p.first = iso;
      if (p.last === null || iso > p.last) p.last = iso;
    }
    if (p.samples.length < this.maxSamples) p.samples.push(mk.get());
  }

  /** The group of one class and peer key, created (from `init`) while there is room. */
  private group(
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
      g = {
        class: cls,
        ...init(),
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
    return g;
  }

  private countGroup(g: GroupAcc, c: Classification, iso: string | null, mk: SampleSource): void {
    g.count++;
    if (c.afterHeaders) g.afterHeaders = (g.afterHeaders ?? 0) + 1;
    if (iso && iso !== g.last) {
      if (g.first === null || iso < g.first) g.first = iso;
      if (g.last === null || iso > g.last) g.last = iso;
    }
    if (g.samples.length < this.maxSamples) g.samples.push(mk.get());
  }

  /** The line being recorded, turned into one Sample object only if some list still takes samples. */
  private readonly sample = new SampleSource();

  // ---- Fast path: lines in nginx's plain layout, scanned by the WebAssembly core ----
  // src/nginx/wasm/errorlog.ts turns each such line into a record of offsets and interned ids; the code
  // below counts exactly what addLine would count for the line (a differential test holds the two together).

  private readonly wasm: WasmCore | null;
  /** Lines counted from the core's records (the rest went through parseErrorLine). */
  coreLines = 0;
  private readonly windowed: boolean;
  private readonly classCounters = new Map<string, ClassCounter>();
  private lastTimeKey = -1;
  private lastWindowKey = -1;
  private lastWindowOut = false;
  /** By interned id: the message's classification, the text of servers and hosts, the peer's entry. */
  private readonly wmsgs: Array<KnownMessage | undefined> = [];
  private readonly wtext: Array<string | undefined> = [];
  private readonly wpeers: Array<FastPeer | undefined> = [];
  private readonly fastPeers = new Map<string, FastPeer>();
  private readonly serverRun: Run = { key: null, n: 0 };
  private readonly hostRun: Run = { key: null, n: 0 };
  private readonly minuteRun: Run = { key: null, n: 0 };

  private counted(e: KnownMessage): ClassCounter {
    if (e.counter === null) e.counter = this.counterOf(e.c.class);
    return e.counter;
  }

  private counterOf(cls: ErrorClass): ClassCounter {
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
  private flushRuns(): void {
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
  private runKey(run: Run, m: Map<string, number>, key: string): void {
    if (run.key === key) {
      run.n++;
      return;
    }
    if (run.key !== null && run.n > 0) this.bump(m, run.key, run.n);
    run.key = key;
    run.n = 1;
  }

  /** Feeds a decoded block of whole lines through addLine; returns the number of lines it held. */
  addText(text: string, file: string, firstLine: number): number {
    let n = 0;
    let i = 0;
    while (i < text.length) {
      let j = text.indexOf("\n", i);
      if (j < 0) j = text.length;
      let k = j;
      if (k > i && text.charCodeAt(k - 1) === 0x0d) k--;
      n++;
      this.addLine(
        k - i > MAX_LINE_CHARS ? text.slice(i, i + MAX_LINE_CHARS) : text.slice(i, k),
        file,
        firstLine + n,
      );
      i = j + 1;
    }
    return n;
  }

  /** Feeds a block of whole lines as bytes (the fast path when the scanner core is loaded). */
  addBytes(block: Buffer, file: string, firstLine: number): number {
    const w = this.wasm;
    // ASCII (nearly every error log) decodes as latin1 at twice the speed, to the same string.
    const enc: BufferEncoding = isAscii(block) ? "latin1" : "utf8";
    if (w === null || block.length > w.capacity) return this.addText(block.toString(enc), file, firstLine);
    w.bytes.set(block, 0);
    const ints = w.ints;
    let n = 0;
    let from = 0;
    while (from < block.length) {
      const count = w.scanErrorLog(block.length, from);
      const base = w.recordBase >> 2;
      for (let r = 0; r < count; r++) {
        const b = base + r * w.errorRecordInts;
        n++;
        if (ints[b] === 1) this.addRecord(ints, b, block, enc, file, firstLine + n);
        else {
          const text = block.toString(enc, ints[b + 1], ints[b + 2]);
          this.addLine(
            text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text,
            file,
            firstLine + n,
          );
        }
      }
      from = w.nextLine();
    }
    return n;
  }

  /** Counts one scanned line from its record at ints[b…] (layout in src/nginx/wasm/errorlog.ts). */
  private addRecord(
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
    file: string,
    lineNo: number,
  ): void {
    this.lines++;
    this.coreLines++;
    const ls = ints[b + 1] as number;
    const timeKey = (ints[b + 8] as number) * 1e6 + (ints[b + 9] as number);
    if (this.windowed) {
      if (timeKey !== this.lastWindowKey) {
        const ms = this.timeMs(block.toString("latin1", ls, ls + 19));
        this.lastWindowKey = timeKey;
        this.lastWindowOut =
          (this.opts.since !== undefined && ms < this.opts.since) ||
          (this.opts.until !== undefined && ms >= this.opts.until);
      }
      if (this.lastWindowOut) {
        this.outOfWindow++;
        return;
      }
    }
    const mid = ints[b + 3] as number;
    const e = this.wmsgs[mid] ?? this.knownMessage(ints, b, block, enc, mid);
    const c = e.c;
    if (!e.failure) {
      if (e.reload) this.noteReload(block.toString("latin1", ls, ls + 19));
      if (c.class !== "not-upstream") this.bump(this.notes, c.detail ?? c.class);
      else this.counted(e).n++;
      return;
    }
    const ctr = this.counted(e);
    ctr.n++;
    this.upstreamErrors++;
    // Time: one conversion per distinct second.
    if (timeKey !== this.lastTimeKey) {
      this.lastTimeKey = timeKey;
      this.lastIsoRaw = block.toString("latin1", ls, ls + 19);
      this.lastIso = isoLocal(this.lastIsoRaw);
      this.lastMinute = this.lastIso.slice(0, 16);
      if (this.first === null || this.lastIso < this.first) this.first = this.lastIso;
      if (this.last === null || this.lastIso > this.last) this.last = this.lastIso;
    }
    const iso = this.lastIso;
    this.runKey(this.minuteRun, this.minutes, this.lastMinute);
    const mk = this.sample.set(block, enc, ls, ints[b + 2] as number, file, lineNo);
    if (!ctr.samplesFull) {
      const cs = this.samples.get(c.class);
      if (!cs) this.samples.set(c.class, [mk.get()]);
      else if (cs.length < this.maxSamples) cs.push(mk.get());
      else ctr.samplesFull = true;
    }
    const server = this.idText(ints, b + 4, b + 16, block, enc);
    if (server) this.runKey(this.serverRun, this.servers, server);
    const host = this.idText(ints, b + 5, b + 18, block, enc);
    if (host) this.runKey(this.hostRun, this.hosts, host);
    const noPeer = c.class === "no-live-upstreams" || c.class === "dns-failure" || c.class === "no-resolver";
    const hasPeer = !noPeer || c.class === "no-live-upstreams";
    let fp: FastPeer;
    if (hasPeer) {
      const pid = ints[b + 6] as number;
      fp =
        this.wpeers[pid] ??
        this.fastPeerOf(block.toString(enc, ints[b + 20], ints[b + 21]), ints, b, block, enc);
      this.wpeers[pid] = fp;
    } else fp = this.fastPeerOf("(none)", ints, b, block, enc);
    if (fp.summary) this.countPeer(fp.summary, c, iso, mk);
    let g = fp.groups.get(c.class);
    if (!g) {
      const peerKey = fp.key;
      const raw = block.toString(enc, ints[b + 14], ints[b + 15]);
      g = this.group(c.class, peerKey, () => ({
        peer: hasPeer && !noPeer ? peerKey : null,
        upstream: raw,
        group: hasPeer && noPeer ? peerKey : null,
        server,
        host,
      }));
      if (!g) return;
      fp.groups.set(c.class, g);
    }
    this.countGroup(g, c, iso, mk);
    if (g.uriSet.size < 5) {
      const rs = ints[b + 12] as number;
      const uri = rs >= 0 ? parseRequestLine(block.toString(enc, rs, ints[b + 13]))?.uri : undefined;
      if (uri && !g.uriSet.has(uri)) g.uriSet.add(uri);
    }
    if (g.detailSet.size < 5 && (c.detail !== null || hasMessageDetail(c))) {
      const detail = detailOf(c, block.toString(enc, ints[b + 10], ints[b + 11]));
      if (detail) g.detailSet.add(detail);
    }
  }

  /** The text of an interned context value (ints[idAt] is its id, -1 when absent; its span at spanAt). */
  private idText(
    ints: Int32Array,
    idAt: number,
    spanAt: number,
    block: Buffer,
    enc: BufferEncoding,
  ): string | null {
    const id = ints[idAt] as number;
    if (id < 0) return null;
    let s = this.wtext[id];
    if (s === undefined) {
      s = block.toString(enc, ints[spanAt], ints[spanAt + 1]);
      this.wtext[id] = s;
    }
    return s;
  }

  /** The peer entry for a key (the same entry for every line that names the peer). */
  private fastPeerOf(key: string, ints: Int32Array, b: number, block: Buffer, enc: BufferEncoding): FastPeer {
    let fp = this.fastPeers.get(key);
    if (!fp) {
      const module = parseUpstream(block.toString(enc, ints[b + 14], ints[b + 15]), false).module;
      fp = { key, summary: this.peerSummary(key, module), groups: new Map() };
      if (this.fastPeers.size < this.maxKeys) this.fastPeers.set(key, fp);
    }
    return fp;
  }

  /** Classifies a message seen for the first time (its id is new to this accumulator). */
  private knownMessage(
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
    id: number,
  ): KnownMessage {
    const level = WASM_LEVELS[ints[b + 22] as number] as ErrorLevel;
    const line: ErrorLine = {
      ...blank(block.toString(enc, ints[b + 10], ints[b + 11]), null),
      level,
      connection: 0,
      upstream: parseUpstream(block.toString(enc, ints[b + 14], ints[b + 15]), false),
    };
    const c = this.classifyCached(line);
    const known: KnownMessage = { c, failure: isFailure(c), counter: null, reload: isReload(line.message) };
    this.wmsgs[id] = known;
    return known;
  }

  /** Plain data for a worker thread to post back (Maps and Sets survive structured cloning). */
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
      samples: this.samples,
      groups: this.groups,
      reloads: this.reloads,
    };
  }

  /** Adds another accumulator's state; `lineOffset` shifts its sample line numbers (byte-range scans). */
  merge(o: ErrorLogState, lineOffset = 0): void {
    for (const r of o.reloads ?? [])
      if (!this.reloads.includes(r) && this.reloads.length < 100) this.reloads.push(r);
    this.flushRuns();
    this.fastPeers.clear();
    this.wpeers.length = 0;
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
        if (g.afterHeaders) cur.afterHeaders = (cur.afterHeaders ?? 0) + g.afterHeaders;
        span(cur, g);
        takeSamples(cur.samples, g.samples);
        for (const u of g.uriSet) if (cur.uriSet.size < 5) cur.uriSet.add(u);
        for (const d of g.detailSet) if (cur.detailSet.size < 5) cur.detailSet.add(d);
      }
    }
  }

  result(files: string[], warnings: InputWarning[], perFile: FileAccount[] = []): ErrorLogSummary {
    this.flushRuns();
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
      reloads: [...this.reloads].sort(),
      perFile,
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
  return acc.addBytes(block, file, firstLine);
}

/** Lines kept per file to say what a file that is not an error log looks like. */
const SKIPPED_SAMPLES = 50;

/** Lines longer than this (characters) are cut before parsing. */
const MAX_LINE_CHARS = 65536;

/** Level names in the order of the scanner core's level index. */
const WASM_LEVELS = ["warn", "crit", "info", "error", "alert", "emerg", "debug", "notice"];

/** One reusable holder per accumulator: no closure or object per line when no sample is taken. */
class SampleSource {
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
      const text = typeof s === "string" ? s.slice(this.i, this.k) : s.toString(this.enc, this.i, this.k);
      this.made = {
        text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
        file: this.file,
        line: this.line,
      };
    }
    return this.made;
  }
}

/** Classes whose groups keep the message itself as detail (what the backend or the TLS library said). */
function hasMessageDetail(c: Classification): boolean {
  return c.class === "fastcgi-stderr" || c.class.startsWith("tls");
}

/** What a group keeps as "detail" of a line: the class's detail, or the message for stderr and TLS lines. */
function detailOf(c: Classification, message: string): string | null {
  return c.detail ?? (hasMessageDetail(c) ? message.slice(0, 200) : null);
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
    chunkBytes: 1 << 20,
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
  const perFile: FileAccount[] = [];
  for (const file of ordered) {
    const name = file === "-" ? "(stdin)" : file;
    let lineNo = 0;
    let fileBytes = 0;
    const before = { lines: acc.lines, unparsed: acc.unparsed, blank: acc.blankLines };
    acc.skippedSamples = [];
    if (
      parallel &&
      !isStdin(file) &&
      sizeOf(file) >= (opts.parallelMinBytes ?? ERRORLOG_PARALLEL_MIN_BYTES) &&
      isPlainFile(file)
    ) {
      await scanParallel(file, acc, opts, workerFile);
      fileBytes = sizeOf(file);
      doneBytes += fileBytes;
      opts.onProgress?.(doneBytes);
    } else {
      for await (const block of lineBlocks(file, {
        onWarning,
        maxLineBytes: 1 << 20,
        chunkBytes: 1 << 20,
        onProgress: (b) => {
          fileBytes = b;
          opts.onProgress?.(doneBytes + b);
        },
      })) {
        lineNo += addErrorBlock(acc, block, name, lineNo);
      }
      doneBytes += fileBytes;
    }
    const account: FileAccount = {
      file: name,
      lines: acc.lines - before.lines,
      understood:
        acc.lines - before.lines - (acc.unparsed - before.unparsed) - (acc.blankLines - before.blank),
      skipped: acc.unparsed - before.unparsed,
    };
    perFile.push(account);
    const w = wrongKind(account, acc.skippedSamples);
    if (w) onWarning(w);
  }
  return acc.result(
    ordered.map((f) => (f === "-" ? "(stdin)" : f)),
    warnings,
    perFile,
  );
}

/**
 * A file most of whose lines are not error-log lines is not an error log: the warning names what it looks
 * like instead (null when most lines were understood).
 */
export function wrongKind(a: FileAccount, samples: string[]): InputWarning | null {
  if (a.skipped === 0 || a.skipped < a.understood) return null;
  const looks = describeLines(samples);
  const counted = `${a.skipped} of ${a.understood + a.skipped} line(s) are not nginx error-log lines`;
  if (looks && looks.kind !== "error")
    return {
      source: a.file,
      code: "wrong-kind",
      message: `${a.file}: this looks like ${looks.words}, not an nginx error log (${counted}); give it as an access log`,
    };
  // Continuation lines of multi-line messages (a PHP stack trace sent to FastCGI's stderr) are nginx's output.
  if (looks?.kind === "error" && a.understood > 0) return null;
  return {
    source: a.file,
    code: "unreadable-lines",
    message: `${a.file}: ${counted} (e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))}); is this an nginx error log?`,
  };
}

/** The part of a summary the diagnose rules read. */
export function errorEvidence(s: ErrorLogSummary): ErrorLogEvidence {
  return {
    files: s.files,
    lines: s.lines,
    byClass: s.byClass,
    groups: s.groups,
    reloads: s.reloads,
    first: s.first,
    last: s.last,
  };
}

export type { ErrorClass };
