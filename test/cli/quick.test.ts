import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands/index.js";
import { quickCommand } from "../../src/cli/quick.js";
import { cliPath, esmCliPath } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";

// The bin (dist/cli.cjs, src/cli/bin.ts) answers --version, help and `explain '<line>'` without the program
// (docs/benchmarks.md, "cold start"); the program (dist/cli.js) answers them through commander. Same bytes.
const LINE =
  '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.com"';
const NOTE =
  '2026/11/20 03:12:09 [notice] 1#1: signal process started, upstream: "http://10.0.0.2:80/", host: "a\x1b[2Jb"';
const TIMEOUT =
  '2026/11/20 03:13:00 [error] 4117#4117: *9040 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1, server: _, request: "POST /pay HTTP/2.0", upstream: "http://[2001:db8::5]:9000/pay", host: "shop"';
const HELP_NAMES = new Set(["", ...COMMANDS.map((c) => c.name)]);

describe("quickCommand: what the bin answers itself", () => {
  const q = (...args: string[]) => quickCommand(args, (name) => HELP_NAMES.has(name));

  it("version and help, in the forms commander reads the same", () => {
    expect(q("--version")).toEqual({ kind: "version" });
    expect(q("-V")).toEqual({ kind: "version" });
    for (const a of [["--help"], ["-h"], ["help"]]) expect(q(...a)).toEqual({ kind: "help", name: "" });
    expect(q("help", "logs")).toEqual({ kind: "help", name: "logs" });
    expect(q("config", "--help")).toEqual({ kind: "help", name: "config" });
    expect(q("explain", "-h")).toEqual({ kind: "help", name: "explain" });
  });

  it("explain of one line, with --json and --color anywhere", () => {
    expect(q("explain", "x y")).toEqual({ kind: "explain", line: "x y", json: false, color: "auto" });
    expect(q("explain", "--json", "x")).toEqual({ kind: "explain", line: "x", json: true, color: "auto" });
    expect(q("explain", "x", "--json")).toEqual({ kind: "explain", line: "x", json: true, color: "auto" });
    expect(q("--color", "always", "explain", "x")).toMatchObject({ line: "x", color: "always" });
    expect(q("--color=never", "explain", "x")).toMatchObject({ line: "x", color: "never" });
    expect(q("explain", "x", "--color=always")).toMatchObject({ line: "x", color: "always" });
    expect(q("explain", "help")).toMatchObject({ kind: "explain", line: "help" });
  });

  it("leaves everything else to the program: other commands, stdin, usage errors, unknown help", () => {
    for (const args of [
      [],
      ["--version", "--help"],
      ["-V", "x"],
      ["help", "nosuch"],
      ["help", "help"],
      ["help", ""],
      ["", "--help"],
      ["nosuch", "--help"],
      ["logs", "x.log"],
      ["config", "parse", "--help"],
      ["--help", "--color=always"],
      ["explain"],
      ["explain", "-"],
      ["explain", "   "],
      ["explain", "a", "b"],
      ["explain", "-x"],
      ["explain", "--", "x"],
      ["explain", "--json", "--json", "x"],
      ["explain", "--json=1", "x"],
      ["explain", "x", "--color"],
      ["explain", "--color", "x"],
      ["--color", "sometimes", "explain", "x"],
      ["--color=", "explain", "x"],
      ["--color=always", "--color=never", "explain", "x"],
      ["--json", "explain", "x"],
      ["lint", "explain"],
    ])
      expect(q(...args), JSON.stringify(args)).toBeNull();
  });
});

