import { describe, expect, it } from "vitest";
import {
  buildModel,
  effective,
  effectiveSeconds,
  globalValue,
  matchLocation,
  matchServer,
  modelFromText,
  parsePassArgument,
} from "../../src/nginx/config/model.js";
import { type ConfNode, parseConfig } from "../../src/nginx/config/parser.js";
import { parseDuration, parseSize } from "../../src/nginx/config/units.js";

const CONF = `
user www-data;
worker_processes 2;
events { worker_connections 768; }
http {
  proxy_read_timeout 30s;
  proxy_set_header X-Real-IP $remote_addr;
  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
  upstream app {
    server 10.0.0.1:8080 max_fails=3 fail_timeout=30s;
    server backend.internal:8080 backup;
    server unix:/run/app.sock down;
    keepalive 16;
  }
  server {
    listen 80 default_server;
    server_name shop.example.com *.shop.example.com;
    location / { proxy_pass http://app; }
    location /api/ {
      proxy_read_timeout 5s;
      proxy_set_header Host $host;
      proxy_pass http://api.internal:9000/v2/;
      location ~ \\.json$ { proxy_pass https://[::1]; }
    }
    location = /health { return 200; }
    location ^~ /static/ { root /srv; }
    location ~* \\.php$ { fastcgi_pass unix:/run/php/php8.2-fpm.sock; }
    location @fallback { proxy_pass http://$backend; }
  }
  server { listen 8080; server_name other; location / { grpc_pass grpcs://grpc.internal; } }
}
stream {
  upstream db { server 127.0.0.1:5432; }
  server { listen 6432; proxy_pass db; }
}
`;

const { model } = modelFromText(CONF, "/etc/nginx/nginx.conf");

