/** Probes against real misbehaving servers on 127.0.0.1 (and a unix socket, a TLS server, a tiny DNS server). */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveName } from "../../../src/evidence/probes/dns.js";
import { checkChunked } from "../../../src/evidence/probes/http.js";
import { parseProcNetTcp } from "../../../src/evidence/probes/listeners.js";
import { probeTarget, runProbes } from "../../../src/evidence/probes/run.js";
import { parseTargetSpec, targetsFromModel } from "../../../src/evidence/probes/targets.js";
import { lookupUser, mayConnect } from "../../../src/evidence/probes/unix.js";
import { modelFromText } from "../../../src/nginx/config/model.js";
import { startDnsServer } from "../../helpers/dns-server.js";
import { systemDescribe } from "../../helpers/system.js";

const servers: Array<net.Server | tls.Server> = [];
const held: net.Socket[] = [];
let dir: string;

function serve(handler: (s: net.Socket) => void): Promise<number> {
  const srv = net.createServer((s) => {
    s.on("error", () => undefined);
    handler(s);
  });
  servers.push(srv);
  return new Promise((r) => srv.listen(0, "127.0.0.1", () => r((srv.address() as net.AddressInfo).port)));
}
const reply =
  (text: string | Buffer, delayMs = 0) =>
  (s: net.Socket) =>
    s.once("data", () => setTimeout(() => s.end(text), delayMs));
