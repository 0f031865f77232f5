// Deterministic nginx error-log generators for the benchmarks (and for anyone who wants logs that look like the
// world). Each generator is a function of a seed: the same seed gives the same bytes on every machine.
//
//   basic        the project's original benchmark log: one server, one host, one pid, nine upstream messages
//                and two unrelated ones (kept byte for byte so older numbers stay comparable)
//   realistic    every message class of docs/error-log-messages.md at plausible frequencies, all eight levels,
//                12 worker pids (both `PID#PID` and `PID#0`), 150 servers/hosts, IPv4 and IPv6 clients, referrers,
//                long query strings, unix-socket and TLS peers, retries of one request on the next peer (same
//                connection number), stream (TCP) sessions, start-up notes, a third of lines not about upstreams
//                (high-cardinality file paths, client errors, temp-file buffering warnings)
//   adversarial  every line a new host, server, client, peer and URI; lines of 2–9 KB; lines made to miss a
//                fast path: syslog and kubectl prefixes, messages nobody catalogued, `upstream` inside paths and
//                query strings, escaped quotes in requests, a `while … upstream` look-alike in a query string
//
// Usage: `await writeErrorLog(path, "realistic", sizeMb, seed)` writes the file and returns its tally
// ({lines, failures, notes, other}), which is also saved beside it as PATH.tally.json. `failures` counts the
// lines badgateway and bench/errorlog-count.awk must both count as upstream failures.
import { hex, pad, rng, secondClock, writeGenerated } from "./common.mjs";

/** nginx's error-log time, formatted once per second. */
const clock = (start) =>
  secondClock(
    start,
    (d) =>
      `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
  );

/** Picks from [weight, value] pairs with a random number in [0, 1). */
function weighted(pairs) {
  const total = pairs.reduce((n, p) => n + p[0], 0);
  const cum = [];
  let acc = 0;
  for (const p of pairs) {
    acc += p[0] / total;
    cum.push(acc);
  }
  return (x) => {
    for (let i = 0; i < cum.length; i++) if (x < cum[i]) return pairs[i][1];
    return pairs[pairs.length - 1][1];
  };
}

// ---------------------------------------------------------------------------------------------------- basic

const BASIC_KINDS = [
  [30, "connect() failed (111: Connection refused) while connecting to upstream", "error"],
  [20, "upstream timed out (110: Connection timed out) while reading response header from upstream", "error"],
  [8, "upstream timed out (110: Connection timed out) while connecting to upstream", "error"],
  [8, "upstream prematurely closed connection while reading response header from upstream", "error"],
  [6, "recv() failed (104: Connection reset by peer) while reading response header from upstream", "error"],
  [4, "upstream sent too big header while reading response header from upstream", "error"],
  [4, "no live upstreams while connecting to upstream", "error"],
  [
    3,
    "upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream",
    "error",
  ],
  [
    3,
    'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
    "error",
  ],
  [14, null, null],
];
const BASIC_OTHER = [
  '[error] 17#17: *N open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 192.168.4.9, server: shop.example.com, request: "GET /favicon.ico HTTP/1.1", host: "shop.example.com"',
  "[info] 17#17: *N client closed connection while waiting for request, client: 192.168.4.9, server: 0.0.0.0:443",
];
const BASIC_PEERS = [
  "http://10.0.0.1:8080",
  "http://10.0.0.2:8080",
  "http://[fd00::3]:8080",
  "fastcgi://unix:/run/php/php8.2-fpm.sock:",
  "https://10.0.0.5:8443",
];

/** The original benchmark log (same bytes as bench/errorlog.bench.mjs wrote before the generators moved here). */
function basic(seed) {
  const r = rng(seed);
  const total = BASIC_KINDS.reduce((n, k) => n + k[0], 0);
  let t = Date.UTC(2026, 10, 24, 0, 0, 0);
  let conn = 1;
  const tally = { lines: 0, failures: 0, notes: 0, other: 0 };
  const chunk = () => {
    let buf = "";
    for (let i = 0; i < 4000; i++) {
      t += Math.floor(r() * 40);
      const d = new Date(t);
      const ts = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      let x = r() * total;
      let k = BASIC_KINDS[0];
      for (const kk of BASIC_KINDS) {
        x -= kk[0];
        if (x < 0) {
          k = kk;
          break;
        }
      }
      conn++;
      tally.lines++;
      if (!k[1]) {
        tally.other++;
        buf += `${ts} ${BASIC_OTHER[conn % 2].replace("*N", `*${conn}`)}\n`;
        continue;
      }
      tally.failures++;
      const peer = k[1].startsWith("no live")
        ? "http://backend"
        : k[1].startsWith("FastCGI")
          ? BASIC_PEERS[3]
          : BASIC_PEERS[Math.floor(r() * BASIC_PEERS.length)];
      const ip = `192.168.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
      const uri = `/api/v1/orders/${Math.floor(r() * 1e6)}`;
      buf += `${ts} [${k[2]}] 17#17: *${conn} ${k[1]}, client: ${ip}, server: shop.example.com, request: "GET ${uri} HTTP/1.1", upstream: "${peer}${peer.endsWith(":") ? "" : uri}", host: "shop.example.com"\n`;
    }
    return buf;
  };
  return { chunk, tally };
}

