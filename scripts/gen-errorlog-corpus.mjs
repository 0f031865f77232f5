#!/usr/bin/env node
// Writes test/fixtures/errorlog/corpus.log and corpus.expected.jsonl: realistic nginx error-log lines (message
// formats from nginx's sources, see docs/error-log-messages.md) with the class, status, phase, next-upstream,
// after-headers flag and peer each must get. Deterministic: re-running produces the same files.
//
// The `upstream: "…"` field is written the way nginx 1.18–1.29 writes it (ngx_http_upstream_log_error: the
// peer's schema and name, then the URI only for proxy_pass): proxy_pass adds the request URI with its query
// string (`http://10.0.3.14:8080/api/orders?id=7`, unix sockets `http://unix:/run/app.sock:/api/orders?id=7`);
// fastcgi/uwsgi/scgi/grpc/memcached write no URI (`fastcgi://127.0.0.1:9000`, `fastcgi://unix:/run/php.sock:`).
// Checked against nginx 1.22 on this project's test machines (see test/nginx/errorlog/upstream-field.test.ts).
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const out = join(import.meta.dirname, "..", "test", "fixtures", "errorlog");
const peers = [
  { up: "http://10.0.3.14:8080", peer: "10.0.3.14:8080", mod: "proxy" },
  { up: "http://[2001:db8::14]:8080", peer: "[2001:db8::14]:8080", mod: "proxy" },
  { up: "https://10.0.3.20:8443", peer: "10.0.3.20:8443", mod: "proxy" },
  {
    up: "fastcgi://unix:/run/php/php8.3-fpm-www.socket:",
    peer: "unix:/run/php/php8.3-fpm-www.socket",
    mod: "fastcgi",
    unix: true,
  },
  { up: "fastcgi://127.0.0.1:9000", peer: "127.0.0.1:9000", mod: "fastcgi" },
  { up: "uwsgi://127.0.0.1:3031", peer: "127.0.0.1:3031", mod: "uwsgi" },
  { up: "scgi://127.0.0.1:4000", peer: "127.0.0.1:4000", mod: "scgi" },
  { up: "grpc://10.0.3.30:50051", peer: "10.0.3.30:50051", mod: "grpc" },
  { up: "grpcs://10.0.3.31:443", peer: "10.0.3.31:443", mod: "grpc" },
  { up: "memcached://127.0.0.1:11211", peer: "127.0.0.1:11211", mod: "memcached" },
  {
    up: "http://unix:/run/gunicorn/app.sock:",
    peer: "unix:/run/gunicorn/app.sock",
    mod: "proxy",
    unix: true,
  },
  {
    up: "https://unix:/run/tls-app.sock:",
    peer: "unix:/run/tls-app.sock",
    mod: "proxy",
    unix: true,
  },
];
const reqs = [
  '"GET /api/orders?id=7 HTTP/1.1"',
  '"POST /checkout HTTP/2.0"',
  '"GET /index.php HTTP/1.1"',
  '"HEAD / HTTP/1.0"',
];
let n = 0;
function when() {
  n++;
  const s = 10 * 3600 + 7 * 60 + n * 7;
  const hh = String(Math.floor(s / 3600) % 24).padStart(2, "0");
  const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
  const ss = String(s % 60).padStart(2, "0");
  return `2026/11/24 ${hh}:${mm}:${ss}`;
}
function ctx(p, i) {
  const r = reqs[i % reqs.length];
  const uri = r.split(" ")[1];
  const host = i % 3 === 0 ? "shop.example.com" : "api.example.com";
  return `, client: 203.0.113.${(i * 37) % 250}, server: ${host}, request: ${r}, upstream: "${p.up}${p.mod === "proxy" ? uri : ""}", host: "${host}"${i % 4 === 1 ? `, referrer: "https://${host}/"` : ""}`;
}
const lines = [];
const exp = [];
/** nginx's log action ("while …") → phase. */
function phaseOf(msg) {
  const w = msg.lastIndexOf(" while ");
  if (w < 0) return /could not be resolved|no resolver defined/.test(msg) ? "resolving" : "other";
  const a = msg.slice(w + 7);
  for (const [prefix, phase] of [
    ["connecting to upstream", "connecting"],
    ["SSL handshaking to upstream", "ssl-handshake"],
    ["sending request to upstream", "sending-request"],
    ["reading response header from upstream", "reading-response-header"],
    ["reading upstream", "reading-response"],
    ["proxying", "reading-response"],
  ])
    if (a.startsWith(prefix)) return phase;
  return "other";
}
/**
 * Would nginx go on to the next peer with the default `proxy_next_upstream error timeout`? Errors and timeouts
 * before the header went to the client: yes; invalid or too big headers (invalid_header), no live upstreams,
 * DNS, descriptor limits: no; once the header was sent nginx cannot switch peers.
 */