const step = async (spec: string, problemOf: string) => {
  const r = await probeTarget(parseTargetSpec(spec, { connectTimeoutMs: 1000, readTimeoutMs: 800 }), {
    noListeners: true,
  });
  return r.steps.find((s) => s.check === problemOf) ?? r.steps[r.steps.length - 1];
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-probe-"));
  chmodSync(dir, 0o755);
});
afterAll(() => {
  for (const s of held) s.destroy();
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("HTTP checks like nginx's parser", () => {
  it("accepts a good response and times it", async () => {
    const port = await serve(reply("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    const s = await step(`http://127.0.0.1:${port}/health`, "http");
    expect(s).toMatchObject({ ok: true, data: { status: 200 } });
  });
  const cases: Array<[string, string | Buffer, string]> = [
    ["empty reply", "", "empty-reply"],
    ["garbage", "SSH-2.0-OpenSSH_9.2\r\n", "not-http"],
    ["bad Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "content-length-mismatch"],
    [
      "oversized header",
      `HTTP/1.1 200 OK\r\nSet-Cookie: s=${"x".repeat(6000)}\r\nContent-Length: 0\r\n\r\n`,
      "header-too-big",
    ],
    [
      "truncated chunked body",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
      "truncated-chunked",
    ],
    [
      "broken chunked body",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
      "bad-chunked",
    ],
    ["malformed header", "HTTP/1.1 200 OK\r\nbad header line\r\n\r\n", "invalid-header"],
    ["close mid-header", "HTTP/1.1 200 OK\r\nContent-Ty", "closed-early"],
  ];
  for (const [name, body, problem] of cases)
    it(`${name} → ${problem}`, async () => {
      const port = await serve(reply(body));
      const s = await step(`http://127.0.0.1:${port}/`, "http");
      expect(s).toMatchObject({ ok: false, problem });
    });
  it("a server that accepts and never answers → read-timeout; a slow one is compared with nginx's timeout", async () => {
    const hang = await serve((s) => held.push(s));
    expect(await step(`http://127.0.0.1:${hang}/`, "http")).toMatchObject({ problem: "read-timeout" });
    const slow = await serve(reply("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 300));
    const t = parseTargetSpec(`http://127.0.0.1:${slow}/`, { readTimeoutMs: 2000, nginxReadTimeout: 0.1 });
    const r = await probeTarget(t, { noListeners: true });
    expect(r.steps.map((s) => s.problem)).toContain("slower-than-read-timeout");
  });
  it("checks chunked framing", () => {
    expect(checkChunked(Buffer.from("3\r\nabc\r\n0\r\n\r\n"))).toBe("ok");
    expect(checkChunked(Buffer.from("3\r\nab"))).toBe("incomplete");
  });
});

describe("TCP", () => {
  it("names a refused port and lists a listening neighbour", async () => {
    const neighbour = await serve(() => undefined);
    // the closed port right next to the listening one (ports are otherwise random)
    const refused = (port: number) =>
      new Promise<boolean>((r) =>
        net
          .connect(port, "127.0.0.1")
          .on("connect", function (this: net.Socket) {
            this.destroy();
            r(false);
          })
          .on("error", () => r(true)),
      );
    const closed = (await refused(neighbour + 1)) ? neighbour + 1 : neighbour - 1;
    const r = await probeTarget(parseTargetSpec(`127.0.0.1:${closed}`), {});
    expect(r.steps[0]).toMatchObject({ check: "tcp", problem: "connection-refused" });
    const near = r.steps.find((s) => s.check === "listeners")?.data?.["nearbyListeners"] as Array<{
      port: number;
    }>;
    expect(near.map((l) => l.port)).toContain(neighbour);
    expect(r.nextStep).toContain("Nothing listens there");
  });
  it("reads /proc/net/tcp lines", () => {
    const text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n";
    expect(parseProcNetTcp(text, false)).toEqual([{ address: "127.0.0.1", port: 8080, inode: 12345 }]);
  });
});

systemDescribe(["openssl"], "TLS", () => {
  let certDir: string;
  let tlsPort: number;
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), "bg-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=backend.test",
        "-addext",
        "subjectAltName=DNS:backend.test,IP:127.0.0.1",
        "-keyout",
        join(certDir, "key.pem"),
        "-out",
        join(certDir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    const srv = tls.createServer(
      {
        key: execFileSync("cat", [join(certDir, "key.pem")]),
        cert: execFileSync("cat", [join(certDir, "cert.pem")]),
      },
      (s) => {
        s.on("error", () => undefined);
        s.once("data", () => s.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
      },
    );
    servers.push(srv);
    tlsPort = await new Promise((r) =>
      srv.listen(0, "127.0.0.1", () => r((srv.address() as net.AddressInfo).port)),
    );
  });
  afterAll(() => rmSync(certDir, { recursive: true, force: true }));

  it("a self-signed certificate fails verification when nginx verifies, and passes with its CA file", async () => {
    const bad = await probeTarget(parseTargetSpec(`https://127.0.0.1:${tlsPort}/`, { sslVerify: true }), {
      noListeners: true,
    });
    expect(bad.steps.find((s) => s.check === "tls")).toMatchObject({
      ok: false,
      problem: "tls-verify-failed",
    });
    const good = await probeTarget(
      parseTargetSpec(`https://127.0.0.1:${tlsPort}/`, {
        sslVerify: true,
        trustedCertificate: join(certDir, "cert.pem"),
      }),
      { noListeners: true },
    );
    expect(good.ok).toBe(true);
    expect(good.steps.find((s) => s.check === "tls")?.data).toMatchObject({ subject: "backend.test" });
  });
  it("is advisory when proxy_ssl_verify is off", async () => {
    const r = await probeTarget(parseTargetSpec(`https://127.0.0.1:${tlsPort}/`), { noListeners: true });
    expect(r.steps.find((s) => s.check === "tls")).toMatchObject({ ok: true, problem: null });
  });
  it("names a plain-HTTP server probed as https a scheme mismatch", async () => {
    const plain = await serve(reply("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
    const r = await probeTarget(parseTargetSpec(`https://127.0.0.1:${plain}/`), { noListeners: true });
    expect(r.steps.find((s) => s.check === "tls")?.problem).toBe("scheme-mismatch-plain-http-on-tls");
  });
});

describe("unix sockets", () => {
  it("reports a missing socket", async () => {
    const r = await probeTarget(parseTargetSpec(`unix:${dir}/missing.sock`), {});
    expect(r.steps[0]).toMatchObject({ check: "unix", problem: "socket-missing" });
  });
  it("a 0600 root socket is not reachable for nobody; the permission rule follows the mode bits", async () => {
    const path = join(dir, "app.sock");
    const srv = net.createServer((s) => s.end());
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(path, () => r()));
    chmodSync(path, 0o600);
    if (process.getuid?.() === 0) chownSync(path, 0, 0);
    const nobody = lookupUser("nobody");
    expect(nobody).not.toBeNull();
    const r = await runProbes([parseTargetSpec(`unix:${path}`)], { workerUser: "nobody" });
    const u = r.results[0]?.steps[0];
    if (process.getuid?.() === 0) expect(u).toMatchObject({ problem: "socket-permission" });
    chmodSync(path, 0o666);
    const ok = await runProbes([parseTargetSpec(`unix:${path}`)], { workerUser: "nobody" });
    expect(ok.results[0]?.steps[0]).toMatchObject({ ok: true });
    expect(mayConnect({ name: "x", uid: 5, gid: 7, groups: [7] }, { uid: 1, gid: 7, mode: 0o660 })).toBe(
      true,
    );
    if (process.getuid?.() === 0) {
      // cross-check with a real connect as nobody
      const tryAs = (mode: number) => {
        chmodSync(path, mode);
        const res = spawnSync(
          process.execPath,
          [
            "-e",
            `require("net").connect(${JSON.stringify(path)}).on("connect",()=>process.exit(0)).on("error",()=>process.exit(3))`,
          ],
          { uid: nobody?.uid, gid: nobody?.gid },
        );
        // nobody must be able to run this node binary (a Node installed under a 0700 directory cannot be)
        if (res.error) throw new Error(`cannot run ${process.execPath} as nobody: ${res.error.message}`);
        return res.status;
      };
      expect(tryAs(0o600)).toBe(3);
      expect(tryAs(0o666)).toBe(0);
    }
  });
});

describe("DNS", () => {
  let dnsPort: number;
  let stopDns: () => void = () => undefined;
  let answer = "10.0.0.2";
  beforeAll(async () => {
    const dns = await startDnsServer(() => answer);
    dnsPort = dns.port;
    stopDns = dns.stop;
  });
  afterAll(() => stopDns());
  it("resolves through nginx's resolver and flags the address nginx still uses as stale", async () => {
    const ok = await resolveName("api.internal", {
      resolvers: [`127.0.0.1:${dnsPort}`],
      seen: ["10.0.0.2"],
      timeoutMs: 1000,
    });
    expect(ok).toMatchObject({ ok: true, data: { addresses: ["10.0.0.2"] } });
    answer = "10.0.0.9";
    const stale = await resolveName("api.internal", {
      resolvers: [`127.0.0.1:${dnsPort}`],
      seen: ["10.0.0.2"],
      timeoutMs: 1000,
    });
    expect(stale).toMatchObject({
      ok: false,
      problem: "dns-stale",
      data: { addresses: ["10.0.0.9"], seen: ["10.0.0.2"] },
    });
  });
  it("an unresolvable name says what nginx will do", async () => {
    const r = await resolveName("no-such-host.invalid", { timeoutMs: 1000 });
    expect(r.problem).toBe("dns-unresolvable");
    expect(r.summary).toContain("host not found in upstream");
  });
});

describe("targets from the configuration", () => {
  it("maps every pass and upstream server with the location's effective settings", () => {
    const { model } = modelFromText(
      `http { upstream app { server 127.0.0.1:9001; server 127.0.0.1:9002 down; }
       server { proxy_connect_timeout 2s; proxy_buffer_size 16k;
         location / { proxy_pass http://app; }
         location /s/ { proxy_ssl_verify on; proxy_ssl_trusted_certificate /etc/ca.pem; proxy_pass https://127.0.0.1:8443/v1/; }
         location ~ \\.php$ { fastcgi_pass unix:/run/php/fpm.sock; }
         location /v/ { proxy_pass http://$b; } } }`,
      "nginx.conf",
    );
    const ts = targetsFromModel(model);
    expect(ts.map((t) => t.id)).toEqual([
      "http://127.0.0.1:9001",
      "https://127.0.0.1:8443",
      "unix:/run/php/fpm.sock",
    ]);
    expect(ts[0]?.settings).toMatchObject({
      connectTimeoutMs: 2000,
      proxyBufferSize: 16384,
      nginxReadTimeout: 60,
    });
    expect(ts[1]?.settings).toMatchObject({ sslVerify: true, trustedCertificate: "/etc/ca.pem" });
    expect(ts[1]?.uriPath).toBe("/v1/");
  });
});

describe("PHP-FPM pools", () => {
  it("reports where the pools listen when nginx's socket is missing", async () => {
    const { mkdirSync, writeFileSync } = await import("node:fs");
    const pools = join(dir, "pool.d");
    mkdirSync(pools, { recursive: true });
    writeFileSync(
      join(pools, "www.conf"),
      "; pool for the shop\n[www]\nuser = www-data\nlisten = /run/php/php8.3-fpm.sock\nlisten.owner = www-data\nlisten.group = www-data\nlisten.mode = 0660\n",
    );
    const r = await runProbes([parseTargetSpec(`unix:${dir}/php8.2-fpm.sock`)], { fpmPoolDirs: [pools] });
    const s = r.results[0]?.steps.find((x) => x.data?.["fpmPools"]);
    expect(s?.summary).toContain("/run/php/php8.3-fpm.sock [www]");
    expect(r.results[0]?.steps[0]).toMatchObject({ problem: "socket-missing" });
    const { parseFpmPools } = await import("../../../src/evidence/probes/fpm.js");
    expect(parseFpmPools("[global]\npid = x\n[api]\nlisten = 127.0.0.1:9001\n", "f")).toEqual([
      { file: "f", pool: "api", listen: "127.0.0.1:9001", owner: null, group: null, mode: null, user: null },
    ]);
  });
});
