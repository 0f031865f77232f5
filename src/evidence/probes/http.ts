/**
 * One bounded HTTP/1.1 request over an already-connected socket, read with checks close to nginx's own parser:
 * empty reply, bytes that are not HTTP, malformed status line or header, a header block larger than
 * proxy_buffer_size, Content-Length mismatch, broken chunked framing, connection closed early. GET or HEAD only.
 */
import type { Duplex } from "node:stream";
import { stoppedStep } from "./tcp.js";
import type { ProbeStep } from "./types.js";

export interface HttpCheck {
  method: "GET" | "HEAD";
  path: string;
  host: string;
  maxHeaderBytes: number;
  timeoutMs: number;
  /** Stop reading the body after this many bytes (we only check framing). */
  maxBodyBytes?: number;
  /** The overall deadline: when it fires, the request ends as a read timeout. */
  signal?: AbortSignal;
}

/** Request paths and Host values go into the request line and a header: no controls, no spaces, no DEL. */
export function unsafeRequestText(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) return true;
  }
  return false;
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;
const HEADER_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/;

/** Checks a chunked body; returns null when complete and well-formed, "incomplete" or a problem id. */
export function checkChunked(body: Buffer): "ok" | "incomplete" | "bad-chunked" {
  let p = 0;
  for (;;) {
    const eol = body.indexOf("\r\n", p);
    if (eol < 0) return body.length - p > 32 ? "bad-chunked" : "incomplete";
    const sizeText = body.toString("latin1", p, eol).split(";")[0]?.trim() ?? "";
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) return "bad-chunked";
    const size = Number.parseInt(sizeText, 16);
    const dataEnd = eol + 2 + size;
    if (size === 0) {
      // trailers end with an empty line
      return body.indexOf("\r\n\r\n", eol) >= 0 || body.subarray(eol + 2, eol + 4).toString() === "\r\n"
        ? "ok"
        : "incomplete";
    }
    if (body.length < dataEnd + 2) return "incomplete";
    if (body[dataEnd] !== 0x0d || body[dataEnd + 1] !== 0x0a) return "bad-chunked";
    p = dataEnd + 2;
  }
}

