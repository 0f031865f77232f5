/**
 * Hostile and unlucky inputs to the log readers, through the built CLI: gzip as zcat reads it (members, zero
 * padding, garbage, damage), other compressors refused, FIFOs, a drained event loop, failing stdout.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, runCli } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";
import { combinedLog, errorLog, runShell } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "bg-hostile-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => join(dir, name);

const N = 3000;
writeFileSync(p("error.log"), errorLog(N));
const json = (s: string) => JSON.parse(s) as Record<string, unknown>;

systemDescribe(["gzip", "zcat"], "gzip read as zcat reads it", () => {
  writeFileSync(p("error.log.gz"), gzipSync(readFileSync(p("error.log"))));
  const zcatLines = (file: string) => {
    const r = runShell(`zcat '${file}' | wc -l`);
    return Number(r.stdout.trim());
  };

  it.each([1, 100, 70_000])(
    "a gzip file with %i NUL bytes after it is read in full (exit 1, not 0)",
    (zeros) => {
      const f = p(`pad${zeros}.gz`);
      writeFileSync(f, Buffer.concat([readFileSync(p("error.log.gz")), Buffer.alloc(zeros)]));
      // zcat ignores trailing zeros silently: same lines, exit 0.
      expect(runShell(`zcat '${f}' > /dev/null`).code).toBe(0);
      expect(zcatLines(f)).toBe(N);
      const r = runCli(["logs", f, "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(1);
      const s = json(r.stdout);
      expect(s["lines"]).toBe(N);
      expect(s["upstreamErrors"]).toBe(N);
      expect(s["warnings"]).toEqual([]);
    },
  );

  it("NUL-padded gzip through stdin and through <(cat x.gz) is decoded, not read as text", () => {
    const f = p("pad1.gz");
    writeFileSync(f, Buffer.concat([readFileSync(p("error.log.gz")), Buffer.alloc(1)]));
    for (const cmd of [`cat '${f}' | $B logs - --json`, `$B logs <(cat '${f}') --json`]) {
      const r = runShell(cmd);
      expect(r.code, cmd).toBe(1);
      expect(json(r.stdout)["upstreamErrors"], cmd).toBe(N);
    }
  }, 90_000);

  it("access and diagnose read NUL-padded gzip too", () => {
    const acc = p("access.pad.gz");
    writeFileSync(acc, Buffer.concat([gzipSync(combinedLog(1000)), Buffer.alloc(512)]));
    const a = runCli(["access", acc, "--json"]);
    expect(a.code).toBe(1);
    expect(json(a.stdout)["matched"]).toBe(1000);
    const f = p("pad100.gz");
    writeFileSync(f, Buffer.concat([readFileSync(p("error.log.gz")), Buffer.alloc(100)]));
    writeFileSync(p("second.log"), errorLog(119));
    const d = runCli(["diagnose", "--error-log", f, "--error-log", p("second.log"), "--json", "--no-probe"]);
    expect(d.code).toBe(1);
    const basis = json(d.stdout)["basis"] as { errorLog: { lines: number; upstreamErrors: number } };
    expect(basis.errorLog.lines).toBe(N + 119);
    expect(basis.errorLog.upstreamErrors).toBe(N + 119);
  }, 90_000);

  it("multi-member gzip is read member after member, like zcat", () => {
    const f = p("multi.gz");
    writeFileSync(f, Buffer.concat([gzipSync(errorLog(1000)), gzipSync(errorLog(500)), gzipSync("")]));
    expect(zcatLines(f)).toBe(1500);
    const r = runCli(["logs", f, "--json"]);
    expect(r.code).toBe(1);
    expect(json(r.stdout)["lines"]).toBe(1500);
  }, 90_000);

  it("garbage after the last member: every line read, a warning as zcat gives, exit 2 as zcat's", () => {
    const f = p("garbage.gz");
    writeFileSync(f, Buffer.concat([readFileSync(p("error.log.gz")), Buffer.from("not gzip\n")]));
    const z = runShell(`zcat '${f}' > /dev/null`);
    expect(z.code).toBe(2);
    expect(z.stderr).toContain("trailing garbage ignored");
    const r = runCli(["logs", f, "--json"]);
    expect(r.code).toBe(2);
    const s = json(r.stdout);
    expect(s["lines"]).toBe(N);
    expect(JSON.stringify(s["warnings"])).toContain("trailing garbage ignored");
    // zeros, then another member: zcat stops at the zeros (garbage); so do we.
    const g = p("zeros-then-member.gz");
    writeFileSync(g, Buffer.concat([gzipSync(errorLog(10)), Buffer.alloc(8), gzipSync(errorLog(10))]));
    expect(zcatLines(g)).toBe(10);
    const r2 = runCli(["logs", g, "--json"]);
    expect(r2.code).toBe(2);
    expect(json(r2.stdout)["lines"]).toBe(10);
  }, 90_000);

  it("a damaged gzip keeps the lines decoded before the damage (at least what zcat keeps) and says how many", () => {
    const big = gzipSync(errorLog(40_000));
    const f = p("damaged.gz");
    // Damage that breaks the deflate data itself (zcat: "format violated"), somewhere past the middle.
    let zl = -1;
    for (let at = Math.floor(big.length * 0.6); at < big.length - 100 && zl < 0; at += 97) {
      const gz = Buffer.from(big);
      gz.fill(0xff, at, at + 4);
      writeFileSync(f, gz);
      if (runShell(`zcat '${f}' > /dev/null`).stderr.includes("format violated")) zl = zcatLines(f);
    }
    expect(zl).toBeGreaterThan(0);
    const r = runCli(["logs", f, "--json"]);
    expect(r.code).toBe(2);
    const s = json(r.stdout);
    const lines = s["lines"] as number;
    expect(lines).toBeGreaterThanOrEqual(zl);
    expect(lines).toBeLessThan(40_000);
    expect(lines).toBeGreaterThan(40_000 * 0.5);
    const msg = JSON.stringify(s["warnings"]);
    expect(msg).toContain("damaged");
    expect(msg).toContain(`the ${lines} line(s) decoded before it were read`);
    const text = runCli(["logs", f]);
    expect(text.code).toBe(2);
    expect(text.stderr).toContain(`the ${lines} line(s) decoded before it were read`);
  }, 90_000);

  it("a truncated gzip keeps what was decoded and exits 2", () => {
    const gz = gzipSync(errorLog(20_000));
    const f = p("cut.gz");
    writeFileSync(f, gz.subarray(0, Math.floor(gz.length / 2)));
    const r = runCli(["logs", f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gzip data ends early.*the \d+ line\(s\) decoded before it were read/);
  }, 90_000);
});

systemDescribe(["xz", "zstd", "bzip2"], "other compressors are refused, never read as text", () => {
  it.each([
    ["xz", "xz -c", "xz -dc"],
    ["zstd", "zstd -q -c", "zstd -dc"],
    ["bzip2", "bzip2 -c", "bzip2 -dc"],
  ])(
    "%s: exit 2 naming the format and the command",
    (format, compress, command) => {
      const f = p(`error.log.${format}`);
      runShell(`${compress} '${p("error.log")}' > '${f}'`);
      for (const args of [
        ["logs", f],
        ["access", f],
      ]) {
        const r = runCli(args);
        expect(r.code, args.join(" ")).toBe(2);
        expect(r.stderr).toContain(`this is ${format}-compressed data`);
        expect(r.stderr).toContain(`${command} ${f}`);
      }
      // Through stdin as well (no name to go by).
      const s = runShell(`$B logs - < '${f}'`);
      expect(s.code).toBe(2);
      expect(s.stderr).toContain(`${format}-compressed`);
      const d = runCli(["diagnose", "--error-log", f, "--no-probe"]);
      expect(d.code).toBe(2);
      expect(d.stderr).toContain(`${format}-compressed`);
    },
    90_000,
  );
});

describe("FIFOs", () => {
  it("a FIFO given to logs is opened once and read to its end, every time", () => {
    for (let i = 0; i < 5; i++) {
      const fifo = p(`fifo${i}`);
      const r = runShell(
        `mkfifo '${fifo}'; (cat '${p("error.log")}' > '${fifo}' &); timeout 30 $B logs '${fifo}' --json`,
      );
      expect(r.code, r.stderr).toBe(1);
      expect(json(r.stdout)["lines"]).toBe(N);
    }
  }, 90_000);
});

describe("the process never ends silently", () => {
  it("a reader that never finishes gives exit 2 and says so (not exit 0)", () => {
    // A zlib stream that swallows its input and never answers: the event loop drains with main() pending.
    const hang = p("hang.mjs");
    writeFileSync(
      hang,
      `import zlib from "node:zlib";
import { syncBuiltinESMExports } from "node:module";
import { Writable } from "node:stream";
Object.defineProperty(zlib, "createInflateRaw", {
  value: () => Object.assign(new Writable({ write() {} }), { bytesWritten: 0 }),
  configurable: true,
  writable: true,
});
syncBuiltinESMExports();
`,
    );
    const r = spawnSync(process.execPath, ["--import", hang, cliPath, "logs", p("error.log.gz")], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("internal error: the command ended without finishing");
  }, 90_000);
});

describe("an error outside main()", () => {
  it("is one line on stderr and exit 2, not a stack trace", () => {
    const boom = p("boom.mjs");
    writeFileSync(boom, `setTimeout(() => { throw new Error("boom from a handler"); }, 300);\n`);
    // explain - waits on a stdin that stays open while the timer fires.
    const r = spawnSync(
      "bash",
      ["-c", `sleep 3 | '${process.execPath}' --import '${boom}' '${cliPath}' explain -`],
      {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", BADGATEWAY_DEBUG: "" },
        timeout: 30_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("badgateway: internal error: boom from a handler");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});

describe("writing the output", () => {
  it("a full disk (/dev/full) is exit 2 with the reason on stderr", () => {
    for (const args of [
      ["logs", p("error.log")],
      ["logs", p("error.log"), "--json"],
      ["explain", "x"],
    ]) {
      const fd = openSync("/dev/full", "w");
      try {
        const r = spawnSync(process.execPath, [cliPath, ...args], {
          stdio: ["ignore", fd, "pipe"],
          encoding: "utf8",
          timeout: 30_000,
        });
        expect(r.status, args.join(" ")).toBe(2);
        expect(r.stderr).toContain("cannot write the output: no space left on the device");
      } finally {
        closeSync(fd);
      }
    }
  }, 90_000);

  it("a closed pipe (| head) stays quiet", () => {
    writeFileSync(p("many.log"), errorLog(20_000));
    const r = runShell(`$B explain - --json < '${p("many.log")}' | head -c 100 > /dev/null`);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  }, 90_000);
});

describe("sniff and line shapes (units)", () => {
  it("recognises formats by content, and text that merely starts like one stays text", async () => {
    const { sniff } = await import("../../src/evidence/input.js");
    expect(sniff(gzipSync("x")).kind).toBe("gzip");
    expect(sniff(Buffer.from("BZh9 is not bzip2\n"))).toEqual({ kind: "plain" });
    expect(sniff(Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59]))).toMatchObject({
      format: "bzip2",
    });
    expect(sniff(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1]))).toMatchObject({ format: "xz" });
    expect(sniff(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0]))).toMatchObject({ format: "zstd" });
    expect(sniff(Buffer.alloc(0))).toEqual({ kind: "plain" });
  }, 90_000);

  it("line-shape tests stay linear on hostile lines", async () => {
    const { lineKind } = await import("../../src/nginx/looks-like.js");
    const hostile = [
      `${"1:".repeat(30_000)}x`,
      `"GET ${"a".repeat(60_000)}`,
      `${"[".repeat(60_000)}`,
      `  ${" ".repeat(60_000)}thrown`,
      `"${'"GET '.repeat(12_000)}`,
    ];
    const t0 = Date.now();
    for (const l of hostile) expect(["other", "error", "access", "combined"]).toContain(lineKind(l));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(lineKind(combinedLog(1).trim())).toBe("combined");
    expect(lineKind(errorLog(1).trim())).toBe("error");
  }, 90_000);
});
