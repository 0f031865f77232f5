/**
 * One line per decision of src/nginx/errorlog/taxonomy.ts, each asserted on every field that decision sets
 * (class, phase, status, next-upstream, detail, since, errno). The messages are nginx's own wording (see
 * docs/error-log-messages.md); where a branch exists only for damaged pastes or for OpenResty, the line says so.
 * Written to kill the mutants Stryker left alive in the taxonomy (docs/testing.md).
 */
import { describe, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify, findErrno, isReload, phaseOf } from "../../../src/nginx/errorlog/taxonomy.js";

const T = "2026/11/24 10:00:00";
/** A line about a request proxied to an upstream, as nginx writes it. */
const up = (msg: string, level = "error", upstream = "http://127.0.0.1:8080/api") =>
  `${T} [${level}] 7#7: *41 ${msg}, client: 10.0.0.1, server: shop.test, request: "GET /api HTTP/1.1", upstream: "${upstream}", host: "shop.test"`;
/** A line about a client connection, no upstream named. */
const client = (msg: string, level = "error") =>
  `${T} [${level}] 7#7: *41 ${msg}, client: 10.0.0.1, server: shop.test`;

function cls(text: string) {
  const line = parseErrorLine(text);
  if (!line) throw new Error(`not parsed: ${text}`);
  const c = classify(line);
  return {
    class: c.class,
    phase: c.phase,
    status: c.status,
    next: c.nextUpstream,
    detail: c.detail,
    since: c.since,
    errno: c.errno?.symbol ?? null,
  };
}

const base = { detail: null, since: null, errno: null };

describe("errno-decided classes", () => {
  it.each([
    ["111: Connection refused", "connection-refused", "ECONNREFUSED"],
    ["113: No route to host", "host-unreachable", "EHOSTUNREACH"],
    ["112: Host is down", "host-unreachable", "EHOSTDOWN"],
    ["101: Network is unreachable", "network-unreachable", "ENETUNREACH"],
    ["100: Network is down", "network-unreachable", "ENETDOWN"],
    ["104: Connection reset by peer", "connection-reset", "ECONNRESET"],
    ["32: Broken pipe", "broken-pipe", "EPIPE"],
    ["99: Cannot assign requested address", "address-not-available", "EADDRNOTAVAIL"],
    ["13: Permission denied", "permission-denied", "EACCES"],
    ["11: Resource temporarily unavailable", "address-not-available", "EAGAIN"],
  ])("connect() failed (%s) over TCP → %s, 502, next upstream", (err, klass, sym) => {
    expect(cls(up(`connect() to 127.0.0.1:8080 failed (${err}) while connecting to upstream`))).toEqual({
      ...base,
      class: klass,
      phase: "connecting",
      status: 502,
      next: true,
      errno: sym,
    });
  });

  it.each([
    ["2: No such file or directory", "unix-socket-missing", "ENOENT"],
    ["13: Permission denied", "unix-socket-permission", "EACCES"],
    ["11: Resource temporarily unavailable", "unix-socket-busy", "EAGAIN"],
    ["111: Connection refused", "connection-refused", "ECONNREFUSED"],
  ])("connect() to a unix socket failed (%s) → %s", (err, klass, sym) => {
    const text = up(
      `connect() to unix:/run/php/fpm.sock failed (${err}) while connecting to upstream`,
      "crit",
      "fastcgi://unix:/run/php/fpm.sock:",
    );
    expect(cls(text)).toEqual({
      ...base,
      class: klass,
      phase: "connecting",
      status: 502,
      next: true,
      errno: sym,
    });
  });

  it("knows a unix peer from the message alone when the upstream field is cut off", () => {
    const text = `${T} [crit] 7#7: *41 connect() to unix:/run/app.sock failed (2: No such file or directory)`;
    expect(cls(text).class).toBe("unix-socket-missing");
    const inside = `${T} [crit] 7#7: *41 connect() to [unix:/run/app.sock] failed (13: Permission denied)`;
    expect(cls(inside).class).toBe("unix-socket-permission");
  });

  it("ENOENT toward a TCP peer is not a socket problem: the phase decides", () => {
    expect(
      cls(
        up("connect() to 127.0.0.1:8080 failed (2: No such file or directory) while connecting to upstream"),
      ),
    ).toEqual({
      ...base,
      class: "connection-refused",
      phase: "connecting",
      status: 502,
      next: true,
      detail: "unknown-message",
      errno: "ENOENT",
    });
  });

  it("descriptor exhaustion: 500 from socket(), no status from accept, never retried", () => {
    expect(
      cls(up("socket() failed (24: Too many open files) while connecting to upstream", "alert")),
    ).toEqual({
      ...base,
      class: "too-many-open-files",
      phase: "connecting",
      status: 500,
      next: false,
      errno: "EMFILE",
    });
    expect(cls(`${T} [alert] 7#7: accept4() failed (24: Too many open files)`)).toEqual({
      ...base,
      class: "too-many-open-files",
      phase: "other",
      status: null,
      next: false,
      errno: "EMFILE",
    });
    expect(cls(`${T} [alert] 7#7: accept4() failed (23: Too many open files in system)`)).toMatchObject({
      class: "too-many-open-files",
      errno: "ENFILE",
    });
  });

  it("client-side errnos are not upstream failures", () => {
    expect(cls(client("recv() failed (104: Connection reset by peer) while waiting for request"))).toEqual({
      ...base,
      class: "not-upstream",
      phase: "other",
      status: null,
      next: null,
      errno: "ECONNRESET",
    });
  });
});

