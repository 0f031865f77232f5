/** Generated logs for the hostile suites: real nginx wording, deterministic content. */
import { spawnSync } from "node:child_process";
import { cliPath } from "../helpers/cli.js";

/** `n` error-log lines, every `failEvery`-th a connect() refusal toward 127.0.0.1:8080 (the rest are notices). */
export function errorLog(n: number, opts: { failEvery?: number; referer?: string } = {}): string {
  const every = opts.failEvery ?? 1;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = String(i % 60).padStart(2, "0");
    const m = String(Math.floor(i / 60) % 60).padStart(2, "0");
    out.push(
      i % every === 0
        ? `2026/11/24 10:${m}:${s} [error] 811#811: *${1000 + i} connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.${i % 250}, server: shop.example.com, request: "GET /cart/${i} HTTP/1.1", upstream: "http://127.0.0.1:8080/cart/${i}", host: "shop.example.com"${opts.referer ? `, referrer: "${opts.referer}"` : ""}`
        : `2026/11/24 10:${m}:${s} [notice] 811#811: signal process started`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** `n` access-log lines in the combined format; every `badEvery`-th answered 502. */
export function combinedLog(n: number, badEvery = 10): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = String(i % 60).padStart(2, "0");
    out.push(
      `10.0.0.${i % 250} - - [24/Nov/2026:10:07:${s} +0000] "GET /api/items/${i} HTTP/1.1" ${i % badEvery === 0 ? 502 : 200} ${100 + i} "-" "curl/8.5"`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** The lab's format with upstream fields, and lines written with it. */
export const UPSTREAM_FORMAT =
  '$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_status $request_time $upstream_response_time';

export function upstreamLog(n: number, badEvery = 10): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const bad = i % badEvery === 0;
    out.push(
      `10.0.0.${i % 250} [24/Nov/2026:10:07:${String(i % 60).padStart(2, "0")} +0000] "GET /api/${i} HTTP/1.1" ${bad ? 502 : 200} 127.0.0.1:9000 ${bad ? 502 : 200} 0.010 0.009`,
    );
  }
  return `${out.join("\n")}\n`;
}

/** Runs the built CLI through bash (pipes, process substitution), returning the CLI's own exit status. */
export function runShell(script: string, env: Record<string, string> = {}) {
  const r = spawnSync("bash", ["-c", `set -o pipefail; B="${process.execPath} ${cliPath}"; ${script}`], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
