/**
 * Cause rules on hand-built Evidence: error groups written out here (class chosen by hand, fields taken
 * from a real-looking nginx line), the configuration model from each fixture's nginx.conf. These pin the
 * behaviour of each rule independently of the error-log classifier: what it claims, how it is told apart
 * from its neighbours, the confidence order, the status, and that messages/fixes cite the config line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gatherAccess } from "../../src/evidence/gather.js";
import { type ErrorGroup, type Evidence, emptyEvidence, type ProbeFact } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import { CAUSE_RULES } from "../../src/rules/causes/index.js";
import { confidence } from "../../src/rules/causes/util.js";
import { diagnose } from "../../src/rules/diagnose.js";
import type { Finding } from "../../src/rules/types.js";

const FIX = resolve(import.meta.dirname, "../fixtures/causes");
const confPath = (id: string) => join(FIX, id, "nginx.conf");

/** Line number (1-based) of the first line of a fixture's nginx.conf containing `text`. */
function lineOf(id: string, text: string): number {
  const i = readFileSync(confPath(id), "utf8")
    .split("\n")
    .findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${id}/nginx.conf`);
  return i + 1;
}

const TS = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d) /;

/** An ErrorGroup for `count` lines like `line`, of class `cls` (the class is chosen by the test, not parsed). */
function group(cls: ErrorClass, line: string, count = 10, details: string[] = []): ErrorGroup {
  const up = /, upstream: "([^"]*)"/.exec(line)?.[1] ?? null;
  const connectTo = /connect\(\) to (\S+) failed/.exec(line)?.[1] ?? null;
  let peer: string | null = connectTo;
  let grp: string | null = null;
  if (!peer && up) {
    const rest = up.replace(/^[a-z]+:\/\//, "");
    if (rest.startsWith("unix:")) peer = rest.replace(/:[^:]*$/, "");
    else {
      const hostPort = rest.split("/")[0] ?? "";
      if (/^[\d.]+:\d+$|^\[[\da-f:]+\]:\d+$/i.test(hostPort)) peer = hostPort;
      else grp = hostPort;
    }
  }
  const m = TS.exec(line);
  const t = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}` : null;
  return {
    class: cls,
    peer,
    upstream: up,
    group: grp,
    server: /, server: ([^,]+)/.exec(line)?.[1] ?? null,
    host: /, host: "([^"]*)"/.exec(line)?.[1] ?? null,
    count,
    first: t,
    last: t,
    samples: [{ text: line, file: "error.log", line: 2 }],
    uris: [/, request: "\S+ (\S+)/.exec(line)?.[1] ?? "/"],
    details,
  };
}

function line(
  msg: string,
  opts: { level?: string; action?: string; uri?: string; upstream?: string; host?: string } = {},
): string {
  const host = opts.host ?? "www.example.com";
  return `2026/11/24 09:14:00 [${opts.level ?? "error"}] 2210#2210: *4103 ${msg}${opts.action ? ` while ${opts.action}` : ""}, client: 203.0.113.24, server: ${host}, request: "GET ${opts.uri ?? "/"} HTTP/1.1"${opts.upstream ? `, upstream: "${opts.upstream}"` : ""}, host: "${host}"`;
}

function evidence(
  fixture: string,
  groups: ErrorGroup[],
  probes: ProbeFact[] | null = null,
  confText?: string,
): Evidence {
  const ev = emptyEvidence("files");
  const file = confText ? "/etc/nginx/nginx.conf" : confPath(fixture);
  const text = confText ?? readFileSync(file, "utf8");
  ev.config = { model: modelFromText(text, file).model, source: file, errors: [] };
  ev.errorLog = { files: ["error.log"], lines: 200, byClass: {}, groups, first: null, last: null };
  ev.probes = probes;
  return ev;
}

function top(ev: Evidence): Finding {
  const f = diagnose(ev).findings[0];
  if (!f) throw new Error("no finding");
  return f;
}

const REFUSED = (peer: string, uri = "/") =>
  line("connect() failed (111: Connection refused)", {
    action: "connecting to upstream",
    uri,
    upstream: `http://${peer}${uri}`,
  });

