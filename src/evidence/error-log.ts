/**
 * Reads nginx error logs (plain, .gz, stdin, rotated sets in time order) and summarises upstream failures
 * per class, peer, server, host and minute, with sample lines. Streaming: memory is bounded by the number of
 * distinct keys (capped) and samples, not by the size of the input.
 */
import { type ErrorLine, errorTimeToMs, parseErrorLine } from "../nginx/errorlog/grammar.js";
import { type Classification, classify, type ErrorClass } from "../nginx/errorlog/taxonomy.js";
import { type InputWarning, lineBlocks, orderRotated } from "./input.js";
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
  readonly peers = new Map<string, PeerSummary>();
  readonly servers = new Map<string, number>();
  readonly hosts = new Map<string, number>();
  readonly minutes = new Map<string, number>();
  readonly samples = new Map<string, Sample[]>();
  readonly groups = new Map<string, GroupAcc>();
  private lastTimeRaw = "";
  private lastTimeMs = 0;
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
    const c = classify(line);
    this.bump(this.byClass, c.class);
    if (!isFailure(c)) return;
    this.record(line, c, text, file, lineNo);
  }

  private record(line: ErrorLine, c: Classification, text: string, file: string, lineNo: number): void {
    this.upstreamErrors++;
    const iso = line.time ? isoLocal(line.time) : null;
    if (iso) {
      if (this.first === null || iso < this.first) this.first = iso;
      if (this.last === null || iso > this.last) this.last = iso;
      this.bump(this.minutes, iso.slice(0, 16));
    }
    const sample: Sample = {
      text: text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
      file,
      line: lineNo,
    };
    const cs = this.samples.get(c.class);
    if (!cs) this.samples.set(c.class, [sample]);
    else if (cs.length < this.maxSamples) cs.push(sample);
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
      if (p.samples.length < this.maxSamples) p.samples.push(sample);
    }
    const gk = `${c.class}\0${peerKey}`;
    let g = this.groups.get(gk);
    if (!g) {
      if (this.groups.size >= this.maxKeys) return;
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
      this.groups.set(gk, g);
    }
    g.count++;
    if (iso) {
      if (g.first === null || iso < g.first) g.first = iso;
      if (g.last === null || iso > g.last) g.last = iso;
    }
    if (g.samples.length < this.maxSamples) g.samples.push(sample);
    const uri = line.request?.uri;
    if (uri && g.uriSet.size < 5 && !g.uriSet.has(uri)) g.uriSet.add(uri);
    const detail =
      c.detail ??
      (c.class === "fastcgi-stderr" || c.class.startsWith("tls") ? line.message.slice(0, 200) : null);
    if (detail && g.detailSet.size < 5) g.detailSet.add(detail);
  }

  result(files: string[], warnings: InputWarning[]): ErrorLogSummary {
    const obj = (m: Map<string, number>) => Object.fromEntries([...m].sort((a, b) => b[1] - a[1]));
    const groups: ErrorGroup[] = [...this.groups.values()].map(({ uriSet, detailSet, ...g }) => ({
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
  for (const file of ordered) {
    const name = file === "-" ? "(stdin)" : file;
    let lineNo = 0;
    let fileBytes = 0;
    for await (const block of lineBlocks(file, {
      onWarning,
      maxLineBytes: 1 << 20,
      onProgress: (b) => {
        fileBytes = b;
        opts.onProgress?.(doneBytes + b);
      },
    })) {
      const text = block.toString("utf8");
      let i = 0;
      while (i < text.length) {
        let j = text.indexOf("\n", i);
        if (j < 0) j = text.length;
        let k = j;
        if (k > i && text.charCodeAt(k - 1) === 0x0d) k--;
        lineNo++;
        acc.addLine(k - i > 65536 ? text.slice(i, i + 65536) : text.slice(i, k), name, lineNo);
        i = j + 1;
      }
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
