// Deterministic nginx access-log generators for the benchmarks: a record generator (what happened) and a
// renderer per log_format (how nginx writes it), so every generator can be written in every format.
//
// Formats (FORMATS[name].format is the log_format text, .escape its escape= mode):
//   combined       nginx's predefined format, no upstream fields
//   main           the Debian/nginx.org `main` (combined + "$http_x_forwarded_for") with $upstream_addr,
//                  $upstream_status, $upstream_connect_time, $upstream_header_time, $upstream_response_time and
//                  $request_time appended, space-separated
//   keyvalue       combined + quoted key="$var" fields (rt= uct= uht= urt= ua= us=), a common Grafana/Loki layout
//   json           escape=json JSON lines
//   upstreaminfo   ingress-nginx's default format ([$proxy_upstream_name] … $upstream_status $req_id)
// Generators (records):
//   basic          the project's original benchmark log, in its own format (bench/access.bench.mjs before the
//                  generators moved here): kept byte for byte so older numbers stay comparable
//   realistic      150 hosts, 60 peers (IPv4, IPv6, unix), IPv4/IPv6 clients, referrers, long query strings, user
//                  agents with escaped quotes and UTF-8, retries on the next peer ("a, b" / "502, 200"), internal
//                  redirects ("a : b"), static files served without an upstream, 499s, 3 % 502 and 1.5 % 504
//   adversarial    every line a new client, host, peer (address and port) and URI; URIs of up to 8 KB; chains of
//                  three tries; control bytes and quotes escaped in the request and user agent
//
// Usage: `await writeAccessLog(path, generator, format, sizeMb, seed)` writes the file (unless it is there) and
// returns its tally {lines, s502, s504}, also saved as PATH.tally.json.
import { hex, pad, rng, secondClock, writeGenerated } from "./common.mjs";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export const FORMATS = {
  combined: {
    format:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"',
    escape: "default",
    upstream: false,
  },
  main: {
    format:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$http_x_forwarded_for" $upstream_addr $upstream_status $upstream_connect_time $upstream_header_time $upstream_response_time $request_time',
    escape: "default",
    upstream: true,
  },
  keyvalue: {
    format:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time uct="$upstream_connect_time" uht="$upstream_header_time" urt="$upstream_response_time" ua="$upstream_addr" us="$upstream_status"',
    escape: "default",
    upstream: true,
  },
  json: {
    format:
      '{"time":"$time_iso8601","remote_addr":"$remote_addr","host":"$host","request":"$request","status":"$status","bytes":"$body_bytes_sent","referer":"$http_referer","user_agent":"$http_user_agent","request_time":"$request_time","upstream_addr":"$upstream_addr","upstream_status":"$upstream_status","upstream_connect_time":"$upstream_connect_time","upstream_response_time":"$upstream_response_time"}',
    escape: "json",
    upstream: true,
  },
  upstreaminfo: {
    format:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
    escape: "default",
    upstream: true,
    // ingress-nginx defines these itself (set/map in its template); a configuration has to say so.
    defines: ["proxy_upstream_name", "proxy_alternative_upstream_name", "req_id"],
  },
};

/** The basic generator's own format (bench/access.bench.mjs before the generators). */
export const BASIC_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $upstream_addr $upstream_status $upstream_response_time $request_time';

/** nginx's escape=default: '"', '\' and bytes outside 0x20–0x7e as \xHH. */
function escDefault(s) {
  let out = "";
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20 || c > 0x7e) {
      out += s.slice(plain, i);
      if (c > 0x7e) for (const b of Buffer.from(s[i])) out += `\\x${b.toString(16).toUpperCase()}`;
      else out += `\\x${c.toString(16).toUpperCase().padStart(2, "0")}`;
      plain = i + 1;
    }
  }
  return plain === 0 ? s : out + s.slice(plain);
}

/** nginx's escape=json: '"' and '\' backslashed, control bytes as \n, \t… or \u00XX, UTF-8 as it is. */
function escJson(s) {
  let out = "";
  let plain = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c < 0x20) {
      out += s.slice(plain, i);
      out +=
        c === 0x22
          ? '\\"'
          : c === 0x5c
            ? "\\\\"
            : c === 0x0a
              ? "\\n"
              : c === 0x09
                ? "\\t"
                : `\\u00${c.toString(16).padStart(2, "0")}`;
      plain = i + 1;
    }
  }
  return plain === 0 ? s : out + s.slice(plain);
}

/** Upstream lists as nginx writes them: tries joined by ", ", internal redirects by " : ". */
function list(chains, field) {
  return chains.map((tries) => tries.map((t) => t[field]).join(", ")).join(" : ");
}

