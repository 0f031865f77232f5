import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Pseudonyms } from "../../src/nginx/redact.js";
import { runCliAsync } from "../helpers/cli.js";
import { quietPort, type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

systemDescribe(["nginx"], "collect from a running nginx", () => {
  let ngx: RunningNginx;
  let out: string;
  beforeAll(async () => {
    const dead = quietPort();
    ngx = await startNginx({
      logFormat:
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" rt=$request_time',
      http: (p) =>
        // a port with no listener nearby, so the live diagnosis cannot see a "wrong port" from other test servers
        `server { listen 127.0.0.1:${p.port}; location / { proxy_pass http://127.0.0.1:${dead}; } }`,
    });
    for (let i = 0; i < 3; i++) await ngx.get(`/cart?session=secret${i}`);
    await ngx.waitForErrorLog(/Connection refused/);
    out = join(mkdtempSync(join(tmpdir(), "bg-collect-")), "bundle");
  });
  afterAll(async () => {
    await ngx?.stop();
    rmSync(join(out, ".."), { recursive: true, force: true });
  });

  it("writes nginx -T, the logs found through the configuration, and redacts clients and query strings", async () => {
    const pid = Number(readFileSync(join(ngx.prefix, "nginx.pid"), "utf8").trim());
    const r = await runCliAsync(["collect", "--out", out, "--pid", String(pid), "--json"]);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout);
    expect(j.files).toEqual(
      expect.arrayContaining(["nginx-T.txt", "error.log", "access.log", "bundle.json"]),
    );
    expect(readFileSync(join(out, "nginx-T.txt"), "utf8")).toContain(`# configuration file ${ngx.confPath}:`);
    const err = readFileSync(join(out, "error.log"), "utf8");
    expect(err).toContain("Connection refused");
    expect(err).not.toContain("secret");
    expect(err).toMatch(/client: ip-1,/);
    const acc = readFileSync(join(out, "access.log"), "utf8");
    expect(acc).not.toContain("127.0.0.1 -");
    expect(acc).toContain("?session=REDACTED");
    expect(acc).toMatch(/^ip-1 - /m);
    const d = JSON.parse((await runCliAsync(["diagnose", "--bundle", out, "--json"])).stdout);
    expect(d.findings[0].id).toBe("upstream-down");
    const live = JSON.parse((await runCliAsync(["diagnose", "--pid", String(pid), "--json"])).stdout);
    expect(live.basis.mode).toBe("host");
    expect(live.basis.config).toContain("running nginx");
    expect(live.findings[0].id).toBe("upstream-down");
    const again = await runCliAsync(["collect", "--out", out, "--pid", String(pid)]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("not empty");
    expect(existsSync(join(out, "bundle.json"))).toBe(true);
  });
});

it("pseudonymises clients consistently", () => {
  const r = new Pseudonyms();
  expect(r.ip("203.0.113.9")).toBe("ip-1");
  expect(r.ip("2001:DB8::1")).toBe("ip-2");
  expect(r.ip("203.0.113.9")).toBe("ip-1");
  expect(r.ip("2001:db8::1")).toBe("ip-2");
  expect(r.distinct.clientAddress).toBe(2);
});
