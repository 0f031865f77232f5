/**
 * Shapes the second held-out set showed the reader getting wrong (see test/fixtures/realworld-holdout2/README.md),
 * each on a line written here: an OpenResty gateway's balancer that could not resolve its target, nginx opening a
 * local file while a request also names an upstream, an upstream address nginx cannot use as written, a connect()
 * to a local socket, and the statuses of connect()'s own ETIMEDOUT and of the resolver's socket.
 */
import { describe, expect, it } from "vitest";
import { explainLine } from "../../../src/nginx/errorlog/explain.js";

const T = "2026/12/06 09:10:11";

function read(line: string) {
  const e = explainLine(line);
  return { parsed: e.parsed, class: e.parsed ? e.class : null, status: e.status ?? null };
}

describe("an OpenResty gateway's balancer failing to resolve its target is a DNS failure, status left to the gateway", () => {
  it.each([
    `${T} [error] 31#0: *902 [lua] balancer.lua:1041: execute(): DNS resolution failed: dns server error: 3 name error. Tried: ["(short)orders-svc:(na) - cache-miss"], client: 10.1.2.3, server: kong, request: "GET /orders HTTP/1.1", host: "api.shop.test"`,
    `${T} [error] 31#0: *903 stream [lua] balancer.lua:1041: execute(): DNS resolution failed: dns client error: 101 empty record received. Tried:`,
    `${T} [error] 31#0: *904 [lua] responses.lua:121: after(): failed the initial dns/balancer resolve for 'orders-up' with: table: 0x7f00aa, client: 10.1.2.3, server: kong, request: "GET /orders HTTP/1.1", host: "api.shop.test"`,
    `failed to retry the dns/balancer resolver for orders.shop.test' with: dns server error: 100 cache only lookup failed while connecting to upstream,`,
    `failed the initial dns/balancer resolve for orders-up with: table: 0x7f00aa", client: 10.1.2.3, server: kong`,
  ])("%s", (line) => {
    expect(read(line)).toEqual({ parsed: true, class: "dns-failure", status: null });
  });

  it("does not take a Lua line that only mentions a balancer for a DNS failure", () => {
    const r = read(
      `${T} [error] 31#0: *905 [lua] balancer.lua:88: run(): peer 10.1.2.9:8080 marked down, client: 10.1.2.3, server: kong`,
    );
    expect(r.class).not.toBe("dns-failure");
  });
});

describe("nginx's own file and address errors are not upstream failures", () => {
  it("an error page that fails to open is a local file, even with an upstream: field on the line", () => {
    expect(
      read(
        `${T} [error] 12#12: *7 open() "/srv/www/errors/502.html" failed (2: No such file or directory), client: 10.0.0.5, server: _, request: "GET /app HTTP/1.1", upstream: "fastcgi://unix:/run/php/app.sock", host: "shop.test"`,
      ),
    ).toEqual({ parsed: true, class: "not-upstream", status: null });
  });

  it.each([
    `${T} [error] 12#12: *8 invalid port in upstream "billing:", client: 10.0.0.5, server: _, request: "GET /billing HTTP/1.1", host: "shop.test"`,
    `invalid port in upstream "127.0.0.1:smtps"`,
    `${T} [emerg] 1#1: invalid host in upstream "http://" in /etc/nginx/conf.d/app.conf:14`,
  ])("an upstream address nginx cannot use: %s", (line) => {
    expect(read(line)).toEqual({ parsed: true, class: "not-upstream", status: null });
  });

  it("a connect() with a local socket's errno and no upstream context is not an upstream failure", () => {
    expect(read(`${T} [alert] 9#0: connect() failed (91: Protocol wrong type for socket)`)).toEqual({
      parsed: true,
      class: "not-upstream",
      status: null,
    });
    // The same errno on a line that names an upstream stays an upstream failure.
    expect(
      read(
        `${T} [error] 9#0: *3 connect() failed (91: Protocol wrong type for socket) while connecting to upstream, client: 10.0.0.5, server: _, request: "GET / HTTP/1.1", upstream: "http://unix:/run/app.sock:/", host: "shop.test"`,
      ).class,
    ).not.toBe("not-upstream");
  });
});

describe("statuses nginx's source decides", () => {
  it("connect()'s own ETIMEDOUT is answered 502; nginx's connect timer is answered 504", () => {
    const ctx = `client: 10.0.0.5, server: _, request: "GET / HTTP/1.1", upstream: "http://10.9.9.9:3000/", host: "shop.test"`;
    expect(
      read(
        `${T} [error] 4#0: *2 connect() failed (110: Connection timed out) while connecting to upstream, ${ctx}`,
      ),
    ).toEqual({
      parsed: true,
      class: "connect-timeout",
      status: 502,
    });
    expect(
      read(
        `${T} [error] 4#0: *2 upstream timed out (110: Connection timed out) while connecting to upstream, ${ctx}`,
      ),
    ).toEqual({
      parsed: true,
      class: "connect-timeout",
      status: 504,
    });
  });

  it("the resolver's own socket failing decides no request's status; a request's failed lookup is a 502", () => {
    expect(
      read(
        `${T} [error] 5#5: send() failed (111: Connection refused) while resolving, resolver: 10.96.0.10:53`,
      ),
    ).toEqual({
      parsed: true,
      class: "dns-failure",
      status: null,
    });
    expect(
      read(
        `${T} [error] 5#5: *6 orders.svc could not be resolved (110: Operation timed out), client: 10.0.0.5, server: _, request: "GET / HTTP/1.1", host: "shop.test"`,
      ),
    ).toEqual({ parsed: true, class: "dns-failure", status: 502 });
  });
});
