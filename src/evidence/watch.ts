/**
 * The live loop behind `badgateway watch`, `logs --follow` and `access --follow`: follows the logs
 * (follow.ts), feeds the window (live.ts), updates the metrics, asks for the top cause when the window changed,
 * polls stub_status and rewrites the node_exporter textfile. What to print is the caller's business: events go
 * out through callbacks. The rules engine is passed in (`diagnoseWindow`), so this layer does not depend on it.
 */
import { writeTextfile } from "./exporter.js";
import { FileFollower } from "./follow.js";
import type { InputWarning } from "./input.js";
import {
  type AccessReader,
  type AccessRecord,
  accessReader,
  type FailureEvent,
  LiveState,
  type TopCauseEvent,
} from "./live.js";
import { fetchStubStatus, type StubStatus } from "./probes/host.js";
import type { Evidence } from "./types.js";
import type { WatchSources } from "./watch-sources.js";

/** What the watcher reports to (WatchMetrics in src/report/metrics.ts has this shape). */
export interface MetricsSink {
  failure(e: FailureEvent): void;
  response(status: number, upstream: string, seconds: number): void;
  lines(log: "error" | "access", n: number, unparsed: number): void;
  rotation(log: "error" | "access"): void;
  stubStatus(s: StubStatus): void;
  text(): Promise<string>;
}

export interface WatchOptions {
  sources: WatchSources;
  /** Epoch ms: read the live files from their start and skip older lines; else start at their end. */
  since?: number;
  windowMinutes?: number;
  pollMs?: number;
  metrics?: MetricsSink | null;
  /** The rules engine over the window's evidence (topCause from src/rules/watch.ts). */
  diagnoseWindow?: (ev: Evidence) => { id: string; title: string; fix: string; confidence: number } | null;
  /** How often the top cause is recomputed when new failures arrived (default 2 s). */
  diagnoseEveryMs?: number;
  stubStatusUrl?: string;
  /** Rewrite DIR/badgateway.prom this often (default 15 s) and at stop. */
  textfileDir?: string;
  textfileEveryMs?: number;
  onFailure?: (e: FailureEvent) => void;
  onTopCause?: (e: TopCauseEvent) => void;
  onAccess?: (rec: AccessRecord, line: string, file: string) => void;
  onWarning?: (w: InputWarning) => void;
  now?: () => number;
}

