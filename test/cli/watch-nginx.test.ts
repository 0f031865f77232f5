/**
 * `watch --config` on a real nginx (test/helpers/nginx.ts): it follows the logs the configuration names, with the
 * access log's own log_format, reports the 502s nginx writes when its upstream refuses connections, and reads
 * the configuration's stub_status location for badgateway_nginx_connections.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, expect, it } from "vitest";
import { cliPath } from "../helpers/cli.js";
import { freePort, type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ngx: RunningNginx | null = null;
let child: ChildProcess | null = null;
afterAll(async () => {
  child?.kill("SIGKILL");
  await ngx?.stop();
});

systemDescribe(["nginx"], "watch on a real nginx", () => {
  it("reports nginx's own 502s from both logs, with stub_status connections", async () => {
    ngx = await startNginx({
      logFormat: '$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_response_time',
      http: (p) => `server {
        listen 127.0.0.1:${p.port};
        location = /basic_status { stub_status; }
        location / { proxy_pass http://127.0.0.1:${p.free[0]}; }
      }`,
    });
    const n = ngx;
    const listen = await freePort();
    child = spawn(
      process.execPath,
      [
        cliPath,
        "watch",
        "--config",
        n.confPath,
        "--json",
        "--poll",
        "50ms",
        "--listen",
        `127.0.0.1:${listen}`,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } },
    );
    let out = "";
    let err = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const done = new Promise<number | null>((r) => child?.on("close", (c) => r(c)));
    // Requests until watch reports one (the first may come before it has opened the logs).
    let sent = 0;
    for (let i = 0; i < 100 && !out.includes('"type":"failure"'); i++) {
      const r = await n.get(`/item/${i}`);
      expect(r.status).toBe(502);
      sent++;
      await sleep(100);
    }
    const metrics = async () => (await fetch(`http://127.0.0.1:${listen}/metrics`)).text();
    let text = "";
    for (let i = 0; i < 100; i++) {
      text = await metrics();
      if (/badgateway_nginx_connections\{state="active"\} [1-9]/.test(text)) break;
      await sleep(200);
    }
    child.kill("SIGTERM");
    expect(await done, err).toBe(0);
    const failures = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string; class?: string; peer?: string; request?: string })
      .filter((e) => e.type === "failure");
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.length).toBeLessThanOrEqual(sent);
    expect(failures[0]).toMatchObject({ class: "connection-refused", peer: `127.0.0.1:${n.free[0]}` });
    expect(text).toMatch(
      new RegExp(
        `badgateway_responses_total\\{status="502",upstream="127\\.0\\.0\\.1:${n.free[0]}"\\} [1-9]`,
      ),
    );
    expect(text).toMatch(/badgateway_nginx_connections\{state="active"\} [1-9]/);
    expect(text).toMatch(/badgateway_upstream_failures_total\{class="connection-refused",[^}]*\} [1-9]/);
  }, 60_000);
});