describe("config model", () => {
  it("builds servers, locations and upstreams", () => {
    expect(model.servers.filter((s) => !s.stream)).toHaveLength(2);
    const shop = model.servers[0];
    expect(shop?.serverNames).toEqual(["shop.example.com", "*.shop.example.com"]);
    expect(shop?.listen[0]).toMatchObject({ port: 80, defaultServer: true });
    expect(shop?.locations.map((l) => `${l.modifier}${l.path}`)).toEqual([
      "/",
      "/api/",
      "=/health",
      "^~/static/",
      "~*\\.php$",
      "@@fallback",
    ]);
    const app = model.upstreams.get("app");
    expect(app?.keepalive).toBe(16);
    expect(
      app?.servers.map((s) => [s.host, s.port, s.unixPath, s.maxFails, s.failTimeout, s.backup, s.down]),
    ).toEqual([
      ["10.0.0.1", 8080, null, 3, 30, false, false],
      ["backend.internal", 8080, null, 1, 10, true, false],
      [null, null, "/run/app.sock", 1, 10, false, true],
    ]);
    expect(model.streamUpstreams.get("db")?.servers[0]?.port).toBe(5432);
  });

  it("resolves every pass target", () => {
    const t = (raw: string) => model.passes.find((p) => p.raw === raw);
    expect(t("http://app")).toMatchObject({ upstream: { name: "app" }, port: null, isHostname: false });
    expect(t("http://api.internal:9000/v2/")).toMatchObject({
      scheme: "http",
      host: "api.internal",
      port: 9000,
      uri: "/v2/",
      isHostname: true,
      upstream: null,
    });
    expect(t("https://[::1]")).toMatchObject({
      scheme: "https",
      host: "[::1]",
      port: 443,
      portIsDefault: true,
      isIp: true,
    });
    expect(t("unix:/run/php/php8.2-fpm.sock")).toMatchObject({
      module: "fastcgi",
      unixPath: "/run/php/php8.2-fpm.sock",
    });
    expect(t("http://$backend")).toMatchObject({ hasVariables: true, isHostname: false });
    expect(t("grpcs://grpc.internal")).toMatchObject({ module: "grpc", scheme: "grpcs", port: 443 });
    expect(t("db")).toMatchObject({ module: "stream-proxy", upstream: { name: "db" } });
    expect(t("https://[::1]")?.location?.path).toBe("\\.json$");
  });

  it("inherits single and array-like directives like nginx", () => {
    const api = model.locations.find((l) => l.path === "/api/");
    const root = model.locations.find((l) => l.path === "/");
    if (!api || !root) throw new Error("locations missing");
    expect(effective(model, api.scope, "proxy_read_timeout")).toMatchObject({ args: ["5s"], source: "here" });
    expect(effective(model, root.scope, "proxy_read_timeout")).toMatchObject({
      args: ["30s"],
      source: "inherited",
    });
    expect(effectiveSeconds(model, root.scope, "proxy_connect_timeout")).toMatchObject({
      seconds: 60,
      value: { source: "default" },
    });
    // one proxy_set_header in /api/ drops both inherited ones
    expect(effective(model, api.scope, "proxy_set_header").directives.map((d) => d.args[0])).toEqual([
      "Host",
    ]);
    expect(effective(model, root.scope, "proxy_set_header").directives.map((d) => d.args[0])).toEqual([
      "X-Real-IP",
      "X-Forwarded-For",
    ]);
    const nested = api.children[0];
    if (!nested) throw new Error("nested missing");
    expect(effective(model, nested.scope, "proxy_read_timeout").args).toEqual(["5s"]);
    expect(globalValue(model, "worker_connections").args).toEqual(["768"]);
    expect(globalValue(model, "user").args).toEqual(["www-data"]);
    expect(effective(model, root.scope, "proxy_http_version").args).toEqual(["1.0"]);
    const newer = modelFromText(CONF, "x.conf", { version: "1.29.7" }).model;
    expect(effective(newer, newer.main, "proxy_http_version").args).toEqual(["1.1"]);
  });

  it("picks locations and servers the way nginx does", () => {
    const shop = model.servers[0];
    if (!shop) throw new Error("no server");
    const pick = (u: string) => {
      const l = matchLocation(shop, u);
      return l ? `${l.modifier}${l.path}` : null;
    };
    expect(pick("/health")).toBe("=/health");
    expect(pick("/healthz")).toBe("/");
    expect(pick("/api/x.json")).toBe("~\\.json$");
    expect(pick("/api/users")).toBe("/api/");
    expect(pick("/static/a.php")).toBe("^~/static/");
    expect(pick("/index.PHP?x=1")).toBe("~*\\.php$");
    expect(matchServer(model, "a.shop.example.com")?.serverNames[0]).toBe("shop.example.com");
    expect(matchServer(model, "other", 8080)?.serverNames[0]).toBe("other");
    expect(matchServer(model, "unknown", 80)?.serverNames[0]).toBe("shop.example.com");
  });

  it("splices includes and reports cycles and port on a named upstream", () => {
    const a = parseConfig("http { include b.conf; }", { file: "/a.conf" }).parsed;
    const b = parseConfig(
      "upstream x { server 1.2.3.4; } server { location / { proxy_pass http://x:8080; } include b.conf; }",
      {
        file: "/b.conf",
      },
    ).parsed;
    const inc = a[0]?.block?.[0];
    if (inc) inc.includes = [1];
    const incB = b[1]?.block?.[1];
    if (incB) incB.includes = [1];
    const m = buildModel({
      config: [
        { file: "/a.conf", parsed: a },
        { file: "/b.conf", parsed: b },
      ],
    });
    expect(m.upstreams.get("x")?.servers[0]?.port).toBe(80);
    expect(m.problems.map((p) => p.message)).toEqual([
      "include cycle through /b.conf",
      'upstream "x" may not have port 8080',
    ]);
  });

  it("stops descending at the nesting cap across includes (a file included at two depths)", () => {
    const nest = (n: number) => `${"location /a {\n".repeat(n)}${"}\n".repeat(n)}`;
    const main = parseConfig(
      `http { server { include d.conf; ${"location /b {".repeat(150)} include d.conf; ${"}".repeat(150)} } }`,
      {
        file: "/m.conf",
      },
    ).parsed;
    const d = parseConfig(nest(200), { file: "/d.conf" }).parsed;
    const incs: ConfNode[] = [];
    const find = (nodes: ConfNode[]) => {
      for (const n of nodes) {
        if (n.directive === "include") incs.push(n);
        if (n.block) find(n.block);
      }
    };
    find(main);
    for (const n of incs) n.includes = [1];
    const m = buildModel({
      config: [
        { file: "/m.conf", parsed: main },
        { file: "/d.conf", parsed: d },
      ],
    });
    expect(m.problems.map((p) => p.message)).toEqual([
      expect.stringContaining("nested more than 256 levels"),
    ]);
    let depth = 0;
    for (const loc of m.locations) {
      let k = 0;
      for (let s: typeof loc.scope | null = loc.scope; s; s = s.parent) k++;
      depth = Math.max(depth, k);
    }
    expect(depth).toBeLessThanOrEqual(257);
    expect(buildModel({ config: [{ file: "/d.conf", parsed: d }] }).problems).toEqual([]);
  });

  it("parses pass arguments and units", () => {
    expect(parsePassArgument("proxy", "http://unix:/tmp/s.sock:/app/")).toMatchObject({
      unixPath: "/tmp/s.sock",
      uri: "/app/",
    });
    expect(parsePassArgument("fastcgi", "127.0.0.1:9000")).toMatchObject({
      host: "127.0.0.1",
      port: 9000,
      uri: null,
    });
    expect(parsePassArgument("uwsgi", "uwsgi://app:3031")).toMatchObject({
      scheme: "uwsgi",
      host: "app",
      port: 3031,
    });
    expect(parseDuration("1m30s")).toBe(90);
    expect(parseDuration("500ms")).toBe(0.5);
    expect(parseDuration("75")).toBe(75);
    expect(parseDuration("5x")).toBeNull();
    expect(parseSize("4k")).toBe(4096);
    expect(parseSize("1M")).toBe(1048576);
    expect(parseSize("k")).toBeNull();
  });
});
