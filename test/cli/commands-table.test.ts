/**
 * The command table (src/cli/commands/index.ts) lists every command without loading it; these tests hold it to
 * the real definitions, and check through the built CLI that only the command that runs is loaded.
 */
import { readFileSync } from "node:fs";
import { Command, Help } from "commander";
import { describe, expect, it } from "vitest";
import { COMMANDS, commandWord } from "../../src/cli/commands/index.js";
import { esmCliPath, runCli } from "../helpers/cli.js";

describe("command table", () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))(
    "%s: the listing's term and description are the loaded command's",
    async (name, entry) => {
      const program = new Command("badgateway");
      (await entry.load())(program);
      const cmd = program.commands.find((c) => c.name() === name);
      expect(cmd).toBeDefined();
      expect(new Help().subcommandTerm(cmd as Command)).toBe(entry.term);
      expect(cmd?.description()).toBe(entry.description);
    },
  );

  it("finds the command word after global options, through `help NAME` and `--`", () => {
    expect(commandWord(["explain", "x"])).toBe("explain");
    expect(commandWord(["--color", "never", "logs", "a.log"])).toBe("logs");
    expect(commandWord(["--color=always", "access"])).toBe("access");
    expect(commandWord(["help", "probe"])).toBe("probe");
    expect(commandWord(["--", "lint"])).toBe("lint");
    expect(commandWord(["--help"])).toBeNull();
    expect(commandWord(["-V"])).toBeNull();
    expect(commandWord([])).toBeNull();
  });
});

describe("the built CLI loads only what runs", () => {
  it("lists every command in --help, in the table's order, with its term", () => {
    const r = runCli(["--help"]);
    expect(r.code).toBe(0);
    const listed = [...r.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    const commands = listed.filter((w) => COMMANDS.some((c) => c.name === w));
    expect(commands).toEqual(COMMANDS.map((c) => c.name));
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.term}`);
  });

  it("dist/cli.js is small and imports the program and each command on demand", () => {
    const entry = readFileSync(esmCliPath, "utf8");
    expect(entry.length).toBeLessThan(20_000);
    expect(entry).toMatch(/import\("\.\/chunk-\w+\.js"\)/);
  });

  it("`help NAME` and NAME --help show the command's own options", () => {
    for (const args of [
      ["help", "logs"],
      ["logs", "--help"],
    ]) {
      const r = runCli(args);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Usage: badgateway logs [options] [files...]");
      expect(r.stdout).toContain("--since <when>");
    }
  });

  it("global --color before the command still applies, and an unknown command is exit 2", () => {
    const r = runCli(["--color", "sometimes", "explain", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--color must be auto, always or never");
    const u = runCli(["nosuch"]);
    expect(u.code).toBe(2);
    expect(u.stderr).toContain("unknown command 'nosuch'");
  });
});
