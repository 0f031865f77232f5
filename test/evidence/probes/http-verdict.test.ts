/**
 * The HTTP probe's verdicts at their boundaries, over real loopback connections: a header block of exactly
 * proxy_buffer_size and one byte over, Content-Length exact, short and long, bodies that end at close, chunked
 * bodies, status lines nginx would reject, resets and timeouts. Written to kill mutants Stryker left alive in
 * src/evidence/probes/http.ts.
 */
import net from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { type HttpCheck, httpRequest } from "../../../src/evidence/probes/http.js";
import type { ProbeStep } from "../../../src/evidence/probes/types.js";

const servers: net.Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

type Script = (s: net.Socket) => void;

/** Starts a loopback server running `script` on the first request, connects, and runs the probe's HTTP check. */
async function ask(script: Script, check: Partial<HttpCheck> = {}): Promise<ProbeStep> {
  const srv = net.createServer((s) => {
    s.on("error", () => undefined);
    s.once("data", () => script(s));
  });
  servers.push(srv);
  const port = await new Promise<number>((r) =>
    srv.listen(0, "127.0.0.1", () => r((srv.address() as net.AddressInfo).port)),
  );
  const socket = net.connect({ host: "127.0.0.1", port });
  await new Promise((r) => socket.once("connect", r));
  return httpRequest(socket, {
    method: "GET",
    path: "/",
    host: "shop.test",
    maxHeaderBytes: 4096,
    timeoutMs: 1500,
    ...check,
  });
}
const send =
  (text: string | Buffer): Script =>
  (s) =>
    s.end(text);
const sendOpen =
  (text: string | Buffer): Script =>
  (s) =>
    s.write(text);

/** A response header block of exactly `size` bytes (status line through the blank line). */
function headerOf(size: number): string {
  const start = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ";
  const end = "\r\n\r\n";
  return `${start}${"p".repeat(size - start.length - end.length)}${end}`;
}

describe("header size against proxy_buffer_size", () => {
  it("a header of exactly the limit passes, one byte more is too big", async () => {
    expect(headerOf(4096)).toHaveLength(4096);
    expect(await ask(send(headerOf(4096)))).toMatchObject({
      ok: true,
      problem: null,
      summary: "HTTP 200",
      data: { headerBytes: 4096, bodyBytes: 0, status: 200 },
    });
    expect(await ask(send(headerOf(4097)))).toMatchObject({
      ok: false,
      problem: "header-too-big",
      summary: "response header is 4097 bytes, more than proxy_buffer_size 4096",
    });
  });

  // nginx gives up when its buffer is full and the header has not ended (checked with the real nginx: see
  // boundaries.test.ts): one byte under the limit still waits, a full buffer is too big without waiting.
  it("a header still open one byte under the limit waits; a full buffer is too big without waiting for the end", async () => {
    const open = "HTTP/1.1 200 OK\r\nX-Pad: ";
    const atLimit = `${open}${"p".repeat(4096 - open.length)}`;
    expect(await ask(sendOpen(atLimit.slice(0, -1)), { timeoutMs: 400 })).toMatchObject({
      problem: "read-timeout",
    });
    expect(await ask(sendOpen(atLimit))).toMatchObject({ ok: false, problem: "header-too-big" });
    expect(await ask(sendOpen(`${atLimit}p`))).toMatchObject({
      ok: false,
      problem: "header-too-big",
      summary: "response header exceeds 4096 bytes (proxy_buffer_size)",
    });
  });
});