/** Runs an entry with stdout and stderr on pipes. */
function run(entry: string, args: string[], env: Record<string, string> = {}) {
  const { FORCE_COLOR: _f, NO_COLOR: _n, ...rest } = process.env;
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: "utf8", env: { ...rest, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the bin and the program print the same bytes", () => {
  const cases: [string[], Record<string, string>][] = [
    [["--version"], {}],
    [["-V"], {}],
    [["--help"], {}],
    [["-h"], {}],
    [["help"], {}],
    [["--help"], { FORCE_COLOR: "1" }],
    [["help", "explain"], { FORCE_COLOR: "1", NO_COLOR: "1" }],
    ...COMMANDS.flatMap((c): [string[], Record<string, string>][] => [
      [["help", c.name], {}],
      [[c.name, "--help"], {}],
    ]),
    [["explain", LINE], {}],
    [["explain", TIMEOUT], {}],
    [["explain", NOTE], {}],
    [["explain", "not a log line \x07"], {}],
    [["explain", `${LINE}\n${TIMEOUT}`], {}],
    [["explain", "--json", LINE], {}],
    [["explain", NOTE, "--json"], {}],
    [["explain", "--json", "plain words"], {}],
    [["explain", LINE], { FORCE_COLOR: "1" }],
    [["explain", TIMEOUT], { FORCE_COLOR: "0" }],
    [["explain", LINE], { NO_COLOR: "1", FORCE_COLOR: "1" }],
    [["--color=always", "explain", TIMEOUT], {}],
    [["--color", "always", "explain", LINE], { NO_COLOR: "1" }],
    [["explain", LINE, "--color=never"], { FORCE_COLOR: "1" }],
    [["explain", "--json", LINE], { FORCE_COLOR: "1" }],
    // left to the program by the bin: the same answers either way
    [["explain", "   "], {}],
    [["explain", "a", "b"], {}],
    [["--color", "sometimes", "explain", "x"], {}],
    [["help", "nosuch"], {}],
    [[], {}],
  ];
  it.each(cases)("%j %j", (args, env) => {
    const bin = run(cliPath, args, env);
    const program = run(esmCliPath, args, env);
    expect(bin).toEqual(program);
    expect(bin.stdout.length + bin.stderr.length).toBeGreaterThan(0);
  });

  it("the help texts are commander's at 80 columns, and colour codes appear only when asked for", () => {
    const help = run(cliPath, ["--help"]).stdout;
    // commander wraps what it lays out (the added text after "Examples:" is the program's own)
    const laidOut = help.slice(0, help.indexOf("\nExamples:"));
    expect(Math.max(...laidOut.split("\n").map((l) => l.length))).toBeLessThanOrEqual(80);
    expect(Math.max(...laidOut.split("\n").map((l) => l.length))).toBeGreaterThan(70);
    for (const c of COMMANDS) expect(help).toContain(`  ${c.term}`);
    expect(run(cliPath, ["explain", LINE], { FORCE_COLOR: "1" }).stdout).toContain("\x1b[1m");
    expect(run(cliPath, ["explain", LINE]).stdout).not.toContain("\x1b[");
    expect(run(cliPath, ["explain", LINE]).code).toBe(1);
    expect(run(cliPath, ["explain", NOTE]).code).toBe(0);
    expect(run(cliPath, ["explain", "plain words"]).code).toBe(2);
  });
});

describe("the quick commands need nothing but the bin (and the help texts)", () => {
  // The bin alone in a directory, with dist/cli-help.json: what it answers itself works, the rest fails to load
  // the program (one line, exit 2), which shows which path each took.
  const dir = mkdtempSync(join(tmpdir(), "bg-quick-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const alone = join(dir, "cli.cjs");
  copyFileSync(cliPath, alone);
  copyFileSync(join(dirname(cliPath), "cli-help.json"), join(dir, "cli-help.json"));
  const bare = join(dir, "bare");
  mkdirSync(bare);
  copyFileSync(cliPath, join(bare, "cli.cjs"));

  it.each([
    [["--version"]],
    [["--help"]],
    [["help", "access"]],
    [["watch", "-h"]],
    [["explain", LINE]],
    [["--color=always", "explain", "--json", LINE]],
  ])("%j is answered by the bin", (args) => {
    const r = run(alone, args);
    expect(r.stderr).toBe("");
    expect(r).toEqual(run(cliPath, args));
  });

  it.each([[["explain", "-"]], [["logs", "/nonexistent"]], [["config", "parse", "--help"]], [["nosuch"]]])(
    "%j goes to the program",
    (args) => {
      const r = run(alone, args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^badgateway: cannot load the program \(.*\): reinstall badgateway\n$/);
    },
  );

  it("without the help texts, help goes to the program; --version and explain do not need them", () => {
    const b = join(bare, "cli.cjs");
    expect(run(b, ["--help"]).stderr).toContain("cannot load the program");
    expect(run(b, ["--version"])).toEqual(run(cliPath, ["--version"]));
    expect(run(b, ["explain", LINE])).toEqual(run(cliPath, ["explain", LINE]));
  });
});

systemDescribe(["script"], "help on a terminal", () => {
  it("is left to the program, which wraps it to the terminal's width", () => {
    const dir = mkdtempSync(join(tmpdir(), "bg-quick-tty-"));
    try {
      const alone = join(dir, "cli.cjs");
      copyFileSync(cliPath, alone);
      copyFileSync(join(dirname(cliPath), "cli-help.json"), join(dir, "cli-help.json"));
      const sh = (entry: string) =>
        spawnSync("script", ["-qec", `stty cols 120; '${process.execPath}' '${entry}' --help`, "/dev/null"], {
          encoding: "utf8",
        }).stdout.replace(/\r\n/g, "\n");
      expect(sh(alone)).toContain("cannot load the program");
      const wide = sh(cliPath);
      expect(wide).toContain("Usage: badgateway [options] [command]");
      expect(wide).toEqual(sh(esmCliPath));
      expect(wide).not.toEqual(run(cliPath, ["--help"]).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
