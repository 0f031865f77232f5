/**
 * Every input is accounted for: a file given as the wrong kind of log, an access log read through a format
 * that does not fit it, a format naming variables nginx does not know, two access logs written with two
 * formats — through the built CLI, with real nginx deciding which variables exist.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isBuiltinVariable, unknownVariables } from "../../src/nginx/variables.js";
import { runCli } from "../helpers/cli.js";
import { nginxTest } from "../helpers/nginx-t.js";
import { systemDescribe } from "../helpers/system.js";
import { combinedLog, errorLog, UPSTREAM_FORMAT, upstreamLog } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "bg-hostile-acct-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => join(dir, name);
const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

writeFileSync(p("access.log"), combinedLog(240));
writeFileSync(p("error.log"), errorLog(300));
writeFileSync(p("upstream.log"), upstreamLog(400));

describe("a file given as the wrong kind of log", () => {
  it("an access log given to logs: exit 2, named as an access log (combined format)", () => {
    const r = runCli(["logs", p("access.log")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this looks like an access log (combined format), not an nginx error log");
    const j = runCli(["logs", p("access.log"), "--json"]);
    expect(j.code).toBe(2);
    expect(json(j.stdout)["perFile"]).toEqual([
      { file: p("access.log"), lines: 240, understood: 0, skipped: 240 },
    ]);
  });

  it("an access log given to diagnose as --error-log: exit 2, reason on stderr, not an all-clear", () => {
    const r = runCli(["diagnose", "--error-log", p("access.log"), "--no-probe"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this looks like an access log (combined format)");
  });

  it("an error log given to access: exit 2, named as an nginx error log", () => {
    const r = runCli(["access", p("error.log")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this looks like an nginx error log, not an access log");
  });

  it("error-log lines that only carry nginx's message (a shipper cut the head) still count as an error log", () => {
    const msgOnly = Array.from(
      { length: 50 },
      (_, i) =>
        `connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.${i}, upstream: "http://127.0.0.1:8080/"`,
    ).join("\n");
    writeFileSync(p("msg-only.log"), `${msgOnly}\n`);
    const r = runCli(["access", p("msg-only.log")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this looks like an nginx error log");
  });

  it("a PHP stack trace in FastCGI stderr (continuation lines) does not make an error log 'not an error log'", () => {
    const trace = [
      '2026/11/24 10:07:33 [error] 811#811: *5 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Exception: boom in /app/x.php:3',
      "Stack trace:",
      ...Array.from({ length: 8 }, (_, i) => `#${i} /app/x.php(3): f()`),
      "#8 {main}",
      '  thrown in /app/x.php on line 3" while reading response header from upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "fastcgi://unix:/run/php.sock:", host: "a"',
    ];
    writeFileSync(p("php.log"), `${trace.join("\n")}\n`);
    const r = runCli(["logs", p("php.log"), "--json"]);
    expect(r.code).not.toBe(2);
    expect(JSON.parse(r.stdout).warnings).toEqual([]);
    // Random bytes with blank lines around them are not an error log.
    writeFileSync(p("junk.bin"), "\n\n\u0001\u0002\u0003\n\n");
    const j = runCli(["logs", p("junk.bin")]);
    expect(j.code).toBe(2);
    expect(j.stderr).toContain("1 of 1 line(s) are not nginx error-log lines");
  });

  it("a plain error log with NUL padding left by a crash is read without complaint", () => {
    writeFileSync(p("crashed.log"), `${errorLog(10)}${"\0".repeat(4096)}${errorLog(5)}`);
    const r = runCli(["logs", p("crashed.log"), "--json"]);
    expect(r.code).toBe(1);
    const s = json(r.stdout);
    expect(s["lines"]).toBe(15);
    expect(s["upstreamErrors"]).toBe(15);
    expect(s["unparsed"]).toBe(0);
  });
});

describe("access logs and their formats", () => {
  it("combined lines read through another format: exit 2, pointing at the combined format", () => {
    const r = runCli(["access", p("access.log"), "--log-format", UPSTREAM_FORMAT]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("240 of 240 line(s) do not match");
    expect(r.stderr).toContain("--log-format combined");
  });

  it("a match rate below 95 % is a warning; the answer stands (exit 1 for the 502s)", () => {
    writeFileSync(p("mixed.log"), `${upstreamLog(90)}${"some other program wrote this\n".repeat(10)}`);
    const r = runCli(["access", p("mixed.log"), "--log-format", UPSTREAM_FORMAT, "--json"]);
    expect(r.code).toBe(1);
    const s = json(r.stdout);
    expect(JSON.stringify(s["warnings"])).toContain("10 of 100 line(s) do not match");
    expect((s["warnings"] as Array<{ code: string }>)[0]?.code).toBe("low-match");
    expect(s["perFile"]).toMatchObject([{ lines: 100, understood: 90, skipped: 10 }]);
  });

  it("a format with an unknown variable is refused, naming it", () => {
    const r = runCli([
      "access",
      p("upstream.log"),
      "--log-format",
      UPSTREAM_FORMAT.replace("upstream_addr", "upstream_adr"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown variable $upstream_adr");
    // A variable the configuration defines with map is known.
    writeFileSync(
      p("fmt.conf"),
      `http { map $http_x $tenant { default a; } log_format t '$remote_addr $tenant [$time_local] "$request" $status'; log_format u '$remote_addr $tenent'; }`,
    );
    writeFileSync(p("tenant.log"), '10.0.0.1 a [24/Nov/2026:10:07:00 +0000] "GET / HTTP/1.1" 502\n');
    const ok = runCli(["access", p("tenant.log"), "--format-file", p("fmt.conf"), "--log-format", "t"]);
    expect(ok.code).toBe(1);
    const bad = runCli(["access", p("tenant.log"), "--format-file", p("fmt.conf"), "--log-format", "u"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("log_format u uses the unknown variable $tenent");
  });

  it("diagnose reads each access log with the format of the access_log line that writes it", () => {
    const conf = `events {}
http {
  log_format up '${UPSTREAM_FORMAT}';
  server { listen 127.0.0.1:8080; access_log ${p("app.log")} up; access_log ${p("access.log")}; location / { proxy_pass http://127.0.0.1:9000; } }
}
`;
    writeFileSync(p("nginx-T.txt"), `# configuration file ${p("nginx.conf")}:\n${conf}\n`);
    writeFileSync(p("app.log"), upstreamLog(400));
    const r = runCli([
      "diagnose",
      "--nginx-t",
      p("nginx-T.txt"),
      "--access-log",
      p("app.log"),
      "--access-log",
      p("access.log"),
      "--no-probe",
      "--json",
    ]);
    const basis = json(r.stdout)["basis"] as { accessLog: { requests: number } };
    expect(basis.accessLog.requests).toBe(400 + 240);
    expect(r.stderr).not.toContain("do not match");
  });

  it("diagnose: a log_format with an unknown variable is an error; map-defined variables are known", () => {
    const conf = (fmt: string) => `events {}
http {
  map $http_x_tenant $tenant { default none; }
  log_format t '${fmt}';
  server { listen 127.0.0.1:8080; access_log ${p("t.log")} t; location / { proxy_pass http://127.0.0.1:9000; } }
}
`;
    writeFileSync(p("t.log"), upstreamLog(50).replace(/^/gm, "none "));
    const run = (fmt: string) => {
      writeFileSync(p("t-nginx-T.txt"), `# configuration file ${p("nginx.conf")}:\n${conf(fmt)}\n`);
      return runCli([
        "diagnose",
        "--nginx-t",
        p("t-nginx-T.txt"),
        "--access-log",
        p("t.log"),
        "--no-probe",
        "--json",
      ]);
    };
    const good = run(`$tenant ${UPSTREAM_FORMAT}`);
    expect(good.stderr).toBe("");
    expect((json(good.stdout)["basis"] as { accessLog: { requests: number } }).accessLog.requests).toBe(50);
    const bad = run(`$tenant ${UPSTREAM_FORMAT.replace("$request_time", "$request_tme")}`);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("log_format t uses the unknown variable $request_tme");
  });
});

systemDescribe(["nginx"], "variables nginx knows (real nginx -t)", () => {
  const conf = (fmt: string) =>
    `events {} http { log_format t '${fmt}'; access_log __PREFIX__/logs/a.log t; }`;

  it("a format of common variables passes both nginx -t and our check", () => {
    const names = [
      "remote_addr",
      "remote_user",
      "time_local",
      "time_iso8601",
      "request",
      "status",
      "body_bytes_sent",
      "http_referer",
      "http_user_agent",
      "http_x_request_id",
      "request_time",
      "upstream_addr",
      "upstream_status",
      "upstream_response_time",
      "upstream_connect_time",
      "upstream_header_time",
      "upstream_http_x_cache",
      "upstream_cookie_session",
      "sent_http_content_type",
      "cookie_sid",
      "arg_page",
      "host",
      "server_name",
      "request_id",
      "ssl_protocol",
      "ssl_cipher",
      "pipe",
      "connection",
      "connection_requests",
      "msec",
      "gzip_ratio",
      "realip_remote_addr",
      "upstream_bytes_received",
      "upstream_cache_status",
      "proxy_protocol_addr",
      "request_length",
      "scheme",
    ];
    const fmt = names.map((n) => `$${n}`).join(" ");
    const t = nginxTest(conf(fmt));
    expect(t.output).not.toContain("unknown");
    expect(t.ok).toBe(true);
    expect(unknownVariables(fmt)).toEqual([]);
  });

  it.each(["upstream_adr", "request_tme", "http"])("$%s is unknown to nginx and to us", (name) => {
    const t = nginxTest(conf(`$remote_addr $${name}`));
    expect(t.ok).toBe(false);
    expect(t.output).toContain(`unknown "${name}" variable`);
    expect(isBuiltinVariable(name)).toBe(false);
  });
});
