import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig, loadNginxT, runNginxT } from "../../src/evidence/config-loader.js";
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
    expect(p.status).toBe("failed");
    expect(p.errors.map((e) => `${e.file.slice(dir.length + 1)}:${e.line}: ${e.message}`)).toEqual([
      `loop-b.conf:1: include cycle: "${dir}/loop-a.conf" includes itself (${dir}/loop-a.conf:1 -> ${dir}/loop-b.conf:1 -> ${dir}/loop-a.conf); nginx reads it again and again until open() fails with "24: Too many open files" or it crashes`,
    ]);
    const model = buildModel(p);
    expect(model.problems.some((x) => x.message.includes("include cycle"))).toBe(true);
  });

  it("reports a directory matched by an include glob as an error, like nginx", () => {
    mkdirSync(join(dir, "globdir", "sub.conf"), { recursive: true });
    writeFileSync(join(dir, "globdir", "a.conf"), "worker_processes 1;\n");
    writeFileSync(join(dir, "globdir.conf"), "include globdir/*.conf;\n");
    const p = loadConfig(join(dir, "globdir.conf"));
    expect(p.config.map((c) => c.file.slice(dir.length + 1))).toEqual(["globdir.conf", "globdir/a.conf"]);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]?.error).toContain("21: Is a directory");
    expect(p.errors[0]?.line).toBe(1);
  });

  it("config files lists every file with where it is included from", () => {
    const r = runCli(["config", "files", join(dir, "nginx.conf"), "--json"]);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout);
    expect(files[3]).toEqual({
      index: 3,
      file: join(dir, "snippets", "proxy.conf"),
      status: "ok",
      directives: 2,
      includedFrom: [{ file: join(dir, "conf.d", "b-shop.conf"), line: 3 }],
      errors: [],
    });
    const text = runCli(["config", "files", join(dir, "broken.conf")]);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain("failed");
    expect(text.stderr).toContain(
      `${join(dir, "broken.conf")}:3: open() "${join(dir, "missing.conf")}" failed`,
    );
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

  it("runNginxT runs nginx -T and returns its dump; failures and a missing binary are one-line errors", async () => {
    const text = await runNginxT({
      binary: nginxBinary(),
      prefix: `${dir}/`,
      conf: join(dir, "nginx.conf"),
      errorLog: join(dir, "error.log"),
    });
    expect(loadNginxT(text).config).toHaveLength(4);
    writeFileSync(join(dir, "bad.conf"), "events {}\nhttp { proxy_pass; }\n");
    await expect(
      runNginxT({ binary: nginxBinary(), conf: join(dir, "bad.conf"), errorLog: join(dir, "error.log") }),
    ).rejects.toThrow(/-T failed: .*\[emerg\].*bad\.conf:2/);
    await expect(runNginxT({ binary: join(dir, "no-such-nginx") })).rejects.toThrow(
      "nginx is not installed or not on PATH",
    );
  });

  it("reports the first syntax error with the same message and line as nginx -t", () => {
    const cases = [
      "events {}\nhttp {\n  server { listen 127.0.0.1:1 }\n}\n",
      "events {}\nhttp {\n",
      "events {}\n}\nhttp {}\n",
      'events {}\nhttp { add_header X "unterminated;\n}\n',
      "events {}\n;\n",
      "events {}\nhttp {\n  server {\n    listen 127.0.0.1:1;\n  }\n}\n}\n",
      "events {}\nhttp {\n  server {\n    listen 127.0.0.1:1; {}\n  }\n}\n",
      "events {}\r\nhttp {\r\n  server {\r\n",
      "events {}\nhttp { default_type text/plain }",
    ];
    for (const [i, text] of cases.entries()) {
      const file = join(dir, `syntax-${i}.conf`);
      writeFileSync(file, text);
      const r = spawnSync(nginxBinary(), ["-t", "-p", `${dir}/`, "-c", file, "-e", join(dir, "error.log")], {
        encoding: "utf8",
      });
      const emerg = /\[emerg\] (.*) in (\S+):(\d+)$/m.exec(r.stderr);
      expect(emerg, r.stderr).not.toBeNull();
      const ours = loadConfig(file).errors[0];
      // An unclosed quote adds the line it opened on after nginx's own message.
      const message = ours?.message?.replace(/ \(the . quote opened on line \d+ is never closed\)$/, "");
      expect({ message, line: ours?.line }, text).toEqual({
        message: emerg?.[1],
        line: Number(emerg?.[3]),
      });
    }
  });

  it("says clearly when the text is not nginx -T output", () => {
    const p = loadNginxT("just some text\n");
    expect(p.status).toBe("failed");
    expect(p.errors[0]?.error).toContain("not nginx -T output");
  });
});
