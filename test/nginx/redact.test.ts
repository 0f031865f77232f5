import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileLogFormat } from "../../src/nginx/logformat.js";
import {
  AccessLineRedactor,
  accessVarPolicy,
  Pseudonyms,
  redactAddresses,
  redactConfigText,
  redactErrorLine,
  redactNginxT,
  scrub,
} from "../../src/nginx/redact.js";

describe("addresses", () => {
  it("finds IPv4, IPv6 (full, compressed, v4-mapped, bracketed) and leaves times and versions alone", () => {
    const p = new Pseudonyms();
    const t = redactAddresses(
      "a 192.0.2.1 b [2001:db8::7]:443 c ::ffff:198.51.100.2 d 2001:db8:0:0:0:0:0:1 e fe80::1 13:36:30 nginx/1.22.1 1.2.3.4.5",
      p,
    );
    expect(t).toBe("a ip-5 b [ip-1]:443 c ip-2 d ip-3 e ip-4 13:36:30 nginx/1.22.1 1.2.3.4.5");
    expect(redactAddresses("192.0.2.1 again, 2001:DB8::7", p)).toBe("ip-5 again, ip-1");
  });

  it("keeps the addresses it is told to keep", () => {
    const p = new Pseudonyms();
    expect(redactAddresses("to 10.0.0.5:8080 from 192.0.2.1", p, new Set(["10.0.0.5"]))).toBe(
      "to 10.0.0.5:8080 from ip-1",
    );
  });

  it("stays linear on hostile input", () => {
    const p = new Pseudonyms();
    for (const s of [
      "1:".repeat(200_000),
      "a:".repeat(200_000),
      "1.".repeat(200_000),
      `${"tokentoken".repeat(50_000)}=`,
    ]) {
      const t0 = performance.now();
      scrub(s, p, undefined, true);
      redactErrorLine(s, p);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
  });
});

describe("configuration", () => {
  it("redacts credential values and keeps variables, names and paths", () => {
    const p = new Pseudonyms();
    const out = redactConfigText(
      `env API_TOKEN=xyz;
http {
  map $http_authorization $ok { "Bearer abc" 1; default 0; }
  map $host $backend_password { default "pw1"; example.com $other; }
  server {
    location / {
      proxy_set_header Authorization "Basic dXNlcjpwYXNz";
      proxy_set_header Authorization $http_authorization;
      proxy_set_header X-Api-Key k3y;
      proxy_set_header Host $host;
      grpc_set_header Cookie 'c=1';
      more_set_headers "X-Token: tok123" 'Server: x';
      set $api_secret "s3cr3t";
      if ($http_x_api_key = "zzz") { return 403; }
      fastcgi_param DB_PASSWORD hunter2;
      add_header Set-Cookie "a=b";
      secure_link_secret linksecret;
      auth_basic_user_file /etc/nginx/.htpasswd;
      ssl_certificate_key data:-----BEGIN-KEY-----;
      content_by_lua_block { local t = "Bearer luatoken" if x then y() end }
      proxy_pass http://10.0.0.5:8080;
    }
  }
}`,
      p,
    );
    for (const s of [
      "xyz",
      "Bearer abc",
      "pw1",
      "dXNlcjpwYXNz",
      "k3y",
      "c=1",
      "tok123",
      "s3cr3t",
      "zzz",
      "hunter2",
      "a=b",
      "linksecret",
      "BEGIN-KEY",
      "luatoken",
    ])
      expect(out, s).not.toContain(s);
    expect(out).toContain("env API_TOKEN=REDACTED;");
    expect(out).toContain('"REDACTED" 1; default 0;');
    expect(out).toContain("example.com $other;");
    expect(out).toContain("proxy_set_header Authorization $http_authorization;");
    expect(out).toContain("proxy_set_header Host $host;");
    expect(out).toContain("grpc_set_header Cookie 'REDACTED';");
    expect(out).toContain(`more_set_headers "X-Token: REDACTED" 'Server: x';`);
    expect(out).toContain('if ($http_x_api_key = "REDACTED")');
    expect(out).toContain("auth_basic_user_file /etc/nginx/.htpasswd;");
    expect(out).toContain("ssl_certificate_key data:REDACTED;");
    expect(out).toContain("proxy_pass http://10.0.0.5:8080;");
    expect(p.counts.configValue).toBeGreaterThanOrEqual(14);
  });

  it("redacts each file of an nginx -T dump on its own", () => {
    const p = new Pseudonyms();
    const t = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
# configuration file /etc/nginx/nginx.conf:
http { include /etc/nginx/a.conf; }

# configuration file /etc/nginx/a.conf:
proxy_set_header X-Auth-Token "unclosed;

# configuration file /etc/nginx/b.conf:
proxy_set_header X-Secret "b-secret";
`;
    const out = redactNginxT(t, p);
    expect(out).not.toContain("b-secret");
    expect(out).toContain("# configuration file /etc/nginx/b.conf:\n");
    expect(out.split("\n").length).toBe(t.split("\n").length);
  });
});

describe("access lines", () => {
  it("types every variable of the format", () => {
    expect(accessVarPolicy("remote_addr")).toBe("ip");
    expect(accessVarPolicy("http_x_forwarded_for")).toBe("ip");
    expect(accessVarPolicy("remote_user")).toBe("user");
    expect(accessVarPolicy("cookie_sid")).toBe("secret");
    expect(accessVarPolicy("arg_page")).toBe("secret");
    expect(accessVarPolicy("http_x_api_key")).toBe("secret");
    expect(accessVarPolicy("upstream_addr")).toBe("peer");
    expect(accessVarPolicy("args")).toBe("query");
    expect(accessVarPolicy("http_user_agent")).toBe("scrub");
  });

  it("redacts a default-escaped line by its format and rebuilds it exactly", () => {
    const p = new Pseudonyms();
    const f = compileLogFormat(
      '$remote_addr - $remote_user [$time_local] "$request" $status "$http_referer" "$http_authorization" $binary_remote_addr ua="$upstream_addr" $args',
    );
    const r = new AccessLineRedactor(f, p);
    const line =
      '192.0.2.1 - bob [24/Nov/2026:13:36:30 +0000] "GET /a?t=1&u=2 HTTP/1.1" 502 "https://u:pw@ex.com/?x=9" "Basic Ym9iOnB3" \\xC0\\x00\\x02\\x01 ua="10.0.0.5:80, 10.0.0.6:80" q=1&r';
    const out = r.line(line);
    expect(out).toBe(
      'ip-1 - user-1 [24/Nov/2026:13:36:30 +0000] "GET /a?t=REDACTED&u=REDACTED HTTP/1.1" 502 "https://REDACTED@ex.com/?x=REDACTED" "REDACTED" ip-2 ua="10.0.0.5:80, 10.0.0.6:80" q=REDACTED&REDACTED',
    );
    expect(f.split(out, [])).toBe(true);
  });

  it("redacts escape=json lines and falls back to patterns for lines that do not match", () => {
    const p = new Pseudonyms();
    const f = compileLogFormat({
      format:
        '{"ip":"$remote_addr","xff":"$http_x_forwarded_for","ua":"$http_user_agent","up":"$upstream_addr"}',
      escape: "json",
    });
    const r = new AccessLineRedactor(f, p, new Set(["10.0.0.5"]));
    expect(
      r.line(
        '{"ip":"2001:db8::1","xff":"192.0.2.9, 2001:db8::1","ua":"x \\"q\\" 192.0.2.8","up":"10.0.0.5:80"}',
      ),
    ).toBe('{"ip":"ip-1","xff":"ip-2, ip-1","ua":"x \\"q\\" ip-3","up":"10.0.0.5:80"}');
    expect(
      r.line('garbage 192.0.2.9 Authorization: Bearer abc.def "cookie":"s=1" to 10.0.0.5 /x?token=t1'),
    ).toBe('garbage ip-2 Authorization: REDACTED"cookie":"REDACTED" to 10.0.0.5 /x?token=REDACTED');
    expect(p.counts.patternOnlyLines).toBe(1);
  });
});

describe("error lines", () => {
  it("pseudonymises clients and users, removes query values, keeps the upstream peer", () => {
    const p = new Pseudonyms();
    expect(
      redactErrorLine(
        '2026/11/24 13:36:30 [error] 7#7: *5 connect() to 10.0.0.5:8080 failed (111: Connection refused) while connecting to upstream, client: 10.0.0.5, server: _, request: "GET /?k=1 HTTP/1.1", upstream: "http://10.0.0.5:8080/?k=1", host: "a"',
        p,
      ),
    ).toBe(
      '2026/11/24 13:36:30 [error] 7#7: *5 connect() to 10.0.0.5:8080 failed (111: Connection refused) while connecting to upstream, client: ip-1, server: _, request: "GET /?k=REDACTED HTTP/1.1", upstream: "http://10.0.0.5:8080/?k=REDACTED", host: "a"',
    );
    expect(
      redactErrorLine("2026/11/24 13:36:30 [info] 7#7: *6 client 192.0.2.7 closed keepalive connection", p),
    ).toBe("2026/11/24 13:36:30 [info] 7#7: *6 client ip-2 closed keepalive connection");
    expect(
      redactErrorLine(
        '2026/11/24 13:36:30 [error] 7#7: *7 user "admin": password mismatch, client: 2001:db8::2, server: s, request: "GET / HTTP/1.1", host: "s"',
        p,
      ),
    ).toBe(
      '2026/11/24 13:36:30 [error] 7#7: *7 user "user-1": password mismatch, client: ip-3, server: s, request: "GET / HTTP/1.1", host: "s"',
    );
    expect(
      redactErrorLine(
        '2026/11/24 13:36:30 [error] 7#7: *8 user "ghost" was not found in "/etc/nginx/.htpasswd", client: 192.0.2.7, server: s',
        p,
      ),
    ).toBe(
      '2026/11/24 13:36:30 [error] 7#7: *8 user "user-2" was not found in "/etc/nginx/.htpasswd", client: ip-2, server: s',
    );
    expect(
      redactErrorLine(
        '2026/11/24 13:36:30 [info] 7#7: *9 client sent invalid header line: "Cookie: sid=abc" while reading client request headers, client: 192.0.2.7',
        p,
      ),
    ).not.toContain("abc");
  });
});

describe("pseudonyms", () => {
  it("numbers the first values and hashes the rest with a per-bundle key, stable within one instance", () => {
    const p = new Pseudonyms(2);
    expect([p.ip("192.0.2.1"), p.ip("192.0.2.2")]).toEqual(["ip-1", "ip-2"]);
    const h = p.ip("192.0.2.3");
    expect(h).toMatch(/^ip-h[0-9a-f]{12}$/);
    expect(p.ip("192.0.2.3")).toBe(h);
    expect(p.ip("192.0.2.4")).not.toBe(h);
    expect(new Pseudonyms(0).ip("192.0.2.3")).not.toBe(h);
    expect(p.distinct.clientAddress).toBe(2);
    expect(p.hashedUses.clientAddress).toBe(3);
  });
});

describe("mis-split lines", () => {
  it("does not keep an address that lands in a number or time field", () => {
    const p = new Pseudonyms();
    // escape=none lets a value carry the separator, so a line can split at the wrong place
    const f = compileLogFormat({ format: "$http_x_note $status $request_time", escape: "none" });
    const r = new AccessLineRedactor(f, p);
    expect(r.line("a 2001:db8::9 192.0.2.1")).toBe("a ip-1 ip-2");
    expect(r.line("a 2001:db8:1:2:3:4:5:6 0.5")).toBe("a ip-3 0.5");
  });
});

describe("properties", () => {
  const octet = fc.integer({ min: 1, max: 254 });
  const ipv4 = fc.tuple(octet, octet, octet, octet).map((o) => o.join("."));
  const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map(
    (g) =>
      `2001:db8:${g
        .slice(2)
        .map((x) => x.toString(16))
        .join(":")}`,
  );
  const ip = fc.oneof(ipv4, ipv6);
  const token = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/);
  const text = fc.string({ maxLength: 40 }).map((s) => s.replace(/["\\\n]/g, "_"));

  it("no client address, credential or query value survives in a formatted access line, and the line still parses", () => {
    const f = compileLogFormat(
      '$remote_addr - $remote_user [$time_local] "$request" $status "$http_referer" "$http_user_agent" xff="$http_x_forwarded_for" a="$http_authorization" c="$http_cookie" u="$upstream_addr"',
    );
    fc.assert(
      fc.property(ip, ip, ip, token, token, token, text, (client, xffA, xffB, secret, cookie, q, ua) => {
        const p = new Pseudonyms();
        const line = `${client} - user${secret} [24/Nov/2026:13:36:30 +0000] "GET /x?t=${q} HTTP/1.1" 502 "-" "${ua} ${xffA}" xff="${xffA}, ${xffB}" a="Bearer ${secret}" c="s=${cookie}" u="10.0.0.5:80"`;
        fc.pre(f.split(line, []));
        const out = new AccessLineRedactor(f, p).line(line);
        for (const s of [client, xffA, xffB, secret, cookie, q]) expect(out).not.toContain(s);
        expect(out).toContain('u="10.0.0.5:80"');
        expect(f.split(out, [])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("no client address or user name survives in an error line, wherever it is", () => {
    fc.assert(
      fc.property(ip, ip, token, text, (client, other, user, noise) => {
        const p = new Pseudonyms();
        const line = `2026/11/24 13:36:30 [info] 7#7: *1 ${noise} user "${user}": password mismatch, client ${other} closed, client: ${client}, server: s, request: "GET /a?k=${user} HTTP/1.1", upstream: "http://10.0.0.5:80/a?k=${user}", host: "s"`;
        const out = redactErrorLine(line, p);
        for (const s of [client, other, user]) expect(out).not.toContain(s);
        expect(out).toContain('upstream: "http://10.0.0.5:80/a?k=REDACTED"');
      }),
      { numRuns: 300 },
    );
  });
});
