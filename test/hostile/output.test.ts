/**
 * What reaches the operator: control characters from log data never reach the terminal raw (JSON keeps them,
 * escaped), `explain -` answers each line as it arrives and keeps memory flat on a 150 MB input.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { safeText } from "../../src/report/terminal.js";
import { cliPath, runCli } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";
import { errorLog } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "bg-hostile-out-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => join(dir, name);
const ESC = "\x1b";

describe("safeText", () => {
  it("shows C0 and C1 controls as \\xNN, keeps tabs and ordinary text", () => {
    expect(safeText("a\x1b[2Jb")).toBe("a\\x1b[2Jb");
    expect(safeText("t\tab\r\n\x00\x7f\u009b")).toBe("t\tab\\x0d\\x0a\\x00\\x7f\\x9b");
    expect(safeText("plain → ünïcode")).toBe("plain → ünïcode");
  });
});

describe("terminal escapes from log data", () => {
  const referer = `http://evil.example/${ESC}[2J${ESC}]0;owned${"\x07"}`;
  writeFileSync(p("error.log"), errorLog(5, { referer }));

  it("logs: text output shows them as \\x1b; JSON keeps them, escaped", () => {
    const t = runCli(["logs", p("error.log")]);
    expect(t.code).toBe(1);
    expect(t.stdout).not.toContain(ESC);
    expect(t.stdout).not.toContain("\x07");
    expect(t.stdout).toContain("\\x1b[2J");
    const j = runCli(["logs", p("error.log"), "--json"]);
    expect(j.stdout).not.toContain(ESC);
    expect(j.stdout).toContain("\\u001b[2J");
    const s = JSON.parse(j.stdout) as { samples: Record<string, Array<{ text: string }>> };
    expect(Object.values(s.samples)[0]?.[0]?.text).toContain(`${ESC}[2J`);
  });

  it("explain and diagnose: no raw escape in text", () => {
    const line = errorLog(1, { referer }).trim();
    const e = runCli(["explain", `${ESC}[2J not a line`]);
    expect(e.stdout).not.toContain(ESC);
    expect(e.stdout).toContain("\\x1b[2J");
    const ej = runCli(["explain", "-", "--json"], `${line}\n`);
    expect(ej.stdout).toContain("\\u001b[2J");
    const d = runCli(["diagnose", "--error-log", p("error.log"), "--no-probe", "--verbose"]);
    expect(d.stdout).not.toContain(ESC);
  });
});

describe("escaped values in access logs", () => {
  it("a \\x1B that nginx escaped is shown as \\x1b in text, kept in JSON", () => {
    // nginx writes ESC in a request as \x1B (escape=default); the reader restores the byte.
    writeFileSync(
      p("access.log"),
      '10.0.0.1 - - [24/Nov/2026:10:07:00 +0000] "GET /\\x1B[2Jx/ HTTP/1.1" 502 10 "-" "curl"\n',
    );
    const t = runCli(["access", p("access.log")]);
    expect(t.code).toBe(1);
    expect(t.stdout).not.toContain(ESC);
    expect(t.stdout).toContain("\\x1b[2Jx/");
    const j = runCli(["access", p("access.log"), "--json"]);
    expect(j.stdout).toContain("\\u001b[2Jx/");
  });
});

describe("failure reasons go to stderr", () => {
  it("diagnose without usable evidence: exit 2, the reasons on stderr", () => {
    const r = runCli(["diagnose", "--error-log", p("nope.log"), "--no-probe"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("could not diagnose");
    expect(r.stderr).toContain("nope.log");
  });

  it("lint with a syntax error in JSON and SARIF: the reason on stderr", () => {
    writeFileSync(p("broken.conf"), "http {\n  server {\n");
    for (const format of ["json", "sarif", "text"]) {
      const r = runCli(["lint", p("broken.conf"), "--format", format]);
      expect(r.code, format).toBe(2);
      expect(r.stderr, format).toContain("unexpected end of file");
    }
  });
});

describe("explain - streams", () => {
  it("prints each answer as its line arrives, before stdin closes", async () => {
    const line = errorLog(1).trim();
    const child = spawn(
      "bash",
      ["-c", `(printf '%s\\n' '${line}'; sleep 6) | ${process.execPath} ${cliPath} explain - --json`],
      {
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    const start = Date.now();
    const first = await new Promise<number>((resolve) => {
      child.stdout.once("data", () => resolve(Date.now() - start));
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(first).toBeLessThan(4000);
    expect(Date.now() - start).toBeGreaterThanOrEqual(5500);
    expect(code).toBe(1);
  }, 20_000);
});

systemDescribe(["time"], "explain - memory", () => {
  it("stays under 200 MB resident on 150 MB of input (JSON Lines out)", () => {
    const f = p("e150.log");
    const block = Buffer.from(errorLog(4000));
    const fd = openSync(f, "w");
    let n = 0;
    let lines = 0;
    while (n < 150e6) {
      writeSync(fd, block);
      n += block.length;
      lines += 4000;
    }
    closeSync(fd);
    const inFd = openSync(f, "r");
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "maxrss=%M", process.execPath, cliPath, "explain", "-", "--json"],
      {
        stdio: [inFd, "ignore", "pipe"],
        encoding: "utf8",
        timeout: 120_000,
      },
    );
    closeSync(inFd);
    rmSync(f);
    expect(r.status).toBe(1);
    const kb = Number(/maxrss=(\d+)/.exec(r.stderr)?.[1]);
    expect(kb).toBeGreaterThan(0);
    expect(kb).toBeLessThan(200 * 1024);
    expect(lines).toBeGreaterThan(500_000);
  }, 130_000);
});
