import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

systemDescribe(["nginx"], "real nginx test helper", () => {
  let ngx: RunningNginx;
  let backend: net.Server;
  beforeAll(async () => {
    ngx = await startNginx({
      http: (p) => `
        server {
          listen 127.0.0.1:${p.port};
          server_name helper.test;
          location /refused { proxy_pass http://127.0.0.1:${p.free[0]}; }
          location /closed { proxy_pass http://127.0.0.1:${p.free[1]}; }
          location /ok { return 200 "fine\\n"; }
        }`,
    });
    // An upstream that accepts and closes at once, without a byte of response.
    backend = net.createServer((s) => s.once("data", () => s.end()));
    await new Promise<void>((r) => backend.listen(ngx.free[1], "127.0.0.1", r));
  });
  afterAll(async () => {
    await ngx?.stop();
    backend?.close();
  });

  it("serves requests on its loopback port", async () => {
    const res = await ngx.get("/ok");
    expect(res.status).toBe(200);
    expect(res.body).toBe("fine\n");
  });

  it("produces a real connection-refused line and a 502", async () => {
    const res = await ngx.get("/refused");
    expect(res.status).toBe(502);
    const lines = await ngx.waitForErrorLog(/Connection refused/);
    const line = lines.find((l) => l.includes("Connection refused"));
    expect(line).toMatch(
      /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] \d+#\d+: \*\d+ connect\(\) failed \(111: Connection refused\) while connecting to upstream, client: 127\.0\.0\.1, server: helper\.test, request: "GET \/refused HTTP\/1\.1", upstream: "http:\/\/127\.0\.0\.1:\d+\/refused", host: "127\.0\.0\.1:\d+"$/,
    );
  });

  it("produces a real premature-close line", async () => {
    const res = await ngx.get("/closed");
    expect(res.status).toBe(502);
    await ngx.waitForErrorLog(/upstream prematurely closed connection while reading response header/);
  });
});
