/** Lab scenarios: one per runbook cause that this machine can reproduce with a real nginx. */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { listTcpListeners } from "../../src/evidence/probes/listeners.js";
import { startDnsServer } from "../helpers/dns-server.js";
import { quietPort } from "../helpers/nginx.js";
import { requireSystem } from "../helpers/system.js";
import type { Scenario } from "./harness.js";

function listen(port: number, handler: (s: net.Socket) => void, host = "127.0.0.1"): Promise<() => void> {
  const sockets: net.Socket[] = [];
  const srv = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => undefined);
    handler(s);
  });
  return new Promise((r) =>
    srv.listen(port, host, () =>
      r(() => {
        for (const s of sockets) s.destroy();
        srv.close();
      }),
    ),
  );
}
const answer =
  (text: string, delayMs = 0) =>
  (s: net.Socket) =>
    s.once("data", () => setTimeout(() => s.end(text), delayMs));
const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
const server = (p: { port: number }, body: string) =>
  `server { listen 127.0.0.1:${p.port}; server_name lab.test; ${body} }`;

function selfSigned(): { dir: string; key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "bg-lab-tls-"));
  chmodSync(dir, 0o755);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=backend.lab",
      "-addext",
      "subjectAltName=DNS:backend.lab",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  chmodSync(join(dir, "cert.pem"), 0o644);
  return { dir, key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) };
}

/** A self-signed certificate in a directory nginx's workers can read (for `listen 443 ssl`). */
function selfSignedFiles(): string {
  return selfSigned().dir;
}

function tlsServer(port: number): Promise<() => void> {
  const c = selfSigned();
  const srv = tls.createServer({ key: c.key, cert: c.cert }, (s) => {
    s.on("error", () => undefined);
    s.once("data", () => s.end(OK));
  });
  srv.on("tlsClientError", () => undefined);
  return new Promise((r) =>
    srv.listen(port, "127.0.0.1", () =>
      r(() => {
        srv.close();
        rmSync(c.dir, { recursive: true, force: true });
      }),
    ),
  );
}

/**
 * Why nginx cannot take *:80 and *:443 here, or null when it can: it needs root (or a lowered
 * ip_unprivileged_port_start), and the ports free (CI stops the packaged nginx; with BADGATEWAY_REQUIRE_SYSTEM=1
 * a busy port is not a reason to skip, so the scenario fails and says why).
 */
export function lowPortsBlocked(): string | null {
  let allowed = process.getuid?.() === 0;
  try {
    allowed ||= Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8")) <= 80;
  } catch {
    /* not Linux */
  }
  if (!allowed) return "needs root (or net.ipv4.ip_unprivileged_port_start <= 80) to bind port 80/443";
  const busy = listTcpListeners().filter((l) => l.port === 80 || l.port === 443);
  if (busy.length && !requireSystem)
    return `port ${busy.map((l) => `${l.port}${l.process ? ` (${l.process})` : ""}`).join(", ")} already in use`;
  return null;
}