// ------------------------------------------------------------------------------------------------ realistic

const WORDS = [
  "api",
  "shop",
  "admin",
  "static",
  "auth",
  "pay",
  "search",
  "img",
  "cdn",
  "m",
  "app",
  "blog",
  "mail",
];
const TLDS = ["example.com", "example.org", "example.net", "test.internal"];
const PATHS = [
  "/api/v1/orders/",
  "/api/v2/users/",
  "/cart",
  "/checkout/confirm",
  "/wp-admin/admin-ajax.php",
  "/index.php",
  "/graphql",
  "/search",
  "/reports/export.csv",
  "/ws/notifications",
  "/login",
  "/",
];
const METHODS = weighted([
  [70, "GET"],
  [20, "POST"],
  [4, "PUT"],
  [3, "DELETE"],
  [2, "HEAD"],
  [1, "OPTIONS"],
]);
const AGENT_REFERRERS = [
  "https://www.google.com/",
  "https://shop.example.com/cart",
  "android-app://com.example/",
];

function ipv4(r, a = 10) {
  return `${a}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
}

function ipv6(r) {
  return `2001:db8:${hex(r, 4)}:${hex(r, 2)}::${hex(r, 3)}`;
}

/** The variable parts of one request, shared by the lines of one connection (a retry keeps them). */
function request(r, pools) {
  const server = pools.servers[Math.floor(r() ** 2 * pools.servers.length)];
  const client = r() < 0.2 ? ipv6(r) : ipv4(r, r() < 0.5 ? 10 : 172);
  let uri = PATHS[Math.floor(r() * PATHS.length)];
  if (uri.endsWith("/")) uri += Math.floor(r() * 1e7);
  const q = r();
  if (q < 0.3) uri += `?id=${Math.floor(r() * 1e6)}&page=${Math.floor(r() * 50)}`;
  else if (q < 0.38) {
    // long tracking query strings, as marketing links carry them
    uri += `?utm_source=newsletter&utm_medium=email&utm_campaign=${hex(r, 24)}&fbclid=${hex(r, 64)}&gclid=${hex(r, 48)}&session=${hex(r, 32)}`;
  }
  const method = METHODS(r());
  const host = r() < 0.1 ? `${server}:8443` : server;
  const referrer =
    r() < 0.4
      ? r() < 0.5
        ? `https://${server}${PATHS[Math.floor(r() * PATHS.length)]}`
        : AGENT_REFERRERS[Math.floor(r() * AGENT_REFERRERS.length)]
      : null;
  return { server, client, uri, method, host, referrer, proto: r() < 0.7 ? "HTTP/1.1" : "HTTP/2.0" };
}

