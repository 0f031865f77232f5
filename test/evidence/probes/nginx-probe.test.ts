import { afterAll, beforeAll, expect, it } from "vitest";
import { parseStubStatus } from "../../../src/evidence/probes/host.js";
import { runCli } from "../../helpers/cli.js";
import { type RunningNginx, startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

systemDescribe(["nginx"], "probe against a real nginx configuration", () => {
  let ngx: RunningNginx;
  beforeAll(async () => {
    ngx = await startNginx({
      http: (p) => `
        server {
          listen 127.0.0.1:${p.port};
          location = /nginx_status { stub_status; allow 127.0.0.1; deny all; }
          location /down/ { proxy_pass http://127.0.0.1:${p.free[0]}; }
          location /up/ { proxy_connect_timeout 2s; proxy_pass http://127.0.0.1:${p.port}/nginx_status; }
        }`,
    });
  });
  afterAll(async () => {
    await ngx?.stop();
  });

  it("probes every upstream of the config, reads stub_status and the running workers", () => {
    const r = runCli([
      "probe",
      "--config",
      ngx.confPath,
      "--stub-status",
      `http://127.0.0.1:${ngx.port}/nginx_status`,
      "--json",
    ]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    const byId = Object.fromEntries(j.results.map((x: { target: { id: string } }) => [x.target.id, x]));
    expect(byId[`http://127.0.0.1:${ngx.free[0]}`].steps[0]).toMatchObject({ problem: "connection-refused" });
    // the second upstream is nginx's own stub_status (a separate process: the CLI runs synchronously here)
    const up = byId[`http://127.0.0.1:${ngx.port}`];
    expect(up).toMatchObject({ ok: true });
    expect(up.target.settings).toMatchObject({ nginxConnectTimeout: 2 });
    expect(up.target.uriPath).toBe("/nginx_status");
    expect(j.host.stubStatus.active).toBeGreaterThanOrEqual(1);
    expect(j.host.workerConnections).toBe(64);
    expect(j.host.nginx.workers.length).toBeGreaterThanOrEqual(1);
    expect(j.facts.some((f: { problem: string }) => f.problem === "connection-refused")).toBe(true);
  });

  it("parses stub_status text", () => {
    expect(
      parseStubStatus(
        "Active connections: 3 \nserver accepts handled requests\n 10 10 25 \nReading: 0 Writing: 1 Waiting: 2 \n",
      ),
    ).toEqual({
      active: 3,
      accepts: 10,
      handled: 10,
      requests: 25,
      reading: 0,
      writing: 1,
      waiting: 2,
    });
  });
});
