/**
 * Field by field, what src/nginx/errorlog/grammar.ts reads out of a line: the upstream reference per module, the
 * context keys in nginx's order, cut lines, start-up locations, prefixes, the helpers for time, message peers and
 * wrapped pastes, each at its boundaries. Written to kill mutants Stryker left alive in the grammar.
 */
import { describe, expect, it } from "vitest";
import {
  errorTimeToMs,
  isContinuation,
  messagePeer,
  parseErrorLine,
  parseUpstream,
  UPSTREAM_MODULE_CHARS,
  upstreamModule,
} from "../../../src/nginx/errorlog/grammar.js";

const T = "2026/11/24 10:00:00";

describe("parseUpstream", () => {
  it.each([
    ["http://127.0.0.1:8080/api?x=1", "proxy", "http", "127.0.0.1:8080", "/api?x=1"],
    ["https://[::1]:8443/", "proxy", "https", "[::1]:8443", "/"],
    ["fastcgi://127.0.0.1:9000", "fastcgi", "fastcgi", "127.0.0.1:9000", null],
    ["uwsgi://10.0.0.2:3031", "uwsgi", "uwsgi", "10.0.0.2:3031", null],
    ["suwsgi://10.0.0.2:3031", "uwsgi", "suwsgi", "10.0.0.2:3031", null],
    ["scgi://10.0.0.2:4000", "scgi", "scgi", "10.0.0.2:4000", null],
    ["grpc://10.0.0.2:50051", "grpc", "grpc", "10.0.0.2:50051", null],
    ["grpcs://10.0.0.2:50051", "grpc", "grpcs", "10.0.0.2:50051", null],
    ["memcached://127.0.0.1:11211", "memcached", "memcached", "127.0.0.1:11211", null],
    ["HTTP://Backend:80/x", "proxy", "http", "Backend:80", "/x"],
    ["gopher://h:70/", null, "gopher", "h:70", "/"],
  ])("%s → %s %s %s %s", (raw, module, scheme, peer, uri) => {
    expect(parseUpstream(raw, false)).toEqual({ raw, module, scheme, peer, uri });
  });

  it("unix sockets: the path up to the colon, then the URI when one follows", () => {
    expect(parseUpstream("fastcgi://unix:/run/php/php-fpm.sock:", false)).toEqual({
      raw: "fastcgi://unix:/run/php/php-fpm.sock:",
      module: "fastcgi",
      scheme: "fastcgi",
      peer: "unix:/run/php/php-fpm.sock",
      uri: null,
    });
    expect(parseUpstream("http://unix:/tmp/app.sock:/path?q=1", false)).toMatchObject({
      peer: "unix:/tmp/app.sock",
      uri: "/path?q=1",
    });
    expect(parseUpstream("http://unix:/tmp/app.sock", false)).toMatchObject({
      peer: "unix:/tmp/app.sock",
      uri: null,
    });
  });

  it("a scheme named like an Object member is no module (hostile input)", () => {
    for (const scheme of ["constructor", "__proto__", "toString", "valueOf"]) {
      const raw = `${scheme}://10.0.0.1:80/`;
      expect(parseUpstream(raw, false).module).toBeNull();
      expect(upstreamModule(raw, false)).toBeNull();
    }
  });

  it("upstreamModule gives parseUpstream's module from the value's first characters", () => {
    for (const raw of [
      "http://10.0.0.1:80/a",
      "HTTPS://[::1]:443",
      "fastcgi://unix:/run/php.sock:",
      "memcached://127.0.0.1:11211",
      "grpcs://x:1",
      "10.0.0.5:5432",
      "abcdefghijk://x",
      "abcdefghijkl://x",
      "http:/x",
    ])
      for (const stream of [false, true]) {
        const want = parseUpstream(raw, stream).module;
        expect(upstreamModule(raw.slice(0, UPSTREAM_MODULE_CHARS), stream)).toBe(want);
        expect(upstreamModule(raw, stream)).toBe(want);
      }
  });

  it("stream upstreams have no scheme; a '://' far into the value is not a scheme", () => {
    expect(parseUpstream("10.0.0.5:5432", true)).toEqual({
      raw: "10.0.0.5:5432",
      module: "stream",
      scheme: null,
      peer: "10.0.0.5:5432",
      uri: null,
    });
    expect(parseUpstream("10.0.0.5:5432", false).module).toBeNull();
    // "://" at index 12 or later is not taken as a scheme separator; at 11 it is.
    expect(parseUpstream("abcdefghijkl://h/", false)).toMatchObject({ scheme: null, peer: "abcdefghijkl:" });
    expect(parseUpstream("abcdefghijk://h/", false)).toMatchObject({ scheme: "abcdefghijk", peer: "h" });
    expect(parseUpstream("://h/", false)).toMatchObject({ scheme: null, peer: ":" });
  });
});