describe("timeouts by phase", () => {
  it.each([
    ["connecting to upstream", "connect-timeout", "connecting", null],
    // nginx times the handshake with proxy_connect_timeout; the detail keeps it apart from a TCP connect timeout.
    ["SSL handshaking to upstream", "connect-timeout", "ssl-handshake", "ssl-handshake"],
    ["sending request to upstream", "send-timeout", "sending-request", null],
    ["reading response header from upstream", "read-timeout", "reading-response-header", null],
  ])("upstream timed out while %s → %s, 504, next upstream", (where, klass, phase, detail) => {
    expect(cls(up(`upstream timed out (110: Connection timed out) while ${where}`))).toEqual({
      ...base,
      class: klass,
      phase,
      detail,
      status: 504,
      next: true,
      errno: "ETIMEDOUT",
    });
  });

  it("a connect() that times out with ETIMEDOUT is a connect timeout too, but answered 502", () => {
    // The kernel's ETIMEDOUT comes back through ngx_http_upstream_test_connect as NGX_HTTP_UPSTREAM_FT_ERROR, not
    // FT_TIMEOUT: the client gets 502, unlike "upstream timed out" (nginx's own timer, 504).
    expect(
      cls(up("connect() to 10.0.0.9:8080 failed (110: Connection timed out) while connecting to upstream")),
    ).toEqual({
      ...base,
      class: "connect-timeout",
      phase: "connecting",
      status: 502,
      next: true,
      errno: "ETIMEDOUT",
    });
  });
});

