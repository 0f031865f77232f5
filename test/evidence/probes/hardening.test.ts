/**
 * Probe hardening against real loopback servers: the Host header nginx would send, upstream 5xx answers, the
 * overall deadline (servers that accept and never answer, and a listener whose accept queue is full), and
 * request text that must never be sent.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { probeFacts } from "../../../src/evidence/probes/facts.js";
import { httpRequest } from "../../../src/evidence/probes/http.js";
import { probeTarget, runProbes } from "../../../src/evidence/probes/run.js";
import {
  hostHeaderFor,
  parseTargetSpec,
  proxyHostOf,
  targetsFromModel,
} from "../../../src/evidence/probes/targets.js";
import { modelFromText } from "../../../src/nginx/config/model.js";
import { systemDescribe } from "../../helpers/system.js";

const cleanup: Array<() => void> = [];
afterAll(() => {
  for (const f of cleanup) f();
});

/** An HTTP server that answers `status` and remembers each request's Host header. */
async function hostRecorder(status = 200): Promise<{ port: number; hosts: Array<string | undefined> }> {
  const hosts: Array<string | undefined> = [];
  const srv = http.createServer((req, res) => {
    hosts.push(req.headers.host);
    res.writeHead(status, { "Content-Length": "2" });
    res.end("ok");
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => srv.close());
  return { port: (srv.address() as net.AddressInfo).port, hosts };
}

/** A server that accepts connections and never answers. */
async function silent(): Promise<{ port: number; received: Buffer[] }> {
  const held: net.Socket[] = [];
  const received: Buffer[] = [];
  const srv = net.createServer((s) => {
    held.push(s);
    s.on("data", (d) => received.push(d));
    s.on("error", () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
  cleanup.push(() => {
    for (const s of held) s.destroy();
    srv.close();
  });
  return { port: (srv.address() as net.AddressInfo).port, received };
}

const model = (text: string) => modelFromText(text, "/etc/nginx/site.conf").model;

describe("Host header as nginx sends it", () => {
  it("$proxy_host: the upstream's name, host:port, the default port left out, localhost for unix", () => {
    const m = model(`http {
      upstream backend { server 127.0.0.1:9000; }
      server {
        location /a { proxy_pass http://Backend; }
        location /b { proxy_pass http://10.0.0.1:8080/x; }
        location /c { proxy_pass http://api.internal:80; }
        location /d { proxy_pass https://api.internal:443; }
        location /e { proxy_pass https://api.internal:8443; }
        location /f { proxy_pass http://unix:/run/app.sock:/; }
      }
    }`);
    expect(m.passes.map(proxyHostOf)).toEqual([
      "Backend",
      "10.0.0.1:8080",
      "api.internal",
      "api.internal",
      "api.internal:8443",
      "localhost",
    ]);
  });

  it("takes the location's effective proxy_set_header Host, with $host standing for the server_name", () => {
    const m = model(`http {
      proxy_set_header Host $host;
      server {
        server_name _ *.wild shop.example.com www.shop.example.com;
        location /inherit { proxy_pass http://127.0.0.1:1; }
        location /own { proxy_set_header Host "api.example:$proxy_port"; proxy_pass http://127.0.0.1:2; }
        location /other { proxy_set_header X-Real-IP $remote_addr; proxy_pass http://127.0.0.1:3; }
        location /none { proxy_set_header Host ""; proxy_pass http://127.0.0.1:4; }
        location /unknown { proxy_set_header Host $cookie_x; proxy_pass http://127.0.0.1:5; }
      }
      server {
        location / { proxy_pass http://127.0.0.1:6; }
      }
    }`);
    const h = m.passes.map((p) => hostHeaderFor(m, p));
    expect(h.map((x) => x.value)).toEqual([
      "shop.example.com",
      "api.example:2",
      "127.0.0.1:3", // a proxy_set_header at this level without Host: nginx's default $proxy_host
      "",
      "127.0.0.1:5",
      "127.0.0.1:6",
    ]);
    expect(h[0]?.from).toBe('proxy_set_header Host "$host" (/etc/nginx/site.conf:2) → shop.example.com');
    expect(h[3]?.from).toContain("nginx sends no Host header");
    expect(h[4]?.from).toContain("$cookie_x cannot be known here; sent $proxy_host 127.0.0.1:5 instead");
    expect(h[5]?.from).toContain("$host cannot be known here (no server_name); sent $proxy_host 127.0.0.1:6");
    const plain = model("http { server { location / { proxy_pass http://127.0.0.1:7; } } }");
    expect(hostHeaderFor(plain, plain.passes[0] as (typeof plain.passes)[0]).from).toBe(
      "$proxy_host (nginx's default) → 127.0.0.1:7",
    );
  });

  it("the probe sends that Host to the real upstream (and none when nginx sends none)", async () => {
    const a = await hostRecorder();
    const b = await hostRecorder();
    const c = await hostRecorder();
    const m = model(`http {
      upstream pool { server 127.0.0.1:${a.port}; }
      server {
        server_name shop.example;
        location / { proxy_pass http://pool; }
        location /b { proxy_set_header Host $host; proxy_pass http://127.0.0.1:${b.port}; }
        location /c { proxy_pass http://127.0.0.1:${c.port}; }
      }
    }`);
    const report = await runProbes(targetsFromModel(m), { noListeners: true });
    expect(report.results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(a.hosts).toEqual(["pool"]);
    expect(b.hosts).toEqual(["shop.example"]);
    expect(c.hosts).toEqual([`127.0.0.1:${c.port}`]);
  });
});

describe("Host for --target", () => {
  it("is host[:port] as a client writes it: no port when it is the scheme's default", async () => {
    expect(parseTargetSpec("http://a.example/").hostHeader).toBe("a.example");
    expect(parseTargetSpec("http://a.example:80/").hostHeader).toBe("a.example");
    expect(parseTargetSpec("https://a.example:443/").hostHeader).toBe("a.example");
    expect(parseTargetSpec("http://a.example:8080/").hostHeader).toBe("a.example:8080");
    expect(parseTargetSpec("https://[::1]:8443/").hostHeader).toBe("[::1]:8443");
    const s = await hostRecorder();
    await probeTarget(parseTargetSpec(`http://127.0.0.1:${s.port}/`), { noListeners: true });
    expect(s.hosts).toEqual([`127.0.0.1:${s.port}`]);
  });
});

describe("upstream answers", () => {
  it("a peer answering 502 or 503 is a problem, not ok; 404 is still an answer", async () => {
    for (const [status, ok] of [
      [502, false],
      [503, false],
      [500, false],
      [404, true],
      [200, true],
    ] as const) {
      const s = await hostRecorder(status);
      const r = await probeTarget(parseTargetSpec(`http://127.0.0.1:${s.port}/`), { noListeners: true });
      expect(r.ok, String(status)).toBe(ok);
      const http = r.steps.find((x) => x.check === "http");
      expect(http?.problem ?? null).toBe(ok ? null : "upstream-5xx");
      if (!ok) {
        expect(http?.summary).toContain(`HTTP ${status}`);
        expect(r.nextStep).toContain("backend itself answers with a server error");
      }
    }
  });

  it("never sends a path or Host with CR/LF or other control characters", async () => {
    const s = await silent();
    for (const [path, host] of [
      ["/a\r\nX-Injected: 1", "h"],
      ["/ok", "h\r\nX-Injected: 1"],
      ["/a b", "h"],
      ["/\x1b[2J", "h"],
    ] as const) {
      const sock = net.connect({ host: "127.0.0.1", port: s.port });
      await new Promise((r) => sock.once("connect", r));
      const step = await httpRequest(sock, {
        method: "GET",
        path,
        host,
        maxHeaderBytes: 4096,
        timeoutMs: 500,
      });
      expect(step.problem).toBe("unsafe-request");
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(Buffer.concat(s.received).length).toBe(0);
  });
});

describe("overall deadline", () => {
  it("20 upstreams that accept and never answer: the run ends at the deadline, not after 20 × the timeout", async () => {
    const servers = await Promise.all(Array.from({ length: 20 }, () => silent()));
    const targets = servers.map((s) =>
      parseTargetSpec(`http://127.0.0.1:${s.port}/`, { connectTimeoutMs: 3000, readTimeoutMs: 5000 }),
    );
    const t0 = Date.now();
    const seen: number[] = [];
    const report = await runProbes(targets, {
      concurrency: 4,
      deadlineMs: 700,
      noListeners: true,
      onProgress: (done) => seen.push(done),
    });
    const took = Date.now() - t0;
    expect(took).toBeLessThan(2000);
    expect(report.deadlineReached).toBe(true);
    expect(report.skipped).toBe(16);
    expect(report.unfinished).toBe(4);
    const cut = report.results.filter((r) => !r.skipped);
    expect(cut).toHaveLength(4);
    for (const r of cut) {
      expect(r.ok).toBe(false);
      const last = r.steps[r.steps.length - 1];
      expect(last).toMatchObject({ check: "http", problem: "deadline", data: { deadline: true } });
      expect(last?.summary).toMatch(
        /^not finished: no complete response header after \d+ ms, when the overall deadline stopped the probe$/,
      );
      expect(r.nextStep).toContain("raise --deadline");
    }
    // A stopped check is not evidence: no facts for diagnose.
    expect(probeFacts(report)).toEqual([]);
    for (const r of report.results.filter((x) => x.skipped))
      expect(r).toMatchObject({ ok: false, steps: [] });
    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it("a run that finishes in time is untouched by the deadline", async () => {
    const s = await hostRecorder();
    const report = await runProbes([parseTargetSpec(`http://127.0.0.1:${s.port}/`)], {
      deadlineMs: 5000,
      noListeners: true,
    });
    expect(report).toMatchObject({ deadlineReached: false, skipped: 0, unfinished: 0, deadlineMs: 5000 });
    expect(report.results[0]?.ok).toBe(true);
  });
});

systemDescribe(["python3"], "overall deadline with a black-holed upstream", () => {
  it("a listener whose accept queue is full: the pending connects stop at the deadline", async () => {
    const child = spawn(
      "python3",
      [
        "-c",
        'import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(60)',
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    cleanup.push(() => child.kill());
    const port = Number(
      await new Promise<string>((r) => child.stdout.once("data", (d) => r(String(d).trim()))),
    );
    // Fill the queue: these complete the handshake and are never accepted.
    const fillers: net.Socket[] = [];
    for (let i = 0; i < 4; i++) {
      const f = net.connect({ host: "127.0.0.1", port });
      f.on("error", () => undefined);
      fillers.push(f);
    }
    cleanup.push(() => {
      for (const f of fillers) f.destroy();
    });
    await new Promise((r) => setTimeout(r, 200));
    const t = parseTargetSpec(`http://127.0.0.1:${port}/`, {
      connectTimeoutMs: 30_000,
      readTimeoutMs: 30_000,
    });
    const t0 = Date.now();
    const report = await runProbes([t, { ...t, id: `${t.id}#2` }], { deadlineMs: 800, noListeners: true });
    expect(Date.now() - t0).toBeLessThan(3000);
    const steps = report.results.flatMap((r) => r.steps);
    expect(
      steps.some((s) => s.check === "tcp" && s.problem === "deadline" && s.summary.includes("no connection")),
    ).toBe(true);
  });
});
