#!/usr/bin/env node
// Access-log statistics benchmark: `badgateway access --json` vs a mawk status-per-peer counter and GoAccess,
// all on the same generated log in the same run. BENCH_SIZE_MB (default 1024) sets the log size.
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, statSync, writeFileSync } from "node:fs";
import { cpus, freemem, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rng, timed } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1024);
const seed = 20261124;
const out = join(here, "out");
const logPath = join(out, `access-${sizeMb}mb-${seed}.log`);
const FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time $request_time';

async function generate() {
  if (existsSync(logPath) && statSync(logPath).size >= sizeMb * 1e6 * 0.99) return;
  spawnSync("mkdir", ["-p", out]);
  const r = rng(seed);
  const peers = ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "[fd00::4]:8080", "unix:/run/app.sock"];
  const paths = ["/api/users", "/api/orders?id=", "/static/app.js", "/login", "/reports/generate", "/"];
  const uas = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "curl/8.5.0", "bot \\x22q\\x22"];
  const ws = createWriteStream(logPath);
  let written = 0;
  let t = Date.UTC(2026, 10, 24, 0, 0, 0);
  const mons = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (n) => String(n).padStart(2, "0");
  const target = sizeMb * 1e6;
  while (written < target) {
    let buf = "";
    for (let i = 0; i < 5000; i++) {
      t += Math.floor(r() * 20);
      const d = new Date(t);
      const tl = `${pad(d.getUTCDate())}/${mons[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
      const p0 = Math.floor(r() * peers.length);
      let addr = peers[p0];
      const x = r();
      const fail = x < 0.03 ? "502" : x < 0.045 ? "504" : null;
      const rt = (fail === "504" ? 60 : r() ** 3 * 2).toFixed(3);
      let st;
      let ut;
      if (fail && r() < 0.5) {
        // retried on the next peer, which served
        addr = `${peers[p0]}, ${peers[(p0 + 1) % peers.length]}`;
        st = `${fail}, 200`;
        ut = `${rt}, ${(r() * 0.3).toFixed(3)}`;
      } else if (r() < 0.01) {
        addr = `${peers[p0]} : ${peers[(p0 + 2) % peers.length]}`;
        st = "404 : 200";
        ut = `0.002 : ${(r() * 0.1).toFixed(3)}`;
      } else {
        st = fail ?? "200";
        ut = rt;
      }
      const status = st.slice(-3);
      const path = paths[Math.floor(r() * paths.length)] + (r() < 0.2 ? Math.floor(r() * 1e6) : "");
      const ip = `192.168.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
      const static_ = r() < 0.05;
      buf += `${ip} - - [${tl}] "GET ${path} HTTP/1.1" ${status} ${Math.floor(r() * 50000)} "-" "${uas[Math.floor(r() * uas.length)]}" ${static_ ? "-" : addr} ${static_ ? "-" : st} ${static_ ? "-" : ut} ${(Number(rt) + 0.001).toFixed(3)}\n`;
    }
    written += buf.length;
    if (!ws.write(buf)) await new Promise((res) => ws.once("drain", res));
  }
  await new Promise((res) => ws.end(res));
}

await generate();
const mb = statSync(logPath).size / 1e6;
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free)`,
);
console.log(`input: ${logPath} (${mb.toFixed(0)} MB)`);
spawnSync("cat", [logPath], { stdio: ["ignore", "ignore", "ignore"] }); // warm the page cache

const ours = timed(process.execPath, [
  join(root, "dist", "cli.js"),
  "access",
  "--json",
  "--log-format",
  FORMAT,
  logPath,
]);
const summary = JSON.parse(ours.stdout);
const mawk = timed("mawk", ["-f", join(here, "access-count.awk"), logPath]);
const rows = [
  ["badgateway access (with p50/p95/p99)", ours],
  ["mawk access-count.awk", mawk],
];
let ga = null;
if (process.env.BENCH_NO_GOACCESS === "1") console.log("goaccess: skipped (BENCH_NO_GOACCESS=1)");
else if (spawnSync("sh", ["-c", "command -v goaccess"]).status === 0) {
  const tmp = join(out, "goaccess.json");
  const limit = String(process.env.GOACCESS_TIMEOUT_S ?? 600);
  ga = timed("timeout", [
    limit,
    "goaccess",
    logPath,
    "--log-format",
    '%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %^',
    "--date-format",
    "%d/%b/%Y",
    "--time-format",
    "%T",
    "-o",
    tmp,
    "--no-progress",
  ]);
  rows.push(["goaccess (json report)", ga]);
} else console.log("goaccess: not installed — skipped (apt-get install -y goaccess)");
for (const [name, r] of rows)
  console.log(
    `${name.padEnd(40)} ${r.secs.toFixed(2).padStart(7)} s ${(mb / r.secs).toFixed(0).padStart(6)} MB/s  peak RSS ${r.rssMb.toFixed(0)} MB${r.status ? ` (exit ${r.status})` : ""}`,
  );
console.log(`ratio to mawk: ${(mawk.secs / ours.secs).toFixed(2)}  (≥ 1.0 means faster than mawk)`);
if (ga)
  console.log(
    `ratio to goaccess: ${ga.status === 124 ? "≥ " : ""}${(ga.secs / ours.secs).toFixed(2)}${ga.status === 124 ? " (goaccess stopped at GOACCESS_TIMEOUT_S)" : ""}`,
  );

// same 502/504 counts per peer as mawk?
const awkCounts = new Map();
for (const line of mawk.stdout.trim().split("\n")) {
  const [addr, status, n] = line.split(" ");
  awkCounts.set(`${addr} ${status}`, Number(n));
}
let mismatches = 0;
for (const [peer, p] of Object.entries(summary.byPeer)) {
  for (const [status, key] of [
    ["502", "s502"],
    ["504", "s504"],
  ]) {
    const a = awkCounts.get(`${peer} ${status}`) ?? 0;
    if (a !== p[key]) {
      mismatches++;
      console.log(`MISMATCH ${peer} ${status}: badgateway ${p[key]} mawk ${a}`);
    }
  }
}
console.log(
  mismatches ? `502/504 per peer: ${mismatches} mismatches` : "502/504 per peer: identical to mawk",
);
const peer = Object.entries(summary.byPeer)[0];
if (peer)
  console.log(
    `sample: ${peer[0]} tries ${peer[1].requests} p50/p95/p99 ${peer[1].latency.response.p50}/${peer[1].latency.response.p95}/${peer[1].latency.response.p99} s`,
  );
writeFileSync(
  join(out, "access-bench-last.txt"),
  `${new Date().toISOString()} ${mb.toFixed(0)}MB ours ${ours.secs.toFixed(2)}s mawk ${mawk.secs.toFixed(2)}s\n`,
);
process.exit(mismatches || ours.status > 1 ? 1 : 0);