describe("messages matched by their wording", () => {
  it("no live upstreams: 502, nothing left to try", () => {
    expect(cls(up("no live upstreams while connecting to upstream", "error", "http://shop/"))).toEqual({
      ...base,
      class: "no-live-upstreams",
      phase: "connecting",
      status: 502,
      next: false,
    });
  });

  it("too big header, premature close", () => {
    expect(cls(up("upstream sent too big header while reading response header from upstream"))).toEqual({
      ...base,
      class: "too-big-header",
      phase: "reading-response-header",
      status: 502,
      next: false,
    });
    expect(
      cls(up("upstream prematurely closed connection while reading response header from upstream")),
    ).toEqual({
      ...base,
      class: "premature-close",
      phase: "reading-response-header",
      status: 502,
      next: true,
    });
  });

  it("a peer marked down is explained by the phase it was skipped in, with no status of its own", () => {
    const disabled = (where: string) =>
      cls(up(`upstream server temporarily disabled while ${where}`, "warn"));
    expect(disabled("connecting to upstream")).toEqual({
      ...base,
      class: "connection-refused",
      phase: "connecting",
      status: null,
      next: null,
      detail: "peer-disabled",
    });
    expect(disabled("SSL handshaking to upstream").class).toBe("tls-handshake");
    expect(disabled("sending request to upstream").class).toBe("broken-pipe");
    expect(disabled("reading response header from upstream").class).toBe("invalid-response");
  });

  it("TLS toward the upstream: verify errors, name mismatch, handshakes", () => {
    const tls = (msg: string) => cls(up(msg, "error", "https://127.0.0.1:8443/api"));
    expect(
      tls(
        "upstream SSL certificate verify error: (18:self signed certificate) while SSL handshaking to upstream",
      ),
    ).toEqual({
      ...base,
      class: "tls-verify",
      phase: "ssl-handshake",
      status: 502,
      next: true,
      detail: "self-signed",
    });
    expect(
      tls(
        "upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream",
      ).detail,
    ).toBe("self-signed");
    expect(
      tls(
        "upstream SSL certificate verify error: (10:certificate has expired) while SSL handshaking to upstream",
      ).detail,
    ).toBe("verify-error");
    expect(
      tls('upstream SSL certificate does not match "api.internal" while SSL handshaking to upstream'),
    ).toEqual({
      ...base,
      class: "tls-verify",
      phase: "ssl-handshake",
      status: 502,
      next: true,
      detail: "name-mismatch",
    });
    const hs = (err: string) =>
      tls(
        `SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::${err}) while SSL handshaking to upstream`,
      );
    expect(hs("wrong version number")).toEqual({
      ...base,
      class: "tls-handshake",
      phase: "ssl-handshake",
      status: 502,
      next: true,
      detail: "wrong-version-number",
    });
    expect(hs("unknown protocol").detail).toBe("wrong-version-number");
    expect(hs("packet length too long").detail).toBe("wrong-version-number");
    expect(hs("tlsv1 alert internal error").detail).toBeNull();
    expect(tls("peer closed connection in SSL handshake while SSL handshaking to upstream")).toEqual({
      ...base,
      class: "tls-handshake",
      phase: "ssl-handshake",
      status: 502,
      next: true,
      detail: "peer-closed",
    });
    expect(tls("upstream prematurely sent response while SSL handshaking to upstream")).toEqual({
      ...base,
      class: "tls-handshake",
      phase: "ssl-handshake",
      status: 502,
      next: true,
      detail: "plain-response-on-tls",
      since: "1.29.5",
    });
  });

  it("a client's failed handshake with nginx's own listener is not an upstream failure", () => {
    const text = `${T} [info] 7#7: *41 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking, client: 10.0.0.1, server: 0.0.0.0:443`;
    expect(cls(text)).toEqual({
      ...base,
      class: "not-upstream",
      phase: "other",
      status: null,
      next: null,
      detail: "client-tls",
    });
    const peer = `${T} [info] 7#7: *41 peer closed connection in SSL handshake while SSL handshaking, client: 10.0.0.1, server: 0.0.0.0:443`;
    expect(cls(peer).detail).toBe("client-tls");
    // Without the phase but naming an upstream in the text, it stays an upstream handshake.
    const named = `${T} [error] 7#7: *41 SSL_do_handshake() failed (SSL: bad record) to upstream`;
    expect(cls(named).class).toBe("tls-handshake");
  });

  it("FastCGI stderr carries no status of its own", () => {
    expect(
      cls(
        up(
          'FastCGI sent in stderr: "PHP message: boom" while reading response header from upstream',
          "error",
          "fastcgi://127.0.0.1:9000",
        ),
      ),
    ).toEqual({
      ...base,
      class: "fastcgi-stderr",
      phase: "reading-response-header",
      status: null,
      next: null,
    });
  });

  it("invalid responses, by what the upstream sent", () => {
    const sent = (msg: string, level = "error") =>
      cls(up(`${msg} while reading response header from upstream`, level));
    const fatal = {
      ...base,
      class: "invalid-response",
      phase: "reading-response-header",
      status: 502,
      next: false,
    };
    expect(sent("upstream sent invalid header")).toEqual({ ...fatal, detail: "invalid-header" });
    expect(
      sent('upstream sent duplicate header line: "Content-Length: 5", previous value: "Content-Length: 4"'),
    ).toEqual({
      ...fatal,
      detail: "framing",
      since: "1.23.0",
    });
    expect(sent('upstream sent "Content-Length" and "Transfer-Encoding" headers at the same time')).toEqual({
      ...fatal,
      detail: "framing",
      since: "1.23.0",
    });
    expect(sent("upstream sent invalid chunked response")).toEqual({ ...fatal, detail: "invalid-chunked" });
    expect(sent("upstream sent unexpected FastCGI record: 3")).toEqual({ ...fatal, detail: "other" });
    expect(sent("upstream sent no valid HTTP/1.0 header")).toEqual({
      ...fatal,
      status: null,
      detail: "no-valid-header",
    });
    const nonFatal = { ...fatal, status: null, next: null, detail: "non-fatal", since: "1.19.1" };
    expect(sent('upstream sent more data than specified in "Content-Length" header')).toEqual(nonFatal);
    expect(sent("upstream sent data after final chunk")).toEqual(nonFatal);
    expect(sent("upstream sent invalid header", "warn")).toEqual(nonFatal);
    expect(sent("upstream closed prematurely FastCGI stdout")).toEqual({ ...fatal, detail: "protocol" });
    expect(sent("upstream rejected request with http2 error 2")).toEqual({ ...fatal, detail: "protocol" });
    expect(sent("upstream gRPC status is unknown")).toEqual({ ...fatal, detail: "protocol" });
  });

  it("worker_connections: 500, with or without reuse", () => {
    expect(
      cls(`${T} [alert] 7#7: *41 768 worker_connections are not enough while connecting to upstream`),
    ).toEqual({
      ...base,
      class: "worker-connections",
      phase: "connecting",
      status: 500,
      next: false,
    });
    expect(cls(`${T} [warn] 7#7: 768 worker_connections are not enough, reusing connections`).detail).toBe(
      "reusing",
    );
  });
});

