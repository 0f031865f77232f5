/**
 * `logs` asks V8 to favour a small heap over speed, at run time (`--optimize-for-size`): a young generation of a
 * few MB instead of 32 and an old generation collected before it doubles. Measured on 1 GB error logs
 * (docs/benchmarks.md): peak RSS 151 → 124 MB on the adversarial log (Node 24: 246 → 137 MB), 125 → 108 MB on
 * the realistic one, for about 4 % more CPU. Not for the access log, where it cost a third more CPU on
 * escape=json lines that each bring new keys (the young generation is collected far more often), nor for the
 * other commands. The library never does this (the flag is the host process's); BADGATEWAY_V8_HEAP=default keeps
 * V8's own sizing.
 */
import { setFlagsFromString } from "node:v8";

let asked = false;

export function preferSmallHeap(): void {
  if (asked || process.env["BADGATEWAY_V8_HEAP"] === "default") return;
  asked = true;
  setFlagsFromString("--optimize-for-size");
}
