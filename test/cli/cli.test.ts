import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cliPath as cli, runCli } from "../helpers/cli.js";

describe("badgateway CLI basics", () => {
  it("has been built (npm test builds before running vitest)", () => {
    expect(existsSync(cli)).toBe(true);
  });

  it("prints its version", () => {
    const r = runCli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("shows help with examples and exit codes", () => {
    const r = runCli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("Exit codes");
  });

  it("rejects an unknown command with exit 2 and no stack trace", () => {
    const r = runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