describe("resolver", () => {
  it("a name nginx could not resolve at run time: 502, not retried, resolver's own codes", () => {
    expect(
      cls(up("api.internal could not be resolved (3: Host not found)", "error", "http://api.internal/")),
    ).toEqual({
      ...base,
      class: "dns-failure",
      phase: "resolving",
      status: 502,
      next: false,
      detail: "runtime",
      errno: "RESOLVER_NXDOMAIN",
    });
    expect(cls(up("api.internal could not be resolved (110: Operation timed out)")).errno).toBe(
      "RESOLVER_TIMEDOUT",
    );
    expect(cls(up("api.internal could not be resolved (2: Server failure)")).errno).toBe("RESOLVER_SERVFAIL");
    expect(cls(up("api.internal could not be resolved (5: Operation refused)")).errno).toBe(
      "RESOLVER_REFUSED",
    );
    expect(cls(up("api.internal could not be resolved (1: Format error)")).errno).toBe("RESOLVER_FORMERR");
    expect(cls(up("api.internal could not be resolved (4: Unimplemented)")).errno).toBe("RESOLVER_NOTIMP");
  });

  it.each([
    "unexpected response for api.internal",
    "unexpected DNS response for api.internal",
    "dns resolver failed to answer",
  ])("%s → dns-failure (runtime)", (msg) => {
    expect(cls(client(msg))).toMatchObject({
      class: "dns-failure",
      phase: "resolving",
      status: 502,
      next: false,
      detail: "runtime",
    });
  });

  it("host not found at start-up: no client status", () => {
    expect(
      cls(
        `${T} [emerg] 7#7: host not found in upstream "api.internal:8080" in /etc/nginx/conf.d/shop.conf:12`,
      ),
    ).toEqual({
      ...base,
      class: "dns-failure",
      phase: "resolving",
      status: null,
      next: false,
      detail: "config",
    });
  });

  it("the resolver itself unreachable", () => {
    expect(
      cls(`${T} [error] 7#7: recv() failed (111: Connection refused) while resolving, resolver: 10.0.0.2:53`),
    ).toEqual({
      ...base,
      class: "dns-failure",
      phase: "resolving",
      // The resolver's own socket: no client connection, so no request's status follows from this line.
      status: null,
      next: false,
      detail: "resolver-unreachable",
    });
    // An odd "no resolver …" wording while resolving still ends up a DNS failure, by its phase.
    expect(cls(`${T} [error] 7#7: *41 no resolver answered while resolving, client: 10.0.0.1`)).toMatchObject(
      {
        class: "dns-failure",
        phase: "resolving",
        detail: "unknown-message",
      },
    );
  });

  it("no resolver defined", () => {
    expect(cls(up("no resolver defined to resolve api.internal", "error", "http://api.internal/"))).toEqual({
      ...base,
      class: "no-resolver",
      phase: "resolving",
      status: 502,
      next: false,
    });
    expect(cls(client("no resolver defined for this location"))).toEqual({
      ...base,
      class: "no-resolver",
      phase: "resolving",
      status: 502,
      next: false,
    });
  });
});