describe("registry", () => {
  it("has one rule per documented cause id, each with a docs page path", () => {
    const ids = CAUSE_RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(
      expect.arrayContaining([
        "upstream-down",
        "wrong-port",
        "scheme-mismatch",
        "dns-stale",
        "dns-unresolvable",
        "no-resolver",
        "upstream-timeout",
        "invalid-response",
        "too-big-header",
        "tls-upstream",
        "unix-socket-missing",
        "unix-socket-permission",
        "upstream-overloaded",
        "permission-denied",
        "connection-limit",
        "fd-limit",
        "ephemeral-ports",
        "no-live-upstreams",
        "fastcgi-script-path",
        "uri-rewrite",
        "upstream-errors-unexplained",
      ]),
    );
    const index = readFileSync(resolve(FIX, "../../../docs/rules/causes.md"), "utf8");
    for (const r of CAUSE_RULES) {
      const page = readFileSync(resolve(FIX, "../../../docs/rules", `${r.meta.id}.md`), "utf8");
      // a hand-written page with the sections every cause page has, and a row in the index
      expect(page, r.meta.id).toContain(`\n# ${r.meta.id} — `);
      for (const h of [
        "## What it means",
        "## 502, 504 or 500?",
        "## How badgateway decides",
        "## Fix",
        "## Verify",
      ])
        expect(page, `${r.meta.id}: ${h}`).toContain(h);
      if (r.meta.status) expect(page, r.meta.id).toContain(String(r.meta.status));
      expect(index).toContain(`[\`${r.meta.id}\`](${r.meta.id}.md)`);
    }
  });
});

describe("upstream-down vs wrong-port", () => {
  const g = () => group("connection-refused", REFUSED("127.0.0.1:8081", "/api/users"), 14);
  const probe = (port: number): ProbeFact => ({
    target: "http://127.0.0.1:8081",
    peer: "127.0.0.1:8081",
    check: "tcp",
    ok: false,
    problem: "connection-refused",
    summary: "refused",
    data: { nearbyListeners: [{ port }] },
  });

  it("refused with no probe is upstream-down, citing the upstream server line", () => {
    const f = top(evidence("wrong-port", [g()]));
    expect(f.id).toBe("upstream-down");
    expect(f.status).toBe(502);
    expect(f.message).toContain(
      `proxy_pass http://api_backend at ${confPath("wrong-port")}:${lineOf("wrong-port", "proxy_pass http://api_backend;")}`,
    );
    expect(f.locations).toContainEqual({
      file: confPath("wrong-port"),
      line: lineOf("wrong-port", "server 127.0.0.1:8081;"),
    });
  });

  it("a listener on a neighbouring port turns it into wrong-port, and upstream-down no longer fires", () => {
    const r = diagnose(evidence("wrong-port", [g()], [probe(8080)]));
    expect(r.findings.map((f) => f.id)).toEqual(["wrong-port"]);
    const f = r.findings[0] as Finding;
    expect(f.fix).toContain("to 8080 at");
    expect(f.fix).toContain(`nginx.conf:${lineOf("wrong-port", "server 127.0.0.1:8081;")}`);
    expect(f.verify).toContain("127.0.0.1:8080");
  });

  it("an unrelated listener (ssh on 22) does not make it a wrong port", () => {
    expect(top(evidence("wrong-port", [g()], [probe(22)])).id).toBe("upstream-down");
  });

  it("refused on a unix socket is a stale socket, not a down TCP backend", () => {
    const l = line("connect() to unix:/run/php/php8.2-fpm.sock failed (111: Connection refused)", {
      action: "connecting to upstream",
      uri: "/index.php",
      upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:",
    });
    const f = top(evidence("unix-socket-missing", [group("connection-refused", l)]));
    expect(f.id).toBe("unix-socket-missing");
    expect(f.message).toContain("exists but no process accepts");
  });
});