/** Backend that sends its response header, then `then` (after-header failures). */
const afterHeader =
  (then: (s: net.Socket) => void, framing = "Content-Length: 100") =>
  (s: net.Socket) =>
    s.once("data", () => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n${framing}\r\n\r\nhello`);
      then(s);
    });

/** Closed port for backend-down, away from every random test listener (see quietPort). */
const DOWN_PORT = quietPort();
const N = (path: string, n: number) => Array.from({ length: n }, () => path);

export const SCENARIOS: Scenario[] = [
  {
    // the real host: nginx owns *:80 and *:443, the app behind it (127.0.0.1:82, :445) is down. Ports that close
    // to nginx's own used to be proposed as the "right" port: "Change the port … to 80".
    id: "nginx-on-80-443-backend-down",
    expected: "upstream-down",
    fixIncludes: "Start or restart the backend",
    evidenceFrom: "error-log",
    skip: lowPortsBlocked,
    neverSays: ["to 80", "to 443", ":80`", ":443`"],
    status: 502,
    nginx: {
      http: (p) => {
        const c = selfSignedFiles();
        return `${server(p, "location / { proxy_pass http://127.0.0.1:82; } location /secure/ { proxy_pass http://127.0.0.1:445; }")}
server { listen 80; listen 443 ssl; server_name www.lab.test; ssl_certificate ${c}/cert.pem; ssl_certificate_key ${c}/key.pem;
  location / { proxy_pass http://127.0.0.1:82; } location /secure/ { proxy_pass http://127.0.0.1:445; } }`;
      },
    },
    requests: [...N("/", 4), ...N("/secure/", 4)],
  },
  {
    id: "after-header-read-timeout",
    expected: "upstream-timeout",
    fixIncludes: "proxy_read_timeout",
    evidenceFrom: "access-log",
    // the proof: the access log's tries at this peer, none ended in 502/504
    evidenceIncludes: "0 × 502, 0 × 504",
    status: null,
    accessStatus: 200,
    lines: { class: "read-timeout", status: null, afterHeaders: true },
    nginx: {
      http: (p) =>
        server(p, `location / { proxy_read_timeout 1s; proxy_pass http://127.0.0.1:${p.free[0]}; }`),
    },
    upstreams: (p) =>
      listen(
        p.free[0] as number,
        afterHeader(() => undefined),
      ),
    requests: N("/report", 3),
    concurrency: 3,
  },
  {
    id: "after-header-premature-close",
    expected: "invalid-response",
    fixIncludes: "backend",
    evidenceFrom: "access-log",
    // the proof: the access log's tries at this peer, none ended in 502/504
    evidenceIncludes: "0 × 502, 0 × 504",
    status: null,
    accessStatus: 200,
    lines: { class: "premature-close", status: null, afterHeaders: true },
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) =>
      listen(
        p.free[0] as number,
        afterHeader((s) => setTimeout(() => s.end(), 50)),
      ),
    requests: N("/download", 4),
  },
  {
    id: "after-header-invalid-chunk",
    expected: "invalid-response",
    fixIncludes: "backend",
    evidenceFrom: "access-log",
    // the proof: the access log's tries at this peer, none ended in 502/504
    evidenceIncludes: "0 × 502, 0 × 504",
    status: null,
    accessStatus: 200,
    lines: { class: "invalid-response", status: null, afterHeaders: true, detail: "invalid-chunked" },
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) =>
      listen(p.free[0] as number, (s) =>
        s.once("data", () =>
          s.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n"),
        ),
      ),
    requests: N("/feed", 4),
  },
  {
    // an https:// upstream whose port accepts TCP and never answers the ClientHello
    id: "tls-handshake-timeout",
    expected: "upstream-timeout",
    fixIncludes: "openssl s_client",
    evidenceFrom: "error-log",
    status: 504,
    accessStatus: 504,
    lines: { class: "connect-timeout", status: 504, afterHeaders: false, detail: "ssl-handshake" },
    neverSays: ["no TCP handshake"],
    nginx: {
      http: (p) =>
        server(p, `location / { proxy_connect_timeout 1s; proxy_pass https://127.0.0.1:${p.free[0]}; }`),
    },
    upstreams: (p) => listen(p.free[0] as number, () => undefined),
    requests: N("/", 3),
    concurrency: 3,
  },
  {
    id: "backend-down",
    expected: "upstream-down",
    fixIncludes: "Start or restart the backend",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${DOWN_PORT}; }`) },
    requests: N("/", 5),
  },
  {
    id: "wrong-port",
    expected: "wrong-port",
    fixIncludes: "Change the port",
    evidenceFrom: "probe",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    // the app listens one port above the configured one
    upstreams: (p) => listen((p.free[0] as number) + 1, answer(OK)),
    requests: N("/", 5),
  },
  {
    id: "https-to-plain-port",
    expected: "scheme-mismatch",
    fixIncludes: "http://",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass https://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) =>
      listen(p.free[0] as number, answer("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")),
    requests: N("/", 4),
  },
  {
    id: "http-to-tls-port",
    expected: "scheme-mismatch",
    fixIncludes: "https://",
    evidenceFrom: "probe",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) => tlsServer(p.free[0] as number),
    requests: N("/", 4),
  },
  {
    id: "read-timeout",
    expected: "upstream-timeout",
    fixIncludes: "proxy_read_timeout",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(p, `location / { proxy_read_timeout 1s; proxy_pass http://127.0.0.1:${p.free[0]}; }`),
    },
    upstreams: (p) => listen(p.free[0] as number, () => undefined),
    requests: N("/slow", 3),
    concurrency: 3,
  },
  {
    id: "empty-reply",
    expected: "invalid-response",
    fixIncludes: "backend",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) => listen(p.free[0] as number, (s) => s.once("data", () => s.end())),
    requests: N("/", 5),
  },
  {
    id: "garbage-response",
    expected: "invalid-response",
    fixIncludes: "backend",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) =>
      listen(p.free[0] as number, answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nBad Header\r\n\r\nhello")),
    requests: N("/", 4),
  },
  {
    id: "connect-timeout-accept-queue-full",
    expected: "upstream-timeout",
    fixIncludes: "proxy_connect_timeout",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(
          p,
          `location / { proxy_connect_timeout 1s; proxy_read_timeout 1s; proxy_pass http://127.0.0.1:${p.free[0]}; }`,
        ),
    },
    // a listener with a backlog of 0 that never accepts: after the queue fills, SYNs are dropped
    upstreams: async (p) => {
      const child = spawn(
        "python3",
        [
          "-c",
          `import socket,time\ns=socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(("127.0.0.1", ${p.free[0]}))\ns.listen(0)\nprint("ready", flush=True)\ntime.sleep(60)`,
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      await new Promise<void>((r) => child.stdout.once("data", () => r()));
      return () => child.kill();
    },
    requests: N("/", 6),
    concurrency: 6,
  },
  {
    id: "oversized-headers",
    expected: "too-big-header",
    fixIncludes: "proxy_buffer_size",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) =>
      listen(
        p.free[0] as number,
        answer(`HTTP/1.1 200 OK\r\nSet-Cookie: session=${"x".repeat(9000)}\r\nContent-Length: 2\r\n\r\nok`),
      ),
    requests: N("/login", 4),
  },
  {
    id: "closing-mid-header",
    expected: "invalid-response",
    fixIncludes: "backend",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) => listen(p.free[0] as number, answer("HTTP/1.1 200 OK\r\nContent-Type: text/ht")),
    requests: N("/", 4),
  },
  {
    id: "tls-verify-self-signed",
    expected: "tls-upstream",
    fixIncludes: "proxy_ssl_trusted_certificate",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(
          p,
          `location / { proxy_ssl_verify on; proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt; proxy_ssl_name backend.lab; proxy_ssl_server_name on; proxy_pass https://127.0.0.1:${p.free[0]}; }`,
        ),
    },
    upstreams: (p) => tlsServer(p.free[0] as number),
    requests: N("/", 4),
  },
  {
    id: "unix-socket-missing",
    expected: "unix-socket-missing",
    fixIncludes: "socket",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://unix:${p.prefix}/app.sock:/; }`) },
    requests: N("/", 4),
  },
  {
    id: "unix-socket-permission",
    expected: "unix-socket-permission",
    // nginx's workers run as nobody only when nginx starts as root; otherwise they own the socket themselves
    // (the unprivileged branch of the check runs in test/evidence/probes/unix-users.test.ts, via setpriv as root)
    skip: () =>
      process.getuid?.() === 0 ? null : "needs root: nginx's workers run as nobody only when started as root",
    fixIncludes: "0660",
    evidenceFrom: "error-log",
    nginx: { http: (p) => server(p, `location / { proxy_pass http://unix:${p.prefix}/private.sock:/; }`) },
    upstreams: async (p) => {
      const path = `${p.prefix}/private.sock`;
      const srv = net.createServer((s) => s.end(OK));
      await new Promise<void>((r) => srv.listen(path, () => r()));
      chmodSync(path, 0o600);
      if (process.getuid?.() === 0) chownSync(path, 0, 0);
      return () => srv.close();
    },
    requests: N("/", 4),
  },
  {
    // every peer refuses, then the pool empties: the peers' own failure is the answer, no-live-upstreams supports it
    id: "no-live-upstreams",
    expected: "upstream-down",
    fixIncludes: "Start or restart the backend",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        `upstream pool { server 127.0.0.1:${p.free[0]} max_fails=1 fail_timeout=30s; server 127.0.0.1:${p.free[1]} max_fails=1 fail_timeout=30s; }\n` +
        server(p, "location / { proxy_pass http://pool; }"),
    },
    requests: N("/", 8),
  },
  {
    id: "variable-proxy-pass-no-resolver",
    expected: "no-resolver",
    fixIncludes: "resolver",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(p, 'location / { set $backend "app.lab.invalid"; proxy_pass http://$backend:8080; }'),
    },
    requests: N("/", 4),
  },
  {
    id: "hostname-does-not-resolve",
    expected: "dns-unresolvable",
    fixIncludes: "DNS",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(
          p,
          `resolver 127.0.0.1:${p.free[0]} valid=1s; resolver_timeout 2s; location / { set $backend "gone.lab.test"; proxy_pass http://$backend:8080; }`,
        ),
    },
    upstreams: async (p) => (await startDnsServer(() => null, p.free[0])).stop,
    requests: N("/", 3),
  },
  {
    id: "prefix-stripped",
    expected: "uri-rewrite",
    fixIncludes: "proxy_pass",
    evidenceFrom: "access-log",
    nginx: { http: (p) => server(p, `location /api/ { proxy_pass http://127.0.0.1:${p.free[0]}/; }`) },
    // the app serves /api/… only; the stripped paths get 404
    upstreams: (p) =>
      listen(p.free[0] as number, (s) =>
        s.once("data", (d: Buffer) => {
          const path = d.toString().split(" ")[1] ?? "/";
          s.end(
            path.startsWith("/api/") ? OK : "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
          );
        }),
      ),
    requests: [...N("/api/users", 4), ...N("/api/orders", 4)],
  },
  {
    // The backend answers 404; proxy_intercept_errors + error_page 404 =502 make nginx send 502 with no error line.
    id: "intercepted-404",
    expected: "intercepted-status",
    fixIncludes: "=502",
    evidenceFrom: "access-log",
    nginx: {
      http: (p) =>
        server(
          p,
          `location /shop/ { proxy_pass http://127.0.0.1:${p.free[0]}; proxy_intercept_errors on; error_page 404 =502 /sorry.html; } location = /sorry.html { return 200 "sorry"; }`,
        ),
    },
    upstreams: (p) =>
      listen(p.free[0] as number, (s) =>
        s.once("data", (d: Buffer) => {
          const path = d.toString().split(" ")[1] ?? "/";
          s.end(
            path === "/shop/"
              ? OK
              : "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found",
          );
        }),
      ),
    requests: [...N("/shop/", 3), ...N("/shop/item/1", 5)],
    status: 502,
  },
  {
    // A reload moves /dashboard/ from the working backend to a port nothing listens on; judged from the logs.
    id: "reload-changed-port",
    expected: "reload-changed-upstream",
    fixIncludes: "Put the target back to 127.0.0.1:",
    evidenceFrom: "access-log",
    nginx: { http: (p) => server(p, `location /dashboard/ { proxy_pass http://127.0.0.1:${p.free[0]}; }`) },
    upstreams: (p) => listen(p.free[0] as number, answer(OK)),
    requests: N("/dashboard/stats", 10),
    reload: {
      after: 5,
      conf: (conf, p) =>
        conf.replace(
          `proxy_pass http://127.0.0.1:${p.free[0]};`,
          `proxy_pass http://127.0.0.1:${p.free[1]};`,
        ),
    },
    status: 502,
    neverSays: ["Start or restart the backend"],
  },
  {
    id: "tiny-worker-connections",
    expected: "connection-limit",
    fixIncludes: "worker_connections",
    evidenceFrom: "error-log",
    nginx: {
      events: "worker_connections 6;",
      http: (p) =>
        server(p, `location / { proxy_read_timeout 2s; proxy_pass http://127.0.0.1:${p.free[0]}; }`),
    },
    upstreams: (p) => listen(p.free[0] as number, answer(OK, 700)),
    requests: N("/", 12),
    concurrency: 12,
  },
  {
    id: "low-worker-rlimit-nofile",
    expected: "fd-limit",
    fixIncludes: "worker_rlimit_nofile",
    evidenceFrom: "error-log",
    nginx: {
      main: () => "worker_rlimit_nofile 14;",
      events: "worker_connections 512;",
      http: (p) =>
        server(p, `location / { proxy_read_timeout 3s; proxy_pass http://127.0.0.1:${p.free[0]}; }`),
    },
    upstreams: (p) => listen(p.free[0] as number, answer(OK, 600)),
    requests: N("/", 16),
    concurrency: 16,
  },
];