describe("not upstream failures", () => {
  it.each([
    "client prematurely closed connection while reading client request body",
    "client closed connection while waiting for request",
    "client timed out (110: Connection timed out) while reading client request headers",
    "client intended to send too large body: 1048577 bytes",
    "client sent invalid method while reading client request line",
    "client closed keepalive connection",
    "upstream said: client prematurely closed connection",
    "client read timed out",
  ])("%s", (msg) => {
    expect(cls(up(msg))).toMatchObject({ class: "not-upstream", status: null, next: null });
  });

  it("buffering notes, debug traces and Lua info lines", () => {
    expect(
      cls(
        up(
          "an upstream response is buffered to a temporary file /var/cache/nginx/1 while reading upstream",
          "warn",
        ),
      ),
    ).toMatchObject({ class: "not-upstream", status: null, next: null, detail: "buffered" });
    expect(cls(up("upstream response is buffered to a temporary file", "warn")).detail).toBe("buffered");
    expect(
      cls(up("recv() failed (111: Connection refused) while connecting to upstream", "debug")),
    ).toMatchObject({
      class: "not-upstream",
      status: null,
      next: null,
    });
    expect(cls(up("[lua] access.lua:3: connect(): connection refused", "info")).class).toBe("not-upstream");
    expect(cls(up("lua tcp socket connect timed out", "notice")).class).toBe("not-upstream");
  });

  it("unknown messages: [error] lines about an upstream are guessed from the phase, warnings are non-fatal", () => {
    expect(cls(up("upstream hiccup while connecting to upstream"))).toEqual({
      ...base,
      class: "connection-refused",
      phase: "connecting",
      status: 502,
      next: true,
      detail: "unknown-message",
    });
    for (const level of ["warn", "notice", "info"])
      expect(cls(up("upstream hiccup while sending request to upstream", level))).toEqual({
        ...base,
        class: "broken-pipe",
        phase: "sending-request",
        status: null,
        next: null,
        detail: "non-fatal",
      });
    expect(cls(client('open() "/srv/www/favicon.ico" failed (2: No such file or directory)'))).toEqual({
      ...base,
      class: "not-upstream",
      phase: "other",
      status: null,
      next: null,
      detail: "local-file",
      errno: "ENOENT",
    });
  });
});

describe("OpenResty Lua", () => {
  const lua = (msg: string) => cls(up(`[lua] handler.lua:12: ${msg}`));
  it("maps cosocket failures to classes without claiming a client status", () => {
    expect(lua('no resolver defined to resolve "api"')).toEqual({
      ...base,
      class: "no-resolver",
      phase: "resolving",
      status: null,
      next: false,
    });
    expect(
      lua("lua ssl certificate verify error: (20: unable to get local issuer certificate)"),
    ).toMatchObject({
      class: "tls-verify",
      detail: "lua",
      status: null,
      next: null,
    });
    expect(lua("handshake: certificate verify failed").class).toBe("tls-verify");
    expect(lua("lua tcp socket connect timed out")).toMatchObject({
      class: "connect-timeout",
      detail: "lua",
      status: null,
    });
    expect(lua("failed to connect: connect timed out").class).toBe("connect-timeout");
    expect(lua("lua tcp socket read timed out")).toMatchObject({
      class: "read-timeout",
      detail: "lua",
      status: null,
      next: null,
    });
    expect(lua("failed to connect: connection refused")).toMatchObject({
      class: "connection-refused",
      detail: "lua",
      next: null,
    });
    expect(lua('failed to resolve "api": timeout')).toMatchObject({
      class: "dns-failure",
      detail: "lua",
      next: false,
      phase: "resolving",
    });
    expect(lua('"api" could not be resolved')).toMatchObject({ class: "dns-failure", detail: "lua" });
    expect(cls(up("lua tcp socket read timed out"))).toMatchObject({ class: "read-timeout", detail: "lua" });
  });

  it("other Lua errors fall through to the ordinary rules", () => {
    expect(lua("upstream timed out while reading response header from upstream").detail).toBe(
      "unknown-message",
    );
  });
});

