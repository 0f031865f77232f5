import { describe, expect, it } from "vitest";
import { UserError } from "../../src/cli/exit.js";
import { parseCountOption, parseDurationOption, parsePidOption, parseWhen } from "../../src/cli/options.js";
import { runCli } from "../helpers/cli.js";

describe("shared option parsers", () => {
  it("parseWhen: relative times count back from now, ISO times are absolute, anything else is a UserError", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(parseWhen("2h", now)).toBe(now - 2 * 3600_000);
    expect(parseWhen("30m", now)).toBe(now - 30 * 60_000);
    expect(parseWhen("90s", now)).toBe(now - 90_000);
    expect(parseWhen("1d", now)).toBe(now - 86_400_000);
    expect(parseWhen("2026-12-06T08:00:00Z", now)).toBe(Date.parse("2026-12-06T08:00:00Z"));
    expect(() => parseWhen("yesterday-ish", now)).toThrow(UserError);
    expect(() => parseWhen("2x", now)).toThrow(/cannot read the time '2x'/);
  });

  it("parseDurationOption and parseCountOption name the option in their refusals", () => {
    expect(parseDurationOption("--poll", "250ms")).toBe(250);
    expect(parseDurationOption("--poll", "2s")).toBe(2000);
    expect(parseDurationOption("--poll", "1m")).toBe(60_000);
    expect(parseDurationOption("--poll", "40")).toBe(40);
    expect(() => parseDurationOption("--poll", "0")).toThrow(/^--poll wants a positive duration/);
    expect(() => parseDurationOption("--poll", "2h")).toThrow(/^--poll /);
    expect(parseCountOption("--pid", "42", 100)).toBe(42);
    expect(() => parseCountOption("--pid", "101", 100)).toThrow(/^--pid wants a whole number from 1 to 100/);
    expect(() => parseCountOption("--pid", "4x", 100)).toThrow(UserError);
  });
});

describe("--pid", () => {
  it("parsePidOption takes 1..4194304 and refuses anything else in one wording", () => {
    expect(parsePidOption("1")).toBe(1);
    expect(parsePidOption("4194304")).toBe(4_194_304);
    for (const bad of ["0", "4194305", "-3", "12ab", "", "0x10", "1e3"])
      expect(() => parsePidOption(bad), bad).toThrow(`--pid: ${JSON.stringify(bad)} is not a process id`);
  });

  it("diagnose, fix, watch and collect refuse a bad --pid the same way: one line, exit 2", () => {
    for (const cmd of [
      ["diagnose", "--no-probe"],
      ["fix"],
      ["watch"],
      ["collect", "--out", "/nonexistent-dir/x"],
    ]) {
      const r = runCli([...cmd, "--pid", "nginx"]);
      expect(r.code, cmd[0]).toBe(2);
      expect(r.stderr, cmd[0]).toBe('badgateway: --pid: "nginx" is not a process id\n');
    }
  });
});

describe("evidence options shared by diagnose, fix and watch", () => {
  it("the same flags with the same value shapes appear in each command's help", () => {
    const flags = [
      "--config <file>",
      "--nginx-t <file>",
      "--error-log <file>",
      "--access-log <file>",
      "--log-format <name|format>",
      "--since <when>",
      "--pid <pid>",
    ];
    for (const cmd of ["diagnose", "fix", "watch"]) {
      const help = runCli([cmd, "--help"]).stdout;
      for (const f of flags) expect(help, `${cmd} ${f}`).toContain(f);
    }
  });
});