/** nginx's context suffix in its fixed order; `upstream` is omitted when null. */
function context(req, upstream) {
  let s = `, client: ${req.client}, server: ${req.server}, request: "${req.method} ${req.uri} ${req.proto}"`;
  if (upstream !== null) s += `, upstream: "${upstream}"`;
  s += `, host: "${req.host}"`;
  if (req.referrer) s += `, referrer: "${req.referrer}"`;
  return s;
}

// Peers of the realistic mix: TCP (v4 and v6), TLS, unix sockets; each with the module that writes its URL.
function realisticPeers(r) {
  const peers = [];
  for (let i = 0; i < 40; i++)
    peers.push({ scheme: "http", addr: `${ipv4(r)}:${[8080, 3000, 8000, 9000][i % 4]}` });
  for (let i = 0; i < 6; i++) peers.push({ scheme: "http", addr: `[fd00::${hex(r, 3)}]:8080` });
  for (let i = 0; i < 10; i++) peers.push({ scheme: "https", addr: `${ipv4(r)}:443` });
  for (let i = 0; i < 4; i++)
    peers.push({ scheme: "fastcgi", addr: `unix:/run/php/php8.${i}-fpm.sock`, unix: true });
  peers.push({ scheme: "http", addr: "unix:/run/gunicorn.sock", unix: true });
  peers.push({ scheme: "uwsgi", addr: "unix:/run/uwsgi/app.sock", unix: true });
  peers.push({ scheme: "grpc", addr: `${ipv4(r)}:50051` });
  return peers;
}

/** upstream: "…" as nginx writes it (unix peers have a ':' before the URI). */
function upstreamText(peer, uri) {
  if (peer.unix) return `${peer.scheme}://${peer.addr}:${peer.scheme === "fastcgi" ? "" : uri}`;
  if (peer.scheme === "fastcgi" || peer.scheme === "grpc") return `${peer.scheme}://${peer.addr}`;
  return `${peer.scheme}://${peer.addr}${uri}`;
}

/**
 * The realistic catalogue: [weight, level, kind, message maker]. kind: "fail" (an upstream failure), "note"
 * (about an upstream, not a failure), "other" (not about upstreams). `peer` is the peer filter: "tcp", "tls",
 * "unix", "any", "v6", "group" (no live upstreams), null (no upstream field).
 */
