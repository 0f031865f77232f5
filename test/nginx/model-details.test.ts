/**
 * The parts of src/nginx/config/model.ts that decide which config line an error is tied to, asserted exactly:
 * address splitting (as ngx_parse_url reads it), `listen` flags, upstream `server` parameters, location
 * modifiers, pass targets per module, location and server matching, and the merge of inherited directives.
 * Written to kill mutants Stryker left alive in the config model.
 */
import { describe, expect, it } from "vitest";
import {
  effective,
  effectiveSeconds,
  globalValue,
  isIpAddress,
  matchLocation,
  matchServer,
  modelFromText,
  parsePassArgument,
  splitAddress,
} from "../../src/nginx/config/model.js";

const build = (text: string) => modelFromText(text, "/etc/nginx/nginx.conf").model;

describe("addresses", () => {
  it("splitAddress reads host:port, [v6]:port, bare ports, unix paths and names", () => {
    expect(splitAddress("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080, unixPath: null });
    expect(splitAddress("[::1]:443")).toEqual({ host: "[::1]", port: 443, unixPath: null });
    expect(splitAddress("[::1]")).toEqual({ host: "[::1]", port: null, unixPath: null });
    expect(splitAddress("[::1")).toEqual({ host: "[::1", port: null, unixPath: null });
    expect(splitAddress("[::1]x")).toEqual({ host: "[::1]", port: null, unixPath: null });
    expect(splitAddress("8080")).toEqual({ host: null, port: 8080, unixPath: null });
    expect(splitAddress("unix:/run/a.sock")).toEqual({ host: null, port: null, unixPath: "/run/a.sock" });
    expect(splitAddress("backend")).toEqual({ host: "backend", port: null, unixPath: null });
    expect(splitAddress("backend:http")).toEqual({ host: "backend:http", port: null, unixPath: null });
    expect(splitAddress("::1")).toEqual({ host: "::1", port: null, unixPath: null });
    expect(splitAddress(":80")).toEqual({ host: ":80", port: null, unixPath: null });
  });

  it("isIpAddress: IPv4 dotted quads, bracketed or bare IPv6, not names", () => {
    expect(isIpAddress("10.0.0.1")).toBe(true);
    expect(isIpAddress("1000.0.0.1")).toBe(false);
    expect(isIpAddress("10.0.0")).toBe(false);
    expect(isIpAddress("[::1]")).toBe(true);
    expect(isIpAddress("[x]")).toBe(false);
    expect(isIpAddress("fe80::1")).toBe(true);
    expect(isIpAddress("host:name")).toBe(false);
    expect(isIpAddress("backend")).toBe(false);
  });
});

describe("listen, upstream servers and locations", () => {
  const m = build(`http {
  upstream app {
    server 10.0.0.1:8080 weight=5 max_fails=3 fail_timeout=30s max_conns=100;
    server 10.0.0.2 backup;
    server app.internal:9000 down resolve;
    server unix:/run/app.sock max_fails=0 weight=x;
  }
  server {
    listen 8443 ssl http2 default_server;
    listen [::1]:8080 default;
    listen unix:/run/nginx.sock;
    listen 10.0.0.9;
    server_name shop.test *.shop.test;
    location = /exact { return 204; }
    location ^~ /static/ { return 204; }
    location ~* \\.PNG$ { return 204; }
    location ~ \\.php$ { return 204; }
    location @fallback { return 204; }
    location =/glued { return 204; }
    location ~*\\.gif$ { return 204; }
    location / {
      location /inner/ { return 204; }
      location ~ \\.json$ { return 204; }
    }
  }
  server { listen 8080; server_name other.test; }
}`);

  it("reads every listen flag and default port", () => {
    const l = m.servers[0]?.listen ?? [];
    expect(l.map((x) => [x.address, x.port, x.unixPath, x.ssl, x.http2, x.defaultServer])).toEqual([
      [null, 8443, null, true, true, true],
      ["[::1]", 8080, null, false, false, true],
      [null, null, "/run/nginx.sock", false, false, false],
      ["10.0.0.9", 80, null, false, false, false],
    ]);
  });

  it("reads every upstream server parameter, with nginx's defaults", () => {
    const s = m.upstreams.get("app")?.servers ?? [];
    expect(
      s.map((x) => [
        x.host,
        x.port,
        x.unixPath,
        x.isIp,
        x.weight,
        x.maxFails,
        x.failTimeout,
        x.backup,
        x.down,
        x.resolve,
        x.maxConns,
      ]),
    ).toEqual([
      ["10.0.0.1", 8080, null, true, 5, 3, 30, false, false, false, 100],
      ["10.0.0.2", 80, null, true, 1, 1, 10, true, false, false, null],
      ["app.internal", 9000, null, false, 1, 1, 10, false, true, true, null],
      [null, null, "/run/app.sock", false, 1, 0, 10, false, false, false, null],
    ]);
  });

  it("reads location modifiers, separate or glued to the path", () => {
    const locs = m.servers[0]?.locations ?? [];
    expect(locs.map((l) => [l.modifier, l.path])).toEqual([
      ["=", "/exact"],
      ["^~", "/static/"],
      ["~*", "\\.PNG$"],
      ["~", "\\.php$"],
      ["@", "@fallback"],
      ["=", "/glued"],
      ["~*", "\\.gif$"],
      ["", "/"],
    ]);
  });

  it("matchLocation: exact, ^~ stops regexes, regexes in order (case rules), nested, query ignored", () => {
    const srv = m.servers[0];
    if (!srv) throw new Error("no server");
    const pick = (uri: string) => {
      const l = matchLocation(srv, uri);
      return l ? `${l.modifier}${l.path}` : null;
    };
    expect(pick("/exact")).toBe("=/exact");
    expect(pick("/exact?x=1")).toBe("=/exact");
    expect(pick("/exact/more")).toBe("/");
    expect(pick("/static/a.php")).toBe("^~/static/");
    expect(pick("/img/A.png")).toBe("~*\\.PNG$");
    expect(pick("/a.php")).toBe("~\\.php$");
    expect(pick("/a.PHP")).toBe("/");
    expect(pick("/glued")).toBe("=/glued");
    expect(pick("/x.GIF")).toBe("~*\\.gif$");
    expect(pick("/inner/a")).toBe("/inner/");
    expect(pick("/inner/a.json")).toBe("~\\.json$");
    expect(pick("/inner/a.php")).toBe("~\\.php$");
    expect(pick("/other")).toBe("/");
  });

  it("matchServer: exact name, wildcard, default_server, then the first; port filters", () => {
    expect(matchServer(m, "shop.test")?.serverNames).toContain("shop.test");
    expect(matchServer(m, "SHOP.test:8443")?.serverNames).toContain("shop.test");
    expect(matchServer(m, "api.shop.test")?.serverNames).toContain("*.shop.test");
    expect(matchServer(m, "other.test")?.serverNames).toEqual(["other.test"]);
    expect(matchServer(m, "nobody.test")?.serverNames).toContain("shop.test");
    expect(matchServer(m, "nobody.test", 8080)?.serverNames).toContain("shop.test");
    expect(matchServer(m, "shop.test", 9999)).toBeNull();
  });
});

describe("pass arguments", () => {
  it.each([
    [
      "proxy",
      "http://10.0.0.1:8080/api/",
      { scheme: "http", host: "10.0.0.1", port: 8080, portIsDefault: false, uri: "/api/" },
    ],
    [
      "proxy",
      "https://api.test",
      { scheme: "https", host: "api.test", port: 443, portIsDefault: true, uri: null },
    ],
    [
      "proxy",
      "HTTP://api.test/",
      { scheme: "http", host: "api.test", port: 80, portIsDefault: true, uri: "/" },
    ],
    [
      "proxy",
      "http://unix:/run/a.sock:/x",
      { scheme: "http", unixPath: "/run/a.sock", uri: "/x", port: null },
    ],
    ["proxy", "http://unix:/run/a.sock:", { unixPath: "/run/a.sock", uri: null }],
    ["proxy", "http://unix:/run/a.sock", { unixPath: "/run/a.sock", uri: null }],
    ["fastcgi", "unix:/run/php.sock", { scheme: null, unixPath: "/run/php.sock", uri: null, port: null }],
    [
      "fastcgi",
      "127.0.0.1:9000",
      { scheme: null, host: "127.0.0.1", port: 9000, uri: null, portIsDefault: false },
    ],
    ["grpc", "10.0.0.1:50051", { scheme: "grpc", host: "10.0.0.1", port: 50051 }],
    ["grpc", "grpcs://api.test", { scheme: "grpcs", host: "api.test", port: 443, portIsDefault: true }],
    ["uwsgi", "suwsgi://10.0.0.1", { scheme: "suwsgi", host: "10.0.0.1" }],
    ["proxy", "http://$backend", { scheme: "http", host: "$backend", hasVariables: true }],
    ["proxy", "ftp://x/", { scheme: null, host: "x", uri: "/" }],
  ] as const)("%s %s", (module, raw, want) => {
    expect(parsePassArgument(module, raw)).toMatchObject({ hasVariables: false, ...want });
  });
});

describe("inheritance", () => {
  const m = build(`worker_processes 2;
events { worker_connections 512; }
http {
  proxy_read_timeout 90s;
  proxy_set_header A 1;
  proxy_set_header B 2;
  upstream u { server 10.0.0.1; keepalive 4; }
  server {
    listen 80;
    location / {
      proxy_set_header C 3;
      proxy_pass http://u;
      if ($x) { return 500; }
    }
    location /b/ { proxy_read_timeout 5; proxy_pass http://u; }
  }
}`);
  const [root, b] = m.servers[0]?.locations ?? [];

  it("the innermost level that sets a directive wins, with all its lines; the rest is inherited or default", () => {
    if (!root || !b) throw new Error("locations");
    const here = effective(m, root.scope, "proxy_set_header");
    expect(here).toMatchObject({ source: "here", args: ["C", "3"] });
    expect(here.directives).toHaveLength(1);
    const inherited = effective(m, b.scope, "proxy_set_header");
    expect(inherited.source).toBe("inherited");
    expect(inherited.directives.map((d) => d.args[0])).toEqual(["A", "B"]);
    expect(effectiveSeconds(m, root.scope, "proxy_read_timeout")).toMatchObject({
      seconds: 90,
      value: { source: "inherited" },
    });
    expect(effectiveSeconds(m, b.scope, "proxy_read_timeout")).toMatchObject({
      seconds: 5,
      value: { source: "here" },
    });
    expect(effectiveSeconds(m, b.scope, "proxy_connect_timeout")).toMatchObject({
      seconds: 60,
      value: { source: "default" },
    });
    expect(effectiveSeconds(m, b.scope, "no_such_directive")).toMatchObject({
      seconds: null,
      value: { source: "unset", args: null },
    });
  });

  it("if blocks inherit from their location; the search skips upstream blocks", () => {
    const ifScope = root?.scope.children.find((c) => c.kind === "if");
    if (!ifScope) throw new Error("no if scope");
    expect(effective(m, ifScope, "proxy_set_header").args).toEqual(["C", "3"]);
  });

  it("global values come from main or events", () => {
    expect(globalValue(m, "worker_connections").args).toEqual(["512"]);
    expect(globalValue(m, "worker_processes").args).toEqual(["2"]);
  });
});
