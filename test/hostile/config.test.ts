/**
 * Hostile configurations through the built CLI: words nginx reads differently, unclosed quotes, deep nesting,
 * huge files, includes of FIFOs and devices, include cycles. Each must end with a clear reason and exit 2 —
 * never a stack trace, never a hang, never "no problems found".
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/nginx/config/model.js";
import { loadPayload } from "../../src/nginx/config/payload.js";
import { cliPath, runCli } from "../helpers/cli.js";
import { nginxBinary } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-hostile-config-"));
  chmodSync(dir, 0o755);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function conf(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

const nested = (n: number) =>
  `events {}\nhttp {\n  server {\n    listen 127.0.0.1:1;\n${"location /a {\n".repeat(n)}return 200;\n${"}\n".repeat(n)}  }\n}\n`;

function expectCleanFailure(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code, r.stderr).toBe(2);
  const all = r.stdout + r.stderr;
  expect(all).not.toContain("Maximum call stack");
  expect(all).not.toContain("internal error");
  expect(all).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
  expect(all).not.toContain("no problems found");
}

describe("hostile configurations (CLI)", () => {
  it("lint reads `location ~ ^/id/[0-9]{6}$ {` as nginx does, not as a stray `}`", () => {
    const f = conf(
      "regex.conf",
      "events {}\nhttp {\n  server {\n    location ~ ^/id/[0-9]{6}$ {\n      return 200;\n    }\n  }\n}\n",
    );
    const r = runCli(["lint", f]);
    expectCleanFailure(r);
    expect(r.stdout + r.stderr).not.toContain('unexpected "}"');
    expect(r.stdout + r.stderr).toContain(
      'regex.conf:4: unknown directive "6}$" (the "{" after "^/id/[0-9]" opened the block: quote a regular expression that contains "{" or "}")',
    );
    expect(r.stdout + r.stderr).toContain('unexpected end of file, expecting "}"');
    const parsed = JSON.parse(runCli(["config", "parse", f]).stdout);
    const loc = parsed.config[0].parsed[1].block[0].block[0];
    expect(loc.args).toEqual(["~", "^/id/[0-9]"]);
    expect(loc.block[0].directive).toBe("6}$");
  });

  it("an unclosed quote names the line it opened on", () => {
    const f = conf("quote.conf", 'events {}\nhttp {\n  add_header X "oops;\n  server { }\n}\n\n');
    const r = runCli(["lint", f]);
    expectCleanFailure(r);
    expect(r.stdout + r.stderr).toMatch(/quote\.conf:7: unexpected end of file.*quote opened on line 3/);
  });

  it("3,000 and 100,000 nested blocks end with the nesting limit, not a stack overflow", () => {
    for (const n of [3000, 100_000]) {
      const f = conf(`nested-${n}.conf`, nested(n));
      for (const cmd of [
        ["lint", f],
        ["config", "parse", f],
        ["config", "files", f],
      ]) {
        const r = runCli(cmd);
        expectCleanFailure(r);
        expect(r.stdout + r.stderr).toContain("nested more than 256 levels deep");
      }
    }
  });

  it("the nesting limit can be raised (to a bound), and a bad value is a clear error", () => {
    const f = conf("nested-300.conf", nested(300));
    expect(runCli(["lint", f], undefined, { BADGATEWAY_MAX_CONFIG_DEPTH: "400" }).code).toBe(0);
    for (const v of ["abc", "-1", "5000"]) {
      const r = runCli(["lint", f], undefined, { BADGATEWAY_MAX_CONFIG_DEPTH: v });
      expectCleanFailure(r);
      expect(r.stderr).toContain("BADGATEWAY_MAX_CONFIG_DEPTH must be");
    }
  });

  it("nesting through includes counts too", () => {
    conf("deep-inc.conf", `${"location /b {\n".repeat(200)}${"}\n".repeat(200)}`);
    const f = conf(
      "deep-main.conf",
      `events {}\nhttp {\n  server {\n${"location /a {\n".repeat(100)}include deep-inc.conf;\n${"}\n".repeat(100)}  }\n}\n`,
    );
    const r = runCli(["lint", f]);
    expectCleanFailure(r);
    expect(r.stdout + r.stderr).toMatch(/deep-inc\.conf:\d+: blocks and includes nested more than 256/);
  });

  it("a file over the size cap is refused with the cap named (main file and include)", () => {
    const big = conf("big.conf", `events {}\n${"# padding padding padding\n".repeat(200)}`);
    const env = { BADGATEWAY_MAX_CONFIG_BYTES: "1000" };
    const r = runCli(["lint", big], undefined, env);
    expectCleanFailure(r);
    expect(r.stderr + r.stdout).toContain("larger than 1000 bytes, the limit for a configuration file");
    const inc = conf("inc-big.conf", "events {}\ninclude big.conf;\n");
    const i = runCli(["lint", inc], undefined, env);
    expectCleanFailure(i);
    expect(i.stdout + i.stderr).toMatch(
      /inc-big\.conf:2: open\(\) ".*big\.conf" failed \(larger than 1000 bytes/,
    );
    expect(runCli(["lint", "--nginx-t", big], undefined, env).stderr).toContain("larger than 1000 bytes");
    expect(runCli(["lint", "-"], "x".repeat(2000), env).stderr).toContain("larger than 1000 bytes");
  });

  it("include of /dev/zero, /dev/null or a FIFO is refused at once with the reason", () => {
    const fifo = join(dir, "fifo.conf");
    spawnSync("mkfifo", [fifo]);
    for (const [target, why] of [
      ["/dev/zero", "not a regular file: /dev/zero is a character device"],
      [fifo, `not a regular file: ${fifo} is a FIFO`],
      ["/dev/null", "not a regular file: /dev/null is a character device"],
    ] as const) {
      const f = conf("dev.conf", `events {}\ninclude ${target};\n`);
      const t = Date.now();
      const r = runCli(["lint", f]);
      expect(Date.now() - t).toBeLessThan(10_000);
      expectCleanFailure(r);
      expect(r.stdout + r.stderr).toContain(`dev.conf:2: open() "${target}" failed (${why})`);
    }
  });

  it("--nginx-t /dev/zero is refused at once (lint, config parse, diagnose), not read without end", () => {
    for (const args of [
      ["lint", "--nginx-t", "/dev/zero"],
      ["config", "parse", "--nginx-t", "/dev/zero"],
    ]) {
      const r = runCli(args);
      expectCleanFailure(r);
      expect(r.stderr).toContain(
        "cannot read /dev/zero: not a regular file: /dev/zero is a character device",
      );
    }
    const log = conf("empty-error.log", "");
    const t = Date.now();
    const d = runCli(["diagnose", "--nginx-t", "/dev/zero", "--error-log", log, "--json"]);
    expect(Date.now() - t).toBeLessThan(15_000);
    expect(d.stdout).toContain("not a regular file: /dev/zero is a character device");
  });

  it("stdin from /dev/zero is refused, stdin from a pipe is read", () => {
    const zero = openSync("/dev/zero", "r");
    const r = spawnSync(process.execPath, [cliPath, "lint", "-"], {
      stdio: [zero, "pipe", "pipe"],
      encoding: "utf8",
      timeout: 20_000,
    });
    closeSync(zero);
    expectCleanFailure({ code: r.status, stdout: r.stdout, stderr: r.stderr });
    expect(r.stderr).toContain("cannot read stdin: not a regular file: stdin is a character device");
    expect(runCli(["lint", "-"], "events {}\n").code).toBe(0);
  });

  it("the main file may be a pipe (process substitution), read with the cap", () => {
    const r = spawnSync(
      "bash",
      [
        "-c",
        `node ${JSON.stringify(new URL("../../dist/cli.js", import.meta.url).pathname)} lint <(printf 'events {}\\n')`,
      ],
      { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    expect(r.status, r.stderr).toBe(0);
  });

  it("lint does not call a configuration with an include cycle clean", () => {
    conf("cyc-a.conf", "# loop\ninclude cyc-b.conf;\n");
    conf("cyc-b.conf", "include cyc-a.conf;\n");
    const f = conf("cyc.conf", "events {}\nhttp {\n  include cyc-a.conf;\n}\n");
    for (const args of [
      ["lint", f],
      ["lint", f, "--json"],
      ["lint", f, "--format", "sarif"],
    ]) {
      const r = runCli(args);
      expectCleanFailure(r);
      expect(r.stdout + r.stderr).toContain(
        `cyc-b.conf:1: include cycle: "${dir}/cyc-a.conf" includes itself (${dir}/cyc-a.conf:2 -> ${dir}/cyc-b.conf:1 -> ${dir}/cyc-a.conf)`,
      );
    }
    const files = runCli(["config", "files", f]);
    expect(files.code).toBe(2);
    expect(files.stdout + files.stderr).toContain("include cycle");
  });
});

systemDescribe(["nginx"], "include cycles as the installed nginx reports them", () => {
  it("nginx -t fails on the same cycle (too many open files, or a crash), and so does badgateway", () => {
    conf("ncyc-b.conf", "# loop\ninclude ncyc-b.conf;\n");
    const f = conf("ncyc.conf", "events {}\nhttp {\n  include ncyc-b.conf;\n}\n");
    const r = spawnSync(
      "sh",
      [
        "-c",
        `ulimit -n 64; exec ${nginxBinary()} -t -p ${dir}/ -c ${f} -e ${dir}/error.log -g "pid ${dir}/n.pid;"`,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(
      `open() "${dir}/ncyc-b.conf" failed (24: Too many open files) in ${dir}/ncyc-b.conf:2`,
    );
    const ours = runCli(["lint", f]);
    expectCleanFailure(ours);
    expect(ours.stdout + ours.stderr).toContain(
      `ncyc-b.conf:2: include cycle: "${dir}/ncyc-b.conf" includes itself`,
    );
    expect(ours.stdout + ours.stderr).toContain("24: Too many open files");
  });
});

describe("fuzz: damaged configurations", () => {
  const base = readFileSync(new URL("../fixtures/configs/node-proxy.conf", import.meta.url), "utf8");
  // Random bytes, truncations, NUL padding, spliced braces/quotes and deep nesting of a real configuration.
  const damaged = fc.oneof(
    fc.string({ unit: "binary", maxLength: 400 }),
    fc.nat({ max: base.length }).map((n) => base.slice(0, n)),
    fc
      .tuple(fc.nat({ max: base.length }), fc.nat({ max: 5000 }))
      .map(([n, z]) => base.slice(0, n) + "\0".repeat(z + 1)),
    fc
      .tuple(fc.nat({ max: base.length }), fc.constantFrom("{", "}", '"', "'", ";", "\\", "${", "#", "\0"))
      .map(([n, t]) => base.slice(0, n) + t + base.slice(n)),
    fc
      .tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean())
      .map(([n, close]) => "a {".repeat(n) + (close ? "}".repeat(n) : "")),
  );

  it("the reader and the model never throw, every error has a line, and time stays bounded", () => {
    fc.assert(
      fc.property(damaged, (text) => {
        const t = Date.now();
        const p = loadPayload("/c/nginx.conf", { read: () => ({ text }), glob: () => [] });
        for (const e of p.errors) expect(e.line).toBeGreaterThan(0);
        buildModel(p);
        expect(Date.now() - t).toBeLessThan(2000);
        // NULs after the last directive are a word nginx fails on (inside a comment they would be fine).
        if (!text.includes("#") && /[;}]\n?\0+$/.test(text)) expect(p.status).toBe("failed");
      }),
      { numRuns: 300 },
    );
  });

  it("lint on damaged files: exit 0/1/2 only, never an internal error, within 64 MB of heap", () => {
    const samples = fc.sample(damaged, { numRuns: 12, seed: 4242 });
    samples.push(`events {}\n${"\0".repeat(100_000)}`, "a {".repeat(100_000));
    for (const [i, text] of samples.entries()) {
      const f = conf(`fuzz-${i}.conf`, text);
      const r = spawnSync(process.execPath, ["--max-old-space-size=64", cliPath, "lint", f], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        timeout: 60_000,
      });
      expect([0, 1, 2], r.stderr).toContain(r.status);
      expect(r.stdout + r.stderr).not.toContain("internal error");
      expect(r.stdout + r.stderr).not.toContain("Maximum call stack");
      if (!text.includes("#") && /[;}]\n?\0+$/.test(text)) expect(r.status).toBe(2);
    }
  });

  it("a 1 GiB sparse file is refused from its size without being read (64 MB heap)", () => {
    const f = join(dir, "huge.conf");
    writeFileSync(f, "");
    truncateSync(f, 1 << 30);
    const t = Date.now();
    const r = spawnSync(process.execPath, ["--max-old-space-size=64", cliPath, "lint", f], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    expect(Date.now() - t).toBeLessThan(10_000);
    expectCleanFailure({ code: r.status, stdout: r.stdout, stderr: r.stderr });
    expect(r.stderr + r.stdout).toContain("larger than 64 MiB, the limit for a configuration file");
  });
});
