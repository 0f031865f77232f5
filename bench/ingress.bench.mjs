// Times `badgateway access` on a generated ingress-nginx upstreaminfo log (controller 0.26+ format), with the format
// recognised from the lines (summary + per-upstream-name accounting) against the same file with --log-format given
// (same work), and against a format without the ingress variables (the generic summary alone), and checks the per-upstream 502/503/504 counts against a count made here while generating.
// BENCH_LINES (default 400000). Deterministic (seeded); the file is written to a temporary directory and removed.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const N = Number(process.env.BENCH_LINES ?? 400_000);
const FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';
let seed = 20261206;
const rnd = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const ups = [
  "shop-web-80",
  "shop-api-8080",
  "pc-dev-example-web-service-80",
  "clickhouse-error-reader-80",
  "auth-keycloak-http",
];
const want = Object.fromEntries(ups.map((u) => [u, { s502: 0, s503: 0, s504: 0 }]));
const out = [];
for (let i = 0; i < N; i++) {
  const u = ups[Math.floor(rnd() * ups.length)];
  const pod = `10.244.${1 + Math.floor(rnd() * 3)}.${10 + Math.floor(rnd() * 20)}:8080`;
  const r = rnd();
  const s = Math.floor(i / 60);
  const t = `06/Dec/2026:${String(8 + (Math.floor(s / 3600) % 10)).padStart(2, "0")}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")} +0000`;
  let status = 200;
  let up = `${pod} 512 0.012 200`;
  if (r < 0.01) {
    status = 502;
    up = `${pod}, ${pod} 0, 0 0.000, 0.001 502, 502`;
  } else if (r < 0.015) {
    status = 503;
    up = "- - - -";
  } else if (r < 0.02) {
    status = 504;
    up = `${pod} 0 60.001 504`;
  }
  if (status >= 502) want[u][`s${status}`]++;
  out.push(
    `10.0.${i % 250}.${i % 200} - - [${t}] "GET /p/${i % 997} HTTP/1.1" ${status} 512 "-" "bench/1.0" 300 0.013 [${u}] [] ${up} ${((i * 2654435761) >>> 0).toString(16).padStart(32, "0")}`,
  );
}
const dir = mkdtempSync(join(tmpdir(), "bg-ingress-bench-"));
const file = join(dir, "controller-access.log");
writeFileSync(file, `${out.join("\n")}\n`);
const mb = statSync(file).size / 1e6;
const cli = join(import.meta.dirname, "../dist/cli.js");
/** Wall time, and CPU time and peak RSS from GNU time (the machine is shared: CPU time is the steadier figure). */
const time = (args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S %M", process.execPath, cli, ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const [u, sy, kb] = (r.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number);
  return {
    s: Number(process.hrtime.bigint() - t0) / 1e9,
    cpu: u + sy,
    mb: kb / 1024,
    out: r.stdout,
    code: r.status,
  };
};
try {
  const auto = time(["access", file, "--json"]);
  const fixed = time(["access", file, "--json", "--log-format", FORMAT]);
  const plain = time([
    "access",
    file,
    "--json",
    "--log-format",
    FORMAT.replace(
      / \[\$proxy_upstream_name\].*$/,
      " [$http_x_a] [$http_x_b] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $http_x_c",
    ),
  ]);
  if (fixed.code !== 1 || auto.code !== 1 || plain.code !== 1) throw new Error("unexpected exit code");
  if (JSON.parse(fixed.out).ingress === undefined) throw new Error("no per-upstream table with --log-format");
  const j = JSON.parse(auto.out);
  for (const u of ups) {
    const got = j.ingress.upstreams[u];
    for (const k of ["s502", "s503", "s504"])
      if (got[k] !== want[u][k]) throw new Error(`${u} ${k}: ${got[k]} != ${want[u][k]}`);
  }
  console.log(
    `${N} lines, ${mb.toFixed(1)} MB; node ${process.version}; ${execFileSync("nproc").toString().trim()} cores`,
  );
  const row = (what, r) =>
    console.log(
      `${what}: wall ${r.s.toFixed(2)} s, CPU ${r.cpu.toFixed(2)} s (${(mb / r.cpu).toFixed(0)} MB per CPU-second), peak RSS ${r.mb.toFixed(0)} MB`,
    );
  row("recognised from the lines (summary + per upstream name)", auto);
  row("--log-format given (summary + per upstream name)", fixed);
  row("generic format, same file (summary only)", plain);
  console.log("per-upstream 502/503/504 counts: equal to the generator's");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