describe("scheme-mismatch vs tls-upstream vs invalid-response", () => {
  const handshake = (reason: string) =>
    line(`SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::${reason})`, {
      action: "SSL handshaking to upstream",
      upstream: "https://127.0.0.1:8080/",
    });

  it("https:// to a plain port (wrong version number) is scheme-mismatch, fix says http://", () => {
    const f = top(
      evidence("scheme-mismatch", [
        // The reader gives OpenSSL's "wrong version number" lines this detail (classify, peerSpeaksPlain).
        group("tls-handshake", handshake("wrong version number"), 11, ["wrong-version-number"]),
      ]),
    );
    expect(f.id).toBe("scheme-mismatch");
    expect(f.fix).toContain("Change `https://` to `http://`");
    expect(f.fix).toContain(`nginx.conf:${lineOf("scheme-mismatch", "proxy_pass https://")}`);
  });

  it("nginx 1.29.5's 'upstream prematurely sent response' on an https upstream is scheme-mismatch too", () => {
    const l = line("upstream prematurely sent response", {
      action: "reading response header from upstream",
      upstream: "https://127.0.0.1:8080/",
    });
    const f = top(evidence("scheme-mismatch", [group("tls-handshake", l, 6, ["plain-response-on-tls"])]));
    expect(f.id).toBe("scheme-mismatch");
    expect(f.fix).toContain("Change `https://` to `http://`");
  });

  it("a handshake failure that is not a plain-text port is tls-upstream", () => {
    const l = handshake("sslv3 alert handshake failure:SSL alert number 40");
    const f = top(
      evidence("scheme-mismatch", [group("tls-handshake", l, 5, ["sslv3 alert handshake failure"])]),
    );
    expect(f.id).toBe("tls-upstream");
    expect(f.fix).toContain("proxy_ssl_server_name on");
  });

  it("certificate verification errors are tls-upstream and name the configured CA file", () => {
    const l = line("upstream SSL certificate verify error: (18:self-signed certificate)", {
      action: "SSL handshaking to upstream",
      upstream: "https://127.0.0.1:8443/charge",
    });
    const f = top(evidence("tls-upstream", [group("tls-verify", l, 9)]));
    expect(f.id).toBe("tls-upstream");
    expect(f.message).toContain("/etc/nginx/ssl/corp-ca.pem");
    expect(f.fix).toContain("proxy_ssl_trusted_certificate");
  });

  it("http:// to port 443 with a garbage reply is scheme-mismatch; the same reply from port 8000 is invalid-response", () => {
    const conf = "scheme-mismatch";
    const text =
      "http {\n  server {\n    listen 80;\n    location / {\n      proxy_pass http://127.0.0.1:443;\n    }\n  }\n}\n";
    const tlsPort = line("upstream sent no valid HTTP/1.0 header", {
      action: "reading response header from upstream",
      upstream: "http://127.0.0.1:443/",
    });
    const sm = top(evidence(conf, [group("invalid-response", tlsPort, 4)], null, text));
    expect(sm.id).toBe("scheme-mismatch");
    expect(sm.fix).toContain("Change `http://` to `https://` in the proxy_pass at /etc/nginx/nginx.conf:5");
    const plain = line("upstream prematurely closed connection", {
      action: "reading response header from upstream",
      upstream: "http://127.0.0.1:8000/dashboard",
    });
    const f = top(evidence("invalid-response", [group("premature-close", plain, 12)]));
    expect(f.id).toBe("invalid-response");
    expect(f.message).toContain("closes the connection before sending a complete response header");
    expect(f.message).toContain(
      `nginx.conf:${lineOf("invalid-response", "proxy_pass http://127.0.0.1:8000;")}`,
    );
  });
});

