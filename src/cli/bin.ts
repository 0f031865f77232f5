/**
 * The `badgateway` bin (dist/cli.cjs): a small CommonJS file that answers the quick commands itself and hands
 * every other run to the ES-module program (dist/cli.js, src/cli/main.ts). Quick are `--version`, help
 * (`--help`, `help NAME`, `NAME --help`) when stdout is not a terminal, and `explain` of one line given as an
 * argument (src/cli/quick-explain.ts, bundled in but run only for that command): most of what a person types to
 * try the tool, and for those Node's own start-up is most of the time, so the ES-module loader, commander and
 * the program's chunks would weigh (docs/benchmarks.md, "cold start"). The help texts are commander's own
 * output, captured at build time from the built program (scripts/build.mjs, dist/cli-help.json);
 * test/cli/quick.test.ts checks that both entries print the same bytes.
 */
import { readFileSync } from "node:fs";
import { quickCommand } from "./quick.js";
import { stdoutIsTerminal, writeStdoutSync } from "./stdout-sync.js";

/**
 * Commander's help for the program ("") and for each command as written to a pipe (80 columns), from
 * dist/cli-help.json (written by scripts/build.mjs; read only when help is asked for, so the other quick
 * commands do not parse 27 KB of text). Empty when the file cannot be read: the program answers then.
 */
let helpTexts: Record<string, string> | null = null;
function help(): Record<string, string> {
  if (helpTexts === null) {
    try {
      helpTexts = JSON.parse(readFileSync(`${__dirname}/cli-help.json`, "utf8")) as Record<string, string>;
    } catch {
      helpTexts = {};
    }
  }
  return helpTexts;
}

const EXIT_ERROR = 2;

/** One line on stderr and exit 2 for anything unexpected, as the program does. */
function crash(err: unknown): never {
  const e = err as Error;
  if (process.env["BADGATEWAY_DEBUG"]) process.stderr.write(`${e?.stack ?? String(err)}\n`);
  process.stderr.write(
    `badgateway: internal error: ${e?.message ?? String(err)} (set BADGATEWAY_DEBUG=1 for details)\n`,
  );
  process.exit(EXIT_ERROR);
}

/**
 * Answers a quick command; false when the program has to run (also for help on a terminal, which commander
 * wraps to the terminal's width).
 */
function runQuick(): boolean {
  const q = quickCommand(process.argv.slice(2), (name) => Object.hasOwn(help(), name));
  if (q === null) return false;
  if (q.kind === "version") writeStdoutSync(`${__BADGATEWAY_VERSION__}\n`);
  else if (q.kind === "help") {
    const text = help()[q.name];
    if (text === undefined || stdoutIsTerminal()) return false;
    writeStdoutSync(text);
  } else {
    // require, not import: the bundle then runs the explain modules' top-level code only for this command.
    const { explainQuick } = require("./quick-explain.js") as typeof import("./quick-explain.js");
    process.exitCode = explainQuick(q.line, q.json, q.color);
  }
  return true;
}

let quick = false;
try {
  quick = runQuick();
} catch (err) {
  crash(err);
}
if (!quick) {
  // The program is an ES module next to this file; it installs its own guards and reads process.argv itself.
  const { pathToFileURL } = require("node:url") as typeof import("node:url");
  import(pathToFileURL(`${__dirname}/cli.js`).href).catch((err: unknown) => {
    const e = err as Error;
    process.stderr.write(
      `badgateway: cannot load the program (${e?.message ?? String(err)}): reinstall badgateway\n`,
    );
    process.exit(EXIT_ERROR);
  });
}
