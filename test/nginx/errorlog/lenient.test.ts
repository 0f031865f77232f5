/**
 * The lenient error-line reader: lines as operators paste them. These are this project's own edge cases; the
 * real published lines are in test/fixtures/realworld/ (see test/realworld/).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { explainLine } from "../../../src/nginx/errorlog/explain.js";
import { isContinuation, messagePeer, parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify } from "../../../src/nginx/errorlog/taxonomy.js";

function cls(text: string): { class: string | null; status: number | null } {
  const l = parseErrorLine(text);
  if (!l) return { class: null, status: null };
  const c = classify(l);
  return { class: c.class, status: c.status };
}

describe("lines without nginx's full prefix", () => {
  it.each([
    [
      "message only",
      "connect() failed (111: Connection refused) while connecting to upstream",
      "connection-refused",
      502,
    ],
    [
      "message only, unix socket",
      "connect() to unix:/var/run/app.sock failed (13: Permission denied) while connecting to upstream",
      "unix-socket-permission",
      502,
    ],
    [
      "from the level on",
      '[error] 1234#0: *77 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.9, server: a.test, request: "GET /x HTTP/1.1", upstream: "http://10.0.0.2:9000/x", host: "a.test"',
      "read-timeout",
      504,
    ],
    [
      "redacted time and connection",
      "2021/12/24 14:MM:SS [error] 1234#1234: *XXXX connect() failed (111: Connection refused) while connecting to upstream, client: x.x.x.x",
      "connection-refused",
      502,
    ],
    [
      "copy-paste spaces",
      "connect () to unix: /run/app/fpm.sock failed (2: No such file or directory) while connecting to upstream",
      "unix-socket-missing",
      502,
    ],
    [
      "HTML-escaped quotes",
      "2022/03/04 05:06:07 [error] 9#9: *1 no live upstreams while connecting to upstream, client: 10.1.1.1, server: b.test, request: &quot;GET / HTTP/1.1&quot;, upstream: &quot;http://pool/&quot;",
      "no-live-upstreams",
      502,
    ],
    [
      "Markdown quote",
      "> 2022/03/04 05:06:07 [error] 9#9: *1 upstream prematurely closed connection while reading response header from upstream, client: 10.1.1.1",
      "premature-close",
      502,
    ],
    [
      "Compose prefix",
      'proxy_1  | 2022/03/04 05:06:07 [error] 21#21: *3 connect() failed (113: Host is unreachable) while connecting to upstream, client: 172.20.0.1, server: _, request: "GET / HTTP/1.1", upstream: "http://172.20.0.5:8000/", host: "localhost"',
      "host-unreachable",
      502,
    ],
    [
      "CRI prefix",
      "2024-05-06T07:08:09.123456789Z stderr F 2024/05/06 07:08:09 [error] 31#31: *9 upstream timed out (110: Operation timed out) while connecting to upstream, client: 10.2.0.1",
      "connect-timeout",
      504,
    ],
    [
      "nginx -t",
      'nginx: [emerg] host not found in upstream "api" in /etc/nginx/conf.d/app.conf:7',
      "dns-failure",
      null,
    ],
    [
      "client TLS, not upstream",
      "2022/01/01 00:00:01 [crit] 5#5: *8 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 10.3.3.3, server: 0.0.0.0:443",
      "not-upstream",
      null,
    ],
    [
      "upstream TLS",
      '2022/01/01 00:00:01 [error] 5#5: *8 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream, client: 10.3.3.3, server: a, request: "GET / HTTP/1.1", upstream: "https://10.0.0.4:8080/", host: "a"',
      "tls-handshake",
      502,
    ],
    [
      "client closed",
      "2022/01/01 00:00:01 [info] 5#5: *8 client prematurely closed connection while reading upstream, client: 10.3.3.3",
      "not-upstream",
      null,
    ],
    [
      "backlog full",
      "connect() to unix:/run/php/fpm.sock failed (11: Resource temporarily unavailable) while connecting to upstream",
      "unix-socket-busy",
      502,
    ],
    [
      "ports ran out",
      "connect() to 10.0.0.5:80 failed (99: Cannot assign requested address) while connecting to upstream",
      "address-not-available",
      502,
    ],
    [
      "OpenResty no resolver",
      '2023/02/03 04:05:06 [error] 7#7: *2 [lua] handler.lua:40: request(): no resolver defined to resolve "api.internal", client: 10.0.0.1, server: , request: "GET / HTTP/1.1", host: "x"',
      "no-resolver",
      null,
    ],
    [
      "Lua cosocket TLS verify",
      "2023/02/03 04:05:06 [error] 7#7: *2 lua ssl certificate verify error: (20: unable to get local issuer certificate), context: ngx.timer",
      "tls-verify",
      null,
    ],
  ])("%s", (_name, line, klass, status) => {
    expect(cls(line)).toEqual({ class: klass, status });
  });

  it("a handshake failure on a line that names the request is an upstream's, even without 'to upstream'", () => {
    expect(
      cls(
        '2021/03/08 21:16:09 [error] 5#5: *7 SSL_do_handshake() failed (SSL: error:1408F10B:SSL routines:ssl3_get_record:wrong version number), client: 10.0.0.1, server: , request: "GET /a HTTP/1.1", subrequest: "/mirror", host: "a.test"',
      ).class,
    ).toBe("tls-handshake");
    // …while one before any request is read is the client's.
    expect(
      cls(
        "2021/03/08 21:16:09 [info] 5#5: *7 SSL_do_handshake() failed (SSL: error:0A000102:SSL routines::unsupported protocol) while SSL handshaking, client: 10.0.0.1, server: 0.0.0.0:443",
      ).class,
    ).toBe("not-upstream");
  });

  it("says how sure it is and what it could not see", () => {
    const e = explainLine("connect() failed (111: Connection refused) while connecting to upstream");
    expect(e.parsed).toBe(true);
    expect(e.confidence).toBe("medium");
    expect(e.missing).toEqual(expect.arrayContaining(["time", "level", "context"]));
    const full = explainLine(
      '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, client: 198.51.100.23, server: shop.example, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8088/cart", host: "shop.example"',
    );
    expect(full.confidence).toBe("high");
    expect(full.missing).toEqual([]);
    const red = explainLine(
      "2021/12/24 14:MM:SS [error] 1234#1234: *XXXX upstream timed out (110: Connection timed out) while connecting to upstream, client: x.x.x.x",
    );
    expect(red.redacted).toEqual(expect.arrayContaining(["time", "connection", "client"]));
  });

  it("names the peer of a connect() message without context", () => {
    expect(messagePeer("connect() to unix:/run/php/fpm.sock failed (2: No such file or directory)")).toBe(
      "unix:/run/php/fpm.sock",
    );
    expect(explainLine("connect() to 10.0.0.5:80 failed (99: Cannot assign requested address)").peer).toBe(
      "10.0.0.5:80",
    );
  });

  it("does not take prose or other programs' lines for nginx lines", () => {
    for (const t of [
      "I restarted the server and it still does not work",
      "Jan 01 00:00:00 host systemd[1]: Started A high performance web server.",
      '10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 502 157 "-" "curl/8.0"',
      "",
    ])
      expect(parseErrorLine(t), t).toBeNull();
  });

  it("joins a line wrapped onto two", () => {
    const a =
      "2022/01/01 00:00:01 [error] 5#5: *8 connect() failed (111: Connection refused) while connecting to upstream,";
    const b =
      'client: 10.0.0.1, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.2:81/", host: "a"';
    expect(isContinuation(a, b)).toBe(true);
    const joined = parseErrorLine(`${a} ${b}`);
    expect(joined?.upstream?.peer).toBe("10.0.0.2:81");
    expect(isContinuation(a, a)).toBe(false);
    // A context key alone on the next line continues whatever error line came before it.
    expect(
      isContinuation(
        "SSL_do_handshake() failed (SSL: error:0A000410) ...",
        "upstream: 'https://10.0.0.5:443/x'",
      ),
    ).toBe(true);
    expect(isContinuation("some prose", "more prose")).toBe(false);
  });
});

// Property: a forwarder's or a paste's prefix never changes a line's class or status.
const corpus = readFileSync(join(import.meta.dirname, "../../fixtures/errorlog/corpus.log"), "utf8")
  .trimEnd()
  .split("\n")
  .filter((l) => /^\d{4}\/\d\d\/\d\d /.test(l));

const PREFIXES: Array<(line: string, n: number) => string> = [
  (l, n) => `Dec 24 01:23:${String(n % 60).padStart(2, "0")} web-${n} nginx: ${l}`,
  (l, n) => `Dec  4 01:23:45 host nginx[${n}]: ${l}`,
  (l, n) => `<${n % 192}>Dec 24 01:23:45 host nginx: ${l}`,
  (l, n) => `web_${n % 9}  | ${l}`,
  (l) => `nginx-proxy-1  | ${l}`,
  (l) => `2024-05-06T07:08:09.123456789Z ${l}`,
  (l) => `2024-05-06T07:08:09.123456789Z stderr F ${l}`,
  (l) => `> ${l}`,
  (l) => JSON.stringify({ log: `${l}\n`, stream: "stderr", time: "2024-05-06T07:08:09Z" }),
];

describe("prefix invariance", () => {
  it("adding any supported prefix never changes a line's class or status", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: corpus.length - 1 }),
        fc.integer({ min: 0, max: PREFIXES.length - 1 }),
        fc.nat(10_000),
        (i, k, n) => {
          const line = corpus[i] as string;
          const wrap = PREFIXES[k] as (l: string, n: number) => string;
          const plain = cls(line);
          expect(plain.class).not.toBeNull();
          expect(cls(wrap(line, n))).toEqual(plain);
        },
      ),
      { numRuns: 600 },
    );
  });
});
