// Worker-thread entry (bundled to dist/error-worker.js): scans one byte range of a plain error log and posts the
// accumulator's state back; summarizeErrorLogs merges the ranges in order (shifting sample line numbers).
import { parentPort, workerData } from "node:worker_threads";
import { addErrorBlock, ErrorLogAccumulator } from "./error-log.js";
import { lineBlocks } from "./input.js";

const d = workerData as {
  file: string;
  start: number;
  end: number;
  since?: number;
  until?: number;
  samples?: number;
  maxKeys?: number;
};
const acc = new ErrorLogAccumulator({
  ...(d.since !== undefined ? { since: d.since } : {}),
  ...(d.until !== undefined ? { until: d.until } : {}),
  ...(d.samples !== undefined ? { samples: d.samples } : {}),
  ...(d.maxKeys !== undefined ? { maxKeys: d.maxKeys } : {}),
});
let line = 0;
for await (const block of lineBlocks(d.file, {
  start: d.start,
  end: d.end,
  maxLineBytes: 1 << 20,
  chunkBytes: 1 << 20,
}))
  line += addErrorBlock(acc, block, d.file, line);
parentPort?.postMessage(acc.toState());
