#!/usr/bin/env node
// Access-log statistics benchmark: one row per generator × format (bench/gen/access.mjs: basic in its own format;
// realistic and adversarial in combined, main, keyvalue, json, upstreaminfo), each `badgateway access --json`
// against the mawk one-liner bench/access-formats.awk on the same file in the same run, and GoAccess on the
// combined rows (BENCH_GOACCESS=1; capped by GOACCESS_TIMEOUT_S, default 600). BENCH_SIZE_MB (default 64),
// BENCH_RUNS paired runs (default 3, median ratio), BENCH_GENERATORS and BENCH_FORMATS (comma lists). Each row
// gives the wall-time ratio and the CPU-time ratio (user + system, all threads) of the same pairs.
// Fails (exit 1, "COUNTS DIFFER") when badgateway's requests, 502/504 totals, upstream tries or 502/504 per peer
// differ from mawk's, or the client 502/504 from the generator's own tally.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { FORMATS, formatOf, writeAccessLog } from "./gen/access.mjs";
import { benchRuns, benchSizeMb, have, machineLine, median, pickNames } from "./lib.mjs";

/**
 * Runs a command under /usr/bin/time: wall seconds, CPU seconds (user + system, all threads) and peak RSS. On a
 * shared machine the wall-time ratio swings with the load while the CPU ratio stays put, so the table gives both.
 */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const [rssKb, user, sys] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  return { secs, cpu: user + sys, rssMb: rssKb / 1024, stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sizeMb = benchSizeMb();
const runs = benchRuns();
const seed = 20261124;
const out = join(here, "out");
// BENCH_CLI: another build of the CLI to measure (default: this checkout's dist/cli.js).
const cli = process.env.BENCH_CLI ?? join(root, "dist", "cli.js");
const generators = pickNames("BENCH_GENERATORS", ["basic", "realistic", "adversarial"]);
const formats = pickNames("BENCH_FORMATS", Object.keys(FORMATS));

/** The basic log keeps its old name, which bench/diagnose.bench.mjs reads. */
export const accessLogPath = (gen, fmt, mb) =>
  join(out, gen === "basic" ? `access-${mb}mb-${seed}.log` : `access-${gen}-${fmt}-${mb}mb-${seed}.log`);

/** badgateway's arguments for a format: the format text, or a config snippet that defines what it needs. */
function formatArgs(gen, fmt) {
  if (gen === "basic") return ["--log-format", formatOf("basic")];
  const f = FORMATS[fmt];
  if (!f.defines)
    return ["--log-format", f.format, ...(f.escape !== "default" ? ["--escape", f.escape] : [])];
  const conf = join(out, `format-${fmt}.conf`);
  writeFileSync(
    conf,
    `http {\n${f.defines.map((v) => `    map $host $${v} { default "-"; }\n`).join("")}    log_format ${fmt}${f.escape !== "default" ? ` escape=${f.escape}` : ""} '${f.format}';\n}\n`,
  );
  return ["--format-file", conf, "--log-format", fmt];
}

if (!have("mawk")) {
  console.error("bench: mawk is not installed (apt-get install -y mawk): the counts cannot be checked");
  process.exit(2);
}
console.log(machineLine());
console.log(`size ${sizeMb} MB per row, ${runs} paired run(s) per row; ratio = mawk time / badgateway time`);
const goaccess = process.env.BENCH_GOACCESS === "1" && have("goaccess");
if (process.env.BENCH_GOACCESS === "1" && !goaccess)
  console.log("goaccess: not installed (apt-get install -y goaccess)");

let failed = 0;
const table = [];
const rows = [];
for (const gen of generators)
  if (gen === "basic") rows.push([gen, "basic"]);
  else for (const fmt of formats) rows.push([gen, fmt]);
for (const [gen, fmt] of rows) {
  const path = accessLogPath(gen, fmt, sizeMb);
  const tally = await writeAccessLog(path, gen, fmt, sizeMb, seed);
  const mb = statSync(path).size / 1e6;
  spawnSync("cat", [path], { stdio: "ignore" }); // warm the page cache
  const args = [cli, "access", "--json", ...formatArgs(gen, fmt), path];
  const ours = [];
  const mawk = [];
  for (let i = 0; i < runs; i++) {
    ours.push(timed(process.execPath, args));
    mawk.push(timed("mawk", ["-v", `fmt=${fmt}`, "-f", join(here, "access-formats.awk"), path]));
  }
  // mawk's answer
  const status = new Map();
  const peers = new Map();
  let requests = 0;
  let tries = 0;
  for (const l of mawk[0].stdout.trim().split("\n")) {
    const w = l.split(" ");
    if (w[0] === "requests") requests = Number(w[1]);
    else if (w[0] === "tries") tries = Number(w[1]);
    else if (w[0] === "status") status.set(w[1], Number(w[2]));
    else if (w[0] === "peer") peers.set(`${w[1]} ${w[2]}`, Number(w[3]));
  }
  const differ = [];
  for (const r of ours) {
    if (r.status !== 0 && r.status !== 1) {
      differ.push(`badgateway exited ${r.status}: ${r.stderr.trim().slice(0, 300)}`);
      continue;
    }
    const s = JSON.parse(r.stdout);
    const t = s.totals;
    const want = [
      ["requests", t.requests, requests],
      ["client 502", t.s502, status.get("502") ?? 0],
      ["client 504", t.s504, status.get("504") ?? 0],
      ["client 502 (generated)", t.s502, tally.s502],
      ["client 504 (generated)", t.s504, tally.s504],
      ["unmatched lines", s.unmatched, 0],
    ];
    if (gen === "basic" || FORMATS[fmt].upstream) {
      let ourTries = 0;
      let p502 = 0;
      let p504 = 0;
      for (const p of Object.values(s.byPeer)) {
        ourTries += p.requests;
        p502 += p.s502;
        p504 += p.s504;
      }
      let m502 = 0;
      let m504 = 0;
      for (const [k, v] of peers)
        if (k.endsWith(" 502")) m502 += v;
        else m504 += v;
      want.push(["upstream tries", ourTries, tries], ["peer 502", p502, m502], ["peer 504", p504, m504]);
      // peer by peer, unless the peer table was capped (keys past the cap are folded into "(other)")
      if (!s.byPeer["(other)"]) {
        let bad = 0;
        for (const [k, v] of peers) {
          const [addr, code] = k.split(" ");
          if ((s.byPeer[addr]?.[code === "502" ? "s502" : "s504"] ?? 0) !== v) bad++;
        }
        want.push(["peers whose 502/504 differ", bad, 0]);
      }
    }
    for (const [what, a, b] of want) if (a !== b) differ.push(`${what}: badgateway ${a}, expected ${b}`);
  }
  if (differ.length) {
    failed++;
    console.log(`COUNTS DIFFER on ${gen}/${fmt}:\n  ${[...new Set(differ)].join("\n  ")}`);
  }
  let ga = null;
  if (goaccess && fmt === "combined") {
    const limit = String(process.env.GOACCESS_TIMEOUT_S ?? 600);
    ga = timed("timeout", [
      limit,
      "goaccess",
      path,
      "--log-format",
      "COMBINED",
      "-o",
      join(out, "goaccess.json"),
      "--no-progress",
    ]);
  }
  const ratios = ours.map((o, i) => mawk[i].secs / o.secs);
  const cpuRatios = ours.map((o, i) => mawk[i].cpu / o.cpu);
  table.push({
    row: `${gen}/${fmt}`,
    mb,
    ours: median(ours.map((r) => r.secs)),
    rss: Math.max(...ours.map((r) => r.rssMb)),
    mawk: median(mawk.map((r) => r.secs)),
    ratio: median(ratios),
    range: [Math.min(...ratios), Math.max(...ratios)],
    cpu: median(ours.map((r) => r.cpu)),
    mawkCpu: median(mawk.map((r) => r.cpu)),
    cpuRatio: median(cpuRatios),
    ga,
    requests,
  });
}
console.log(
  `\n${"generator/format".padEnd(26)} ${"MB".padStart(6)} ${"badgateway".padStart(16)} ${"peak RSS".padStart(9)} ${"mawk".padStart(16)} ${"ratio".padStart(6)} ${"(min–max)".padStart(11)} ${"CPU: ours".padStart(9)} ${"mawk".padStart(6)} ${"ratio".padStart(6)}  requests`,
);
for (const t of table)
  console.log(
    `${t.row.padEnd(26)} ${t.mb.toFixed(0).padStart(6)} ${`${t.ours.toFixed(2)} s ${(t.mb / t.ours).toFixed(0)} MB/s`.padStart(16)} ${`${t.rss.toFixed(0)} MB`.padStart(9)} ${`${t.mawk.toFixed(2)} s ${(t.mb / t.mawk).toFixed(0)} MB/s`.padStart(16)} ${t.ratio.toFixed(2).padStart(6)} ${`${t.range[0].toFixed(2)}–${t.range[1].toFixed(2)}`.padStart(11)} ${`${t.cpu.toFixed(2)} s`.padStart(9)} ${`${t.mawkCpu.toFixed(2)} s`.padStart(6)} ${t.cpuRatio.toFixed(2).padStart(6)}  ${t.requests}${t.ga ? `   goaccess ${t.ga.secs.toFixed(2)} s${t.ga.status === 124 ? " (stopped at GOACCESS_TIMEOUT_S)" : ""}, ratio ${(t.ga.secs / t.ours).toFixed(1)}` : ""}`,
  );
if (table.length > 1) {
  const best = table.reduce((a, b) => (a.mb / a.ours > b.mb / b.ours ? a : b));
  const worst = table.reduce((a, b) => (a.mb / a.ours < b.mb / b.ours ? a : b));
  console.log(
    `slowest row: ${worst.row}, ${((1 - worst.mb / worst.ours / (best.mb / best.ours)) * 100).toFixed(0)} % below the fastest (${best.row}, MB/s)`,
  );
}
console.log(
  failed
    ? `\nFAILED: ${failed} row(s) whose counts differ (see above)`
    : "\ncounts: badgateway = mawk (= generator) on every row",
);
process.exit(failed ? 1 : 0);
