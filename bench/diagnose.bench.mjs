#!/usr/bin/env node
// diagnose on an error log plus an access log (BENCH_DIAGNOSE_MB each, default BENCH_SIZE_MB or 64; the targets
// are set for BENCH_DIAGNOSE_MB=1024, 1 GB + 1 GB; the realistic generators of bench/gen/, access log in the `main` format, written here unless
// they are there), with a configuration whose log_format matches the access log. BENCH_DIAGNOSE_GENERATOR=basic
// uses the original benchmark logs instead. Target: under 20 s on this 2-core machine with peak RSS under 300 MB.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FORMATS, formatOf, writeAccessLog } from "./gen/access.mjs";
import { writeErrorLog } from "./gen/errorlog.mjs";
import { benchSizeMb } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(here, "out");
const seed = 20261124;
const mb = Number(process.env.BENCH_DIAGNOSE_MB ?? benchSizeMb());
const chosen = process.env.BENCH_DIAGNOSE_GENERATOR ?? "realistic";
if (!["realistic", "basic", "adversarial"].includes(chosen)) {
  console.error(`bench: BENCH_DIAGNOSE_GENERATOR: unknown "${chosen}" (realistic, basic, adversarial)`);
  process.exit(2);
}
const errorLog = join(
  out,
  chosen === "basic" ? `error-${mb}mb-${seed}.log` : `error-${chosen}-${mb}mb-${seed}.log`,
);
const accessLog = join(
  out,
  chosen === "basic" ? `access-${mb}mb-${seed}.log` : `access-${chosen}-main-${mb}mb-${seed}.log`,
);
await writeErrorLog(errorLog, chosen, mb, seed);
await writeAccessLog(accessLog, chosen, "main", mb, seed);
const accessFormat = chosen === "basic" ? formatOf("basic") : FORMATS.main.format;
mkdirSync(out, { recursive: true });
const conf = join(out, "diagnose-bench.conf");
writeFileSync(
  conf,
  `events {}
http {
    log_format bench '${accessFormat}';
    access_log ${accessLog} bench;
    upstream backend { server 10.0.0.1:8080; server 10.0.0.2:8080; server [fd00::3]:8080; }
    server { listen 80; server_name shop.example.com; location / { proxy_pass http://backend; } }
}
`,
);
const t0 = process.hrtime.bigint();
const r = spawnSync(
  "/usr/bin/time",
  [
    "-f",
    "%M",
    process.execPath,
    join(root, "dist", "cli.js"),
    "diagnose",
    "--no-probe",
    "--config",
    conf,
    "--error-log",
    errorLog,
    "--access-log",
    accessLog,
    "--json",
  ],
  { encoding: "utf8", maxBuffer: 1 << 28 },
);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const rss = Number(r.stderr.trim().split("\n").pop()) / 1024;
const j = JSON.parse(r.stdout);
console.log(
  `diagnose (${chosen}): ${mb} MB error log + ${mb} MB access log in ${secs.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MB (targets at 1024 MB: < 20 s, < 300 MB)`,
);
const byId = new Map();
for (const f of j.findings) byId.set(f.id, (byId.get(f.id) ?? 0) + 1);
console.log(
  `findings: ${j.findings.length} (${[...byId].map(([id, n]) => (n > 1 ? `${id} ×${n}` : id)).join(", ")})`,
);
console.log(`basis: ${j.basis.errorLog.lines} error-log lines, ${j.basis.accessLog.requests} requests`);
