import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, loadNginxT } from "../../src/evidence/config-loader.js";
import { buildModel } from "../../src/nginx/config/model.js";
import type { ConfNode } from "../../src/nginx/config/parser.js";
import { runCli } from "../helpers/cli.js";
import { nginxBinary } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-loader-"));
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "conf.d"));
  mkdirSync(join(dir, "snippets"));
  writeFileSync(
    join(dir, "nginx.conf"),
    `pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path ${dir}/tmp;
    include conf.d/*.conf;
}
`,
  );
  writeFileSync(
    join(dir, "conf.d", "b-shop.conf"),
    "server {\n    listen 127.0.0.1:18081;\n    include snippets/proxy.conf;\n    location / { proxy_pass http://shop; }\n}\n",
  );
  writeFileSync(join(dir, "conf.d", "a-upstreams.conf"), "upstream shop {\n    server 127.0.0.1:9001;\n}\n");
  writeFileSync(join(dir, "conf.d", "ignored.txt"), "this is not included\n");
  writeFileSync(
    join(dir, "snippets", "proxy.conf"),
    "proxy_read_timeout 5s;\nproxy_set_header Host $host;\n",
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const strip = (nodes: ConfNode[]): unknown[] =>
  nodes.map((n) => ({
    directive: n.directive,
    line: n.line,
    args: n.args,
    ...(n.includes ? { includes: n.includes } : {}),
    ...(n.block ? { block: strip(n.block) } : {}),
  }));

describe("config loader", () => {
  it("follows includes with globs relative to the main file, in sorted order, each file once", () => {
    const p = loadConfig(join(dir, "nginx.conf"));
    expect(p.status).toBe("ok");
    expect(p.config.map((c) => c.file.slice(dir.length + 1))).toEqual([
      "nginx.conf",
      "conf.d/a-upstreams.conf",
      "conf.d/b-shop.conf",
      "snippets/proxy.conf",
    ]);
    const http = p.config[0]?.parsed[2];
    expect(http?.block?.[2]).toMatchObject({ directive: "include", includes: [1, 2] });
    const model = buildModel(p);
    expect(model.upstreams.get("shop")?.servers[0]?.port).toBe(9001);
    expect(model.passes[0]?.upstream?.name).toBe("shop");
  });

  it("reports a missing include as an error entry with file:line, and keeps going", () => {
    writeFileSync(
      join(dir, "broken.conf"),
      "events {}\nhttp {\n    include missing.conf;\n    include conf.d/a-upstreams.conf;\n}\n",
    );
    const p = loadConfig(join(dir, "broken.conf"));
    expect(p.status).toBe("failed");
    expect(p.errors[0]).toMatchObject({ line: 3, file: join(dir, "broken.conf") });
    expect(p.errors[0]?.error).toContain("No such file or directory");
    expect(p.config).toHaveLength(2);
  });

  it("survives include cycles", () => {
    writeFileSync(join(dir, "loop-a.conf"), "include loop-b.conf;\n");
    writeFileSync(join(dir, "loop-b.conf"), "include loop-a.conf;\nworker_processes 2;\n");
    const p = loadConfig(join(dir, "loop-a.conf"));
    expect(p.config).toHaveLength(2);
    const model = buildModel(p);
    expect(model.problems.some((x) => x.message.includes("include cycle"))).toBe(true);
  });

  it("config parse follows includes by default and not with --single-file", () => {
    const all = JSON.parse(runCli(["config", "parse", join(dir, "nginx.conf")]).stdout);
    expect(all.config).toHaveLength(4);
    const one = JSON.parse(runCli(["config", "parse", "--single-file", join(dir, "nginx.conf")]).stdout);
    expect(one.config).toHaveLength(1);
  });
});

systemDescribe(["nginx"], "nginx -T output", () => {
  it("splits a real nginx -T dump into the same files and trees as reading them from disk", () => {
    const main = join(dir, "nginx.conf");
    const r = spawnSync(nginxBinary(), ["-T", "-p", `${dir}/`, "-c", main, "-e", join(dir, "error.log")], {
      encoding: "utf8",
    });
    expect(r.stderr).toContain("test is successful");
    const fromT = loadNginxT(r.stdout);
    const fromDisk = loadConfig(main);
    expect(fromT.errors).toEqual([]);
    expect(fromT.config.map((c) => c.file)).toEqual(fromDisk.config.map((c) => c.file));
    expect(fromT.config.map((c) => strip(c.parsed))).toEqual(fromDisk.config.map((c) => strip(c.parsed)));
    const cli = runCli(["config", "parse", "--nginx-t", "-"], r.stdout);
    expect(JSON.parse(cli.stdout).config).toHaveLength(4);
  });

  it("says clearly when the text is not nginx -T output", () => {
    const p = loadNginxT("just some text\n");
    expect(p.status).toBe("failed");
    expect(p.errors[0]?.error).toContain("not nginx -T output");
  });
});