export function httpRequest(socket: Duplex, c: HttpCheck): Promise<ProbeStep> {
  const t0 = performance.now();
  const maxBody = c.maxBodyBytes ?? 1 << 20;
  return new Promise((resolve) => {
    let buf: Buffer = Buffer.alloc(0);
    let firstByteMs: number | undefined;
    let headerEnd = -1;
    let status = 0;
    let headers: Array<[string, string]> = [];
    let done = false;
    const finish = (step: ProbeStep) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve({
        ...step,
        ms: performance.now() - t0,
        data: { ...(step.data ?? {}), firstByteMs, status: status || undefined },
      });
    };
    const timer = setTimeout(
      () =>
        finish(
          headerEnd < 0
            ? {
                check: "http",
                ok: false,
                problem: "read-timeout",
                summary: `no complete response header within ${c.timeoutMs} ms`,
              }
            : {
                check: "http",
                ok: false,
                problem: "body-timeout",
                summary: `response body not complete within ${c.timeoutMs} ms`,
              },
        ),
      c.timeoutMs,
    );
    const onAbort = () =>
      finish(
        stoppedStep(
          "http",
          headerEnd < 0 ? "no complete response header" : "response body not complete",
          performance.now() - t0,
        ),
      );
    c.signal?.addEventListener("abort", onAbort, { once: true });
    if (unsafeRequestText(c.path) || unsafeRequestText(c.host)) {
      finish({
        check: "http",
        ok: false,
        problem: "unsafe-request",
        summary: `not sent: the request path or Host contains spaces or control characters (${JSON.stringify(c.path)}, Host ${JSON.stringify(c.host)})`,
      });
      return;
    }
    if (c.signal?.aborted) {
      onAbort();
      return;
    }
    const evaluateBody = (closed: boolean): boolean => {
      const body = buf.subarray(headerEnd + 4);
      const get = (n: string) => headers.find(([k]) => k.toLowerCase() === n)?.[1];
      const noBody =
        c.method === "HEAD" || status === 204 || status === 304 || (status >= 100 && status < 200);
      const te = get("transfer-encoding");
      const cl = get("content-length");
      if (noBody) {
        finish(served({ summary: `HTTP ${status}`, data: { headerBytes: headerEnd + 4 } }));
        return true;
      }
      if (te?.toLowerCase().includes("chunked")) {
        const r = checkChunked(body);
        if (r === "ok")
          finish(served({ summary: `HTTP ${status} (chunked)`, data: { headerBytes: headerEnd + 4 } }));
        else if (r === "bad-chunked")
          finish({
            check: "http",
            ok: false,
            problem: "bad-chunked",
            summary: "invalid chunked encoding in the response body",
          });
        else if (closed)
          finish({
            check: "http",
            ok: false,
            problem: "truncated-chunked",
            summary: "connection closed before the last chunk",
          });
        else if (body.length > maxBody)
          finish(served({ summary: `HTTP ${status} (chunked, body not read to the end)` }));
        else return false;
        return true;
      }
      if (cl !== undefined) {
        if (!/^\d{1,18}$/.test(cl.trim())) {
          finish({
            check: "http",
            ok: false,
            problem: "invalid-content-length",
            summary: `invalid Content-Length "${cl}"`,
          });
          return true;
        }
        const want = Number(cl.trim());
        if (body.length > want)
          finish({
            check: "http",
            ok: false,
            problem: "content-length-mismatch",
            summary: `body has more bytes (${body.length}) than Content-Length ${want}`,
          });
        else if (body.length === want)
          finish(
            served({ summary: `HTTP ${status}`, data: { headerBytes: headerEnd + 4, bodyBytes: want } }),
          );
        else if (closed)
          finish({
            check: "http",
            ok: false,
            problem: "content-length-mismatch",
            summary: `connection closed after ${body.length} of ${want} body bytes`,
          });
        else if (body.length > maxBody)
          finish(served({ summary: `HTTP ${status} (body not read to the end)` }));
        else return false;
        return true;
      }
      if (closed) {
        finish(
          served({ summary: `HTTP ${status} (body ends at close)`, data: { headerBytes: headerEnd + 4 } }),
        );
        return true;
      }
      return false;
    };
    // A well-formed response: fine, unless the upstream itself answers with a server error (5xx), which
    // nginx passes on to the client (or retries with proxy_next_upstream http_5xx).
    const served = (r: { summary: string; data?: Record<string, unknown> }): ProbeStep =>
      status >= 500
        ? {
            check: "http",
            ok: false,
            problem: "upstream-5xx",
            summary: `${r.summary}: the upstream itself answers with a server error`,
            ...(r.data ? { data: r.data } : {}),
          }
        : { check: "http", ok: true, problem: null, ...r };
    const parseHeader = (): boolean => {
      const head = buf.toString("latin1", 0, headerEnd);
      const lines = head.split("\r\n");
      const m = STATUS_LINE.exec(lines[0] ?? "");
      if (!m) {
        const printable = /^[\x20-\x7e]*$/.test((lines[0] ?? "").slice(0, 40));
        finish({
          check: "http",
          ok: false,
          problem: printable && (lines[0] ?? "").startsWith("HTTP/") ? "invalid-status-line" : "not-http",
          summary: `not an HTTP status line: ${JSON.stringify((lines[0] ?? "").slice(0, 60))}`,
        });
        return false;
      }
      status = Number(m[1]);
      headers = [];
      for (const l of lines.slice(1)) {
        if (!HEADER_LINE.test(l)) {
          finish({
            check: "http",
            ok: false,
            problem: "invalid-header",
            summary: `malformed header line: ${JSON.stringify(l.slice(0, 60))}`,
          });
          return false;
        }
        const i = l.indexOf(":");
        headers.push([l.slice(0, i), l.slice(i + 1).trim()]);
      }
      return true;
    };
    socket.on("data", (d: Buffer) => {
      if (done) return;
      firstByteMs ??= performance.now() - t0;
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      if (headerEnd < 0) {
        const i = buf.indexOf("\r\n\r\n");
        if (i < 0) {
          // nginx reads at most proxy_buffer_size bytes for the header: a full buffer without its end is too big
          if (buf.length >= c.maxHeaderBytes)
            finish({
              check: "http",
              ok: false,
              problem: "header-too-big",
              summary: `response header exceeds ${c.maxHeaderBytes} bytes (proxy_buffer_size)`,
            });
          else if (buf.length >= 5 && !buf.subarray(0, 5).toString("latin1").startsWith("HTTP/"))
            finish({
              check: "http",
              ok: false,
              problem: "not-http",
              summary: `the reply does not start like HTTP: ${JSON.stringify(buf.toString("latin1", 0, 40))}`,
            });
          return;
        }
        if (i + 4 > c.maxHeaderBytes) {
          finish({
            check: "http",
            ok: false,
            problem: "header-too-big",
            summary: `response header is ${i + 4} bytes, more than proxy_buffer_size ${c.maxHeaderBytes}`,
          });
          return;
        }
        headerEnd = i;
        if (!parseHeader()) return;
      }
      evaluateBody(false);
    });
    socket.on("end", () => {
      if (done) return;
      if (buf.length === 0)
        finish({
          check: "http",
          ok: false,
          problem: "empty-reply",
          summary: "the upstream closed the connection without sending anything",
        });
      else if (headerEnd < 0)
        finish({
          check: "http",
          ok: false,
          problem: buf.toString("latin1", 0, 5).startsWith("HTTP/") ? "closed-early" : "not-http",
          summary: "connection closed before the response header was complete",
        });
      else evaluateBody(true);
    });
    socket.on("error", (e: NodeJS.ErrnoException) =>
      finish({
        check: "http",
        ok: false,
        problem: e.code === "ECONNRESET" ? "connection-reset" : "read-error",
        summary: `${e.code ?? "error"}: ${e.message}`,
      }),
    );
    socket.write(
      `${c.method} ${c.path} HTTP/1.1\r\n${c.host === "" ? "" : `Host: ${c.host}\r\n`}User-Agent: badgateway-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  });
}