/** One record rendered in one format. */
function render(name, rec) {
  const esc = name === "json" ? escJson : escDefault;
  const up = rec.chains.length > 0;
  const addr = up ? list(rec.chains, "addr") : "-";
  const ust = up ? list(rec.chains, "status") : "-";
  const uct = up ? list(rec.chains, "ct") : "-";
  const uht = up ? list(rec.chains, "ht") : "-";
  const urt = up ? list(rec.chains, "rt") : "-";
  const ulen = up ? list(rec.chains, "len") : "-";
  const req = esc(rec.request);
  const ref = esc(rec.referer);
  const ua = esc(rec.ua);
  const head = `${rec.ip} - ${rec.user} [${rec.timeLocal}] "${req}" ${rec.status} ${rec.bytes} "${ref}" "${ua}"`;
  switch (name) {
    case "combined":
      return head;
    case "main":
      return `${head} "${rec.xff}" ${addr} ${ust} ${uct} ${uht} ${urt} ${rec.rt}`;
    case "keyvalue":
      return `${head} rt=${rec.rt} uct="${uct}" uht="${uht}" urt="${urt}" ua="${addr}" us="${ust}"`;
    case "json":
      return `{"time":"${rec.timeIso}","remote_addr":"${rec.ip}","host":"${esc(rec.host)}","request":"${req}","status":"${rec.status}","bytes":"${rec.bytes}","referer":"${ref}","user_agent":"${ua}","request_time":"${rec.rt}","upstream_addr":"${addr}","upstream_status":"${ust}","upstream_connect_time":"${uct}","upstream_response_time":"${urt}"}`;
    case "upstreaminfo":
      return `${head} ${rec.reqLen} ${rec.rt} [${rec.group}] [] ${addr} ${ulen} ${urt} ${ust} ${rec.reqId}`;
    default:
      throw new Error(`unknown access-log format "${name}" (${Object.keys(FORMATS).join(", ")})`);
  }
}