describe("pasted text and context", () => {
  it("'upstream' inside a quoted file name does not make a line about upstreams", () => {
    const missing = client('open() "/srv/upstream/a1b2" failed (2: No such file or directory)');
    expect(cls(missing)).toMatchObject({ class: "not-upstream", detail: "local-file" });
    // Outside the quotes it still does: an unknown wording about an upstream keeps its guessed class.
    expect(cls(client('upstream "/srv/x" went away (71: Protocol error)')).detail).toBe("unknown-message");
  });

  it("strips what a paste wrapped around the message, up to 8 characters", () => {
    expect(
      cls(up("**upstream timed out (110: Connection timed out) while connecting to upstream")).class,
    ).toBe("connect-timeout");
    expect(cls(up("Upstream timed out (110: Connection timed out) while connecting to upstream")).class).toBe(
      "connect-timeout",
    );
    expect(
      cls(up("_'\"- upstream prematurely closed connection while reading response header from upstream"))
        .class,
    ).toBe("premature-close");
    // Nine wrapping characters: the ninth stays and the message is no longer recognised.
    expect(
      cls(up("*********upstream prematurely closed connection while reading response header from upstream"))
        .detail,
    ).toBe("unknown-message");
  });

  it("stream lines have no HTTP status; start-up lines without a connection are detail 'config'", () => {
    const stream = `${T} [error] 7#7: *41 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: 0.0.0.0:5432, upstream: "10.0.0.5:5432", bytes from/to client:0/0, bytes from/to upstream:0/0`;
    expect(cls(stream)).toEqual({
      ...base,
      class: "connection-refused",
      phase: "connecting",
      status: null,
      next: true,
      errno: "ECONNREFUSED",
    });
    const conf = `${T} [emerg] 7#7: connect() to 10.0.0.5:8080 failed (111: Connection refused) in /etc/nginx/nginx.conf:5`;
    expect(cls(conf)).toMatchObject({ class: "connection-refused", status: null, detail: "config" });
  });
});

describe("helpers", () => {
  it("findErrno reads the first (N: text), at most five digits, text up to the parenthesis", () => {
    expect(findErrno("x (see docs) failed (111: Connection refused) (2: later)")).toEqual({
      number: 111,
      symbol: "ECONNREFUSED",
      text: "Connection refused",
    });
    expect(findErrno("failed (12345: odd)")).toEqual({ number: 12345, symbol: null, text: "odd" });
    expect(findErrno("failed (123456: odd)")).toBeNull();
    expect(findErrno("failed (111: cut off")).toEqual({
      number: 111,
      symbol: "ECONNREFUSED",
      text: "cut off",
    });
    expect(findErrno("failed (111:no space)")).toBeNull();
    expect(findErrno("failed (: none)")).toBeNull();
    expect(findErrno("(3: Host not found)", true)).toEqual({
      number: 3,
      symbol: "RESOLVER_NXDOMAIN",
      text: "Host not found",
    });
    expect(findErrno("(3: x)", false)?.symbol).toBeNull();
    expect(findErrno("(12: Cannot allocate memory)")?.symbol).toBe("ENOMEM");
    expect(findErrno("(98: Address already in use)")?.symbol).toBe("EADDRINUSE");
    expect(findErrno("(103: Software caused connection abort)")?.symbol).toBe("ECONNABORTED");
    expect(findErrno("(107: Transport endpoint is not connected)")?.symbol).toBe("ENOTCONN");
  });

  it("phaseOf reads the last ' while ' clause", () => {
    expect(phaseOf("x while connecting to upstream")).toBe("connecting");
    expect(phaseOf("x while reading upstream")).toBe("reading-response");
    expect(phaseOf("x while proxying upgraded connection")).toBe("reading-response");
    expect(phaseOf("x while reading from upstream")).toBe("reading-response");
    expect(phaseOf("x while resolving")).toBe("resolving");
    expect(phaseOf("x while closing request")).toBe("other");
    expect(phaseOf("a while ago while sending request to upstream")).toBe("sending-request");
    expect(phaseOf("x could not be resolved")).toBe("resolving");
    expect(phaseOf("no resolver defined to resolve x")).toBe("resolving");
    expect(phaseOf("nothing here")).toBe("other");
    expect(phaseOf("x whilesending request to upstream")).toBe("other");
  });

  it("isReload: only the master's reconfiguring notes", () => {
    expect(isReload("reconfiguring")).toBe(true);
    expect(isReload("signal 1 (SIGHUP) received from 4242, reconfiguring")).toBe(true);
    expect(isReload("reconfiguring now")).toBe(false);
    expect(isReload("not reconfiguring")).toBe(false);
  });
});