export class Watcher {
  readonly live: LiveState;
  private readonly followers: FileFollower[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;
  private lastGeneration = -1;
  private top: string | null = null;
  private topDetail: TopCauseEvent | null = null;
  private stub: StubStatus | { error: string } | null = null;
  private textfileError: string | null = null;
  private stopped = false;
  private nothingLeft: () => void = () => {};
  /**
   * Resolves when every path has been refused (a directory, a compressed or unreadable file): nothing is left to
   * follow or to wait for, and the caller should stop rather than sit silent.
   */
  readonly nothingToFollow: Promise<void>;

  constructor(private readonly opts: WatchOptions) {
    this.nothingToFollow = new Promise((resolve) => {
      this.nothingLeft = resolve;
    });
    this.now = opts.now ?? Date.now;
    this.live = new LiveState({
      ...(opts.windowMinutes !== undefined ? { windowMinutes: opts.windowMinutes } : {}),
      ...(opts.since !== undefined ? { since: opts.since } : {}),
    });
  }

  /** The current top cause (null before the first failure and when the window holds none). */
  get topCause(): TopCauseEvent | null {
    return this.topDetail;
  }

  get stubStatus(): StubStatus | { error: string } | null {
    return this.stub;
  }

  /** Files followed and how much was read from each. */
  files(): Array<{ path: string; lines: number; bytes: number; rotations: number }> {
    return this.followers.map((f) => ({
      path: f.path,
      lines: f.lines,
      bytes: f.bytes,
      rotations: f.rotations,
    }));
  }

  /** Paths that never held a file we could open (still missing, or refused), in the order given. */
  neverFollowed(): Array<{ path: string; state: "waiting" | "refused" }> {
    return this.followers.flatMap((f) => {
      const state = f.state;
      return f.seen || state === "following" ? [] : [{ path: f.path, state }];
    });
  }

  health(): { ok: boolean; detail: string } {
    if (this.stopped) return { ok: false, detail: "stopping" };
    if (this.textfileError) return { ok: false, detail: `textfile: ${this.textfileError}` };
    return { ok: true, detail: `following ${this.followers.length} file(s)` };
  }

  start(): void {
    const { sources, metrics } = this.opts;
    const common = {
      ...(this.opts.since !== undefined ? { fromStart: true } : {}),
      ...(this.opts.pollMs !== undefined ? { pollMs: this.opts.pollMs } : {}),
      onWarning: (w: InputWarning) => {
        this.opts.onWarning?.(w);
        if (this.followers.every((f) => f.state === "refused")) this.nothingLeft();
      },
    };
    for (const path of sources.errorLogs) {
      this.followers.push(
        new FileFollower(path, {
          ...common,
          onLines: (lines, file) => this.errorLines(lines, file),
          onRotate: () => metrics?.rotation("error"),
        }),
      );
    }
    for (const a of sources.accessLogs) {
      const reader = accessReader(a.format.format, a.format.escape);
      this.followers.push(
        new FileFollower(a.path, {
          ...common,
          onLines: (lines, file) => this.accessLines(reader, lines, file),
          onRotate: () => metrics?.rotation("access"),
        }),
      );
    }
    for (const f of this.followers) f.start();
    if (this.opts.diagnoseWindow)
      this.timers.push(setInterval(() => this.rediagnose(), this.opts.diagnoseEveryMs ?? 2000));
    if (this.opts.stubStatusUrl) {
      const url = this.opts.stubStatusUrl;
      const poll = () => {
        fetchStubStatus(url).then((s) => {
          this.stub = s;
          if (!("error" in s)) metrics?.stubStatus(s);
        });
      };
      poll();
      this.timers.push(setInterval(poll, 5000));
    }
    if (this.opts.textfileDir) {
      void this.writeTextfile();
      this.timers.push(setInterval(() => void this.writeTextfile(), this.opts.textfileEveryMs ?? 15_000));
    }
  }

  /** Reads what is left, gives the last diagnosis and textfile, and releases files and timers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    for (const t of this.timers) clearInterval(t);
    for (const f of this.followers) f.stop();
    this.rediagnose();
    if (this.opts.textfileDir) await this.writeTextfile();
    this.stopped = true;
  }

  private errorLines(lines: string[], file: string): void {
    const live = this.live;
    const now = this.now();
    const n0 = live.totals.errorLines;
    const u0 = live.totals.errorUnparsed;
    for (const l of lines) {
      const e = live.errorLine(l, file, now);
      if (e) {
        this.opts.metrics?.failure(e);
        this.opts.onFailure?.(e);
      }
    }
    this.opts.metrics?.lines("error", live.totals.errorLines - n0, live.totals.errorUnparsed - u0);
  }

  private accessLines(reader: AccessReader, lines: string[], file: string): void {
    const live = this.live;
    const now = this.now();
    const n0 = live.totals.accessLines;
    const u0 = live.totals.accessUnparsed;
    const m = this.opts.metrics;
    for (const l of lines) {
      const r = live.accessLine(reader, l, file, now);
      if (r) {
        m?.response(r.status, r.upstream, r.seconds);
        this.opts.onAccess?.(r, l, file);
      }
    }
    m?.lines("access", live.totals.accessLines - n0, live.totals.accessUnparsed - u0);
  }

  /** Recomputes the top cause when the window changed; emits an event when it is a different one. */
  rediagnose(): void {
    const diag = this.opts.diagnoseWindow;
    if (!diag) return;
    const now = this.now();
    this.live.expire(now);
    if (this.live.generation === this.lastGeneration) return;
    this.lastGeneration = this.live.generation;
    const failures = this.live.recentCount();
    const found =
      failures > 0
        ? diag(this.live.windowEvidence(now, this.opts.sources.model, this.opts.sources.configSource))
        : null;
    const id = found?.id ?? null;
    if (id === this.top) {
      if (this.topDetail && found)
        this.topDetail = { ...this.topDetail, failures, confidence: found.confidence };
      return;
    }
    const ev: TopCauseEvent = {
      type: "top-cause",
      at: new Date(now).toISOString(),
      id,
      title: found?.title ?? null,
      fix: found?.fix ?? null,
      confidence: found?.confidence ?? null,
      previous: this.top,
      failures,
    };
    this.top = id;
    this.topDetail = id ? ev : null;
    this.opts.onTopCause?.(ev);
  }

  private async writeTextfile(): Promise<void> {
    const dir = this.opts.textfileDir;
    const m = this.opts.metrics;
    if (!dir || !m) return;
    try {
      writeTextfile(dir, await m.text());
      this.textfileError = null;
    } catch (e) {
      const msg = (e as Error).message;
      if (msg !== this.textfileError)
        this.opts.onWarning?.({ source: dir, code: "textfile", message: `--textfile ${dir}: ${msg}` });
      this.textfileError = msg;
    }
  }
}
