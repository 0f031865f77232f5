// Helpers shared by the benchmarks: a seeded generator and a timed child process with its peak RSS.
import { spawnSync } from "node:child_process";
import { cpus, totalmem } from "node:os";

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

/** Size of each generated log in MB (10^6 bytes): BENCH_SIZE_MB, default 64 (modest for a shared machine). */
export function benchSizeMb() {
  const v = Number(process.env.BENCH_SIZE_MB ?? 64);
  if (!Number.isFinite(v) || v <= 0) {
    console.error(
      `bench: BENCH_SIZE_MB must be a positive number of megabytes, not "${process.env.BENCH_SIZE_MB}"`,
    );
    process.exit(2);
  }
  return v;
}

/** Paired runs per row: BENCH_RUNS, default 3 (the median ratio of the pairs is reported). */
export function benchRuns() {
  const v = Number.parseInt(process.env.BENCH_RUNS ?? "3", 10);
  return Number.isFinite(v) && v > 0 ? v : 3;
}

/** The comma-separated list in env[name], or all when unset; unknown names are an error. */
export function pickNames(name, all) {
  const raw = process.env[name];
  if (!raw) return all;
  const want = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = want.filter((w) => !all.includes(w));
  if (bad.length) {
    console.error(`bench: ${name}: unknown ${bad.join(", ")} (known: ${all.join(", ")})`);
    process.exit(2);
  }
  return want;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Is a program on PATH? */
export function have(program) {
  return spawnSync("sh", ["-c", `command -v ${program}`], { stdio: "ignore" }).status === 0;
}

/** One line naming the machine and the tools, for the record in docs/benchmarks.md. */
export function machineLine() {
  const c = cpus();
  const v = (cmd, args) => {
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    return r.status === 0 ? (r.stdout || r.stderr).split("\n")[0].trim() : "absent";
  };
  return `machine: ${c.length} × ${c[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.versions.node}; ${v("mawk", ["-W", "version"])}; ${v("rg", ["--version"])}; ${new Date().toISOString()}`;
}
