import { Command, CommanderError } from "commander";
import { parseColorMode, setColorMode } from "./color.js";
import { registerAccess } from "./commands/access.js";
import { registerCollect } from "./commands/collect.js";
import { registerConfig } from "./commands/config.js";
import { registerDiagnose } from "./commands/diagnose.js";
import { registerExplain } from "./commands/explain.js";
import { registerLint } from "./commands/lint.js";
import { registerLogs } from "./commands/logs.js";
import { registerProbe } from "./commands/probe.js";
import { registerWatch } from "./commands/watch.js";
import { EXIT, UserError } from "./exit.js";

export function buildProgram(): Command {
  const program = new Command("badgateway")
    .description("Find out why nginx answers 502 Bad Gateway / 504 Gateway Timeout, and what to do about it.")
    .version(__BADGATEWAY_VERSION__, "-V, --version")
    .option(
      "--color <when>",
      "colour the output: auto (a terminal, unless NO_COLOR is set or FORCE_COLOR=0), always or never",
      "auto",
    )
    .showHelpAfterError("(run with --help for usage and examples)")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway diagnose --since 1h          # on the nginx host
  $ badgateway diagnose --bundle examples/checkout-outage
  $ badgateway explain '2026/11/20 03:12:07 [error] 4117#4117: *9031 connect() failed (111: Connection refused) while connecting to upstream, ...'
  $ badgateway logs /var/log/nginx/error.log /var/log/nginx/error.log.1 /var/log/nginx/error.log.2.gz
  $ badgateway lint /etc/nginx/nginx.conf
  $ badgateway probe --config /etc/nginx/nginx.conf
  $ sudo badgateway collect --out /tmp/incident --since 2h
  $ badgateway watch --config /etc/nginx/nginx.conf --listen 127.0.0.1:9145

Exit codes: 0 nothing wrong found, 1 problems found, 2 could not do the job (message on stderr).
Colours: --color=auto|always|never, else FORCE_COLOR (0 off, anything else on), else NO_COLOR, else only on a terminal.
Every command takes --json.`,
    );
  program.exitOverride();
  // The global --color (before or after the command name) is read once, before any command runs.
  program.hook("preAction", () => {
    setColorMode(parseColorMode(String(program.opts()["color"] ?? "auto")));
  });
  registerDiagnose(program);
  registerCollect(program);
  registerExplain(program);
  registerLogs(program);
  registerConfig(program);
  registerLint(program);
  registerProbe(program);
  registerAccess(program);
  registerWatch(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end up here with exitCode 0.
      return err.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
    }
    if (err instanceof UserError) {
      process.stderr.write(`badgateway: ${err.message}\n`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (process.env["BADGATEWAY_DEBUG"]) process.stderr.write(`${e?.stack ?? String(err)}\n`);
    process.stderr.write(
      `badgateway: internal error: ${e?.message ?? String(err)} (set BADGATEWAY_DEBUG=1 for details)\n`,
    );
    return EXIT.ERROR;
  }
}

/** main() has returned (or failed): until then the process must not end with a success code. */
let settled = false;

/** A failed write to stdout: a closed pipe (`| head`) ends the command quietly, anything else is an error. */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === "EPIPE") {
    settled = true;
    process.exit(EXIT.OK);
  }
  settled = true;
  process.stderr.write(
    `badgateway: cannot write the output: ${err.code === "ENOSPC" ? "no space left on the device (ENOSPC)" : err.message}\n`,
  );
  process.exit(EXIT.ERROR);
}
process.stdout.on("error", onStdoutError);

// The event loop can drain while main() still waits (a stream that never ends, a promise nobody resolves):
// Node would then exit 0, the worst answer an incident tool can give. Exit 2 and say so instead.
process.on("beforeExit", () => {
  if (settled) return;
  settled = true;
  process.stderr.write("badgateway: internal error: the command ended without finishing\n");
  process.exit(EXIT.ERROR);
});

// An error thrown outside main()'s promise chain (an event handler, a stray rejection) is still one line on
// stderr and exit 2, never Node's stack trace and exit 1.
const crash = (err: unknown) => {
  settled = true;
  const e = err as Error;
  if (process.env["BADGATEWAY_DEBUG"]) process.stderr.write(`${e?.stack ?? String(err)}\n`);
  process.stderr.write(
    `badgateway: internal error: ${e?.message ?? String(err)} (set BADGATEWAY_DEBUG=1 for details)\n`,
  );
  process.exit(EXIT.ERROR);
};
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

main(process.argv).then((code) => {
  settled = true;
  process.exitCode = code;
});
