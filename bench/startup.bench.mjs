#!/usr/bin/env node
// Cold start: `badgateway --version`, `--help` and `explain '<line>'` against `node -e 0`, run in turn (A B A B …)
// BENCH_STARTUP_RUNS times each (default 21, after 3 warm-ups): wall time from spawn to exit (median, and the
// median of the per-round ratios) and CPU time (user + sys from /usr/bin/time, 10 ms steps, so the mean over the
// runs). On a loaded machine the CPU ratio is the steadier one. Target (issue 13): ≤ 1.3 × `node -e 0`.
// The CLI measured is package.json's bin (dist/cli.cjs), or BENCH_CLI (another build's bin or dist/cli.js, the
// ES-module program's own entry). Run it with each Node to compare (`/path/to/node24 bench/startup.bench.mjs`).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { machineLine, median } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const bin = JSON.parse(readFileSync(join(here, "..", "package.json"), "utf8")).bin.badgateway;
const cli = process.env.BENCH_CLI ? resolve(process.env.BENCH_CLI) : join(here, "..", bin);
const runs = Number.parseInt(process.env.BENCH_STARTUP_RUNS ?? "21", 10) || 21;
const line =
  '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.com"';
const cases = [
  ["node -e 0", ["-e", "0"]],
  ["badgateway --version", [cli, "--version"]],
  ["badgateway --help", [cli, "--help"]],
  ["badgateway explain '<line>'", [cli, "explain", line]],
];

function once(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", process.execPath, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0 && !(args[1] === "explain" && r.status === 1))
    throw new Error(`${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  const [user, sys] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { ms, cpu: (user + sys) * 1000 };
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
console.log(`${machineLine()}\n${cli}; load average ${load()}`);
const times = cases.map(() => []);
const cpu = cases.map(() => 0);
for (let i = 0; i < runs + 3; i++)
  for (let c = 0; c < cases.length; c++) {
    const r = once(cases[c][1]);
    if (i < 3) continue;
    times[c].push(r.ms);
    cpu[c] += r.cpu / runs;
  }
let over = 0;
for (let c = 0; c < cases.length; c++) {
  const med = median(times[c]);
  const ratios = times[c].map((t, i) => t / times[0][i]);
  const ratio = median(ratios);
  const cpuRatio = cpu[c] / cpu[0];
  if (c > 0 && Math.min(ratio, cpuRatio) > 1.3) over++;
  console.log(
    `${cases[c][0].padEnd(30)} wall median ${med.toFixed(1).padStart(6)} ms (min ${Math.min(...times[c]).toFixed(1)})  CPU mean ${cpu[c].toFixed(1).padStart(6)} ms${c > 0 ? `  ratio to node -e 0: wall ${ratio.toFixed(2)}, CPU ${cpuRatio.toFixed(2)}` : ""}`,
  );
}
console.log(
  `${over ? `${over} case(s) above 1.3 × node -e 0 by both measures` : "every case within 1.3 × node -e 0 (wall or CPU)"}; load average ${load()}`,
);