/** The PHP-FPM binary of this machine (Debian names it php-fpm<version>). */
export function phpFpmBinary(): string | null {
  for (const dir of ["/usr/sbin", "/usr/bin", "/usr/local/sbin"]) {
    try {
      const hit = readdirSync(dir)
        .filter((n) => /^php-fpm[\d.]*$/.test(n))
        .sort()
        .pop();
      if (hit) return `${dir}/${hit}`;
    } catch {
      /* no such dir */
    }
  }
  return null;
}

/** PHP-FPM with the wrong SCRIPT_FILENAME: FPM answers "Primary script unknown". */
export function phpScenario(bin: string): Scenario {
  return {
    id: "php-fpm-wrong-script-filename",
    expected: "fastcgi-script-path",
    fixIncludes: "SCRIPT_FILENAME",
    evidenceFrom: "error-log",
    nginx: {
      http: (p) =>
        server(
          p,
          `root ${p.prefix}/www; location ~ \\.php$ { include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME /srv/old-release$fastcgi_script_name; fastcgi_pass unix:${p.prefix}/php.sock; }`,
        ),
    },
    upstreams: async (p) => {
      mkdirSync(`${p.prefix}/www`, { recursive: true });
      writeFileSync(`${p.prefix}/www/index.php`, "<?php echo 'hello';\n");
      const conf = `${p.prefix}/php-fpm.conf`;
      writeFileSync(
        conf,
        `[global]\npid = ${p.prefix}/php-fpm.pid\nerror_log = ${p.prefix}/php-fpm.log\ndaemonize = no\n[www]\nuser = nobody\ngroup = nogroup\nlisten = ${p.prefix}/php.sock\nlisten.owner = nobody\nlisten.group = nogroup\nlisten.mode = 0666\npm = static\npm.max_children = 2\n`,
      );
      const child = spawn(bin, ["-F", "-R", "-y", conf], { stdio: "ignore" });
      for (let i = 0; i < 100 && !existsSync(`${p.prefix}/php.sock`); i++)
        await new Promise((r) => setTimeout(r, 50));
      return () => child.kill();
    },
    requests: N("/index.php", 4),
  };
}
