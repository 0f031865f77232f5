/**
 * The `badgateway` bin (dist/cli.cjs): a small CommonJS bundle that answers the quick commands itself and hands
 * every other run to the ES-module program (dist/cli.js, src/cli/main.ts). Quick are `--version`, help
 * (`--help`, `help NAME`, `NAME --help`) when stdout is not a terminal, and `explain` of one line given as an
 * argument: together most of what a person types to try the tool, and for those Node's start-up is most of the
 * time, so the ES-module loader, commander and the program's chunks would weigh (docs/benchmarks.md, "cold
 * start"). The help texts are commander's own output, captured at build time from the built program
 * (scripts/build.mjs), and test/cli/quick.test.ts checks that both entries print the same bytes.
 */
import { ExplainOutput } from "../report/explain.js";
import { decideColor } from "./color.js";
import { quickCommand } from "./quick.js";
import { stdoutIsTerminal, writeStdoutSync } from "./stdout-sync.js";

/**
 * Commander's help for the program ("") and for each command as written to a pipe (80 columns): JSON of an
 * object, put here by scripts/build.mjs.
 */
declare const __BADGATEWAY_HELP__: string;

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

/** Answers a quick command; false when the program has to run (help wanted on a terminal, which wraps to its width). */
function runQuick(): boolean {
  const help = JSON.parse(__BADGATEWAY_HELP__) as Record<string, string>;
  const q = quickCommand(process.argv.slice(2), new Set(Object.keys(help)));
  if (q === null) return false;
  if (q.kind === "version") writeStdoutSync(`${__BADGATEWAY_VERSION__}\n`);
  else if (q.kind === "help") {
    const text = help[q.name];
    if (text === undefined || stdoutIsTerminal()) return false;
    writeStdoutSync(text);
  } else {
    const out = new ExplainOutput(q.json, !q.json && decideColor(stdoutIsTerminal(), process.env, q.color));
    writeStdoutSync(out.add(q.line));
    process.exitCode = out.exitCode() ?? EXIT_ERROR;
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
