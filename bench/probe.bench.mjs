#!/usr/bin/env node
// Probe concurrency benchmark: 200 loopback targets (8 that accept and never answer, 96 refused, 96 healthy)
// probed by `badgateway probe` with --concurrency 8 and a 1 s timeout. With the hanging targets spread over
// the 8 lanes the whole run should take about one timeout plus a small margin.
import { spawn } from "node:child_process";
import net from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const held = [];
const servers = [];
const listen = (handler) =>
  new Promise((r) => {
    const s = net.createServer((c) => {
      c.on("error", () => {});
      handler(c);
    });
    servers.push(s);
    s.listen(0, "127.0.0.1", () => r(s.address().port));
  });
const closedPort = () =>
  new Promise((r) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });

const targets = [];
for (let i = 0; i < 200; i++) {
  if (i % 25 === 0) targets.push(`http://127.0.0.1:${await listen((c) => held.push(c))}/`);
  else if (i % 2 === 0) targets.push(`127.0.0.1:${await closedPort()}`);
  else
    targets.push(
      `http://127.0.0.1:${await listen((c) => c.once("data", () => c.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")))}/`,
    );
}
const timeout = 1000;
const args = [
  join(root, "dist", "cli.js"),
  "probe",
  "--json",
  "--concurrency",
  "8",
  "--timeout",
  String(timeout),
  ...targets.flatMap((t) => ["--target", t]),
];
const t0 = performance.now();
const out = await new Promise((resolve) => {
  const p = spawn(process.execPath, args);
  let s = "";
  p.stdout.on("data", (d) => {
    s += d;
  });
  p.on("close", () => resolve(s));
});
const ms = performance.now() - t0;
const report = JSON.parse(out);
const bad = report.results.filter((r) => !r.ok).length;
console.log(
  `200 targets, concurrency 8, per-step timeout ${timeout} ms: ${ms.toFixed(0)} ms wall (${report.durationMs} ms inside), ${bad} with problems`,
);
console.log(
  `largest single timeout ${timeout} ms → margin ${(ms - timeout).toFixed(0)} ms (includes node start-up)`,
);
for (const c of held) c.destroy();
for (const s of servers) s.close();
