#!/usr/bin/env node
// Configuration parser benchmark: generated configurations with 1k/10k/50k server blocks, parsed by
// `badgateway config parse --single-file` and, in the same run, by crossplane (Python; see findCrossplane).
// Prints times, the ratio and how time grows with size. The whole commands are also compared end to end
// (process start to the last byte of JSON read from a pipe), in BENCH_RUNS pairs (default 3; median wall and
// CPU time, user + sys), once on the single file and once with the same servers spread over 100 included
// files (`include conf.d/*.conf`, followed by both). Targets (issue 13): ≥ 10× single file, ≥ 5× with includes.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const out = join(here, "out");
const sizes = (process.env.BENCH_SERVERS ?? "1000,10000,50000").split(",").map(Number);

function generate(n) {
  const path = join(out, `servers-${n}.conf`);
  if (existsSync(path)) return path;
  mkdirSync(out, { recursive: true });
  const parts = [
    "user www-data;\nworker_processes auto;\nevents { worker_connections 4096; }\nhttp {\n    include /etc/nginx/mime.types;\n",
  ];
  for (let i = 0; i < n; i++) {
    parts.push(`    upstream app${i} {
        server 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080 max_fails=3 fail_timeout=10s;
        keepalive 8;
    }
    server {
        listen 80;
        server_name site${i}.example.com www.site${i}.example.com;
        # generated site ${i}
        location / {
            proxy_pass http://app${i};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
        location ~* \\.(css|js|png)$ { root "/srv/site${i}/static"; expires 7d; }
        if ($http_user_agent ~ "bot") { return 403; }
    }
`);
  }
  parts.push("}\n");
  writeFileSync(path, parts.join(""));
  return path;
}

/** One run: wall seconds (spawn to exit, all output read from the pipe), CPU seconds (user + sys), bytes out. */
function time(cmd, args, env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", cmd, ...args], {
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const [user, sys] = String(r.stderr).trim().split("\n").pop().split(" ").map(Number);
  return {
    secs,
    cpu: user + sys,
    bytes: r.stdout?.length ?? 0,
    ok: r.status === 0,
    err: String(r.stderr).slice(0, 300),
  };
}

