import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, esmCliPath } from "../helpers/cli.js";

// Start-up cost (issue 13, docs/benchmarks.md "cold start"): the quick commands write to fd 1 themselves, so Node
// never builds process.stdout, which for a pipe loads its stream and socket modules (about a tenth of `explain`).
const dir = mkdtempSync(join(tmpdir(), "bg-startup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const preload = new URL("../helpers/loaded-modules.cjs", import.meta.url).pathname;
const LINE =
  '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.com"';

/** Runs the CLI with stdout and stderr on pipes; returns its output and the Node modules it loaded. */
function run(args: string[], env: Record<string, string> = {}, entry = cliPath) {
  const loadedFile = join(dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...rest } = process.env;
  const r = spawnSync(process.execPath, ["--require", preload, entry, ...args], {
    encoding: "utf8",
    env: { ...rest, BG_LOADED_FILE: loadedFile, ...env },
  });
  const loaded = readFileSync(loadedFile, "utf8").split("\n");
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}
const streamModules = (loaded: string[]) =>
  loaded.filter((m) => /^NativeModule (net|stream|tty|internal\/fs\/streams)$/.test(m));

describe("the quick commands do not build process.stdout", () => {
  // Both entries: the bin (dist/cli.cjs) answers these itself, the program (dist/cli.js) through commander.
  it.each(
    [
      [["--version"], /^\d+\.\d+\.\d+\n$/],
      [["--help"], /^Usage: badgateway \[options\] \[command\][\s\S]*Every command takes --json\.\n$/],
      [["help", "explain"], /^Usage: badgateway explain \[options\] <line>/],
      [["explain", LINE], /^Connection refused by the upstream \[connection-refused\]\n/],
      [["explain", "--json", LINE], /^\{"input":/],
    ].flatMap(([args, out]) => [cliPath, esmCliPath].map((entry) => [args, out, entry] as const)),
  )("%j: same output, no stream modules loaded (%s)", (args, out, entry) => {
    const r = run(args as string[], {}, entry);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(out as RegExp);
    expect(r.loaded.length).toBeGreaterThan(20);
    expect(streamModules(r.loaded)).toEqual([]);
  });

  it("config parse --json: bytes written as parsed, UTF-8 and ASCII files read right, no stream modules", () => {
    for (const name of ["caf\u00e9 \u2603", "plain"]) {
      const conf = join(dir, `${name.length}.conf`);
      writeFileSync(conf, `events {}\nhttp { server { server_name "${name}"; } }\n`);
      const r = run(["config", "parse", "--single-file", "--json", conf]);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json.config[0].parsed[1].block[0].block[0].args).toEqual([name]);
      expect(streamModules(r.loaded)).toEqual([]);
    }
  });

  it("a command that writes through process.stdout still loads them (the check can fail)", () => {
    const conf = join(dir, "small.conf");
    writeFileSync(conf, "events {}\nhttp { server { listen 80; } }\n");
    const r = run(["config", "files", conf]);
    expect(r.code).toBe(0);
    expect(streamModules(r.loaded)).toContain("NativeModule net");
  });

  it("colour still follows FORCE_COLOR and --color on a pipe", () => {
    expect(run(["explain", LINE], { FORCE_COLOR: "1" }).stdout).toContain("\x1b[1m");
    expect(run(["--color=always", "explain", LINE]).stdout).toContain("\x1b[1m");
    expect(run(["explain", LINE]).stdout).not.toContain("\x1b[");
  });
});

describe("closed pipes end quietly whichever way stdout is written", () => {
  const shell = (script: string) =>
    spawnSync("bash", ["-c", `set -o pipefail; ${script}`], { encoding: "utf8", env: { ...process.env } });
  const B = `'${process.execPath}' '${cliPath}'`;

  it("--help | head -c 5 (direct writes to fd 1)", () => {
    const r = shell(`${B} --help | head -c 5 > /dev/null`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("config parse --indent 2 | head -c 10 (process.stdout, guarded when first used)", () => {
    const conf = join(dir, "big.conf");
    const servers = Array.from(
      { length: 3000 },
      (_, i) => `  server { listen ${8000 + i}; server_name s${i}; }\n`,
    );
    writeFileSync(conf, `events {}\nhttp {\n${servers.join("")}}\n`);
    const r = shell(`${B} config parse --single-file --indent 2 '${conf}' | head -c 10 > /dev/null`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