describe("edges found by mutation testing", () => {
  it("findErrno skips parentheses that are not '(N: text)'", () => {
    expect(findErrno("12: x (111: Connection refused)")?.number).toBe(111);
    expect(findErrno("(-1: x)")).toBeNull();
    expect(findErrno("(111x y) (2: No such file or directory)")).toEqual({
      number: 2,
      symbol: "ENOENT",
      text: "No such file or directory",
    });
  });

  it("phaseOf reads the clause by its start, whatever follows it", () => {
    expect(phaseOf(" while connecting to upstream")).toBe("connecting");
    expect(phaseOf("x while SSL handshaking to upstream, y")).toBe("ssl-handshake");
    expect(phaseOf("x while sending request to upstream, y")).toBe("sending-request");
    expect(phaseOf("x while reading response header from upstream, y")).toBe("reading-response-header");
    expect(phaseOf("x while reading upstream, y")).toBe("reading-response");
    expect(phaseOf("x while reading from upstream, y")).toBe("reading-response");
  });

  it("a unix upstream is known from the upstream field when the message lost its start", () => {
    const text = `${T} [crit] 7#7: *41 (2: No such file or directory) while connecting to upstream, client: 10.0.0.1, server: s, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php/fpm.sock:", host: "s"`;
    expect(cls(text)).toMatchObject({
      class: "unix-socket-missing",
      phase: "connecting",
      status: 502,
      next: true,
    });
  });

  it("a message that mentions a unix path but is not a connect() to it does not make a TCP peer a socket", () => {
    expect(
      cls(up("bind(unix:/run/x.sock) failed (13: Permission denied) while connecting to upstream")).class,
    ).toBe("permission-denied");
  });

  it("an errno on a line that names an upstream counts even without the phase", () => {
    expect(cls(up("recv() failed (104: Connection reset by peer)"))).toMatchObject({
      class: "connection-reset",
      phase: "other",
      status: 502,
      next: true,
    });
  });

  it("a TLS handshake failure on a line that names an upstream is the upstream's, even without the phase", () => {
    const text = up(
      "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number)",
      "error",
      "https://10.0.0.5:443/",
    );
    expect(cls(text)).toMatchObject({ class: "tls-handshake", detail: "wrong-version-number", status: 502 });
  });

  it("'upstream timed out' without its errno is still a timeout of the phase", () => {
    expect(cls(up("upstream timed out while reading response header from upstream"))).toEqual({
      ...base,
      class: "read-timeout",
      phase: "reading-response-header",
      status: 504,
      next: true,
    });
  });

  it("other 'client closed …' messages are the client's", () => {
    expect(cls(up("client closed prematurely while reading client request body")).class).toBe("not-upstream");
  });

  it("protocol words only mark messages that start with 'upstream '", () => {
    expect(cls(up("unexpected FastCGI record type 7 while reading response header from upstream"))).toEqual({
      ...base,
      class: "invalid-response",
      phase: "reading-response-header",
      status: 502,
      next: false,
      detail: "unknown-message",
    });
  });

  it("no-resolver lines are in the resolving phase whatever their clause says", () => {
    expect(cls(up("no resolver defined to resolve api.internal while connecting to upstream"))).toMatchObject(
      {
        class: "no-resolver",
        phase: "resolving",
      },
    );
  });

  it("a start-up line keeps its own detail and has no client status", () => {
    expect(
      cls(
        `${T} [warn] 1#1: api.internal could not be resolved (3: Host not found) in /etc/nginx/nginx.conf:12`,
      ),
    ).toMatchObject({
      class: "dns-failure",
      detail: "runtime",
      status: null,
    });
  });
});
