#!/usr/bin/env node
// Error-log benchmark: one row per generator (bench/gen/errorlog.mjs: basic, realistic, adversarial), each
// `badgateway logs --json` against the mawk one-liner bench/errorlog-failures.awk and `rg -c upstream` on the
// same file in the same run. BENCH_SIZE_MB (default 64), BENCH_RUNS paired runs (default 3, median ratio),
// BENCH_GENERATORS (comma list, default all). Fails (exit 1, "COUNTS DIFFER") when badgateway's upstream
// failures or notes differ from mawk's or from the generator's own tally.
import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ERROR_GENERATORS, writeErrorLog } from "./gen/errorlog.mjs";
import { benchRuns, benchSizeMb, have, machineLine, median, pickNames, timed } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const sizeMb = benchSizeMb();
const runs = benchRuns();
const seed = 20261124;
const out = join(here, "out");
const generators = pickNames("BENCH_GENERATORS", Object.keys(ERROR_GENERATORS));
// BENCH_CLI: another build of the CLI to measure (default: this checkout's dist/cli.js).
const cli = process.env.BENCH_CLI ?? join(root, "dist", "cli.js");

/** The basic log keeps its old name, which bench/diagnose.bench.mjs reads. */
export const errorLogPath = (gen, mb) =>
  join(out, gen === "basic" ? `error-${mb}mb-${seed}.log` : `error-${gen}-${mb}mb-${seed}.log`);

console.log(machineLine());
console.log(
  `size ${sizeMb} MB per generator, ${runs} paired run(s) per row; ratio = mawk time / badgateway time`,
);
const hasRg = have("rg");
if (!have("mawk")) {
  console.error("bench: mawk is not installed (apt-get install -y mawk): the counts cannot be checked");
  process.exit(2);
}
let failed = 0;
const table = [];
for (const gen of generators) {
  const path = errorLogPath(gen, sizeMb);
  const tally = await writeErrorLog(path, gen, sizeMb, seed);
  const mb = statSync(path).size / 1e6;
  spawnSync("cat", [path], { stdio: "ignore" }); // warm the page cache
  const ours = [];
  const mawk = [];
  const rg = [];
  for (let i = 0; i < runs; i++) {
    ours.push(timed(process.execPath, [cli, "logs", "--json", path]));
    mawk.push(timed("mawk", ["-f", join(here, "errorlog-failures.awk"), path]));
    if (hasRg) rg.push(timed("rg", ["-c", "upstream", path]));
  }
  // counts: every badgateway run against mawk's and the generator's tally
  const m = Object.fromEntries(
    mawk[0].stdout
      .trim()
      .split("\n")
      .map((l) => l.split(" "))
      .map(([k, v]) => [k, Number(v)]),
  );
  for (const r of ours) {
    if (r.status !== 0 && r.status !== 1) {
      failed++;
      console.log(`FAILED: badgateway logs exited ${r.status} on ${gen}: ${r.stderr.trim().slice(0, 300)}`);
      continue;
    }
    const s = JSON.parse(r.stdout);
    const notes = Object.values(s.notes).reduce((a, b) => a + b, 0);
    if (
      s.upstreamErrors !== m.failures ||
      notes !== m.notes ||
      s.upstreamErrors !== tally.failures ||
      s.unparsed
    ) {
      failed++;
      console.log(
        `COUNTS DIFFER on ${gen}: failures badgateway ${s.upstreamErrors} / mawk ${m.failures} / generated ${tally.failures}; notes ${notes} / ${m.notes} / ${tally.notes}; unparsed ${s.unparsed}`,
      );
    }
  }
  const ratios = ours.map((o, i) => mawk[i].secs / o.secs);
  const med = (xs, f) => median(xs.map(f));
  table.push({
    gen,
    mb,
    ours: med(ours, (r) => r.secs),
    rss: Math.max(...ours.map((r) => r.rssMb)),
    mawk: med(mawk, (r) => r.secs),
    rg: rg.length ? med(rg, (r) => r.secs) : null,
    ratio: median(ratios),
    range: [Math.min(...ratios), Math.max(...ratios)],
    failures: m.failures,
  });
}
console.log(
  `\n${"generator".padEnd(12)} ${"MB".padStart(6)} ${"badgateway".padStart(16)} ${"peak RSS".padStart(9)} ${"mawk".padStart(16)} ${"ratio".padStart(6)} ${"(min–max)".padStart(11)} ${"rg -c upstream".padStart(16)}  failures`,
);
for (const t of table)
  console.log(
    `${t.gen.padEnd(12)} ${t.mb.toFixed(0).padStart(6)} ${`${t.ours.toFixed(2)} s ${(t.mb / t.ours).toFixed(0)} MB/s`.padStart(16)} ${`${t.rss.toFixed(0)} MB`.padStart(9)} ${`${t.mawk.toFixed(2)} s ${(t.mb / t.mawk).toFixed(0)} MB/s`.padStart(16)} ${t.ratio.toFixed(2).padStart(6)} ${`${t.range[0].toFixed(2)}–${t.range[1].toFixed(2)}`.padStart(11)} ${t.rg === null ? "absent".padStart(16) : `${t.rg.toFixed(2)} s ${(t.mb / t.rg).toFixed(0)} MB/s`.padStart(16)}  ${t.failures}`,
  );
if (table.length > 1) {
  const best = Math.max(...table.map((t) => t.mb / t.ours));
  const worst = table.reduce((a, b) => (a.mb / a.ours < b.mb / b.ours ? a : b));
  console.log(
    `slowest generator: ${worst.gen}, ${((1 - worst.mb / worst.ours / best) * 100).toFixed(0)} % below the fastest (MB/s)`,
  );
}
console.log(
  failed
    ? `\nFAILED: ${failed} run(s) whose counts differ or that failed (see above)`
    : "\ncounts: badgateway = mawk = generator on every row",
);
process.exit(failed ? 1 : 0);