describe("Content-Length", () => {
  it("exact: ok, with header and body sizes", async () => {
    const head = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
    expect(await ask(send(`${head}hello`))).toMatchObject({
      ok: true,
      summary: "HTTP 200",
      data: { headerBytes: head.length, bodyBytes: 5, status: 200 },
    });
  });

  it("short at close, long, and not a number", async () => {
    expect(await ask(send("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))).toMatchObject({
      ok: false,
      problem: "content-length-mismatch",
      summary: "connection closed after 3 of 10 body bytes",
    });
    expect(await ask(send("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcde"))).toMatchObject({
      ok: false,
      problem: "content-length-mismatch",
      summary: "body has more bytes (5) than Content-Length 3",
    });
    expect(await ask(send("HTTP/1.1 200 OK\r\nContent-Length: 3x\r\n\r\nabc"))).toMatchObject({
      ok: false,
      problem: "invalid-content-length",
      summary: 'invalid Content-Length "3x"',
    });
    expect(await ask(send(`HTTP/1.1 200 OK\r\nContent-Length: ${"1".repeat(19)}\r\n\r\n`))).toMatchObject({
      problem: "invalid-content-length",
    });
    expect(await ask(send("HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n"))).toMatchObject({
      problem: "invalid-content-length",
    });
  });

  it("header names are case-insensitive and values trimmed", async () => {
    expect(await ask(send("HTTP/1.1 200 OK\r\ncontent-LENGTH:   2  \r\n\r\nok"))).toMatchObject({
      ok: true,
      data: { bodyBytes: 2 },
    });
  });

  it("a body larger than the read cap is not read to the end; at the cap it is still awaited", async () => {
    const head = `HTTP/1.1 200 OK\r\nContent-Length: ${"9".repeat(18)}\r\n\r\n`;
    expect(await ask(sendOpen(`${head}${"b".repeat(101)}`), { maxBodyBytes: 100 })).toMatchObject({
      ok: true,
      summary: "HTTP 200 (body not read to the end)",
    });
    expect(
      await ask(sendOpen(`${head}${"b".repeat(100)}`), { maxBodyBytes: 100, timeoutMs: 400 }),
    ).toMatchObject({
      ok: false,
      problem: "body-timeout",
      summary: "response body not complete within 400 ms",
    });
  });
});

describe("responses without a body, and bodies that end at close", () => {
  it.each([
    ["HTTP/1.1 204 No Content\r\n\r\n", 204],
    ["HTTP/1.1 304 Not Modified\r\n\r\n", 304],
    ["HTTP/1.1 100 Continue\r\n\r\n", 100],
    ["HTTP/1.1 199 Whatever\r\n\r\n", 199],
  ])("%j has no body", async (text, status) => {
    expect(await ask(sendOpen(text))).toMatchObject({
      ok: true,
      summary: `HTTP ${status}`,
      data: { status },
    });
  });

  it("HEAD has no body whatever the headers say", async () => {
    expect(
      await ask(sendOpen("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"), { method: "HEAD" }),
    ).toMatchObject({
      ok: true,
      summary: "HTTP 200",
    });
  });

  it("200 without length or chunking is read until close; kept open it is a body timeout", async () => {
    expect(await ask(send("HTTP/1.0 200\r\n\r\nsome body"))).toMatchObject({
      ok: true,
      summary: "HTTP 200 (body ends at close)",
    });
    expect(await ask(sendOpen("HTTP/1.1 200 OK\r\n\r\nsome"), { timeoutMs: 400 })).toMatchObject({
      problem: "body-timeout",
    });
    expect(
      await ask(sendOpen("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"), { timeoutMs: 400 }),
    ).toMatchObject({
      problem: "body-timeout",
    });
  });
});

describe("chunked bodies", () => {
  it("complete, in any case of the header, among other codings", async () => {
    expect(
      await ask(send("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")),
    ).toMatchObject({
      ok: true,
      summary: "HTTP 200 (chunked)",
    });
  });

  it("chunked wins over Content-Length", async () => {
    expect(
      await ask(
        send(
          "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ),
      ),
    ).toMatchObject({ ok: true, summary: "HTTP 200 (chunked)" });
  });

  it("closed before the last chunk; bad framing; too long to read", async () => {
    expect(await ask(send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel"))).toMatchObject({
      ok: false,
      problem: "truncated-chunked",
      summary: "connection closed before the last chunk",
    });
    expect(
      await ask(sendOpen("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n")),
    ).toMatchObject({
      ok: false,
      problem: "bad-chunked",
      summary: "invalid chunked encoding in the response body",
    });
    const big = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\n${"c".repeat(200)}`;
    expect(await ask(sendOpen(big), { maxBodyBytes: 100 })).toMatchObject({
      ok: true,
      summary: "HTTP 200 (chunked, body not read to the end)",
    });
  });
});

describe("what is not HTTP, or not valid HTTP", () => {
  it("empty reply, other protocols, bad status lines and headers", async () => {
    expect(await ask(send(""))).toMatchObject({
      ok: false,
      problem: "empty-reply",
      summary: "the upstream closed the connection without sending anything",
    });
    expect(await ask(sendOpen("SSH-2.0-OpenSSH_9.6\r\n"))).toMatchObject({ ok: false, problem: "not-http" });
    expect(await ask(send("HTTP"))).toMatchObject({ problem: "not-http" });
    expect(await ask(send("HTTP/1.1 200 OK\r\nContent-Ty"))).toMatchObject({
      problem: "closed-early",
      summary: "connection closed before the response header was complete",
    });
    expect(await ask(send("HTTP/2 200\r\n\r\n"))).toMatchObject({ problem: "invalid-status-line" });
    expect(await ask(send("HTTP/1.1 20 OK\r\n\r\n"))).toMatchObject({
      problem: "invalid-status-line",
      summary: 'not an HTTP status line: "HTTP/1.1 20 OK"',
    });
    expect(
      await ask(send(Buffer.from([0x48, 0x54, 0x54, 0x50, 0x2f, 0x01, 0x0d, 0x0a, 0x0d, 0x0a]))),
    ).toMatchObject({
      problem: "not-http",
    });
    expect(await ask(send("HTTP/1.1 200 OK\r\nbad header\r\n\r\n"))).toMatchObject({
      problem: "invalid-header",
      summary: 'malformed header line: "bad header"',
    });
    expect(await ask(send("HTTP/1.1 200 OK\r\nX-Ok: 1\r\n: empty name\r\n\r\n"))).toMatchObject({
      problem: "invalid-header",
    });
  });

  it("a reset is told from other read errors", async () => {
    expect(await ask((s) => s.resetAndDestroy())).toMatchObject({ ok: false, problem: "connection-reset" });
  });

  it("nothing at all within the timeout is a read timeout, and says how long it waited", async () => {
    expect(await ask(() => undefined, { timeoutMs: 300 })).toMatchObject({
      ok: false,
      problem: "read-timeout",
      summary: "no complete response header within 300 ms",
    });
  });

  it("sends one bounded request with the Host header nginx would send", async () => {
    let request = "";
    const srv = net.createServer((s) => {
      s.once("data", (d) => {
        request = d.toString();
        s.end("HTTP/1.1 204 No Content\r\n\r\n");
      });
    });
    servers.push(srv);
    const port = await new Promise<number>((r) =>
      srv.listen(0, "127.0.0.1", () => r((srv.address() as net.AddressInfo).port)),
    );
    const socket = net.connect({ host: "127.0.0.1", port });
    await new Promise((r) => socket.once("connect", r));
    const step = await httpRequest(socket, {
      method: "HEAD",
      path: "/health?x=1",
      host: "api.test",
      maxHeaderBytes: 4096,
      timeoutMs: 1000,
    });
    expect(step.ok).toBe(true);
    expect(request).toBe(
      "HEAD /health?x=1 HTTP/1.1\r\nHost: api.test\r\nUser-Agent: badgateway-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n",
    );
    expect(typeof step.ms).toBe("number");
    expect(typeof step.data?.["firstByteMs"]).toBe("number");
  });
});
