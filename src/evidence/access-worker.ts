// Worker-thread entry (bundled to dist/access-worker.js): scans one byte range of a plain access log and posts
// the accumulator's state back; summarizeAccessLogs merges the ranges in order.
import { parentPort, workerData } from "node:worker_threads";
import { AccessAccumulator, addBlock } from "./access-log.js";
import { lineBlocks } from "./input.js";

const d = workerData as {
  file: string;
  start: number;
  end: number;
  format: string;
  escape: "default" | "json" | "none";
  since?: number;
  until?: number;
  maxKeys?: number;
  controllerLog?: boolean;
};
const opts = {
  ...(d.since !== undefined ? { since: d.since } : {}),
  ...(d.until !== undefined ? { until: d.until } : {}),
  ...(d.maxKeys !== undefined ? { maxKeys: d.maxKeys } : {}),
  ...(d.controllerLog ? { controllerLog: true } : {}),
};
const acc = new AccessAccumulator(d.format, d.escape, opts);
for await (const block of lineBlocks(d.file, { start: d.start, end: d.end, chunkBytes: 256 << 10 }))
  addBlock(acc, block);
parentPort?.postMessage(acc.toState());
