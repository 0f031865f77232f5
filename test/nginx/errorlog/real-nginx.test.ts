/**
 * The classifier reads nginx's actual output: a real nginx proxies to real misbehaving local servers,
 * and every line it writes for those failures must get the expected class, status and peer.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify } from "../../../src/nginx/errorlog/taxonomy.js";
import { type RunningNginx, startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

function listen(port: number, onConn: (s: net.Socket) => void): Promise<net.Server> {
  const srv = net.createServer((s) => {
    s.on("error", () => undefined); // nginx may reset connections it gave up on
    onConn(s);
  });
  return new Promise((r) => srv.listen(port, "127.0.0.1", () => r(srv)));
}

systemDescribe(["nginx"], "classifier on real nginx error lines", () => {
  let ngx: RunningNginx;
  const servers: net.Server[] = [];
  const held: net.Socket[] = [];
  beforeAll(async () => {
    ngx = await startNginx({
      freePorts: 8,
      http: (p) => `
        upstream pool { server 127.0.0.1:${p.free[0]} max_fails=1 fail_timeout=30s; server 127.0.0.1:${p.free[0] ? p.free[7] : 1} max_fails=1 fail_timeout=30s; }
        server {
          listen 127.0.0.1:${p.port};
          server_name lab.test;
          proxy_connect_timeout 1s;
          proxy_read_timeout 1s;
          location /refused { proxy_pass http://127.0.0.1:${p.free[0]}; }
          location /closed { proxy_pass http://127.0.0.1:${p.free[1]}; }
          location /slow { proxy_pass http://127.0.0.1:${p.free[2]}; }
          location /garbage { proxy_pass http://127.0.0.1:${p.free[3]}; }
          location /big { proxy_buffer_size 1k; proxy_pass http://127.0.0.1:${p.free[4]}; }
          location /sock { proxy_pass http://unix:${p.prefix}/missing.sock:/; }
          location /php { fastcgi_pass unix:${p.prefix}/php-fpm.sock; }
          location /pool { proxy_pass http://pool; }
          location /tls { proxy_pass https://127.0.0.1:${p.free[5]}; }
          location /var { set $b backend.invalid; proxy_pass http://$b:81; }
        }`,
    });
    const f = ngx.free as number[];
    servers.push(await listen(f[1] as number, (s) => s.once("data", () => s.end())));
    servers.push(await listen(f[2] as number, (s) => held.push(s)));
    servers.push(
      await listen(f[3] as number, (s) =>
        s.once("data", () => s.end("SSH-2.0-OpenSSH_9.2\r\nnot http at all\r\n")),
      ),
    );
    servers.push(
      await listen(f[4] as number, (s) =>
        s.once("data", () =>
          s.end(`HTTP/1.1 200 OK\r\nSet-Cookie: session=${"x".repeat(3000)}\r\nContent-Length: 2\r\n\r\nok`),
        ),
      ),
    );
    servers.push(
      await listen(f[5] as number, (s) => s.once("data", () => s.end("HTTP/1.1 400 Bad Request\r\n\r\n"))),
    );
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    for (const s of servers) s.close();
    await ngx?.stop();
  });

  async function lineFor(path: string, re: RegExp): Promise<string> {
    await ngx.get(path).catch(() => undefined); // some failures give the client raw bytes, not HTTP
    const lines = await ngx.waitForErrorLog(re, 8000);
    const l = lines.filter((x) => re.test(x)).pop();
    if (!l) throw new Error(`no line for ${path}`);
    return l;
  }

  const cases: Array<[string, RegExp, string, number | null, string | null]> = [
    ["/refused", /\(111: Connection refused\)/, "connection-refused", 502, "127.0.0.1:F0"],
    ["/closed", /prematurely closed/, "premature-close", 502, "127.0.0.1:F1"],
    ["/slow", /upstream timed out/, "read-timeout", 504, "127.0.0.1:F2"],
    ["/garbage", /upstream sent no valid HTTP\/1.0 header/, "invalid-response", null, "127.0.0.1:F3"],
    ["/big", /too big header/, "too-big-header", 502, "127.0.0.1:F4"],
    ["/sock", /missing\.sock failed \(2: No such file or directory\)/, "unix-socket-missing", 502, "unix:"],
    ["/php", /php-fpm\.sock failed \(2: No such file or directory\)/, "unix-socket-missing", 502, "unix:"],
    ["/tls", /SSL_do_handshake\(\) failed|wrong version number/, "tls-handshake", 502, "127.0.0.1:F5"],
    ["/var", /no resolver defined to resolve backend\.invalid/, "no-resolver", 502, null],
  ];

  for (const [path, re, cls, status, peer] of cases) {
    it(`${path}: nginx's own line is classified ${cls}`, async () => {
      const text = await lineFor(path, re);
      const line = parseErrorLine(text);
      expect(line, text).not.toBeNull();
      const c = classify(line as NonNullable<typeof line>);
      expect(c.class, text).toBe(cls);
      expect(c.status).toBe(status);
      expect(line?.request?.uri).toBe(path);
      expect(line?.server).toBe("lab.test");
      if (peer?.startsWith("unix:")) expect(line?.upstream?.peer).toMatch(/^unix:\//);
      else if (peer)
        expect(line?.upstream?.peer).toBe(peer.replace(/F(\d)/, (_, i) => String(ngx.free[Number(i)])));
    });
  }

  it("no live upstreams after every peer of a pool failed", async () => {
    await ngx.get("/pool");
    await ngx.get("/pool");
    const text = await lineFor("/pool", /no live upstreams/);
    const line = parseErrorLine(text);
    const c = classify(line as NonNullable<typeof line>);
    expect(c.class).toBe("no-live-upstreams");
    expect(line?.upstream?.peer).toBe("pool");
    expect(c.status).toBe(502);
  });

  describe("the version this suite ran against", () => {
    it("is a real nginx writing the documented line layout", () => {
      const first = ngx
        .errorLog()
        .split("\n")
        .find((l) => l.includes("[error]"));
      expect(first).toMatch(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[error\] \d+#\d+: \*\d+ /);
    });
  });
});