const REALISTIC = [
  // upstream failures (~60 % of lines)
  [
    180,
    "error",
    "fail",
    "tcp",
    () => "connect() failed (111: Connection refused) while connecting to upstream",
  ],
  [
    40,
    "error",
    "fail",
    "unix",
    (p) => `connect() to ${p.addr} failed (111: Connection refused) while connecting to upstream`,
  ],
  [
    140,
    "error",
    "fail",
    "any",
    () => "upstream timed out (110: Connection timed out) while reading response header from upstream",
  ],
  [
    8,
    "error",
    "fail",
    "any",
    () => "upstream timed out (110: Operation timed out) while reading response header from upstream",
  ],
  [
    40,
    "error",
    "fail",
    "tcp",
    () => "upstream timed out (110: Connection timed out) while connecting to upstream",
  ],
  [
    10,
    "error",
    "fail",
    "tls",
    () => "upstream timed out (110: Connection timed out) while SSL handshaking to upstream",
  ],
  [20, "error", "fail", "any", () => "upstream timed out (110: Connection timed out) while reading upstream"],
  [
    8,
    "error",
    "fail",
    "any",
    () => "upstream timed out (110: Connection timed out) while sending request to upstream",
  ],
  [
    60,
    "error",
    "fail",
    "any",
    () => "upstream prematurely closed connection while reading response header from upstream",
  ],
  [12, "error", "fail", "any", () => "upstream prematurely closed connection while reading upstream"],
  [
    6,
    "error",
    "fail",
    "unix",
    () => "upstream prematurely closed FastCGI stdout while reading response header from upstream",
  ],
  [
    45,
    "error",
    "fail",
    "any",
    () => "recv() failed (104: Connection reset by peer) while reading response header from upstream",
  ],
  [10, "error", "fail", "any", () => "readv() failed (104: Connection reset by peer) while reading upstream"],
  [8, "error", "fail", "any", () => "writev() failed (32: Broken pipe) while sending request to upstream"],
  [
    20,
    "error",
    "fail",
    "any",
    () => "upstream sent too big header while reading response header from upstream",
  ],
  [
    8,
    "error",
    "fail",
    "tcp",
    () => 'upstream sent invalid header: "X-Bad\\x00Header" while reading response header from upstream',
  ],
  [4, "error", "fail", "tcp", () => "upstream sent invalid chunked response while reading upstream"],
  [
    3,
    "error",
    "fail",
    "tcp",
    () =>
      'upstream sent duplicate header line: "Content-Length: 12", previous value: "Content-Length: 10" while reading response header from upstream',
  ],
  [6, "error", "fail", "tcp", () => "connect() failed (113: No route to host) while connecting to upstream"],
  [
    3,
    "error",
    "fail",
    "v6",
    (p) => `connect() to ${p.addr} failed (101: Network is unreachable) while connecting to upstream`,
  ],
  [25, "error", "fail", "group", () => "no live upstreams while connecting to upstream"],
  [
    12,
    "error",
    "fail",
    "tls",
    () =>
      "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong version number) while SSL handshaking to upstream",
  ],
  [
    4,
    "error",
    "fail",
    "tls",
    () =>
      "peer closed connection in SSL handshake (104: Connection reset by peer) while SSL handshaking to upstream",
  ],
  [
    8,
    "error",
    "fail",
    "tls",
    () =>
      "upstream SSL certificate verify error: (18:self-signed certificate) while SSL handshaking to upstream",
  ],
  [
    3,
    "error",
    "fail",
    "tls",
    () => 'upstream SSL certificate does not match "api.internal" while SSL handshaking to upstream',
  ],
  [
    10,
    "crit",
    "fail",
    "unix",
    (p) => `connect() to ${p.addr} failed (2: No such file or directory) while connecting to upstream`,
  ],
  [
    6,
    "crit",
    "fail",
    "unix",
    (p) => `connect() to ${p.addr} failed (13: Permission denied) while connecting to upstream`,
  ],
  [
    4,
    "error",
    "fail",
    "unix",
    (p) =>
      `connect() to ${p.addr} failed (11: Resource temporarily unavailable) while connecting to upstream`,
  ],
  [
    2,
    "crit",
    "fail",
    "tcp",
    (p) => `connect() to ${p.addr} failed (13: Permission denied) while connecting to upstream`,
  ],
  [
    2,
    "crit",
    "fail",
    "tcp",
    (p) => `connect() to ${p.addr} failed (99: Cannot assign requested address) while connecting to upstream`,
  ],
  [2, "alert", "fail", "tcp", () => "socket() failed (24: Too many open files) while connecting to upstream"],
  [
    30,
    "error",
    "fail",
    "unix",
    () =>
      'FastCGI sent in stderr: "PHP message: PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in /var/www/html/wp-includes/class-wpdb.php on line 2056" while reading response header from upstream',
  ],
  [
    12,
    "error",
    "fail",
    "unix",
    () => 'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
  ],
  [
    4,
    "error",
    "fail",
    null,
    (_p, r) => `api${Math.floor(r() * 9)}.internal could not be resolved (3: Host not found)`,
  ],
  [2, "error", "fail", null, () => "no resolver defined to resolve backend.internal"],
  // notes about upstreams that are not failures
  [12, "warn", "note", "any", () => "upstream server temporarily disabled while connecting to upstream"],
  [
    3,
    "warn",
    "note",
    "any",
    () => 'upstream sent more data than specified in "Content-Length" header while reading upstream',
  ],
  // not about upstreams (~35 % of lines)
  [
    120,
    "error",
    "other",
    null,
    (_p, r) =>
      `open() "/var/www/html/${hex(r, 2)}/${hex(r, 12)}.${["png", "js", "css", "php"][Math.floor(r() * 4)]}" failed (2: No such file or directory)`,
  ],
  [50, "info", "other", null, () => "client closed connection while waiting for request"],
  [40, "info", "other", null, () => "client timed out (110: Connection timed out) while waiting for request"],
  [
    24,
    "info",
    "other",
    null,
    () => "recv() failed (104: Connection reset by peer) while reading client request line",
  ],
  [
    70,
    "warn",
    "other",
    "any",
    (_p, r) =>
      `an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/${Math.floor(r() * 10)}/${pad(Math.floor(r() * 100))}/00000${Math.floor(r() * 1e5)} while reading upstream`,
  ],
  [
    24,
    "warn",
    "other",
    null,
    (_p, r) =>
      `a client request body is buffered to a temporary file /var/cache/nginx/client_temp/00000${Math.floor(r() * 1e5)}`,
  ],
  [
    30,
    "error",
    "other",
    null,
    (_p, r) => `limiting requests, excess: ${(r() * 20).toFixed(3)} by zone "perip"`,
  ],
  [12, "error", "other", null, () => "client intended to send too large body: 10485761 bytes"],
  [12, "error", "other", null, () => "access forbidden by rule"],
  [
    16,
    "info",
    "other",
    "client",
    () => "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking",
  ],
  [10, "info", "other", null, () => "client sent invalid method while reading client request line"],
  [
    8,
    "error",
    "other",
    null,
    (_p, r) => `"/var/www/html/${hex(r, 6)}/index.html" is not found (2: No such file or directory)`,
  ],
  [6, "error", "other", null, () => 'directory index of "/var/www/html/uploads/" is forbidden'],
];

