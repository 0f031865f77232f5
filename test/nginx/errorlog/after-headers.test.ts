/**
 * Failures after the response header went out, and a TLS handshake that never completes, as a real nginx
 * writes them. For each: the error line nginx wrote, the status its access log recorded, and the class,
 * status, phase, next-upstream and detail the classifier gives that line. Recorded with nginx 1.22:
 *
 *   header then silence  → "upstream timed out (110: …) while reading upstream"            access log 200
 *   header then close    → "upstream prematurely closed connection while reading upstream"  access log 200
 *   bad chunk in body    → "upstream sent invalid chunked response while reading upstream"   access log 200
 *   ClientHello unanswered → "upstream timed out (110: …) while SSL handshaking to upstream" access log 504
 */
import { readFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify } from "../../../src/nginx/errorlog/taxonomy.js";
import { type RunningNginx, startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n";

systemDescribe(["nginx"], "failures after the header, and TLS handshake timeouts, from a real nginx", () => {
  let ngx: RunningNginx;
  const servers: net.Server[] = [];
  const held: net.Socket[] = [];
  const serve = (port: number, onData: (s: net.Socket) => void, waitForData = true) =>
    new Promise<void>((r) => {
      const srv = net.createServer((s) => {
        s.on("error", () => undefined);
        held.push(s);
        if (waitForData) s.once("data", () => onData(s));
        else onData(s);
      });
      servers.push(srv);
      srv.listen(port, "127.0.0.1", () => r());
    });

  beforeAll(async () => {
    ngx = await startNginx({
      freePorts: 5,
      logFormat: '$status us="$upstream_status" "$request"',
      http: (p) => `
        server {
          listen 127.0.0.1:${p.port};
          server_name lab.test;
          proxy_connect_timeout 1s;
          proxy_read_timeout 1s;
          location /stall { proxy_pass http://127.0.0.1:${p.free[0]}; }
          location /cut { proxy_pass http://127.0.0.1:${p.free[1]}; }
          location /chunk { proxy_pass http://127.0.0.1:${p.free[2]}; }
          location /unbuffered { proxy_buffering off; proxy_pass http://127.0.0.1:${p.free[0]}; }
          location /handshake { proxy_pass https://127.0.0.1:${p.free[3]}; }
        }`,
    });
    const f = ngx.free as number[];
    await serve(f[0] as number, (s) => s.write(`${HEAD}Content-Length: 100\r\n\r\nhello`));
    await serve(f[1] as number, (s) => {
      s.write(`${HEAD}Content-Length: 100\r\n\r\nhello`);
      setTimeout(() => s.end(), 100);
    });
    await serve(f[2] as number, (s) =>
      s.write(`${HEAD}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n`),
    );
    // accepts, reads the ClientHello, never answers it
    await serve(f[3] as number, () => undefined);
  });
  afterAll(async () => {
    for (const s of held) s.destroy();
    for (const s of servers) s.close();
    await ngx?.stop();
  });

  async function observe(path: string, re: RegExp): Promise<{ text: string; accessStatus: number }> {
    await ngx.get(path).catch(() => undefined);
    const lines = await ngx.waitForErrorLog(re, 8000);
    const text = lines.filter((x) => re.test(x) && x.includes(`GET ${path} `)).pop();
    if (!text) throw new Error(`no error line for ${path}`);
    let access: string | undefined;
    for (let i = 0; i < 40 && !access; i++) {
      access = readFileSync(ngx.accessLogPath, "utf8")
        .split("\n")
        .find((l) => l.includes(`"GET ${path} `));
      if (!access) await new Promise((r) => setTimeout(r, 50));
    }
    return { text, accessStatus: Number(access?.split(" ")[0]) };
  }

  const cases: Array<{
    path: string;
    re: RegExp;
    cls: string;
    detail: string | null;
    access: number;
    status: number | null;
    after: boolean;
    next: boolean;
    phase: string;
  }> = [
    {
      path: "/stall",
      re: /upstream timed out \(110: [^)]*\) while reading upstream/,
      cls: "read-timeout",
      detail: null,
      access: 200,
      status: null,
      after: true,
      next: false,
      phase: "reading-response",
    },
    {
      path: "/unbuffered",
      re: /upstream timed out \(110: [^)]*\) while reading upstream/,
      cls: "read-timeout",
      detail: null,
      access: 200,
      status: null,
      after: true,
      next: false,
      phase: "reading-response",
    },
    {
      path: "/cut",
      re: /upstream prematurely closed connection while reading upstream/,
      cls: "premature-close",
      detail: null,
      access: 200,
      status: null,
      after: true,
      next: false,
      phase: "reading-response",
    },
    {
      path: "/chunk",
      re: /upstream sent invalid chunked response while reading upstream/,
      cls: "invalid-response",
      detail: "invalid-chunked",
      access: 200,
      status: null,
      after: true,
      next: false,
      phase: "reading-response",
    },
    {
      path: "/handshake",
      re: /upstream timed out \(110: [^)]*\) while SSL handshaking to upstream/,
      cls: "connect-timeout",
      detail: "ssl-handshake",
      access: 504,
      status: 504,
      after: false,
      next: true,
      phase: "ssl-handshake",
    },
  ];

  for (const c of cases)
    it(`${c.path}: ${c.cls}, the access log says ${c.access}, the class status is ${c.status}`, async () => {
      const { text, accessStatus } = await observe(c.path, c.re);
      expect(accessStatus, text).toBe(c.access);
      const line = parseErrorLine(text);
      expect(line, text).not.toBeNull();
      const k = classify(line as NonNullable<typeof line>);
      expect(k, text).toMatchObject({
        class: c.cls,
        status: c.status,
        afterHeaders: c.after,
        nextUpstream: c.next,
        phase: c.phase,
        detail: c.detail,
      });
      // the client status the classifier claims is never contradicted by the access log
      if (k.status !== null) expect(k.status).toBe(accessStatus);
      expect(line?.upstream?.peer).toMatch(/^127\.0\.0\.1:\d+$/);
    }, 15_000);
});
