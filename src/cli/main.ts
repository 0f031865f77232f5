/**
 * The `badgateway` entry point (dist/cli.js). Kept small: it installs the guards that keep every run to one
 * line on stderr and an exit code, answers `--version` itself, and loads the program (commander and the command
 * that runs) only when there is more to do — start-up time is most of what `--version`, `--help` and `explain`
 * cost.
 */

// EXIT.OK and EXIT.ERROR of ./exit.js, written out: this file imports nothing of the bundle statically, so even a
// damaged installation (a missing chunk) ends through the guards below (one line, exit 2), never with Node's stack
// trace for an unresolved static import.
const EXIT = { OK: 0, ERROR: 2 } as const;

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

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  settled = true;
  process.stdout.write(`${__BADGATEWAY_VERSION__}\n`);
} else
  import("./program.js")
    .then(({ main }) => main(process.argv))
    .then((code) => {
      settled = true;
      process.exitCode = code;
    }, crash);