// Lines without a request: start-up, reload and process notes, worker_connections, stream sessions.
const PROCESS_LINES = [
  [6, "notice", "other", () => "signal process started"],
  [6, "notice", "other", () => 'using the "epoll" event method'],
  [4, "notice", "other", () => "start worker processes"],
  [2, "notice", "other", () => "signal 1 (SIGHUP) received from 4012, reconfiguring"],
  [3, "notice", "other", () => "gracefully shutting down"],
  [3, "emerg", "other", () => "bind() to 0.0.0.0:80 failed (98: Address already in use)"],
  [
    2,
    "alert",
    "other",
    () => 'could not open error log file: open() "/var/log/nginx/error.log" failed (13: Permission denied)',
  ],
  [2, "debug", "other", () => "epoll add event: fd:9 op:1 ev:00002001"],
  [4, "alert", "fail", () => "1024 worker_connections are not enough"],
];

const LEVEL_OF_STREAM = "error";

/** The realistic mix generator. */
function realistic(seed) {
  const r = rng(seed);
  const servers = [];
  for (let i = 0; i < 150; i++)
    servers.push(
      `${WORDS[i % WORDS.length]}${i >= WORDS.length ? Math.floor(i / WORDS.length) : ""}.${TLDS[i % TLDS.length]}`,
    );
  const pools = { servers };
  const peers = realisticPeers(r);
  const byFilter = {
    tcp: peers.filter((p) => !p.unix && p.scheme !== "https"),
    tls: peers.filter((p) => p.scheme === "https"),
    unix: peers.filter((p) => p.unix),
    any: peers,
    v6: peers.filter((p) => p.addr.startsWith("[")),
  };
  const groups = ["backend", "php_fpm", "api_pool", "auth-svc"];
  const pick = weighted(REALISTIC.map((k) => [k[0], k]));
  const pickProcess = weighted(PROCESS_LINES.map((k) => [k[0], k]));
  const pids = [];
  for (let i = 0; i < 12; i++) pids.push(800 + Math.floor(r() * 40000));
  const clk = clock(Date.UTC(2026, 10, 24, 0, 0, 0));
  let conn = 1000;
  const tally = { lines: 0, failures: 0, notes: 0, other: 0 };
  const count = (kind) => {
    tally.lines++;
    if (kind === "fail") tally.failures++;
    else if (kind === "note") tally.notes++;
    else tally.other++;
  };
  const chunk = () => {
    let buf = "";
    for (let i = 0; i < 3000; i++) {
      clk.advance(Math.floor(r() * 60));
      const ts = clk.now();
      const pid = pids[Math.floor(r() * pids.length)];
      const tid = r() < 0.7 ? pid : 0;
      const x = r();
      if (x < 0.03) {
        const [, level, kind, make] = pickProcess(r());
        count(kind);
        buf += `${ts} [${level}] ${pid}#${tid}: ${make()}\n`;
        continue;
      }
      if (x < 0.05) {
        // stream (TCP) proxy session
        const p = byFilter.tcp[Math.floor(r() * byFilter.tcp.length)];
        const timeout = r() < 0.5;
        count(timeout ? "fail" : "other");
        const cl = ipv4(r, 172);
        buf += timeout
          ? `${ts} [${LEVEL_OF_STREAM}] ${pid}#${tid}: *${conn++} upstream timed out (110: Connection timed out) while proxying connection, client: ${cl}, server: 0.0.0.0:5432, upstream: "${p.addr}", bytes from/to client:${Math.floor(r() * 5000)}/${Math.floor(r() * 90000)}, bytes from/to upstream:${Math.floor(r() * 90000)}/${Math.floor(r() * 5000)}\n`
          : `${ts} [info] ${pid}#${tid}: *${conn++} client ${cl}:${40000 + Math.floor(r() * 20000)} connected to 0.0.0.0:5432\n`;
        continue;
      }
      const k = pick(r());
      const [, level, kind, filter, make] = k;
      const req = request(r, pools);
      const c = conn++;
      if (filter === "client") {
        // a client's own TLS handshake with nginx's listener: before any request is read
        count(kind);
        buf += `${ts} [${level}] ${pid}#${tid}: *${c} ${make(null, r)}, client: ${req.client}, server: 0.0.0.0:443\n`;
        continue;
      }
      if (filter === null) {
        count(kind);
        buf += `${ts} [${level}] ${pid}#${tid}: *${c} ${make(null, r)}${context(req, null)}\n`;
        continue;
      }
      if (filter === "group") {
        count(kind);
        const g = groups[Math.floor(r() * groups.length)];
        buf += `${ts} [${level}] ${pid}#${tid}: *${c} ${make(null, r)}${context(req, `http://${g}${req.uri}`)}\n`;
        continue;
      }
      const list = byFilter[filter];
      const p = list[Math.floor(r() * list.length)];
      count(kind);
      buf += `${ts} [${level}] ${pid}#${tid}: *${c} ${make(p, r)}${context(req, upstreamText(p, req.uri))}\n`;
      // a failed try is retried on the next peer of the group now and then (same connection, same request)
      if (kind === "fail" && filter !== "unix" && r() < 0.12) {
        const q = list[(list.indexOf(p) + 1) % list.length];
        count("fail");
        buf += `${ts} [error] ${pid}#${tid}: *${c} connect() failed (111: Connection refused) while connecting to upstream${context(req, upstreamText(q, req.uri))}\n`;
      }
    }
    return buf;
  };
  return { chunk, tally };
}

