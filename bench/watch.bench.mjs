#!/usr/bin/env node
// Steady-state CPU of `badgateway watch` on logs that grow at a fixed rate (default 5,000 access lines/s, plus an
// error line per 502/504), with the Prometheus endpoint on and scraped every 5 s. The writer is this process;
// the CPU measured is the watch process's own (utime + stime from /proc/PID/stat) over the measured seconds,
// after a warm-up. Target (issue 15): under 5 % of one core. Also prints the peak RSS and checks watch kept up
// (its line counters equal the lines written).
//
//   node bench/watch.bench.mjs            # BENCH_RATE=5000 BENCH_SECONDS=30 BENCH_WARMUP=5
import { spawn } from "node:child_process";
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { rng } from "./lib.mjs";

const RATE = Number(process.env.BENCH_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
// The access log is rotated this often while measured (alternately rename-and-create and copytruncate; 0: never).
const ROTATE_S = Number(process.env.BENCH_ROTATE_S ?? 10);
// Share of requests that fail (half 502, half 504), each with its error-log line.
const FAIL = Number(process.env.BENCH_FAIL_RATIO ?? 0.02);
const CLK_TCK = 100; // Linux USER_HZ
const cli = new URL("../dist/cli.js", import.meta.url).pathname;
const FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time $request_time';

const dir = mkdtempSync(join(tmpdir(), "bgw-watch-bench-"));
const access = join(dir, "access.log");
const error = join(dir, "error.log");
writeFileSync(access, "");
writeFileSync(error, "");

const rand = rng(15);
const peers = ["10.0.0.11:8080", "10.0.0.12:8080", "10.0.0.13:8080", "10.0.0.14:8080"];
const pad = (n) => String(n).padStart(2, "0");
function stamp(d) {
  const m = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][
    d.getUTCMonth()
  ];
  return `${pad(d.getUTCDate())}/${m}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}
function errStamp(d) {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}
let n = 0;
let failures = 0;
function lines(k) {
  const d = new Date();
  const ts = stamp(d);
  const es = errStamp(d);
  let a = "";
  let e = "";
  for (let i = 0; i < k; i++) {
    n++;
    const peer = peers[Math.floor(rand() * peers.length)];
    const r = rand();
    const status = r < FAIL / 2 ? 502 : r < FAIL ? 504 : 200;
    const t = status === 504 ? "60.001" : (rand() * 0.3).toFixed(3);
    a += `10.1.${n % 200}.${n % 250} - - [${ts}] "GET /api/items/${n % 5000}?page=${n % 7} HTTP/1.1" ${status} ${status === 200 ? 1834 : 157} "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64) bench/${n % 13}" ${peer} ${status === 200 ? 200 : status} ${t} ${t}\n`;
    if (status !== 200) {
      failures++;
      e +=
        status === 502
          ? `${es} [error] 811#811: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: shop.example.com, request: "GET /api/items/${n % 5000} HTTP/1.1", upstream: "http://${peer}/api/items/${n % 5000}", host: "shop.example.com"\n`
          : `${es} [error] 811#811: *${n} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.1.2.3, server: shop.example.com, request: "GET /api/items/${n % 5000} HTTP/1.1", upstream: "http://${peer}/api/items/${n % 5000}", host: "shop.example.com"\n`;
    }
  }
  appendFileSync(access, a);
  if (e) appendFileSync(error, e);
}

const child = spawn(
  process.execPath,
  [
    cli,
    "watch",
    "--access-log",
    access,
    "--error-log",
    error,
    "--log-format",
    FORMAT,
    "--listen",
    "127.0.0.1:0",
  ],
  { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
);
let stderr = "";
const listening = new Promise((resolve) =>
  child.stderr.on("data", (b) => {
    stderr += b.toString();
    const m = /http:\/\/([^/]+)\/metrics/.exec(stderr);
    if (m) resolve(m[1]);
  }),
);
const addr = await Promise.race([listening, new Promise((r) => setTimeout(() => r(null), 10_000))]);
if (!addr) {
  console.error(`watch did not start: ${stderr}`);
  child.kill("SIGKILL");
  process.exit(1);
}
const cpuTicks = () => {
  const f = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
};
const rssMb = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))[1]) / 1024;
const metrics = async () => (await fetch(`http://${addr}/metrics`)).text();

const t0 = Date.now();
let written = 0;
const writer = setInterval(() => {
  const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
  if (due > written) {
    lines(due - written);
    written = due;
  }
}, 10);
const scraper = setInterval(() => void metrics().catch(() => {}), 5000);
let rotations = 0;
const rotator =
  ROTATE_S > 0
    ? setInterval(() => {
        // Between two writes of this process: nothing is written during the rotation, as with nginx's reopen.
        if (rotations % 2 === 0) renameSync(access, `${access}.${rotations + 1}`);
        else {
          copyFileSync(access, `${access}.${rotations + 1}`);
          truncateSync(access, 0);
        }
        rotations++;
      }, ROTATE_S * 1000)
    : null;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

await sleep(WARMUP * 1000);
const c0 = cpuTicks();
const m0 = Date.now();
const w0 = written;
await sleep(SECONDS * 1000);
const c1 = cpuTicks();
const m1 = Date.now();
const w1 = written;
clearInterval(writer);
clearInterval(scraper);
if (rotator) clearInterval(rotator);
await sleep(1500);
const text = await metrics();
const read = Number(/badgateway_log_lines_total\{log="access"\} (\d+)/.exec(text)?.[1]);
const failed = Number(
  [...text.matchAll(/^badgateway_upstream_failures_total\{[^}]*\} (\d+)/gm)].reduce(
    (s, m) => s + Number(m[1]),
    0,
  ),
);
const peak = rssMb();
child.kill("SIGTERM");
const code = await new Promise((r) => child.on("close", r));
rmSync(dir, { recursive: true, force: true });

const secs = (m1 - m0) / 1000;
const cpu = ((c1 - c0) / CLK_TCK / secs) * 100;
const rate = (w1 - w0) / secs;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}`);
console.log(
  `watch: ${rate.toFixed(0)} access lines/s (+${n ? ((failures / n) * rate).toFixed(0) : 0} error lines/s) for ${secs.toFixed(1)} s`,
);
console.log(`  access log rotated ${rotations} times (rename-and-create and copytruncate in turn)`);
console.log(`  CPU ${cpu.toFixed(2)} % of one core (target < 5 %), peak RSS ${peak.toFixed(0)} MB`);
console.log(
  `  kept up: ${read} of ${n} access lines read, ${failed} of ${failures} failures counted; exit ${code}`,
);
const ok = cpu < 5 && read === n && failed === failures && code === 0;
console.log(ok ? "  PASS" : "  FAIL");
process.exit(ok ? 0 : 1);