const NEXT_ERROR = new Set([
  "connection-refused",
  "connect-timeout",
  "read-timeout",
  "send-timeout",
  "host-unreachable",
  "network-unreachable",
  "premature-close",
  "connection-reset",
  "broken-pipe",
  "tls-handshake",
  "tls-verify",
  "unix-socket-missing",
  "unix-socket-permission",
  "unix-socket-busy",
  "permission-denied",
  "address-not-available",
]);
/**
 * One expectation. `status` is what the client got: 502/504/500, or null (no response decided by this line,
 * or the header had already been sent: "while reading upstream"/"while proxying …", where the access log
 * records the upstream's own status, 200 in the lab).
 */
function expectation(msg, cls, status, peer, extra = {}) {
  const phase = cls === "dns-failure" || cls === "no-resolver" ? "resolving" : phaseOf(msg);
  const afterHeaders = phase === "reading-response" && status !== null && extra.detail !== "non-fatal";
  const nonFatal = extra.detail === "non-fatal" || extra.detail === "peer-disabled";
  const next =
    extra.next !== undefined
      ? extra.next
      : cls === "not-upstream" || cls === "fastcgi-stderr" || nonFatal
        ? null
        : afterHeaders
          ? false
          : NEXT_ERROR.has(cls);
  const { next: _n, ...rest } = extra;
  return { class: cls, status: afterHeaders ? null : status, afterHeaders, phase, next, peer, ...rest };
}
function add(level, msg, p, i, cls, status, extra = {}) {
  const text = `${when()} [${level}] ${1000 + (i % 4)}#${1000 + (i % 4)}: *${4000 + n} ${msg}${p ? ctx(p, i) : ""}`;
  lines.push(text);
  exp.push(expectation(msg, cls, status, p ? p.peer : null, extra));
}
/** A line written out in full (no generated context). */
function push(text, cls, status, peer, extra = {}) {
  lines.push(text);
  const m = /\] \d+#\d+: (?:\*\d+ )?(.*?)(?:, client: |$)/.exec(text);
  exp.push(expectation(m ? m[1] : text, cls, status, peer, extra));
}
const tcp = peers.filter((p) => !p.unix);
const unix = peers.filter((p) => p.unix);
let i = 0;
for (const p of tcp) {
  i++;
  add(
    "error",
    "connect() failed (111: Connection refused) while connecting to upstream",
    p,
    i,
    "connection-refused",
    502,
  );
  // glibc words ETIMEDOUT "Connection timed out" (the first peer), musl "Operation timed out" (the others).
  add(
    "error",
    `upstream timed out (110: ${p === tcp[0] ? "Connection" : "Operation"} timed out) while connecting to upstream`,
    p,
    i + 1,
    "connect-timeout",
    504,
  );
  add(
    "error",
    "upstream timed out (110: Operation timed out) while connecting to upstream",
    p,
    i + 2,
    "connect-timeout",
    504,
    { libc: "musl" },
  );
  add(
    "error",
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    p,
    i + 3,
    "read-timeout",
    504,
  );
  add(
    "error",
    "upstream timed out (110: Connection timed out) while reading upstream",
    p,
    i + 4,
    "read-timeout",
    504,
  );
  add(
    "error",
    "upstream timed out (110: Connection timed out) while sending request to upstream",
    p,
    i + 5,
    "send-timeout",
    504,
  );
  add(
    "error",
    "connect() failed (113: No route to host) while connecting to upstream",
    p,
    i + 6,
    "host-unreachable",
    502,
  );
  add(
    "error",
    "connect() failed (113: Host is unreachable) while connecting to upstream",
    p,
    i + 7,
    "host-unreachable",
    502,
    { libc: "musl" },
  );
  add(
    "error",
    "upstream prematurely closed connection while reading response header from upstream",
    p,
    i + 8,
    "premature-close",
    502,
  );
  add(
    "error",
    "recv() failed (104: Connection reset by peer) while reading response header from upstream",
    p,
    i + 9,
    "connection-reset",
    502,
  );
  add(
    "error",
    "writev() failed (32: Broken pipe) while sending request to upstream",
    p,
    i + 10,
    "broken-pipe",
    502,
  );
  add(
    "error",
    "upstream sent too big header while reading response header from upstream",
    p,
    i + 11,
    "too-big-header",
    502,
  );
  add(
    "crit",
    `connect() to ${p.peer} failed (99: Cannot assign requested address) while connecting to upstream`,
    p,
    i + 12,
    "address-not-available",
    502,
  );
  add(
    "error",
    `connect() to ${p.peer} failed (101: Network is unreachable) while connecting to upstream`,
    p,
    i + 13,
    "network-unreachable",
    502,
  );
  add(
    "crit",
    `connect() to ${p.peer} failed (13: Permission denied) while connecting to upstream`,
    p,
    i + 14,
    "permission-denied",
    502,
  );
}
for (const p of unix) {
  i++;
  add(
    "crit",
    `connect() to ${p.peer} failed (2: No such file or directory) while connecting to upstream`,
    p,
    i,
    "unix-socket-missing",
    502,
  );
  add(
    "crit",
    `connect() to ${p.peer} failed (13: Permission denied) while connecting to upstream`,
    p,
    i + 1,
    "unix-socket-permission",
    502,
  );
  add(
    "error",
    `connect() to ${p.peer} failed (11: Resource temporarily unavailable) while connecting to upstream`,
    p,
    i + 2,
    "unix-socket-busy",
    502,
  );
  add(
    "error",
    `connect() to ${p.peer} failed (111: Connection refused) while connecting to upstream`,
    p,
    i + 3,
    "connection-refused",
    502,
  );
  add(
    "error",
    "upstream timed out (110: Connection timed out) while reading response header from upstream",
    p,
    i + 4,
    "read-timeout",
    504,
  );
  add(
    "error",
    "recv() failed (104: Connection reset by peer) while reading response header from upstream",
    p,
    i + 5,
    "connection-reset",
    502,
  );
}
const php = peers[3];
for (let k = 0; k < 6; k++) {
  add(
    "error",
    'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
    php,
    k,
    "fastcgi-stderr",
    null,
  );
  add(
    "error",
    'FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function foo() in /var/www/html/index.php:3" while reading response header from upstream',
    php,
    k + 1,
    "fastcgi-stderr",
    null,
  );
  add(
    "error",
    "upstream prematurely closed FastCGI stdout while reading response header from upstream",
    php,
    k + 2,
    "premature-close",
    502,
  );
}
const https = peers[2];
for (let k = 0; k < 5; k++) {
  add(
    "error",
    "upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream",
    https,
    k,
    "tls-verify",
    502,
  );
  add(
    "error",
    "upstream SSL certificate verify error: (20:unable to get local issuer certificate) while SSL handshaking to upstream",
    https,
    k + 1,
    "tls-verify",
    502,
  );
  add(
    "error",
    'upstream SSL certificate does not match "api.internal" while SSL handshaking to upstream',
    https,
    k + 2,
    "tls-verify",
    502,
  );
  add(
    "error",
    "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream",
    https,
    k + 3,
    "tls-handshake",
    502,
    { detail: "wrong-version-number" },
  );
  add(
    "crit",
    "SSL_do_handshake() failed (SSL: error:1408F10B:SSL routines:ssl3_get_record:wrong version number) while SSL handshaking to upstream",
    https,
    k + 4,
    "tls-handshake",
    502,
    { detail: "wrong-version-number" },
  );
  add(
    "error",
    "SSL_do_handshake() failed (SSL: error:0A000410:SSL routines::sslv3 alert handshake failure:SSL alert number 40) while SSL handshaking to upstream",
    https,
    k + 5,
    "tls-handshake",
    502,
  );
  add(
    "error",
    "peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking to upstream",
    https,
    k + 6,
    "tls-handshake",
    502,
  );
}
for (let k = 0; k < 5; k++) {
  const p = tcp[k % tcp.length];
  add(
    "error",
    "upstream sent no valid HTTP/1.0 header while reading response header from upstream",
    p,
    k,
    "invalid-response",
    null,
    { detail: "no-valid-header" },
  );
  add(
    "error",
    'upstream sent invalid header: "Bad\\x00Header..." while reading response header from upstream',
    p,
    k + 1,
    "invalid-response",
    502,
  );
  add(
    "error",
    "upstream sent invalid header while reading response header from upstream",
    p,
    k + 2,
    "invalid-response",
    502,
  );
  add(
    "error",
    "upstream sent invalid chunked response while reading upstream",
    p,
    k + 3,
    "invalid-response",
    502,
  );
  add(
    "error",
    'upstream sent duplicate header line: "Content-Length: 10", previous value: "Content-Length: 12" while reading response header from upstream',
    p,
    k + 4,
    "invalid-response",
    502,
  );
  add(
    "warn",
    'upstream sent more data than specified in "Content-Length" header while reading upstream',
    p,
    k + 5,
    "invalid-response",
    null,
    { detail: "non-fatal" },
  );
  add(
    "warn",
    "upstream server temporarily disabled while connecting to upstream",
    p,
    k + 6,
    "connection-refused",
    null,
    { detail: "peer-disabled" },
  );
}
// failures after the response header went to the client (nginx 1.22 in the lab: the access log says 200)
for (let k = 0; k < 4; k++) {
  const p = tcp[k % tcp.length];
  add("error", "upstream prematurely closed connection while reading upstream", p, k, "premature-close", 502);
  add(
    "error",
    "readv() failed (104: Connection reset by peer) while reading upstream",
    p,
    k + 1,
    "connection-reset",
    502,
  );
  add(
    "error",
    "recv() failed (104: Connection reset by peer) while reading upstream",
    p,
    k + 2,
    "connection-reset",
    502,
  );
}
// a TLS port that accepts and never answers the ClientHello: nginx's connect timer runs out (504)
for (const p of [peers[2], peers[8], peers[11]]) {
  for (let k = 0; k < 2; k++)
    add(
      "error",
      `upstream timed out (110: ${k === 0 ? "Connection" : "Operation"} timed out) while SSL handshaking to upstream`,
      p,
      k,
      "connect-timeout",
      504,
      { detail: "ssl-handshake" },
    );
}
for (let k = 0; k < 8; k++) {
  const name = ["backend", "php_pool", "api_v2", "payments"][k % 4];
  const text = `${when()} [error] 1001#1001: *${5000 + k} no live upstreams while connecting to upstream, client: 198.51.100.${k}, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://${name}/cart", host: "shop.example.com"`;
  push(text, "no-live-upstreams", 502, name);
}
for (let k = 0; k < 6; k++) {
  push(
    `${when()} [error] 1002#1002: *${5100 + k} api${k}.internal could not be resolved (3: Host not found), client: 198.51.100.9, server: api.example.com, request: "GET /v1 HTTP/1.1", host: "api.example.com"`,
    "dns-failure",
    502,
    null,
  );
  push(
    `${when()} [error] 1002#1002: *${5200 + k} api${k}.internal could not be resolved (110: Operation timed out), client: 198.51.100.9, server: api.example.com, request: "GET /v1 HTTP/1.1", host: "api.example.com"`,
    "dns-failure",
    502,
    null,
  );
  push(
    `${when()} [error] 1002#1002: *${5300 + k} no resolver defined to resolve app${k}.svc.cluster.local, client: 198.51.100.9, server: api.example.com, request: "GET /v1 HTTP/1.1", host: "api.example.com"`,
    "no-resolver",
    502,
    null,
  );
}
for (let k = 0; k < 5; k++) {
  push(
    `${when()} [alert] 1003#1003: *${5400 + k} 512 worker_connections are not enough while connecting to upstream, client: 198.51.100.20, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://10.0.3.14:8080/", host: "shop.example.com"`,
    "worker-connections",
    500,
    "10.0.3.14:8080",
  );
  push(`${when()} [alert] 1003#1003: 768 worker_connections are not enough`, "worker-connections", 500, null);
  push(
    `${when()} [alert] 1003#1003: *${5500 + k} socket() failed (24: Too many open files) while connecting to upstream, client: 198.51.100.21, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://10.0.3.14:8080/", host: "shop.example.com"`,
    "too-many-open-files",
    500,
    "10.0.3.14:8080",
  );
  push(
    `${when()} [crit] 1003#1003: accept4() failed (24: Too many open files)`,
    "too-many-open-files",
    null,
    null,
  );
  push(
    `${when()} [crit] 1003#1003: accept4() failed (24: No file descriptors available)`,
    "too-many-open-files",
    null,
    null,
    { libc: "musl" },
  );
}
// stream module
for (let k = 0; k < 6; k++) {
  const up = `10.0.4.${k + 1}:5432`;
  push(
    `${when()} [error] 1004#1004: *${5600 + k} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.9.${k}, server: 0.0.0.0:6432, upstream: "${up}", bytes from/to client:0/0, bytes from/to upstream:0/0`,
    "connection-refused",
    502,
    up,
    { stream: true },
  );
  push(
    `${when()} [error] 1004#1004: *${5700 + k} upstream timed out (110: Connection timed out) while proxying connection, client: 10.0.9.${k}, server: 0.0.0.0:6432, upstream: "${up}", bytes from/to client:517/0, bytes from/to upstream:0/517`,
    "read-timeout",
    504,
    up,
    { stream: true },
  );
}
// prefixed lines (syslog, journald, docker json-file, kubectl --timestamps)
const base = `2026/11/24 11:00:01 [error] 1005#1005: *6001 connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.1.1, server: shop.example.com, request: "GET / HTTP/1.1", upstream: "http://10.0.3.14:8080/", host: "shop.example.com"`;
for (let k = 0; k < 4; k++) {
  push(`<11>Nov 24 11:00:0${k} web-${k} nginx: ${base}`, "connection-refused", 502, "10.0.3.14:8080", {
    prefix: "syslog",
  });
  push(
    `Nov 24 11:00:0${k} web-${k} nginx[${900 + k}]: ${base}`,
    "connection-refused",
    502,
    "10.0.3.14:8080",
    { prefix: "journald" },
  );
  push(
    JSON.stringify({ log: `${base}\n`, stream: "stderr", time: `2026-11-24T11:00:0${k}.12345Z` }),
    "connection-refused",
    502,
    "10.0.3.14:8080",
    { prefix: "docker" },
  );
  push(`2026-11-24T11:00:0${k}.123456789Z ${base}`, "connection-refused", 502, "10.0.3.14:8080", {
    prefix: "kubectl",
  });
}
// truncated lines (cut by a log shipper)
for (let k = 0; k < 4; k++) {
  push(base.slice(0, base.indexOf(", upstream:") + 20 + k * 3), "connection-refused", 502, null, {
    truncated: true,
  });
}
// configuration and start-up lines
for (let k = 0; k < 3; k++) {
  push(
    `nginx: [emerg] host not found in upstream "backend${k}.internal:8080" in /etc/nginx/conf.d/app.conf:${12 + k}`,
    "dns-failure",
    null,
    null,
    { confLine: 12 + k },
  );
  push(
    `${when()} [emerg] 1#1: host not found in upstream "backend${k}.internal" in /etc/nginx/conf.d/app.conf:${20 + k}`,
    "dns-failure",
    null,
    null,
    { confLine: 20 + k },
  );
}
// unrelated lines (not-upstream negatives)
const other = [
  '[error] 1006#1006: *7001 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 10.2.2.2, server: shop.example.com, request: "GET /favicon.ico HTTP/1.1", host: "shop.example.com"',
  "[notice] 1#1: signal process started",
  '[notice] 1#1: using the "epoll" event method',
  "[info] 1006#1006: *7002 client closed connection while waiting for request, client: 10.2.2.3, server: 0.0.0.0:443",
  '[error] 1006#1006: *7003 client intended to send too large body: 10485761 bytes, client: 10.2.2.4, server: shop.example.com, request: "POST /upload HTTP/1.1", host: "shop.example.com"',
  '[warn] 1006#1006: *7004 a client request body is buffered to a temporary file /var/cache/nginx/client_temp/0000000001, client: 10.2.2.5, server: shop.example.com, request: "POST /upload HTTP/1.1", host: "shop.example.com"',
  '[error] 1006#1006: *7005 access forbidden by rule, client: 10.2.2.6, server: shop.example.com, request: "GET /.env HTTP/1.1", host: "shop.example.com"',
  "[info] 1006#1006: *7006 recv() failed (104: Connection reset by peer) while waiting for request, client: 10.2.2.7, server: 0.0.0.0:80",
  '[error] 1006#1006: *7007 limiting requests, excess: 20.500 by zone "api", client: 10.2.2.8, server: api.example.com, request: "GET /v1 HTTP/1.1", host: "api.example.com"',
  "[crit] 1006#1006: *7008 SSL_read() failed (SSL: error:0A000126:SSL routines::unexpected eof while reading) while keepalive, client: 10.2.2.9, server: 0.0.0.0:443",
];
for (let k = 0; k < 30; k++) {
  push(`${when()} ${other[k % other.length]}`, "not-upstream", null, null);
}
writeFileSync(join(out, "corpus.log"), `${lines.join("\n")}\n`);
writeFileSync(join(out, "corpus.expected.jsonl"), `${exp.map((e) => JSON.stringify(e)).join("\n")}\n`);
console.log(`${lines.length} lines`);
