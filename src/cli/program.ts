/**
 * The command-line program: commander set up with the global options, the command that runs loaded from the
 * command table, and main(), which turns every outcome into an exit code. Loaded by src/cli/main.ts.
 */
import { Command, CommanderError, Help } from "commander";
import { parseColorMode, setColorMode, stdoutColor } from "./color.js";
import { COMMANDS, commandWord } from "./commands/index.js";
import { EXIT, UserError } from "./exit.js";
import { stdoutIsTerminal, writeStdoutSync } from "./stdout-sync.js";

/**
 * The program with every command listed, but only the one `argv` runs loaded (its module is imported here);
 * the others are listed from the command table without loading them. `argv` is process.argv-shaped.
 */
export async function buildProgram(argv: readonly string[]): Promise<Command> {
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
  $ sudo badgateway fix --diff

Exit codes: 0 nothing wrong found, 1 problems found, 2 could not do the job (message on stderr).
Colours: --color=auto|always|never, else FORCE_COLOR (0 off, anything else on), else NO_COLOR, else only on a terminal.
Every command takes --json.`,
    );
  program.exitOverride();
  // Help goes straight to fd 1, and the terminal is asked for its width only when there is one (else 80, as
  // commander does): commander's defaults ask process.stdout, which Node builds on first use (for a pipe, about
  // 10 ms of start-up). Commands inherit this from the program.
  program.configureOutput({
    writeOut: writeStdoutSync,
    getOutHelpWidth: () => (stdoutIsTerminal() ? process.stdout.columns : 80),
    getOutHasColors: stdoutColor,
  });
  // The global --color (before or after the command name) is read once, before any command runs.
  program.hook("preAction", () => {
    setColorMode(parseColorMode(String(program.opts()["color"] ?? "auto")));
  });
  const wanted = commandWord(argv.slice(2));
  for (const entry of COMMANDS) {
    if (entry.name === wanted) (await entry.load())(program);
    else program.command(entry.name).description(entry.description);
  }
  // Commands that were not loaded have no options or arguments: list them with the table's term.
  const term = new Map(COMMANDS.map((c) => [c.name, c.term]));
  const plain = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => term.get(cmd.name()) ?? plain.subcommandTerm(cmd) });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
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