/** Time fields ($time_local, $time_iso8601), formatted once per second. */
const clock = (start) =>
  secondClock(start, (d) => {
    const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    return {
      local: `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${hms} +0000`,
      iso: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${hms}+00:00`,
    };
  });

const ms = (x) => x.toFixed(3);

const UAS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "curl/8.5.0",
  "Go-http-client/2.0",
  "kube-probe/1.31",
  'Bot "quoted" 1.0',
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  "Приложение/2.3 (Android 14)",
  "-",
];
const PATHS = [
  "/api/v1/orders/",
  "/api/v2/users/",
  "/cart",
  "/checkout",
  "/graphql",
  "/search",
  "/",
  "/login",
];
const STATIC = ["/static/app.js", "/static/app.css", "/favicon.ico", "/img/logo.png"];

/** The realistic record generator. */
function realistic(seed) {
  const r = rng(seed);
  const hosts = [];
  for (let i = 0; i < 150; i++)
    hosts.push(`${["api", "shop", "app", "m", "auth", "admin"][i % 6]}${i}.example.com`);
  const groups = [];
  for (let g = 0; g < 12; g++) {
    const peers = [];
    for (let i = 0; i < 5; i++)
      peers.push(
        g === 11
          ? `unix:/run/app${i}.sock`
          : g === 10
            ? `[fd00::${g}:${i + 1}]:8080`
            : `10.${g}.${i}.${10 + i}:${[8080, 3000, 9000][g % 3]}`,
      );
    groups.push({ name: `default-svc${g}-${[80, 8080, 443][g % 3]}`, peers });
  }
  const clk = clock(Date.UTC(2026, 10, 24, 0, 0, 0));
  const next = () => {
    clk.advance(Math.floor(r() * 8));
    const t = clk.now();
    const host = hosts[Math.floor(r() ** 2 * hosts.length)];
    const ip =
      r() < 0.2
        ? `2001:db8:${hex(r, 4)}::${hex(r, 3)}`
        : `${[83, 91, 172, 203][Math.floor(r() * 4)]}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`;
    const isStatic = r() < 0.12;
    let uri = isStatic ? STATIC[Math.floor(r() * STATIC.length)] : PATHS[Math.floor(r() * PATHS.length)];
    if (uri.endsWith("/") && uri.length > 1) uri += Math.floor(r() * 1e6);
    const q = r();
    if (q < 0.25) uri += `?id=${Math.floor(r() * 1e6)}&sort=desc`;
    else if (q < 0.32)
      uri += `?utm_source=mail&utm_campaign=${hex(r, 20)}&fbclid=${hex(r, 60)}&gclid=${hex(r, 40)}`;
    const method = r() < 0.8 ? "GET" : r() < 0.8 ? "POST" : "PUT";
    const x = r();
    let status = x < 0.03 ? 502 : x < 0.045 ? 504 : x < 0.05 ? 499 : x < 0.07 ? 404 : x < 0.075 ? 500 : 200;
    const chains = [];
    let rt = r() ** 3 * 1.5;
    let group = "-";
    if (!isStatic) {
      const g = groups[Math.floor(r() * groups.length)];
      group = g.name;
      const p0 = Math.floor(r() * g.peers.length);
      const tries = [];
      if ((status === 502 || status === 504) && r() < 0.4) {
        // the first peer failed, the next one answered
        tries.push({
          addr: g.peers[p0],
          status: String(status),
          ct: "0.001",
          ht: "-",
          rt: ms(status === 504 ? 60 : 0.001),
          len: "0",
        });
        rt += status === 504 ? 60 : 0.002;
        status = 200;
        tries.push({
          addr: g.peers[(p0 + 1) % g.peers.length],
          status: "200",
          ct: "0.000",
          ht: ms(rt * 0.8),
          rt: ms(rt),
          len: String(Math.floor(r() * 40000)),
        });
        chains.push(tries);
      } else if (status === 499) {
        tries.push({ addr: g.peers[p0], status: "-", ct: "0.000", ht: "-", rt: ms(rt), len: "0" });
        chains.push(tries);
      } else {
        if (status === 504) rt = 60 + r() * 0.01;
        tries.push({
          addr: g.peers[p0],
          status: String(status),
          ct: status === 502 && r() < 0.5 ? "-" : "0.001",
          ht: status >= 500 ? "-" : ms(rt * 0.9),
          rt: ms(rt),
          len: String(Math.floor(r() * 40000)),
        });
        chains.push(tries);
        if (r() < 0.01) {
          // error_page / X-Accel-Redirect: a second group after " : "
          chains.push([
            { addr: groups[0].peers[0], status: "200", ct: "0.000", ht: "0.004", rt: "0.005", len: "512" },
          ]);
        }
      }
    }
    return {
      ip,
      user: r() < 0.02 ? "alice" : "-",
      timeLocal: t.local,
      timeIso: t.iso,
      host,
      request: `${method} ${uri} HTTP/${r() < 0.6 ? "1.1" : "2.0"}`,
      status,
      bytes: status === 200 ? Math.floor(r() * 80000) : 157,
      referer: r() < 0.4 ? `https://${host}${PATHS[Math.floor(r() * PATHS.length)]}` : "-",
      ua: UAS[Math.floor(r() * UAS.length)],
      xff: r() < 0.3 ? `198.51.100.${Math.floor(r() * 256)}` : "-",
      rt: ms(rt + 0.001),
      reqLen: 200 + Math.floor(r() * 900),
      group,
      reqId: hex(r, 32),
      chains,
    };
  };
  return next;
}

/** The adversarial record generator: nothing repeats. */
function adversarial(seed) {
  const r = rng(seed);
  const pool = hex(r, 1 << 20);
  const hexs = (n) => {
    const at = Math.floor(r() * (pool.length - n));
    return pool.slice(at, at + n);
  };
  const clk = clock(Date.UTC(2026, 10, 24, 0, 0, 0));
  const peer = () =>
    r() < 0.3
      ? `[fd${hexs(2)}::${hexs(4)}]:${1024 + Math.floor(r() * 60000)}`
      : `10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}:${1024 + Math.floor(r() * 60000)}`;
  return () => {
    clk.advance(Math.floor(r() * 5));
    const t = clk.now();
    const x = r();
    const status = x < 0.2 ? 502 : x < 0.3 ? 504 : x < 0.35 ? 503 : 200;
    const tries = [];
    const n = 1 + Math.floor(r() * 3);
    for (let i = 0; i < n; i++) {
      const last = i === n - 1;
      tries.push({
        addr: peer(),
        status: last ? String(status) : r() < 0.5 ? "502" : "504",
        ct: ms(r() * 0.01),
        ht: "-",
        rt: ms(r() * 3),
        len: String(Math.floor(r() * 1e6)),
      });
    }
    let uri = `/${hexs(12)}/${hexs(Math.floor(r() ** 3 * 8000) + 20)}`;
    if (r() < 0.2) uri += `?q="${hexs(6)}"\\x\u0001`;
    const host = `h${hexs(12)}.example`;
    return {
      ip:
        r() < 0.5
          ? `2001:db8:${hexs(4)}:${hexs(4)}::${hexs(4)}`
          : `100.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`,
      user: "-",
      timeLocal: t.local,
      timeIso: t.iso,
      host,
      request: `${r() < 0.5 ? "GET" : "PATCH"} ${uri} HTTP/1.1`,
      status,
      bytes: Math.floor(r() * 1e6),
      referer: r() < 0.5 ? `https://${hexs(10)}.example/"${hexs(Math.floor(r() * 300))}` : "-",
      ua: `agent/${hexs(8)} "${hexs(Math.floor(r() * 200))}" \u00e9\t`,
      xff: `${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.0.1, 10.0.0.${Math.floor(r() * 256)}`,
      rt: ms(r() * 10),
      reqLen: Math.floor(r() * 10000),
      group: `ns-${hexs(6)}-svc-80`,
      reqId: hexs(32),
      chains: [tries],
    };
  };
}