describe("context suffix", () => {
  it("reads every key in nginx's order, with quotes removed", () => {
    const l = parseErrorLine(
      `${T} [error] 12#34: *567 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1, server: shop.test, request: "POST /cart?id=3 HTTP/1.1", subrequest: "/auth", upstream: "http://127.0.0.1:8080/cart?id=3", host: "shop.test:8443", referrer: "https://shop.test/"`,
    );
    expect(l).toMatchObject({
      time: T,
      level: "error",
      pid: 12,
      tid: 34,
      connection: 567,
      message: "upstream timed out (110: Connection timed out) while reading response header from upstream",
      client: "10.0.0.1",
      server: "shop.test",
      requestRaw: "POST /cart?id=3 HTTP/1.1",
      request: { method: "POST", uri: "/cart?id=3", protocol: "HTTP/1.1" },
      subrequest: "/auth",
      upstream: { module: "proxy", peer: "127.0.0.1:8080", uri: "/cart?id=3" },
      host: "shop.test:8443",
      referrer: "https://shop.test/",
      stream: false,
      truncated: false,
      prefix: null,
      shape: "full",
      confFile: null,
      confLine: null,
      luaContext: null,
    });
  });

  it("a value cut before its closing quote marks the line truncated, only when it is the last one", () => {
    const cut = parseErrorLine(
      `${T} [error] 1#1: *2 no live upstreams while connecting to upstream, client: 10.0.0.1, request: "GET /a`,
    );
    expect(cut?.truncated).toBe(true);
    expect(cut?.requestRaw).toBe("GET /a");
    const whole = parseErrorLine(
      `${T} [error] 1#1: *2 x, client: 10.0.0.1, request: "GET /a HTTP/1.1", host: "h"`,
    );
    expect(whole?.truncated).toBe(false);
    expect(whole?.host).toBe("h");
    const oneQuote = parseErrorLine(`${T} [error] 1#1: *2 x, client: 10.0.0.1, host: "`);
    expect(oneQuote?.truncated).toBe(true);
    expect(oneQuote?.host).toBe("");
    for (const tail of [", client:", ", client", ", cl"])
      expect(
        parseErrorLine(`${T} [error] 1#1: *2 connect() failed (111: Connection refused)${tail}`)?.truncated,
      ).toBe(true);
    expect(
      parseErrorLine(`${T} [error] 1#1: *2 connect() failed (111: Connection refused), c`)?.truncated,
    ).toBe(false);
  });

  it("stream lines: counters stripped, stream upstream, no HTTP fields", () => {
    const l = parseErrorLine(
      `${T} [error] 5#5: *9 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: 0.0.0.0:5432, upstream: "10.0.0.5:5432", bytes from/to client:0/0, bytes from/to upstream:0/0`,
    );
    expect(l).toMatchObject({
      stream: true,
      server: "0.0.0.0:5432",
      upstream: { module: "stream", peer: "10.0.0.5:5432" },
    });
  });

  it("OpenResty's context is taken out of the message, in the middle or at the end", () => {
    const mid = parseErrorLine(
      `${T} [error] 5#5: *9 [lua] a.lua:1: boom, context: ngx.timer, client: 10.0.0.1, server: s`,
    );
    expect(mid).toMatchObject({
      luaContext: "ngx.timer",
      message: "[lua] a.lua:1: boom",
      client: "10.0.0.1",
    });
    const end = parseErrorLine(`${T} [error] 5#5: [lua] a.lua:1: boom, context: init_worker_by_lua*`);
    expect(end).toMatchObject({ luaContext: "init_worker_by_lua*", message: "[lua] a.lua:1: boom" });
  });

  it("start-up lines point at the config file and line; lines with a connection do not", () => {
    const l = parseErrorLine(
      `${T} [emerg] 1#1: host not found in upstream "api:80" in /etc/nginx/conf.d/a.conf:12`,
    );
    expect(l).toMatchObject({ confFile: "/etc/nginx/conf.d/a.conf", confLine: 12, connection: null });
    const req = parseErrorLine(`${T} [error] 1#1: *3 open() "/x" failed in /etc/nginx/a.conf:12`);
    expect(req).toMatchObject({ confFile: null, confLine: null, connection: 3 });
    expect(parseErrorLine(`${T} [emerg] 1#1: bad thing in the middle`)?.confFile).toBeNull();
  });
});