/** The same n servers as generate(n), spread over 100 files included from a main file. */
function generateIncludes(n) {
  const dir = join(out, `servers-${n}-includes`);
  const main = join(dir, "nginx.conf");
  if (existsSync(main)) return main;
  mkdirSync(join(dir, "conf.d"), { recursive: true });
  const text = readFileSync(generate(n), "utf8");
  const body = text.slice(text.indexOf("    upstream app0 {"), text.lastIndexOf("}"));
  const blocks = body.split(/(?=^ {4}upstream app\d+ \{)/m);
  const per = Math.ceil(blocks.length / 100);
  for (let f = 0; f * per < blocks.length; f++)
    writeFileSync(
      join(dir, "conf.d", `site${String(f).padStart(3, "0")}.conf`),
      blocks.slice(f * per, (f + 1) * per).join(""),
    );
  writeFileSync(
    main,
    "user www-data;\nworker_processes auto;\nevents { worker_connections 4096; }\nhttp {\n    include conf.d/*.conf;\n}\n",
  );
  return main;
}

const benchRuns = Number.parseInt(process.env.BENCH_RUNS ?? "3", 10) || 3;
const median = (xs) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[a.length >> 1] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

/** Paired whole-command runs, ours then crossplane's; medians and the median ratio of the pairs. */
function endToEnd(label, oursArgs, theirsArgs) {
  const ours = [];
  const theirs = [];
  for (let i = 0; i < benchRuns; i++) {
    ours.push(time(process.execPath, oursArgs));
    if (theirsArgs) theirs.push(time(theirsArgs.bin, theirsArgs.args, crossplane.env));
  }
  const o = { secs: median(ours.map((r) => r.secs)), cpu: median(ours.map((r) => r.cpu)) };
  let line = `${label}: badgateway ${o.secs.toFixed(3)} s (CPU ${o.cpu.toFixed(3)} s, ${(ours[0].bytes / 1e6).toFixed(1)} MB of JSON)${ours.every((r) => r.ok) ? "" : " FAILED"}`;
  if (theirs.length && theirs.every((r) => r.ok)) {
    const t = { secs: median(theirs.map((r) => r.secs)), cpu: median(theirs.map((r) => r.cpu)) };
    const wall = median(ours.map((r, i) => theirs[i].secs / r.secs));
    const cpu = median(ours.map((r, i) => theirs[i].cpu / r.cpu));
    line += ` | crossplane ${t.secs.toFixed(3)} s (CPU ${t.cpu.toFixed(3)} s) | ratio wall ${wall.toFixed(1)}×, CPU ${cpu.toFixed(1)}×`;
  } else if (theirs.length) line += ` | crossplane failed: ${theirs.find((r) => !r.ok)?.err}`;
  console.log(line);
}

/**
 * crossplane, in this order: $CROSSPLANE (a command; PYTHONPATH passed through), an importable `crossplane`
 * module, a copy under bench/out/crossplane, or one installed there now with pip if the index is reachable.
 * Returns null (its columns are skipped, with a note) when none works.
 */
function findCrossplane() {
  if (process.env.CROSSPLANE) return { cmd: process.env.CROSSPLANE, env: {} };
  if (spawnSync("python3", ["-c", "import crossplane.__main__"]).status === 0)
    return { cmd: "python3 -m crossplane", env: {} };
  const local = join(out, "crossplane");
  const env = { PYTHONPATH: local };
  if (!existsSync(join(local, "crossplane", "__main__.py"))) {
    console.log(
      "crossplane: not found; trying `pip install --target bench/out/crossplane crossplane==0.5.7` …",
    );
    const r = spawnSync(
      "python3",
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-input",
        "--retries",
        "0",
        "--timeout",
        "10",
        "--target",
        local,
        "crossplane==0.5.7",
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    if (r.status !== 0) {
      const why = `${r.stderr ?? ""}`.trim().split("\n").pop() || r.error?.message || "pip failed";
      console.log(
        `crossplane: NOT MEASURED — pip could not install it (${why}). Set CROSSPLANE='python3 -m crossplane' ` +
          "and PYTHONPATH=<a crossplane checkout> to compare; only badgateway's times are printed.",
      );
      return null;
    }
  }
  return { cmd: "python3 -m crossplane", env };
}

mkdirSync(out, { recursive: true });
const crossplane = findCrossplane();
const cp = crossplane?.cmd ?? null;
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model}`);
if (cp)
  console.log(
    `crossplane: ${cp}${crossplane?.env.PYTHONPATH ? ` (PYTHONPATH=${crossplane.env.PYTHONPATH})` : ""}`,
  );
const OURS = `
import { readFileSync } from "node:fs";
import { parseConfig } from ${JSON.stringify(join(root, "dist", "index.js"))};
const text = readFileSync(process.argv[1], "utf8");
const times = [];
for (let i = 0; i < 5; i++) { const t = performance.now(); parseConfig(text, { file: process.argv[1] }); times.push(performance.now() - t); }
console.log(JSON.stringify(times));`;
const THEIRS = `
import sys, time, json, crossplane
times = []
for i in range(int(sys.argv[2])):
    t = time.perf_counter(); crossplane.parse(sys.argv[1], single=True, catch_errors=True); times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))`;

function inProcess(cmd, args, env) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim().split("\n").pop());
}

const rows = [];
for (const n of sizes) {
  const file = generate(n);
  const mb = statSync(file).size / 1e6;
  const ours = inProcess(process.execPath, ["--input-type=module", "-e", OURS, file]);
  const theirs = cp
    ? inProcess("python3", ["-c", THEIRS, file, n >= 50000 ? "1" : "2"], crossplane.env)
    : null;
  const best = (xs) => Math.min(...xs) / 1000;
  const o = best(ours);
  const t = theirs ? best(theirs) : null;
  rows.push({ n, mb, ours: o, theirs: t });
  console.log(
    `${String(n).padStart(6)} servers (${mb.toFixed(1)} MB): parse ${o.toFixed(3)} s (first call ${(ours[0] / 1000).toFixed(3)} s)` +
      (t !== null ? `, crossplane.parse ${t.toFixed(3)} s, ratio ${(t / o).toFixed(1)}×` : ""),
  );
  const [bin, ...pre] = (cp ?? "").split(" ");
  const cli = join(root, "dist", "cli.js");
  endToEnd(
    `${String(n).padStart(6)} servers, whole command (config parse --single-file --json)`,
    [cli, "config", "parse", "--single-file", "--json", file],
    cp ? { bin, args: [...pre, "parse", "--single-file", file] } : null,
  );
  if (n === 10000) {
    const main = generateIncludes(n);
    endToEnd(
      `${String(n).padStart(6)} servers in 100 included files, whole command (config parse --json)`,
      [cli, "config", "parse", "--json", main],
      cp ? { bin, args: [...pre, "parse", main] } : null,
    );
  }
}

// Linear growth shows as a steady time per MB; consecutive sizes are compared (the smallest size is mostly
// JIT warm-up and rarely triggers a garbage collection, so first-to-last would overstate the growth).
for (let i = 1; i < rows.length; i++) {
  const a = rows[i - 1];
  const b = rows[i];
  console.log(
    `growth ${a.n} → ${b.n} servers (${(b.mb / a.mb).toFixed(1)}× the bytes): badgateway ${(b.ours / a.ours).toFixed(1)}×` +
      `${a.theirs && b.theirs ? `, crossplane ${(b.theirs / a.theirs).toFixed(1)}×` : ""}` +
      ` | badgateway ${((b.ours * 1000) / b.mb).toFixed(1)} ms/MB at ${b.n}`,
  );
}