// ---------------------------------------------------------------------------------------------- adversarial

const ADV_FAILURES = [
  "connect() failed (111: Connection refused) while connecting to upstream",
  "upstream timed out (110: Connection timed out) while reading response header from upstream",
  "upstream prematurely closed connection while reading response header from upstream",
  "recv() failed (104: Connection reset by peer) while reading response header from upstream",
  // wordings no catalogue has: classified from the errno or the phase
  "connect() failed (115: Operation now in progress) while connecting to upstream",
  "upstream returned something unexpected (71: Protocol error) while reading response header from upstream",
  "sendfile() failed (32: Broken pipe) while sending request to upstream",
];

/** The adversarial generator: maximal cardinality, long lines, fast-path misses. */
function adversarial(seed) {
  const r = rng(seed);
  const pool = hex(r, 1 << 20);
  const hexs = (n) => {
    const at = Math.floor(r() * (pool.length - n));
    return pool.slice(at, at + n);
  };
  const clk = clock(Date.UTC(2026, 10, 24, 0, 0, 0));
  let conn = 1;
  const tally = { lines: 0, failures: 0, notes: 0, other: 0 };
  const chunk = () => {
    let buf = "";
    for (let i = 0; i < 1500; i++) {
      clk.advance(Math.floor(r() * 30));
      const ts = clk.now();
      const pid = 1000 + Math.floor(r() * 60000);
      const id = hexs(10);
      const server = `s${id}.${TLDS[Math.floor(r() * TLDS.length)]}`;
      const client = r() < 0.5 ? ipv6(r) : ipv4(r, 100);
      // long URIs (query strings of 0.1–8 KB), `upstream` and phase words inside them
      let uri = `/t/${hexs(16)}/upstream/${Math.floor(r() * 1e9)}?q=while+connecting+to+upstream&x=${hexs(Math.floor(r() ** 3 * 8000) + 50)}`;
      if (r() < 0.1) uri += "&quote=\\x22a\\x22";
      const referrer =
        r() < 0.5 ? `, referrer: "https://r${hexs(8)}.example/${hexs(Math.floor(r() * 400))}"` : "";
      const peer =
        r() < 0.3
          ? `[fd${hexs(2)}::${hexs(4)}]:${1024 + Math.floor(r() * 60000)}`
          : `${ipv4(r, 10)}:${1024 + Math.floor(r() * 60000)}`;
      const ctx = (up) =>
        `, client: ${client}, server: ${server}, request: "GET ${uri} HTTP/1.1"${up}, host: "h${id}.example"${referrer}`;
      const x = r();
      let prefix = "";
      const p = r();
      if (p < 0.1) prefix = `<11>Nov 24 ${pad(Math.floor(r() * 24))}:00:00 web${hexs(4)} nginx: `;
      else if (p < 0.2)
        prefix = `2026-11-24T${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:00.${hexs(9).replace(/[a-f]/g, "7")}Z `;
      tally.lines++;
      if (x < 0.65) {
        tally.failures++;
        const m = ADV_FAILURES[Math.floor(r() * ADV_FAILURES.length)];
        buf += `${prefix}${ts} [error] ${pid}#${pid}: *${conn++} ${m}${ctx(`, upstream: "http://${peer}${uri}"`)}\n`;
      } else if (x < 0.8) {
        tally.other++;
        buf += `${prefix}${ts} [error] ${pid}#${pid}: *${conn++} open() "/srv/upstream/${hexs(40)}" failed (2: No such file or directory)${ctx("")}\n`;
      } else if (x < 0.9) {
        tally.other++;
        buf += `${prefix}${ts} [warn] ${pid}#${pid}: *${conn++} an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/${hexs(12)} while reading upstream${ctx(`, upstream: "http://${peer}${uri}"`)}\n`;
      } else {
        tally.other++;
        buf += `${prefix}${ts} [info] ${pid}#${pid}: *${conn++} client ${hexs(6)} closed keepalive connection (104: Connection reset by peer)\n`;
      }
    }
    return buf;
  };
  return { chunk, tally };
}

export const ERROR_GENERATORS = { basic, realistic, adversarial };

/**
 * Writes about sizeMb MB (10^6 bytes) of the named generator's log to path, unless a file of that size and its
 * tally are already there; returns the tally {lines, failures, notes, other}.
 */
export function writeErrorLog(path, name, sizeMb, seed) {
  return writeGenerated(path, sizeMb, () => {
    const make = ERROR_GENERATORS[name];
    if (!make)
      throw new Error(`unknown error-log generator "${name}" (${Object.keys(ERROR_GENERATORS).join(", ")})`);
    return make(seed);
  });
}
