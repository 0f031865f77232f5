/**
 * `explainLine` field by field: whether a line counts as a failure, how sure the answer is, and the check
 * commands filled in with the line's own peer, port, host and path. Written to kill mutants Stryker left alive in
 * src/nginx/errorlog/explain.ts.
 */
import { describe, expect, it } from "vitest";
import { explainLine } from "../../../src/nginx/errorlog/explain.js";

const T = "2026/11/24 10:00:00";
const full = (msg: string, upstream = "http://10.0.0.7:8080/cart/checkout?x=1", level = "error") =>
  `${T} [${level}] 7#7: *41 ${msg}, client: 10.0.0.1, server: shop.test, request: "GET /cart/checkout?x=1 HTTP/1.1", upstream: "${upstream}", host: "shop.test"`;

describe("failure and confidence", () => {
  it("a full line with a known wording: a failure, high confidence, every field carried over", () => {
    const e = explainLine(full("connect() failed (111: Connection refused) while connecting to upstream"));
    expect(e).toMatchObject({
      parsed: true,
      failure: true,
      class: "connection-refused",
      detail: null,
      errno: { number: 111, symbol: "ECONNREFUSED" },
      phase: "connecting",
      status: 502,
      nextUpstream: true,
      since: null,
      time: T,
      level: "error",
      connection: 41,
      message: "connect() failed (111: Connection refused) while connecting to upstream",
      upstream: "http://10.0.0.7:8080/cart/checkout?x=1",
      module: "proxy",
      peer: "10.0.0.7:8080",
      client: "10.0.0.1",
      server: "shop.test",
      host: "shop.test",
      request: { method: "GET", uri: "/cart/checkout?x=1", protocol: "HTTP/1.1" },
      confFile: null,
      confLine: null,
      confidence: "high",
      shape: "full",
      missing: [],
      redacted: [],
      prefix: null,
    });
  });

  it("non-fatal notes and skipped peers are not failures", () => {
    expect(
      explainLine(
        full("upstream server temporarily disabled while connecting to upstream", undefined, "warn"),
      ).failure,
    ).toBe(false);
    expect(
      explainLine(full('upstream sent more data than specified in "Content-Length" header')).failure,
    ).toBe(false);
    expect(
      explainLine(full("client prematurely closed connection while reading upstream", undefined, "info")),
    ).toMatchObject({
      failure: false,
      class: "not-upstream",
      confidence: "high",
    });
  });

  it("guessed classes and cut lines are low; partial lines medium; bare messages without phase or upstream low", () => {
    expect(explainLine(full("upstream hiccup while connecting to upstream")).confidence).toBe("low");
    const cut = `${T} [error] 7#7: *41 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.1, request: "GET /a`;
    expect(explainLine(cut).confidence).toBe("low");
    const noTime = `[error] 7#7: *41 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, upstream: "http://10.0.0.7:8080/"`;
    expect(explainLine(noTime)).toMatchObject({ confidence: "medium", shape: "partial", missing: ["time"] });
    expect(explainLine("connect() failed (111: Connection refused)")).toMatchObject({
      confidence: "low",
      shape: "message",
    });
    expect(
      explainLine("connect() failed (111: Connection refused) while connecting to upstream").confidence,
    ).toBe("medium");
    expect(explainLine("client closed connection while waiting for request")).toMatchObject({
      class: "not-upstream",
      confidence: "medium",
    });
  });

  it("not a line at all", () => {
    expect(explainLine("hello world")).toMatchObject({
      parsed: false,
      failure: false,
      class: null,
      phase: "other",
      status: null,
      confidence: null,
      shape: null,
      missing: [],
      redacted: [],
      title: "Not an nginx error-log line",
    });
  });
});

describe("check commands", () => {
  it("fill in the peer's host and port and the request path", () => {
    const refused = explainLine(
      full("connect() failed (111: Connection refused) while connecting to upstream"),
    );
    expect(refused.checks).toEqual([
      "ss -tlnp | grep ':8080 '",
      "curl -sv http://10.0.0.7:8080/ -o /dev/null",
      "systemctl status <backend service>",
    ]);
    const slow = explainLine(
      full("upstream timed out (110: Connection timed out) while reading response header from upstream"),
    );
    expect(slow.checks[0]).toBe(
      "curl -s -o /dev/null -w '%{time_starttransfer}\\n' http://10.0.0.7:8080/cart/checkout?x=1",
    );
    const v6 = explainLine(
      full("connect() failed (113: No route to host) while connecting to upstream", "http://[fd00::7]:8080/"),
    );
    expect(v6.checks).toEqual(["ip route get fd00::7", "ping -c 3 fd00::7"]);
  });

  it("name the virtual host for TLS, and leave placeholders when the line names no peer", () => {
    const tls = explainLine(
      full(
        "SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure) while SSL handshaking to upstream",
        "https://10.0.0.7:8443/",
      ),
    );
    expect(tls.checks[0]).toBe("openssl s_client -connect 10.0.0.7:8443 -servername shop.test </dev/null");
    const bare = explainLine("connect() failed (111: Connection refused)");
    expect(bare.peer).toBeNull();
    expect(bare.checks[0]).toBe("ss -tlnp | grep ':PORT '");
    const noPort = explainLine(
      full("connect() failed (111: Connection refused) while connecting to upstream", "http://backend/"),
    );
    expect(noPort.checks[0]).toBe("ss -tlnp | grep ':PORT '");
  });

  // Found while killing mutants: fill() used to substitute HOST inside the HOST:PORT placeholder again.
  it("with no peer, the placeholders stay HOST:PORT (never HOST:PORT:PORT)", () => {
    expect(explainLine("connect() failed (111: Connection refused)").checks[1]).toBe(
      "curl -sv http://HOST:PORT/ -o /dev/null",
    );
  });

  it("take the peer from the message when the upstream field is missing; unix sockets use the socket path", () => {
    const e = explainLine(
      `${T} [crit] 7#7: *41 connect() to unix:/run/php/fpm.sock failed (2: No such file or directory)`,
    );
    expect(e.peer).toBe("unix:/run/php/fpm.sock");
    expect(e.checks.join("\n")).toContain("/run/php/fpm.sock");
    expect(e.checks.join("\n")).not.toContain("PEER");
  });
});
