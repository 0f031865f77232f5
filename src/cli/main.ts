/**
 * The program's entry point (dist/cli.js), which the bin (dist/cli.cjs, src/cli/bin.ts) imports for every
 * command it does not answer itself; `node dist/cli.js` runs every command through it. Kept small: it installs
 * the guards that keep every run to one line on stderr and an exit code, answers `--version` itself, and loads
 * the program (commander and the command that runs) only when there is more to do — start-up time is most of
 * what `--version`, `--help` and `explain` cost.
 */
import { createRequire } from "node:module";

// node:fs through require: an ESM import of node:fs makes Node read every export of the module for its ESM
// wrapper, and the ReadStream getter among them loads the stream modules (4 ms of every start-up).
const { writeSync } = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");

// EXIT.OK and EXIT.ERROR of ./exit.js, written out: this file imports nothing of the bundle statically (only Node's own modules), so even a
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
// The listener goes onto process.stdout when something first asks for it, not here: Node builds the stream on
// that first access, and for a pipe that loads its stream and socket modules (about 10 ms, more than the rest of
// `explain`), which the commands that write with writeStdoutSync (--version, --help, explain, config parse)
// never need. Node's own getter keeps the stream it made, so putting it back returns the same object.
const nodeStdout = Object.getOwnPropertyDescriptor(process, "stdout");
if (nodeStdout?.get && nodeStdout.configurable) {
  const getStdout = nodeStdout.get;
  Object.defineProperty(process, "stdout", {
    configurable: true,
    enumerable: nodeStdout.enumerable ?? true,
    get() {
      const stream = getStdout.call(process) as NodeJS.WriteStream;
      Object.defineProperty(process, "stdout", nodeStdout);
      stream.on("error", onStdoutError);
      return stream;
    },
  });
} else process.stdout.on("error", onStdoutError);

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
  // Straight to fd 1 (see above); ./stdout-sync.js does the same for longer texts, but it is a chunk of the bundle.
  const text = Buffer.from(`${__BADGATEWAY_VERSION__}\n`);
  for (let off = 0; off < text.length; ) {
    try {
      off += writeSync(1, text, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") onStdoutError(err as NodeJS.ErrnoException);
    }
  }
} else {
  // The command that runs is fetched side by side with the program: its chunks are read while commander is
  // loaded (the program's own load of it then finds it done). A failure here shows again, and is reported, there.
  import("./commands/index.js")
    .then(({ COMMANDS, commandWord }) => {
      const word = commandWord(args);
      return COMMANDS.find((c) => c.name === word)?.load();
    })
    .catch(() => undefined);
  import("./program.js")
    .then(({ main }) => main(process.argv))
    .then((code) => {
      settled = true;
      process.exitCode = code;
    }, crash);
}