describe("upstream-timeout verdicts", () => {
  const readTo = line("upstream timed out (110: Connection timed out)", {
    action: "reading response header from upstream",
    uri: "/reports/generate",
    upstream: "http://127.0.0.1:5000/reports/generate",
    host: "reports.example.com",
  });

  const tmp = mkdtempSync(join(tmpdir(), "bg-causes-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Evidence plus a real access-log summary: `ok` 200s taking `okTime` s, `slow` 504s after 30 s. */
  async function withAccess(ev: Evidence, ok: number, okTime: number, slow: number): Promise<Evidence> {
    const lines: string[] = [];
    for (let i = 0; i < ok + slow; i++) {
      const fail =
        i % Math.max(1, Math.floor((ok + slow) / Math.max(slow, 1))) === 0 &&
        slow > 0 &&
        lines.filter((l) => l.includes(" 504 ")).length < slow;
      const t = fail ? "30.001" : (okTime * (0.9 + (i % 10) / 100)).toFixed(3);
      const ss = String(i % 60).padStart(2, "0");
      lines.push(
        `198.51.100.7 - - [24/Nov/2026:09:14:${ss} +0000] "GET /reports/daily HTTP/1.1" ${fail ? 504 : 200} 2150 "-" "curl/8.5.0" ua="127.0.0.1:5000" us="${fail ? 504 : 200}" urt="${t}" rt=${t}`,
      );
    }
    const file = join(tmp, `access-${ok}-${slow}.log`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    await gatherAccess(ev, [file], {});
    expect(ev.accessLog?.matched).toBe(ok + slow);
    return ev;
  }

  it("reports 504, the phase and the configured timeout with its line", () => {
    const f = top(evidence("upstream-timeout", [group("read-timeout", readTo, 8)]));
    expect(f).toMatchObject({ id: "upstream-timeout", status: 504 });
    expect(f.message).toContain("waiting for the response");
    expect(f.message).toContain(
      `proxy_read_timeout, ${confPath("upstream-timeout")}:${lineOf("upstream-timeout", "proxy_read_timeout 30s")}`,
    );
  });

  it("backend hanging on many requests → fix the backend, not the timeout", async () => {
    const f = top(
      await withAccess(evidence("upstream-timeout", [group("read-timeout", readTo, 8)]), 20, 0.2, 8),
    );
    expect(f.message).toContain("fix the backend rather than the timeout");
    expect(f.fix).toMatch(/^Find what makes the backend slow/);
  });

  it("normal requests already near the limit → the timeout is too low, raise it at its line", async () => {
    const f = top(
      await withAccess(evidence("upstream-timeout", [group("read-timeout", readTo, 2)]), 200, 27, 2),
    );
    expect(f.message).toContain("the timeout is too tight");
    expect(f.fix).toContain(
      `Raise proxy_read_timeout at ${confPath("upstream-timeout")}:${lineOf("upstream-timeout", "proxy_read_timeout 30s")}`,
    );
  });

  it("compares each location's upstream p99 with that location's own read timeout", async () => {
    const near = top(
      await withAccess(evidence("upstream-timeout", [group("read-timeout", readTo, 2)]), 200, 27, 2),
    );
    const item = near.evidence.find((e) => e.summary.startsWith("location /reports/: upstream p99"));
    expect(item?.summary).toContain(
      `against proxy_read_timeout 30s at ${confPath("upstream-timeout")}:${lineOf("upstream-timeout", "proxy_read_timeout 30s")}`,
    );
    expect(item?.location).toEqual({
      file: confPath("upstream-timeout"),
      line: lineOf("upstream-timeout", "location /reports/"),
    });
    expect(item?.data).toMatchObject({ key: "/reports/", timeout: 30, requests: 202 });
    // Fast requests at the same location: nothing to report.
    const fast = top(
      await withAccess(evidence("upstream-timeout", [group("read-timeout", readTo, 1)]), 300, 0.2, 1),
    );
    expect(fast.evidence.some((e) => e.summary.startsWith("location "))).toBe(false);
  });

  it("connect timeouts say a longer timeout would not help", () => {
    const l = line("upstream timed out (110: Connection timed out)", {
      action: "connecting to upstream",
      uri: "/reports/generate",
      upstream: "http://127.0.0.1:5000/reports/generate",
    });
    const f = top(evidence("upstream-timeout", [group("connect-timeout", l, 5)]));
    expect(f.message).toContain("A longer timeout would not help");
    expect(f.message).toContain("connecting");
  });
});

describe("no-live-upstreams", () => {
  const nolive = line("no live upstreams", {
    action: "connecting to upstream",
    uri: "/orders",
    upstream: "http://orders_pool/orders",
    host: "orders.example.com",
  });

  it("ranks the peers' own failure first and supports it (issue 11): upstream-down, then no-live-upstreams", () => {
    const ev = evidence("multi-no-live-refused", [
      group("no-live-upstreams", nolive, 40),
      group("connection-refused", REFUSED("127.0.0.1:8091", "/orders"), 2),
      group("connection-refused", REFUSED("127.0.0.1:8092", "/orders"), 2),
    ]);
    const r = diagnose(ev);
    expect(r.findings.map((f) => f.id)).toEqual(["upstream-down", "no-live-upstreams"]);
    const f = r.findings[1] as Finding;
    expect(f.message).toContain(
      "This is the consequence, not the cause: the peers failed first — upstream-down",
    );
    expect(f.message).toContain("max_fails=2 fail_timeout=30s");
    expect(f.fix).toContain("Start or restart the backend");
    expect(f.locations[0]).toEqual({
      file: confPath("multi-no-live-refused"),
      line: lineOf("multi-no-live-refused", "upstream orders_pool {"),
    });
    expect(f.confidence).toBeLessThan((r.findings[0] as Finding).confidence);
  });

  it("probes that find nothing listening on the pool's peers are named as the reason", () => {
    const refusedProbe = (peer: string) => ({
      target: `http://${peer}`,
      peer,
      check: "tcp",
      ok: false,
      problem: "connection-refused",
      summary: "ECONNREFUSED",
    });
    const f = top(
      evidence(
        "multi-no-live-refused",
        [group("no-live-upstreams", nolive, 40)],
        [refusedProbe("127.0.0.1:8091"), refusedProbe("127.0.0.1:8092")],
      ),
    );
    expect(f.id).toBe("no-live-upstreams");
    expect(f.message).toContain("Live probes find nothing listening on 127.0.0.1:8091, 127.0.0.1:8092");
    expect(f.fix).toContain("start the backends behind 127.0.0.1:8091, 127.0.0.1:8092");
    expect(f.evidence.map((e) => e.source)).toContain("probe");
  });

  it("without earlier failures in the window it says the cause is not visible", () => {
    const f = top(
      evidence("no-live-upstreams", [
        group("no-live-upstreams", nolive.replace(/orders_pool/g, "orders_pool"), 30),
      ]),
    );
    expect(f.id).toBe("no-live-upstreams");
    expect(f.message).toContain("does not show why the peers failed");
  });
});

describe("limits: status 500 for worker_connections and file descriptors", () => {
  it("connection-limit is 500 and points first at worker_connections", () => {
    const l = line("512 worker_connections are not enough", {
      level: "alert",
      action: "connecting to upstream",
      upstream: "http://127.0.0.1:8080/",
    });
    const f = top(evidence("connection-limit", [group("worker-connections", l, 15)]));
    expect(f).toMatchObject({ id: "connection-limit", status: 500 });
    expect(f.message).toContain("worker_connections 512");
    expect(f.locations[0]).toEqual({
      file: confPath("connection-limit"),
      line: lineOf("connection-limit", "worker_connections 512"),
    });
  });

  it("fd-limit is 500 (socket() fails before any upstream try) and points at worker_rlimit_nofile", () => {
    const l = line("socket() failed (24: Too many open files)", {
      level: "alert",
      action: "connecting to upstream",
      upstream: "http://127.0.0.1:8080/",
    });
    const f = top(evidence("fd-limit", [group("too-many-open-files", l, 12)]));
    expect(f).toMatchObject({ id: "fd-limit", status: 500 });
    expect(f.message).toContain("worker_rlimit_nofile 1024");
    expect(f.locations[0]).toEqual({
      file: confPath("fd-limit"),
      line: lineOf("fd-limit", "worker_rlimit_nofile 1024"),
    });
  });
});

describe("one class → one rule", () => {
  const cases: Array<[string, ErrorClass, string, string, string[]]> = [
    [
      "unix-socket-missing",
      "unix-socket-missing",
      "connect() to unix:/run/uwsgi/app/blog/socket failed (2: No such file or directory)",
      "uwsgi://unix:/run/uwsgi/app/blog/socket:",
      ["uwsgi_pass unix:/run/uwsgi/app/blog/socket;"],
    ],
    [
      "unix-socket-permission",
      "unix-socket-permission",
      "connect() to unix:/run/gunicorn/intranet.sock failed (13: Permission denied)",
      "http://unix:/run/gunicorn/intranet.sock:/",
      ["proxy_pass http://unix:"],
    ],
    [
      "upstream-overloaded",
      "unix-socket-busy",
      "connect() to unix:/run/php/php-fpm.sock failed (11: Resource temporarily unavailable)",
      "fastcgi://unix:/run/php/php-fpm.sock:",
      ["fastcgi_pass unix:/run/php/php-fpm.sock;"],
    ],
    [
      "permission-denied",
      "permission-denied",
      "connect() to 127.0.0.1:3000 failed (13: Permission denied)",
      "http://127.0.0.1:3000/",
      ["proxy_pass http://127.0.0.1:3000;"],
    ],
    [
      "ephemeral-ports",
      "address-not-available",
      "connect() to 127.0.0.1:9200 failed (99: Cannot assign requested address)",
      "http://127.0.0.1:9200/q",
      ["server 127.0.0.1:9200;", "proxy_pass http://search_api;"],
    ],
    [
      "too-big-header",
      "too-big-header",
      "upstream sent too big header",
      "http://127.0.0.1:8180/auth/login",
      ["proxy_pass http://127.0.0.1:8180;"],
    ],
  ];
  for (const [id, cls, msg, upstream, lines] of cases) {
    it(`${cls} → ${id}, located at the config line`, () => {
      const level = /\((2|13|99):/.test(msg) ? "crit" : "error";
      const g = group(cls, line(msg, { level, action: "connecting to upstream", upstream }), 10);
      const f = top(evidence(id, [g]));
      expect(f.id).toBe(id);
      expect(f.status).toBe(502);
      for (const l of lines) expect(f.locations).toContainEqual({ file: confPath(id), line: lineOf(id, l) });
      expect(f.evidence[0]?.samples?.[0]).toContain(msg);
    });
  }

  it("unix-socket-permission names the worker user from the config", () => {
    const g = group(
      "unix-socket-permission",
      line("connect() to unix:/run/gunicorn/intranet.sock failed (13: Permission denied)", {
        level: "crit",
        upstream: "http://unix:/run/gunicorn/intranet.sock:/",
      }),
    );
    const f = top(evidence("unix-socket-permission", [g]));
    expect(f.message).toContain("running as nginx");
    expect(f.verify).toContain("sudo -u nginx");
  });

  it("permission-denied does not take unix sockets", () => {
    const g = group(
      "permission-denied",
      line("connect() to unix:/run/app.sock failed (13: Permission denied)", {
        level: "crit",
        upstream: "http://unix:/run/app.sock:/",
      }),
    );
    expect(diagnose(evidence("permission-denied", [g])).findings.map((f) => f.id)).toEqual([
      "upstream-errors-unexplained",
    ]);
  });

  it("fastcgi-script-path only for 'Primary script unknown', and reports the SCRIPT_FILENAME line", () => {
    const ps = line('FastCGI sent in stderr: "Primary script unknown"', {
      action: "reading response header from upstream",
      uri: "/index.php",
      upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:",
    });
    const f = top(
      evidence("fastcgi-script-path", [group("fastcgi-stderr", ps, 9, ["Primary script unknown"])]),
    );
    expect(f.id).toBe("fastcgi-script-path");
    expect(f.status).toBeNull();
    expect(f.message).toContain(
      `/srv/wiki$fastcgi_script_name\` (${confPath("fastcgi-script-path")}:${lineOf("fastcgi-script-path", "SCRIPT_FILENAME")})`,
    );
    const warn = line(
      'FastCGI sent in stderr: "PHP message: PHP Warning:  Undefined variable $x in /srv/wiki/index.php on line 3"',
      { upstream: "fastcgi://unix:/run/php/php8.2-fpm.sock:" },
    );
    const ids = diagnose(evidence("fastcgi-script-path", [group("fastcgi-stderr", warn, 3)])).findings.map(
      (x) => x.id,
    );
    expect(ids).not.toContain("fastcgi-script-path");
  });
});

describe("DNS causes", () => {
  it("no-resolver cites the variable proxy_pass via the server/location of the request", () => {
    const l = line("no resolver defined to resolve orders.svc.internal.example", {
      uri: "/orders/12",
      host: "orders.example.com",
    });
    const f = top(evidence("no-resolver", [group("no-resolver", l, 10)]));
    expect(f.id).toBe("no-resolver");
    expect(f.fix).toContain(`nginx.conf:${lineOf("no-resolver", "proxy_pass http://$orders_backend")}`);
  });

  it("dns-unresolvable names the host that failed", () => {
    const l = line("orders-v2.svc.internal.example could not be resolved (3: Host not found)", {
      uri: "/",
      host: "orders.example.com",
    });
    // The reader parses the name out of the message (unresolvedName); the rule reads only that.
    const g = { ...group("dns-failure", l, 9), names: ["orders-v2.svc.internal.example"] };
    const f = top(evidence("dns-unresolvable", [g]));
    expect(f.id).toBe("dns-unresolvable");
    expect(f.message).toMatch(/^orders-v2\.svc\.internal\.example cannot be resolved/);
    expect(f.verify).toContain("dig +short orders-v2.svc.internal.example");
  });

  it("dns-stale claims the failures on the old address; without the probe they are a plain timeout", () => {
    const l = line("upstream timed out (110: Connection timed out)", {
      action: "connecting to upstream",
      uri: "/invoices",
      upstream: "http://10.0.4.17:8080/invoices",
      host: "billing.example.com",
    });
    const stale: ProbeFact = {
      target: "billing-api.internal.example",
      peer: null,
      check: "dns",
      ok: false,
      problem: "dns-stale",
      summary: "moved to 10.0.4.42",
      data: { seen: ["10.0.4.17"] },
    };
    const r = diagnose(evidence("dns-stale", [group("connect-timeout", l, 16)], [stale]));
    expect(r.findings.map((f) => f.id)).toEqual(["dns-stale"]);
    expect(r.findings[0]?.locations).toContainEqual({
      file: confPath("dns-stale"),
      line: lineOf("dns-stale", "proxy_pass http://billing-api"),
    });
    expect(top(evidence("dns-stale", [group("connect-timeout", l, 16)])).id).toBe("upstream-timeout");
  });
});

describe("confidence and exit codes", () => {
  it("a cause explaining more of the failures is more confident", () => {
    expect(confidence(0.9, 90, 100)).toBeGreaterThan(confidence(0.9, 10, 100));
    expect(confidence(0.9, 10, 0)).toBeLessThanOrEqual(0.99);
  });

  it("the bigger of two causes ranks first; the unexplained catch-all stays last and low", () => {
    const big = group(
      "too-big-header",
      line("upstream sent too big header", { upstream: "http://127.0.0.1:8180/auth/callback" }),
      25,
    );
    const to = group(
      "read-timeout",
      line("upstream timed out (110: Connection timed out)", {
        action: "reading response header from upstream",
        upstream: "http://127.0.0.1:5000/reports/q3.pdf",
      }),
      6,
    );
    const odd = group("fastcgi-stderr", line('FastCGI sent in stderr: "PHP message: deprecated"'), 1);
    const r = diagnose(evidence("multi-timeout-big-header", [to, big, odd]));
    expect(r.findings.map((f) => f.id)).toEqual([
      "too-big-header",
      "upstream-timeout",
      "upstream-errors-unexplained",
    ]);
    expect(r.findings[2]?.confidence).toBeLessThan(0.5);
  });

  it("no upstream failures → no findings, exit 0; no evidence at all → exit 2", () => {
    expect(
      diagnose(
        evidence("healthy", [
          group("not-upstream", line('open() "/x" failed (2: No such file or directory)'), 5),
        ]),
      ).exitCode,
    ).toBe(0);
    expect(diagnose(emptyEvidence("files")).exitCode).toBe(2);
  });
});