/** The original benchmark log, byte for byte (its own format, BASIC_FORMAT). */
function basicChunks(seed) {
  const r = rng(seed);
  const peers = ["10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080", "[fd00::4]:8080", "unix:/run/app.sock"];
  const paths = ["/api/users", "/api/orders?id=", "/static/app.js", "/login", "/reports/generate", "/"];
  const uas = ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36", "curl/8.5.0", "bot \\x22q\\x22"];
  let t = Date.UTC(2026, 10, 24, 0, 0, 0);
  const tally = { lines: 0, s502: 0, s504: 0 };
  const chunk = () => {
    let buf = "";
    for (let i = 0; i < 5000; i++) {
      t += Math.floor(r() * 20);
      const d = new Date(t);
      const tl = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
      const p0 = Math.floor(r() * peers.length);
      let addr = peers[p0];
      const x = r();
      const fail = x < 0.03 ? "502" : x < 0.045 ? "504" : null;
      const rt = (fail === "504" ? 60 : r() ** 3 * 2).toFixed(3);
      let st;
      let ut;
      if (fail && r() < 0.5) {
        addr = `${peers[p0]}, ${peers[(p0 + 1) % peers.length]}`;
        st = `${fail}, 200`;
        ut = `${rt}, ${(r() * 0.3).toFixed(3)}`;
      } else if (r() < 0.01) {
        addr = `${peers[p0]} : ${peers[(p0 + 2) % peers.length]}`;
        st = "404 : 200";
        ut = `0.002 : ${(r() * 0.1).toFixed(3)}`;
      } else {
        st = fail ?? "200";
        ut = rt;
      }
      const status = st.slice(-3);
      tally.lines++;
      if (status === "502") tally.s502++;
      if (status === "504") tally.s504++;
      const path = paths[Math.floor(r() * paths.length)] + (r() < 0.2 ? Math.floor(r() * 1e6) : "");
      const ip = `192.168.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
      const static_ = r() < 0.05;
      buf += `${ip} - - [${tl}] "GET ${path} HTTP/1.1" ${status} ${Math.floor(r() * 50000)} "-" "${uas[Math.floor(r() * uas.length)]}" ${static_ ? "-" : addr} ${static_ ? "-" : st} ${static_ ? "-" : ut} ${(Number(rt) + 0.001).toFixed(3)}\n`;
    }
    return buf;
  };
  return { chunk, tally };
}

export const ACCESS_GENERATORS = { realistic, adversarial };

/** The log_format text a generator's file is written with (basic has its own). */
export function formatOf(generator, format) {
  return generator === "basic" ? BASIC_FORMAT : FORMATS[format].format;
}

/**
 * Writes about sizeMb MB of the named generator's records in the named format (basic: its own format) to path,
 * unless a file of that size and its tally are there; returns the tally {lines, s502, s504}.
 */
export function writeAccessLog(path, generator, format, sizeMb, seed) {
  return writeGenerated(path, sizeMb, () => {
    if (generator === "basic") return basicChunks(seed);
    const make = ACCESS_GENERATORS[generator];
    if (!make)
      throw new Error(
        `unknown access-log generator "${generator}" (basic, ${Object.keys(ACCESS_GENERATORS).join(", ")})`,
      );
    if (!FORMATS[format])
      throw new Error(`unknown access-log format "${format}" (${Object.keys(FORMATS).join(", ")})`);
    const next = make(seed);
    const tally = { lines: 0, s502: 0, s504: 0 };
    const chunk = () => {
      const lines = [];
      for (let i = 0; i < 2000; i++) {
        const rec = next();
        tally.lines++;
        if (rec.status === 502) tally.s502++;
        else if (rec.status === 504) tally.s504++;
        lines.push(render(format, rec));
      }
      return `${lines.join("\n")}\n`;
    };
    return { chunk, tally };
  });
}
