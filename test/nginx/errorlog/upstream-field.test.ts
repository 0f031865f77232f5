/**
 * The `upstream: "…"` field exactly as the real nginx writes it for each module, and the corpus written the same
 * way: proxy_pass adds the URI with its query string (also after a unix socket path), fastcgi/uwsgi/scgi/grpc/
 * memcached add none (a unix peer ends with ":"). Every module's peer is parsed from nginx's own line.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify } from "../../../src/nginx/errorlog/taxonomy.js";
import { type RunningNginx, startNginx } from "../../helpers/nginx.js";
import { systemDescribe } from "../../helpers/system.js";

systemDescribe(["nginx"], "the upstream field of real nginx lines, per module", () => {
  let ngx: RunningNginx;
  beforeAll(async () => {
    // every peer is a closed port or a missing socket: nginx logs the refusal at once
    ngx = await startNginx({
      freePorts: 6,
      http: (p) => `
        server {
          listen 127.0.0.1:${p.port};
          location /fcgi/ { fastcgi_pass 127.0.0.1:${p.free[0]}; }
          location /uw/ { uwsgi_pass 127.0.0.1:${p.free[1]}; }
          location /sc/ { scgi_pass 127.0.0.1:${p.free[2]}; }
          location /gr/ { grpc_pass grpc://127.0.0.1:${p.free[3]}; }
          location /mc/ { set $memcached_key $uri; memcached_pass 127.0.0.1:${p.free[4]}; }
          location /px/ { proxy_pass http://127.0.0.1:${p.free[5]}; }
          location /ux/ { proxy_pass http://unix:${p.prefix}/none.sock:/app/; }
          location /uy/ { proxy_pass http://unix:${p.prefix}/none.sock; }
          location /fu/ { fastcgi_pass unix:${p.prefix}/none.sock; }
        }`,
    });
  });
  afterAll(async () => {
    await ngx?.stop();
  });

  async function fieldOf(path: string): Promise<{ text: string; upstream: string }> {
    await ngx.get(path);
    const re = new RegExp(`"GET ${path.replace(/[?]/g, "\\?")} HTTP/1.1", upstream: "([^"]*)"`);
    const lines = await ngx.waitForErrorLog(re, 5000);
    const text = lines.find((l) => re.test(l));
    if (!text) throw new Error(`no line for ${path}`);
    return { text, upstream: re.exec(text)?.[1] as string };
  }

  const F = (i: number) => (ngx.free as number[])[i];
  const cases: Array<[string, () => string, () => string, string]> = [
    ["/fcgi/a.php?x=1", () => `fastcgi://127.0.0.1:${F(0)}`, () => `127.0.0.1:${F(0)}`, "connection-refused"],
    ["/uw/p?q=1", () => `uwsgi://127.0.0.1:${F(1)}`, () => `127.0.0.1:${F(1)}`, "connection-refused"],
    ["/sc/p?q=1", () => `scgi://127.0.0.1:${F(2)}`, () => `127.0.0.1:${F(2)}`, "connection-refused"],
    ["/gr/p?q=1", () => `grpc://127.0.0.1:${F(3)}`, () => `127.0.0.1:${F(3)}`, "connection-refused"],
    ["/mc/p?q=1", () => `memcached://127.0.0.1:${F(4)}`, () => `127.0.0.1:${F(4)}`, "connection-refused"],
    [
      "/px/p?q=1&r=2",
      () => `http://127.0.0.1:${F(5)}/px/p?q=1&r=2`,
      () => `127.0.0.1:${F(5)}`,
      "connection-refused",
    ],
    [
      "/ux/p?q=1",
      () => `http://unix:${ngx.prefix}/none.sock:/app/p?q=1`,
      () => `unix:${ngx.prefix}/none.sock`,
      "unix-socket-missing",
    ],
    [
      "/uy/p?q=1",
      () => `http://unix:${ngx.prefix}/none.sock:/uy/p?q=1`,
      () => `unix:${ngx.prefix}/none.sock`,
      "unix-socket-missing",
    ],
    [
      "/fu/p?q=1",
      () => `fastcgi://unix:${ngx.prefix}/none.sock:`,
      () => `unix:${ngx.prefix}/none.sock`,
      "unix-socket-missing",
    ],
  ];
  for (const [path, field, peer, cls] of cases)
    it(`${path}: the upstream field as nginx writes it, and its peer`, async () => {
      const { text, upstream } = await fieldOf(path);
      expect(upstream).toBe(field());
      const line = parseErrorLine(text);
      expect(line?.upstream?.peer).toBe(peer());
      expect(classify(line as NonNullable<typeof line>).class).toBe(cls);
    });
});

describe("the corpus writes the upstream field the way nginx does", () => {
  const corpus = readFileSync(join(import.meta.dirname, "../../fixtures/errorlog/corpus.log"), "utf8");
  const fields = [...corpus.matchAll(/, upstream: "([^"]*)"/g)].map((m) => m[1] as string);
  it("no URI after fastcgi/uwsgi/scgi/grpc/memcached peers", () => {
    const bad = fields.filter((f) =>
      /^(fastcgi|uwsgi|scgi|grpcs?|memcached):\/\/(?:unix:[^:]*:.+|[^u][^/]*\/.*)$/.test(f),
    );
    expect(bad).toEqual([]);
    expect(fields.filter((f) => /^(fastcgi|uwsgi|scgi|grpcs?|memcached):\/\//.test(f)).length).toBe(133);
  });
  it("http(s) unix peers carry the URI after the path", () => {
    const unixHttp = fields.filter((f) => /^https?:\/\/unix:/.test(f));
    expect(unixHttp.length).toBe(14);
    for (const f of unixHttp) expect(f).toMatch(/^https?:\/\/unix:\/[^:]+:\/.*/);
  });
  it("query strings are kept", () => {
    const withRequest = [
      ...corpus.matchAll(/request: "GET (\/api\/orders\?id=7) [^"]*", upstream: "(https?:[^"]*)"/g),
    ];
    expect(withRequest.length).toBe(33);
    for (const m of withRequest) expect(m[2]).toMatch(/\/api\/orders\?id=7$/);
  });
});
