/**
 * `diagnose --bundle` on bundles made by a stranger: FIFOs, devices, symlinks out of the bundle, includes of
 * /etc/shadow and /dev/zero, oversized files. Each must give a clear error (exit 2, on stderr) or, for
 * includes outside the bundle, a reported `file:line` without the file ever being opened; never a hang and
 * never unbounded memory. Runs the built CLI as a child process.
 */
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath } from "../helpers/cli.js";
import { findProgram } from "../helpers/system.js";

const isRoot = process.getuid?.() === 0;
const fixture = new URL("../fixtures/causes/upstream-down", import.meta.url).pathname;
const maxrssHook = new URL("../helpers/maxrss.cjs", import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  rssMiB: number;
  timedOut: boolean;
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "bg-hostile-bundle-"));
  chmodSync(work, 0o755);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A copy of a good bundle to spoil. */
function bundle(name: string): string {
  const dir = join(work, name);
  cpSync(fixture, dir, { recursive: true });
  rmSync(join(dir, "expect.json"));
  return dir;
}

/** Runs the CLI with a deadline (a hang fails the test instead of blocking it) and measures peak RSS. */
function run(args: string[], opts: { asNobody?: boolean; timeoutMs?: number } = {}): Promise<Run> {
  const rssFile = join(work, `rss-${Math.random().toString(36).slice(2)}`);
  const argv = [process.execPath, "--require", maxrssHook, cliPath, ...args];
  const [cmd, ...rest] = opts.asNobody
    ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...argv]
    : argv;
  return new Promise((resolve) => {
    const c = spawn(cmd as string, rest, { env: { ...process.env, NO_COLOR: "1", BG_MAXRSS_FILE: rssFile } });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    c.stdout.on("data", (d) => {
      stdout += d;
    });
    c.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      c.kill("SIGKILL");
    }, opts.timeoutMs ?? 20_000);
    c.on("close", (code) => {
      clearTimeout(timer);
      let rssMiB = Number.NaN;
      try {
        rssMiB = Number(readFileSync(rssFile, "utf8")) / 1024;
      } catch {
        /* killed */
      }
      resolve({ code, stdout, stderr, rssMiB, timedOut });
    });
  });
}