describe("the nginx prefix", () => {
  it("pid, tid and connection numbers, CRLF endings", () => {
    const l = parseErrorLine(
      `${T} [warn] 4117#4118: *9031 upstream server temporarily disabled while connecting to upstream\r`,
    );
    expect(l).toMatchObject({ level: "warn", pid: 4117, tid: 4118, connection: 9031 });
    expect(l?.message).toBe("upstream server temporarily disabled while connecting to upstream");
    const noConn = parseErrorLine(`${T} [notice] 1#1: signal process started`);
    expect(noConn).toMatchObject({ pid: 1, tid: 1, connection: null, message: "signal process started" });
  });

  it.each(["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"])("level %s", (level) => {
    expect(parseErrorLine(`${T} [${level}] 1#1: *1 x`)?.level).toBe(level);
  });

  it("an unknown level is not read as nginx's layout", () => {
    const l = parseErrorLine(`${T} [fatal] 1#1: *1 connect() failed (111: Connection refused)`);
    expect(l?.level).toBeNull();
    expect(l?.shape).toBe("message");
  });

  it("recognises forwarders' prefixes", () => {
    const line = `${T} [error] 1#1: *1 no live upstreams while connecting to upstream`;
    expect(parseErrorLine(`<11>Nov 24 10:00:00 web nginx: ${line}`)?.prefix).toBe("syslog");
    expect(parseErrorLine(`Nov 24 10:00:00 web nginx[812]: ${line}`)?.prefix).toBe("journald");
    expect(parseErrorLine(`web nginx[812]: ${line}`)?.prefix).toBe("journald");
    expect(parseErrorLine(`2026-11-24T10:00:00.123456789Z ${line}`)?.prefix).toBe("kubectl");
    expect(parseErrorLine(`web-host something ${line}`)?.prefix).toBe("syslog");
    expect(parseErrorLine(JSON.stringify({ log: `${line}\n`, stream: "stderr" }))).toMatchObject({
      prefix: "docker",
      message: "no live upstreams while connecting to upstream",
    });
  });
});

describe("helpers", () => {
  it("errorTimeToMs reads nginx's local time, with an offset east of UTC", () => {
    expect(errorTimeToMs("2026/11/24 10:20:30")).toBe(Date.UTC(2026, 10, 24, 10, 20, 30));
    expect(errorTimeToMs("2026/01/01 00:00:00", 60)).toBe(Date.UTC(2025, 11, 31, 23, 0, 0));
  });

  it("messagePeer takes the name between 'connect() to ' and ' failed'", () => {
    expect(messagePeer("connect() to unix:/run/php.sock failed (2: No such file)")).toBe(
      "unix:/run/php.sock",
    );
    expect(messagePeer("x connect() to 10.0.0.1:80 failed")).toBe("10.0.0.1:80");
    expect(messagePeer("connect() failed (111: Connection refused)")).toBeNull();
    expect(messagePeer("connect() to  failed")).toBeNull();
    expect(messagePeer("connect() to a b failed")).toBeNull();
    expect(messagePeer("connect() to 10.0.0.1:80 timed out")).toBeNull();
  });

  it("isContinuation joins a wrapped paste and nothing else", () => {
    const first = `${T} [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream,`;
    expect(isContinuation(first, "client: 10.0.0.1, server: s")).toBe(true);
    expect(isContinuation(first, "  , client: 10.0.0.1")).toBe(true);
    expect(isContinuation(first, `${T} [error] 1#1: *2 x`)).toBe(false);
    expect(isContinuation(first, "")).toBe(false);
    expect(isContinuation("", "client: x")).toBe(false);
    // Nothing but a wrapped nginx line starts with one of its context keys.
    expect(isContinuation("no comma here", "client: x")).toBe(true);
    expect(isContinuation("no comma here", "clients are waiting")).toBe(false);
    expect(isContinuation("x while connecting to upstream", 'upstream: "http://a/"')).toBe(true);
    expect(isContinuation('y, request: "GET /a', 'b HTTP/1.1"')).toBe(true);
    expect(isContinuation('y, request: "GET /a', ' b HTTP/1.1"')).toBe(false);
    expect(isContinuation('y, request: "GET /a"', "more")).toBe(false);
    expect(isContinuation("plain text", "more text")).toBe(false);
  });
});
