// Helpers shared by the benchmarks: a seeded generator and a timed child process with its peak RSS.
import { spawnSync } from "node:child_process";

/** xorshift32: the same sequence for the same seed, so generated inputs are reproducible. */
export function rng(seed) {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** Runs a command under /usr/bin/time: wall seconds, peak RSS (MB), its output and exit status. */
export function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    ...opts,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const rssKb = Number(r.stderr.trim().split("\n").pop());
  return { secs, rssMb: rssKb / 1024, stdout: r.stdout, stderr: r.stderr, status: r.status };
}
