import { describe, expect, it } from "vitest";
import { decideColor, parseColorMode } from "../../src/cli/color.js";
import { runCli } from "../helpers/cli.js";

const EX = "examples/checkout-outage";
const ESC = "\x1b[";

describe("decideColor: flag, then FORCE_COLOR, then NO_COLOR, then the terminal", () => {
  it.each([
    // [isTTY, env, mode, expected]
    [true, {}, "auto", true],
    [false, {}, "auto", false],
    [undefined, {}, "auto", false],
    [true, { NO_COLOR: "1" }, "auto", false],
    [true, { NO_COLOR: "" }, "auto", true],
    [false, { FORCE_COLOR: "1" }, "auto", true],
    [false, { FORCE_COLOR: "" }, "auto", true],
    [false, { FORCE_COLOR: "3" }, "auto", true],
    [true, { FORCE_COLOR: "0" }, "auto", false],
    [false, { FORCE_COLOR: "1", NO_COLOR: "1" }, "auto", true],
    [false, { NO_COLOR: "1" }, "always", true],
    [true, { FORCE_COLOR: "1" }, "never", false],
  ] as const)("tty=%s env=%j --color=%s → %s", (tty, env, mode, want) => {
    expect(decideColor(tty, env, mode)).toBe(want);
  });

  it("--color accepts only auto, always and never", () => {
    expect(parseColorMode("always")).toBe("always");
    expect(() => parseColorMode("yes")).toThrow(/--color must be auto, always or never/);
  });
});

describe("every command decides colour the same way", () => {
  const line =
    '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"';
  const commands: Array<[string, string[]]> = [
    ["explain", ["explain", line]],
    ["logs", ["logs", `${EX}/error.log`]],
    [
      "access",
      ["access", `${EX}/access.log`, "--format-file", `${EX}/log_format.conf`, "--log-format", "upstreams"],
    ],
    ["diagnose", ["diagnose", "--bundle", EX]],
    ["lint", ["lint", "src/rules/lint/unknown-upstream/bad.conf"]],
    ["config files", ["config", "files", `${EX}/nginx.conf`]],
  ];

  it.each(commands)("%s: NO_COLOR off, FORCE_COLOR on, --color wins over both", (_name, args) => {
    const plain = runCli(args);
    expect(plain.stdout.length).toBeGreaterThan(0);
    expect(plain.stdout).not.toContain(ESC);
    const forced = runCli(args, undefined, { FORCE_COLOR: "1" });
    expect(forced.stdout).toContain(ESC);
    expect(forced.code).toBe(plain.code);
    expect(runCli([...args, "--color=never"], undefined, { FORCE_COLOR: "1" }).stdout).not.toContain(ESC);
  });

  it("--color=always before the command wins over NO_COLOR; FORCE_COLOR=0 turns colour off", () => {
    const args = commands[0]?.[1] as string[];
    expect(runCli(["--color", "always", ...args]).stdout).toContain(ESC);
    expect(runCli(args, undefined, { FORCE_COLOR: "0", NO_COLOR: "" }).stdout).not.toContain(ESC);
  });

  it("a bad --color value is a usage error (exit 2, one line)", () => {
    const r = runCli(["--color=rainbow", "explain", line]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toEqual([
      'badgateway: --color must be auto, always or never (got "rainbow")',
    ]);
  });
});
