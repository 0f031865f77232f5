#!/usr/bin/env node
// Error-log benchmark: `badgateway logs --json` against `rg -c upstream`, `grep -c upstream` and a mawk one-liner
// (bench/errorlog-count.awk) on the same generated log, in the same run. BENCH_SIZE_MB (default 1024).
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rng, timed } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sizeMb = Number(process.env.BENCH_SIZE_MB ?? 1024);
const seed = 20261124;
const out = join(here, "out");
const logPath = join(out, `error-${sizeMb}mb-${seed}.log`);

// Message shapes as nginx writes them (see docs/error-log-messages.md), with their relative frequency.
const KINDS = [
  [30, "connect() failed (111: Connection refused) while connecting to upstream", "error"],
  [20, "upstream timed out (110: Connection timed out) while reading response header from upstream", "error"],
  [8, "upstream timed out (110: Connection timed out) while connecting to upstream", "error"],
  [8, "upstream prematurely closed connection while reading response header from upstream", "error"],
  [6, "recv() failed (104: Connection reset by peer) while reading response header from upstream", "error"],
  [4, "upstream sent too big header while reading response header from upstream", "error"],
  [4, "no live upstreams while connecting to upstream", "error"],
  [
    3,
    "upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream",
    "error",
  ],
  [
    3,
    'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
    "error",
  ],
  [14, null, null],
];
const OTHER = [
  '[error] 17#17: *N open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 192.168.4.9, server: shop.example.com, request: "GET /favicon.ico HTTP/1.1", host: "shop.example.com"',
  "[info] 17#17: *N client closed connection while waiting for request, client: 192.168.4.9, server: 0.0.0.0:443",
];
const PEERS = [
  "http://10.0.0.1:8080",
  "http://10.0.0.2:8080",
  "http://[fd00::3]:8080",
  "fastcgi://unix:/run/php/php8.2-fpm.sock:",
  "https://10.0.0.5:8443",
];

async function generate() {
  if (existsSync(logPath) && statSync(logPath).size >= sizeMb * 1e6 * 0.99) return;
  mkdirSync(out, { recursive: true });
  const r = rng(seed);
  const total = KINDS.reduce((n, k) => n + k[0], 0);
  const ws = createWriteStream(logPath);
  let written = 0;
  let t = Date.UTC(2026, 10, 24, 0, 0, 0);
  let conn = 1;
  const pad = (n) => String(n).padStart(2, "0");
  while (written < sizeMb * 1e6) {
    let buf = "";
    for (let i = 0; i < 4000; i++) {
      t += Math.floor(r() * 40);
      const d = new Date(t);
      const ts = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      let x = r() * total;
      let k = KINDS[0];
      for (const kk of KINDS) {
        x -= kk[0];
        if (x < 0) {
          k = kk;
          break;
        }
      }
      conn++;
      if (!k[1]) {
        buf += `${ts} ${OTHER[conn % 2].replace("*N", `*${conn}`)}\n`;
        continue;
      }
      const peer = k[1].startsWith("no live")
        ? "http://backend"
        : k[1].startsWith("FastCGI")
          ? PEERS[3]
          : PEERS[Math.floor(r() * PEERS.length)];
      const ip = `192.168.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
      const uri = `/api/v1/orders/${Math.floor(r() * 1e6)}`;
      buf += `${ts} [${k[2]}] 17#17: *${conn} ${k[1]}, client: ${ip}, server: shop.example.com, request: "GET ${uri} HTTP/1.1", upstream: "${peer}${peer.endsWith(":") ? "" : uri}", host: "shop.example.com"\n`;
    }
    written += buf.length;
    if (!ws.write(buf)) await new Promise((res) => ws.once("drain", res));
  }
  await new Promise((res) => ws.end(res));
}

await generate();
const mb = statSync(logPath).size / 1e6;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`);
console.log(`input: ${logPath} (${mb.toFixed(0)} MB)`);
spawnSync("cat", [logPath], { stdio: "ignore" }); // warm the page cache
const rows = [];
const ours = timed(process.execPath, [join(root, "dist", "cli.js"), "logs", "--json", logPath]);
rows.push(["badgateway logs --json", ours]);
const have = (p) => spawnSync("sh", ["-c", `command -v ${p}`]).status === 0;
const mawk = have("mawk") ? timed("mawk", ["-f", join(here, "errorlog-count.awk"), logPath]) : null;
if (mawk) rows.push(["mawk errorlog-count.awk", mawk]);
if (have("rg")) rows.push(["rg -c upstream", timed("rg", ["-c", "upstream", logPath])]);
rows.push(["grep -c upstream", timed("grep", ["-c", "upstream", logPath])]);
for (const [name, r] of rows)
  console.log(
    `${name.padEnd(28)} ${r.secs.toFixed(2).padStart(7)} s ${(mb / r.secs).toFixed(0).padStart(6)} MB/s  peak RSS ${r.rssMb.toFixed(0)} MB`,
  );
for (const [name, r] of rows.slice(1)) console.log(`ratio to ${name}: ${(r.secs / ours.secs).toFixed(2)}`);
const s = JSON.parse(ours.stdout);
if (mawk) {
  const counts = Object.fromEntries(
    mawk.stdout
      .trim()
      .split("\n")
      .map((l) => {
        const i = l.lastIndexOf(" ");
        return [l.slice(0, i), Number(l.slice(i + 1))];
      }),
  );
  const mawkTotal = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `upstream failures: badgateway ${s.upstreamErrors}, mawk ${mawkTotal}${s.upstreamErrors === mawkTotal ? " (equal)" : " (DIFFERENT)"}`,
  );
}
console.log(
  `classes: ${Object.entries(s.byClass)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}`,
);