describe("diagnose --bundle: bundle files", () => {
  it("reads a good bundle (the baseline the other cases spoil)", async () => {
    const r = await run(["diagnose", "--bundle", bundle("good"), "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0].id).toBe("upstream-down");
  });

  it("refuses a FIFO named error.log at once, without hanging", async () => {
    const dir = bundle("fifo");
    rmSync(join(dir, "error.log"));
    spawnSync("mkfifo", [join(dir, "error.log")]);
    const r = await run(["diagnose", "--bundle", dir]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "badgateway: bundle file error.log is a FIFO, not a regular file; refusing to read it\n",
    );
    expect(r.stdout).toBe("");
  });

  it("refuses nginx-T.txt -> /dev/zero without reading it (memory stays flat)", async () => {
    const dir = bundle("zero");
    symlinkSync("/dev/zero", join(dir, "nginx-T.txt"));
    const r = await run(["diagnose", "--bundle", dir]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "bundle file nginx-T.txt is a symbolic link to /dev/zero, outside the bundle; only files inside the bundle are read",
    );
    expect(r.rssMiB).toBeLessThan(150);
  });

  it("refuses a log that is a symlink to a file outside the bundle", async () => {
    const dir = bundle("link-out");
    const secret = join(work, "outside-secret.log");
    writeFileSync(secret, "2026/11/24 13:36:30 [error] 1#1: OutsideSecret\n");
    rmSync(join(dir, "access.log"));
    symlinkSync(secret, join(dir, "access.log"));
    const r = await run(["diagnose", "--bundle", dir, "--json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bundle file access.log is a symbolic link to ${secret}, outside the bundle`);
    expect(r.stdout).not.toContain("OutsideSecret");
  });

  it("follows a symlink that stays inside the bundle", async () => {
    const dir = bundle("link-in");
    cpSync(join(dir, "error.log"), join(dir, "real-error.txt"));
    rmSync(join(dir, "error.log"));
    symlinkSync("real-error.txt", join(dir, "error.log"));
    const r = await run(["diagnose", "--bundle", dir, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).findings[0].id).toBe("upstream-down");
  });

  it.runIf(isRoot)("refuses a device node inside the bundle", async () => {
    const dir = bundle("device");
    rmSync(join(dir, "access.log"));
    expect(spawnSync("mknod", [join(dir, "access.log"), "c", "1", "5"]).status).toBe(0);
    const r = await run(["diagnose", "--bundle", dir]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bundle file access.log is a character device, not a regular file");
    expect(r.rssMiB).toBeLessThan(150);
  });

  it("applies --max-file-size to logs and --max-config-size to configuration", async () => {
    const dir = bundle("caps");
    const big = await run(["diagnose", "--bundle", dir, "--max-file-size", "1K"]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(
      /bundle file (access|error)\.log is \d+ bytes, over the 1024-byte cap \(raise it with --max-file-size\)/,
    );
    const conf = await run(["diagnose", "--bundle", dir, "--max-config-size", "100"]);
    expect(conf.code).toBe(2);
    expect(conf.stderr).toContain(
      "bundle file nginx.conf is 1058 bytes, over the 100-byte cap (raise it with --max-config-size)",
    );
    const bad = await run(["diagnose", "--bundle", dir, "--max-file-size", "-5"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-file-size: "-5" is not a size');
  });

  it.runIf(isRoot && findProgram("setpriv") !== null)(
    "as an unprivileged user: the same refusal, not a permission error",
    async () => {
      const dir = bundle("nobody");
      rmSync(join(dir, "error.log"));
      symlinkSync("/etc/shadow", join(dir, "error.log"));
      const r = await run(["diagnose", "--bundle", dir], { asNobody: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        "bundle file error.log is a symbolic link to /etc/shadow, outside the bundle",
      );
    },
  );
});

describe("diagnose --bundle: a bundle's configuration", () => {
  function withInclude(name: string, includeLine: string): string {
    const dir = bundle(name);
    const conf = readFileSync(join(dir, "nginx.conf"), "utf8").replace(
      "include /etc/nginx/mime.types;",
      `include /etc/nginx/mime.types;\n    ${includeLine}`,
    );
    writeFileSync(join(dir, "nginx.conf"), conf);
    return dir;
  }

  it("never opens an include outside the bundle, and says which line asked for it", async () => {
    // A FIFO outside the bundle: opening it would block for ever, so a finished run proves it was not opened.
    const trap = join(work, "trap.conf");
    spawnSync("mkfifo", [trap]);
    const dir = withInclude("outside", `include /etc/shadow; include ${trap}; include /dev/zero;`);
    const r = await run(["diagnose", "--bundle", dir, "--json"]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.findings[0].id).toBe("upstream-down");
    const conf = join(dir, "nginx.conf");
    for (const p of ["/etc/shadow", trap, "/dev/zero"])
      expect(j.warnings).toContain(`open() "${p}" failed (outside the bundle; not read) in ${conf}:12`);
    expect(r.rssMiB).toBeLessThan(150);
  });

  it("does not follow an included symlink out of the bundle", async () => {
    const dir = withInclude("include-link", "include extra.conf;");
    const outside = join(work, "outside-upstreams.conf");
    writeFileSync(outside, "upstream leaked_pool { server 10.99.99.99:1; }\n");
    symlinkSync(outside, join(dir, "extra.conf"));
    const r = await run(["diagnose", "--bundle", dir, "--json"]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain("10.99.99.99");
    expect(JSON.parse(r.stdout).warnings).toContain(
      `open() "${join(dir, "extra.conf")}" failed (outside the bundle; not read) in ${join(dir, "nginx.conf")}:12`,
    );
  });

  it("refuses an included FIFO inside the bundle, naming the file and line", async () => {
    const dir = withInclude("include-fifo", "include conf.d/*.conf;");
    spawnSync("mkdir", [join(dir, "conf.d")]);
    spawnSync("mkfifo", [join(dir, "conf.d", "pipe.conf")]);
    const r = await run(["diagnose", "--bundle", dir]);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `badgateway: ${join(dir, "nginx.conf")}:12: bundle file ${join(dir, "conf.d", "pipe.conf")} is a FIFO, not a regular file; refusing to read it\n`,
    );
  });
});
