import { readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { summarizeAccessLogs } from "../../src/evidence/access-log.js";
import { runCli } from "../helpers/cli.js";
import { type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

// Real nginx, real upstreams: a pool with one dead peer (multi-valued $upstream_addr), a slow backend behind a
// tiny proxy_read_timeout (504), a backend closing mid-header (502), and an error_page fallback to a named location (" : ").
const FORMAT_SNIPPET = (logs: string) => `
  log_format up '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                '"$http_referer" "$http_user_agent" $upstream_addr $upstream_status '
                '$upstream_response_time $upstream_connect_time $upstream_header_time $request_time $host';
  log_format js escape=json '{"t":"$time_iso8601","req":"$request","s":"$status","ua":"$http_user_agent",'
                            '"ua_addr":"$upstream_addr","us":"$upstream_status","rt":"$request_time"}';
  access_log ${logs}/up.log up;
  access_log ${logs}/js.log js;
`;

systemDescribe(["nginx"], "access log through the config's own log_format (real nginx)", () => {
  let ngx: RunningNginx;
  const servers: Array<net.Server> = [];
  const P = { dead: 0, good: 0, slow: 0, bad: 0 };
  let snippetPath = "";
  beforeAll(async () => {
    ngx = await startNginx({
      freePorts: 4,
      http: (p) => {
        [P.dead, P.good, P.slow, P.bad] = p.free as [number, number, number, number];
        return `
        ${FORMAT_SNIPPET(join(p.prefix, "logs"))}
        upstream pool { server 127.0.0.1:${P.dead} max_fails=0; server 127.0.0.1:${P.good}; }
        upstream slow { server 127.0.0.1:${P.slow}; }
        upstream bad { server 127.0.0.1:${P.bad}; }
        server {
          listen 127.0.0.1:${p.port};
          server_name access.test;
          location /pool/ { proxy_pass http://pool; }
          location /slow/ { proxy_pass http://slow; proxy_read_timeout 200ms; }
          location /bad/ { proxy_pass http://bad; }
          location /redir/ {
            proxy_pass http://slow; proxy_read_timeout 200ms;
            error_page 504 = @fallback;
          }
          location @fallback { proxy_pass http://pool; }
        }`;
      },
    });
    snippetPath = join(ngx.prefix, "formats.conf");
    writeFileSync(snippetPath, FORMAT_SNIPPET("/var/log/nginx"));
    const good = http.createServer((_q, r) => r.end("ok\n"));
    const slow = net.createServer((s) => {
      s.on("error", () => {});
      const t = setTimeout(() => s.destroy(), 1500);
      s.on("close", () => clearTimeout(t));
    });
    const bad = net.createServer((s) => {
      s.on("error", () => {});
      s.once("data", () => s.end("HTTP/1.1 200 OK\r\nX-Half: "));
    });
    for (const [srv, port] of [
      [good, P.good],
      [slow, P.slow],
      [bad, P.bad],
    ] as Array<[net.Server, number]>) {
      servers.push(srv);
      await new Promise<void>((r) => srv.listen(port, "127.0.0.1", r));
    }
    const wanted: Array<[string, number]> = [
      ["/pool/a", 6],
      ["/slow/b", 2],
      ["/bad/c", 2],
      ["/redir/d", 2],
    ];
    for (const [path, n] of wanted)
      for (let i = 0; i < n; i++)
        await ngx.get(`${path}?i=${i}`, { "user-agent": 'tester "quoted" \\ \xe9' });
    await new Promise((r) => setTimeout(r, 200)); // access log lines are written at request end
  }, 30_000);
  afterAll(async () => {
    await ngx?.stop();
    for (const s of servers) s.close();
  });

  it("counts per peer, chain failures, 502/504 and internal redirects from nginx's own log", async () => {
    const s = await summarizeAccessLogs([join(ngx.prefix, "logs", "up.log")], {
      format: [
        '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ',
        '"$http_referer" "$http_user_agent" $upstream_addr $upstream_status ',
        "$upstream_response_time $upstream_connect_time $upstream_header_time $request_time $host",
      ],
    });
    expect(s.unmatched).toBe(0);
    expect(s.matched).toBe(12);
    const dead = s.byPeer[`127.0.0.1:${P.dead}`];
    const good = s.byPeer[`127.0.0.1:${P.good}`];
    const slow = s.byPeer[`127.0.0.1:${P.slow}`];
    const bad = s.byPeer[`127.0.0.1:${P.bad}`];
    // every pool request (6 direct + 2 via the fallback) ends at the good peer
    expect(good).toMatchObject({ requests: 8, s502: 0, s504: 0, failedInChain: 0 });
    // the dead peer always refuses (502) and nginx always went on to the next peer
    expect(dead?.requests).toBeGreaterThan(0);
    expect(dead?.s502).toBe(dead?.requests);
    expect(dead?.failedInChain).toBe(dead?.requests);
    expect(good?.servedAfterRetry).toBe(dead?.requests);
    expect(slow).toMatchObject({ requests: 4, s504: 4 });
    expect(slow?.latency.response.p50).toBeGreaterThanOrEqual(0.19);
    expect(bad).toMatchObject({ requests: 2, s502: 2 });
    // clients saw: 2 × 504 (/slow/), 2 × 502 (/bad/), the rest 200
    expect(s.totals).toMatchObject({ requests: 12, s502: 2, s504: 2, s5xx: 0, upstreamed: 12 });
    expect(s.byLocation["/slow/"]).toMatchObject({ requests: 2, s504: 2 });
    expect(s.byLocation["/redir/"]).toMatchObject({ requests: 2, s504: 0 });
    expect(s.byHost["127.0.0.1"]?.requests).toBe(12); // $host: the Host header without its port
    // the internal redirect really produced " : " in nginx's log
    expect(readFileSync(join(ngx.prefix, "logs", "up.log"), "utf8")).toContain(` : `);
  });

  it("parses the escape=json log of the same traffic to the same totals", async () => {
    const s = await summarizeAccessLogs([join(ngx.prefix, "logs", "js.log")], {
      format:
        '{"t":"$time_iso8601","req":"$request","s":"$status","ua":"$http_user_agent","ua_addr":"$upstream_addr","us":"$upstream_status","rt":"$request_time"}',
      escape: "json",
    });
    expect(s.unmatched).toBe(0);
    expect(s.totals).toMatchObject({ requests: 12, s502: 2, s504: 2 });
    expect(s.byPeer[`127.0.0.1:${P.good}`]?.requests).toBe(8);
    expect(s.firstTime).not.toBeNull();
  });

  const byName = (...extra: string[]) => [
    "access",
    "--format-file",
    snippetPath,
    "--log-format",
    "up",
    join(ngx.prefix, "logs", "up.log"),
    ...extra,
  ];

  it("the CLI reads the format by name from a config snippet and exits 1 on 502/504", () => {
    const r = runCli(byName("--json"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.byPeer[`127.0.0.1:${P.slow}`].s504).toBe(4);
    const t = runCli(byName("--timeout", "0.2"));
    expect(t.stdout).toContain(`127.0.0.1:${P.dead}`);
    expect(t.stdout).toMatch(/12 requests/);
  });

  it("the worker-thread path (byte ranges, merged states) gives the same summary", () => {
    const one = JSON.parse(runCli(byName("--json")).stdout);
    const par = runCli(byName("--json"), undefined, { BADGATEWAY_PARALLEL_MIN_BYTES: "1" });
    expect(par.code).toBe(1);
    expect(JSON.parse(par.stdout)).toEqual(one);
  });
});
