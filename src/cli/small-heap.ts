/**
 * The commands that stream logs (logs, access, diagnose, collect, watch) ask V8 to favour a small heap over
 * speed, at run time (`--optimize-for-size`): a young generation of a few MB instead of 32 and an old generation
 * collected before it doubles. Measured on 1 GB logs (docs/benchmarks.md): peak RSS 157 → 128 MB on the
 * adversarial error log (Node 24: 246 → 150 MB), 124 → 103 MB on the realistic one, for 2–7 % more CPU. The
 * library never does this (the flag is the host process's); BADGATEWAY_V8_HEAP=default keeps V8's own sizing.
 */
import { setFlagsFromString } from "node:v8";

let asked = false;

export function preferSmallHeap(): void {
  if (asked || process.env["BADGATEWAY_V8_HEAP"] === "default") return;
  asked = true;
  setFlagsFromString("--optimize-for-size");
}
