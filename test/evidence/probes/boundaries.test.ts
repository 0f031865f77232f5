/**
 * Boundaries where the probe must agree with nginx to the byte: a response header of exactly proxy_buffer_size
 * and one byte more (the real nginx decides, the probe must say the same), and a Content-Length body that is
 * exact, short, or long.
 */
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeTarget } from "../../../src/evidence/probes/run.js";
import { parseTargetSpec } from "../../../src/evidence/probes/targets.js";
import { type RunningNginx, startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** Serves `text` to every connection, after the request arrives; closes when `close` is set. */
function serveOn(port: number, text: string, close = true): Promise<number> {
  const srv = net.createServer((s) => {
    s.on("error", () => undefined);
    s.once("data", () => (close ? s.end(text) : s.write(text)));
  });
  servers.push(srv);
  return new Promise((r) => srv.listen(port, "127.0.0.1", () => r((srv.address() as net.AddressInfo).port)));
}

/** A response whose header block (status line … final empty line) is exactly `bytes` long. */
function headerOf(bytes: number, body = "ok"): string {
  const start = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Pad: ";
  const end = "\r\n\r\n";
  const pad = bytes - start.length - end.length;
  if (pad < 1) throw new Error("too small");
  const head = `${start}${"p".repeat(pad)}${end}`;
  expect(Buffer.byteLength(head)).toBe(bytes);
  return head + body;
}

async function httpStep(port: number, opts: { buffer?: number; timeoutMs?: number } = {}) {
  const t = parseTargetSpec(`http://127.0.0.1:${port}/`, {
    connectTimeoutMs: 1000,
    readTimeoutMs: opts.timeoutMs ?? 1500,
    ...(opts.buffer ? { proxyBufferSize: opts.buffer } : {}),
  });
  const r = await probeTarget(t, { noListeners: true });
  return r.steps.find((s) => s.check === "http");
}

systemDescribe(["nginx"], "header size at proxy_buffer_size: the probe agrees with nginx", () => {
  const BUF = 1024;
  let ngx: RunningNginx;
  beforeAll(async () => {
    ngx = await startNginx({
      freePorts: 3,
      http: (p) => `server { listen 127.0.0.1:${p.port};
        location /exact { proxy_buffer_size ${BUF}; proxy_pass http://127.0.0.1:${p.free[0]}; }
        location /over { proxy_buffer_size ${BUF}; proxy_pass http://127.0.0.1:${p.free[1]}; }
        location /full { proxy_buffer_size ${BUF}; proxy_read_timeout 3s; proxy_pass http://127.0.0.1:${p.free[2]}; } }`,
    });
    await serveOn(ngx.free[0] as number, headerOf(BUF));
    await serveOn(ngx.free[1] as number, headerOf(BUF + 1));
    // exactly BUF bytes that do not end the header, connection left open
    await serveOn(ngx.free[2] as number, `HTTP/1.1 200 OK\r\nX-Pad: ${"p".repeat(BUF - 24)}`, false);
  });
  afterAll(async () => {
    await ngx?.stop();
  });

  it(`a header of exactly ${BUF} bytes fits: nginx answers 200, the probe says ok`, async () => {
    expect((await ngx.get("/exact")).status).toBe(200);
    expect(await httpStep(ngx.free[0] as number, { buffer: BUF })).toMatchObject({ ok: true, problem: null });
  });

  it(`one byte more (${BUF + 1}) does not: nginx answers 502 "too big header", the probe says header-too-big`, async () => {
    expect((await ngx.get("/over")).status).toBe(502);
    await ngx.waitForErrorLog(/upstream sent too big header/);
    const s = await httpStep(ngx.free[1] as number, { buffer: BUF });
    expect(s).toMatchObject({ ok: false, problem: "header-too-big" });
    expect(s?.summary).toContain(`${BUF + 1} bytes`);
  });

  it(`a buffer filled with ${BUF} bytes and no end of header: nginx says too big at once, so does the probe`, async () => {
    const t0 = Date.now();
    expect((await ngx.get("/full")).status).toBe(502);
    await ngx.waitForErrorLog(/upstream sent too big header[^\n]*GET \/full/);
    expect(Date.now() - t0).toBeLessThan(2500); // not the 3 s read timeout
    expect(await httpStep(ngx.free[2] as number, { buffer: BUF })).toMatchObject({
      ok: false,
      problem: "header-too-big",
    });
  });
});

describe("Content-Length: exact, short, long", () => {
  it("exact: ok", async () => {
    const port = await serveOn(0, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    expect(await httpStep(port)).toMatchObject({ ok: true, data: { bodyBytes: 5 } });
  });
  it("one byte short, then closed: content-length-mismatch", async () => {
    const port = await serveOn(0, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello");
    const s = await httpStep(port);
    expect(s).toMatchObject({ ok: false, problem: "content-length-mismatch" });
    expect(s?.summary).toBe("connection closed after 5 of 6 body bytes");
  });
  it("one byte short, connection left open: the body never completes (body-timeout)", async () => {
    const port = await serveOn(0, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello", false);
    expect(await httpStep(port, { timeoutMs: 400 })).toMatchObject({ ok: false, problem: "body-timeout" });
  });
  it("one byte long: content-length-mismatch", async () => {
    const port = await serveOn(0, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nhello");
    const s = await httpStep(port);
    expect(s).toMatchObject({ ok: false, problem: "content-length-mismatch" });
    expect(s?.summary).toBe("body has more bytes (5) than Content-Length 4");
  });
  it("Content-Length 0 with no body: ok", async () => {
    const port = await serveOn(0, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    expect(await httpStep(port)).toMatchObject({ ok: true, data: { bodyBytes: 0 } });
  });
});
