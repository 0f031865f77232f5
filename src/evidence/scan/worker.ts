// Worker-thread entry (bundled to dist/scan-worker.js): reads one byte range of a plain log file into a fresh
// accumulator of the kind it is given and posts the accumulator's state back; scanFile merges the ranges in order.
import { parentPort, workerData } from "node:worker_threads";
import { AccessAccumulator } from "../accesslog/records.js";
import { ErrorLogAccumulator } from "../errorlog/records.js";
import { lineBlocks, type ReadOptions } from "../input.js";
import type { ScanJob } from "./accumulator.js";

const d = workerData as { job: ScanJob; file: string; start: number; end: number; read: ReadOptions };
const acc =
  d.job.kind === "error"
    ? new ErrorLogAccumulator(d.job.options)
    : new AccessAccumulator(d.job.options.format, d.job.options.escape, d.job.options);
let line = 0;
for await (const block of lineBlocks(d.file, { ...d.read, start: d.start, end: d.end }))
  line += acc.addBytes(block, d.file, line);
parentPort?.postMessage(acc.toState());
