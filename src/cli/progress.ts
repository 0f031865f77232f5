/**
 * The progress line of long reads (`logs`, `access`, `diagnose`): bytes read of the total, the percentage and the
 * rate, on stderr, redrawn at most four times a second, and only when both stdout and stderr are terminals (a
 * pipe or a file never gets it). The byte counts come from the input layer (`observeReads` in
 * src/evidence/input.ts), not from the scanners.
 */
import { observeReads, type ReadObserver } from "../evidence/input.js";

/** Where the line is drawn: stderr, or a stand-in in tests. */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressOptions {
  /** Total bytes to read when known up front (else the sizes of the inputs as they are opened). */
  total?: number | null;
  out?: ProgressSink;
  /** Whether stdout is a terminal (default: process.stdout.isTTY). */
  stdoutIsTTY?: boolean;
  /** Milliseconds, for tests. */
  now?: () => number;
  /** Shortest time between two redraws (default 250 ms: at most 4 a second). */
  intervalMs?: number;
  /** Nothing is drawn before this much time has passed (default 250 ms: quick reads stay silent). */
  delayMs?: number;
}

/** 1234567 → "1.2 MB" (decimal units, as file sizes are usually quoted). */
export function formatBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export class ProgressLine implements ReadObserver {
  private bytes = 0;
  private openedTotal = 0;
  private unknownSize = false;
  private readonly seen = new Set<string>();
  private readonly started: number;
  /** When the current stage began (the rate is per stage). */
  private stageStarted: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private stage = "reading";
  private readonly out: ProgressSink;
  private readonly now: () => number;
  private readonly interval: number;
  private readonly delay: number;
  private total: number | null;

  constructor(opts: ProgressOptions = {}) {
    this.out = opts.out ?? process.stderr;
    this.now = opts.now ?? Date.now;
    this.interval = opts.intervalMs ?? 250;
    this.delay = opts.delayMs ?? 250;
    this.total = opts.total ?? null;
    this.started = this.now();
    this.stageStarted = this.started;
  }

  opened(spec: string, size: number | null): void {
    if (this.seen.has(spec)) return;
    this.seen.add(spec);
    if (size === null) this.unknownSize = true;
    else this.openedTotal += size;
  }

  read(bytes: number): void {
    this.bytes += bytes;
    this.tick();
  }

  /**
   * Names what is being done now ("reading error log /var/log/nginx/error.log"), shown in front of the numbers;
   * the counts start again from zero for it, and a stage that reads nothing shows its name alone.
   */
  note(stage: string): void {
    this.stage = stage;
    this.bytes = 0;
    this.openedTotal = 0;
    this.unknownSize = false;
    this.seen.clear();
    this.total = null;
    this.stageStarted = this.now();
    this.tick(true);
  }

  /** The line as it would be drawn now. */
  text(): string {
    if (this.bytes === 0 && this.seen.size === 0 && this.total === null) return this.stage;
    const elapsed = Math.max(1, this.now() - this.stageStarted) / 1000;
    const known = this.total ?? (this.unknownSize ? null : this.openedTotal || null);
    const read = known === null ? this.bytes : Math.min(this.bytes, known);
    const rate = `${formatBytes(read / elapsed)}/s`;
    if (known === null) return `${this.stage}: ${formatBytes(read)} · ${rate}`;
    const pct = Math.floor((read / known) * 100);
    return `${this.stage}: ${formatBytes(read)} of ${formatBytes(known)} · ${pct} % · ${rate}`;
  }

  private tick(force = false): void {
    const t = this.now();
    if (t - this.started < this.delay) return;
    if (!force && t - this.lastDraw < this.interval) return;
    this.lastDraw = t;
    let line = this.text();
    const width = this.out.columns;
    if (width && line.length > width - 1) line = `${line.slice(0, Math.max(0, width - 2))}…`;
    this.out.write(`\r\x1b[K${line}`);
    this.drawn = true;
  }

  /** Clears the line (if one was drawn). */
  finish(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
    this.drawn = false;
  }
}

/** Whether a progress line may be shown: both stdout and stderr are terminals. */
export function progressWanted(
  out: ProgressSink = process.stderr,
  stdoutIsTTY = Boolean(process.stdout.isTTY),
) {
  return Boolean(out.isTTY) && stdoutIsTTY;
}

/**
 * Runs `work` with a progress line watching the reads of this thread, when stdout and stderr are terminals
 * (otherwise it just runs it). The line is cleared when the work ends, however it ends.
 */
export async function withProgress<T>(
  opts: ProgressOptions,
  work: (p: ProgressLine | null) => Promise<T>,
): Promise<T> {
  const out = opts.out ?? process.stderr;
  if (!progressWanted(out, opts.stdoutIsTTY ?? Boolean(process.stdout.isTTY))) return work(null);
  const p = new ProgressLine({ ...opts, out });
  observeReads(p);
  try {
    return await work(p);
  } finally {
    observeReads(null);
    p.finish();
  }
}
