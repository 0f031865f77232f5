/**
 * The line-block scanner both log summarisers use: one input is read through `lineBlocks` into an accumulator;
 * a big plain file is split into byte ranges, this thread reads the first while worker threads (one per other
 * core, dist/scan-worker.js) read the others into fresh accumulators, and their states are merged in file order.
 */
import { existsSync, statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  type InputWarning,
  isPlainFile,
  isStdin,
  lineBlocks,
  type ReadOptions,
  splitRanges,
} from "../input.js";
import type { ScanJob, Scannable } from "./accumulator.js";

export interface ScanOptions {
  /** What a worker builds for a byte range (the same accumulator as `acc`, as plain data). */
  job: ScanJob;
  /** Plain files at least this big are scanned over byte ranges in parallel; Infinity never. */
  parallelMinBytes: number;
  /** Block size and longest whole line, for the whole file and for byte ranges. */
  read: Pick<ReadOptions, "chunkBytes" | "maxLineBytes" | "reuseBuffer">;
  rangeRead: Pick<ReadOptions, "chunkBytes" | "maxLineBytes" | "reuseBuffer">;
  /** Heap limits of each worker. */
  resourceLimits?: { maxOldGenerationSizeMb?: number; maxYoungGenerationSizeMb?: number };
  onWarning?: (w: InputWarning) => void;
  /** Raw bytes of this input read so far. */
  onProgress?: (bytes: number) => void;
}

/** Bytes this thread reads while a worker thread starts up (about 30 ms at 300 MB/s). */
const HEAD_START = 8 << 20;
/** What an accumulator that can decide between one thread and several reads before it is asked. */
export const PROBE_BYTES = 4 << 20;

/** The worker entry next to the bundle (dist/scan-worker.js); absent when running from sources. */
const WORKER_FILE = fileURLToPath(new URL("./scan-worker.js", import.meta.url));

/** Size of a regular file (0 for anything else or on error). */
export function sizeOf(f: string): number {
  try {
    const st = statSync(f);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

/** Whether `file` would be scanned over byte ranges by worker threads. */
export function scansInParallel(file: string, minBytes: number): boolean {
  return (
    availableParallelism() > 1 &&
    !isStdin(file) &&
    sizeOf(file) >= minBytes &&
    existsSync(WORKER_FILE) &&
    isPlainFile(file)
  );
}

/**
 * Reads one input into `acc`. `name` is how samples name the file ("(stdin)" for "-"). Sample line numbers
 * count from 1 at the start of this input.
 */
export async function scanFile<S>(
  file: string,
  name: string,
  acc: Scannable<S>,
  o: ScanOptions,
): Promise<void> {
  if (scansInParallel(file, o.parallelMinBytes)) {
    await scanRanges(file, acc, o);
    return;
  }
  let line = 0;
  for await (const block of lineBlocks(file, {
    ...o.read,
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  }))
    line += acc.addBytes(block, name, line);
}

/**
 * This thread reads the first range while worker threads read the others; states merge in order. An
 * accumulator that can tell from the first PROBE_BYTES that a second thread would only repeat its work
 * (`prefersOneThread`) gets the whole file read here, range after range, and no worker is started.
 */
async function scanRanges<S>(file: string, acc: Scannable<S>, o: ScanOptions): Promise<void> {
  const size = sizeOf(file);
  const probes = typeof acc.prefersOneThread === "function";
  // This thread starts reading at once while each worker thread first starts up (tens of milliseconds, in
  // which this thread reads about HEAD_START bytes), and after the probe when there is one: it takes that much
  // more.
  const [own, ...rest] = splitRanges(size, availableParallelism(), HEAD_START + (probes ? PROBE_BYTES : 0));
  if (!own) return;
  const start = (r: { start: number; end: number }) =>
    new Promise<S>((resolve, reject) => {
      const w = new Worker(WORKER_FILE, {
        workerData: { job: o.job, file, start: r.start, end: r.end, read: o.rangeRead },
        ...(o.resourceLimits ? { resourceLimits: o.resourceLimits } : {}),
      });
      w.once("message", resolve);
      w.once("error", reject);
    });
  let workers: Array<Promise<S>> | null = probes ? null : rest.map(start);
  const decide = () => (acc.prefersOneThread?.() === true ? [] : rest.map(start));
  const linesBefore = acc.lines;
  let line = 0;
  let read = 0;
  for await (const block of lineBlocks(file, { ...o.rangeRead, start: own.start, end: own.end })) {
    line += acc.addBytes(block, file, line);
    if (workers !== null) continue;
    read += block.length;
    if (read >= PROBE_BYTES) workers = decide();
  }
  workers ??= decide();
  if (workers.length === 0) {
    for (const r of rest)
      for await (const block of lineBlocks(file, { ...o.rangeRead, start: r.start, end: r.end }))
        line += acc.addBytes(block, file, line);
    o.onProgress?.(size);
    return;
  }
  const states = await Promise.all(workers);
  // Each range's sample lines move by the lines of the ranges before it.
  let offset = acc.lines - linesBefore;
  for (const [k, st] of states.entries()) {
    const before = acc.lines;
    const r = rest[k] as { start: number; end: number };
    if (acc.mergeLoses?.(st) === true) {
      // The worker's tables overflowed: its counts of keys kept here may sit in its "(other)". Reading its range
      // here again gives what a sequential read gives (rare: keys past the caps appearing only after the probe).
      let n = offset;
      for await (const block of lineBlocks(file, { ...o.rangeRead, start: r.start, end: r.end }))
        n += acc.addBytes(block, file, n);
    } else acc.merge(st, offset);
    offset += acc.lines - before;
  }
  o.onProgress?.(size);
}
