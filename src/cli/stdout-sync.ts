/**
 * Large outputs written straight to file descriptor 1. `process.stdout.write` costs more than the serialisation
 * itself on `config parse` of 10,000 servers (a 10 MB string through the stream machinery: +50 % CPU, +40 MB
 * peak); a synchronous write of each piece does not. The outcome of every failure matches the stream handler
 * in src/cli/main.ts: a closed pipe (`| head`) ends quietly with exit 0, anything else is one line and exit 2;
 * a non-blocking pipe that is full (EAGAIN) is waited on and written again.
 */
import { createRequire } from "node:module";
import { EXIT } from "./exit.js";

// Not `import … from "node:fs"`: for its ESM wrapper Node reads every export of node:fs, and the ReadStream getter
// loads the stream modules (4 ms of the start-up of `--help` and `explain`, which need none of them).
const { fstatSync, writeSync } = createRequire(import.meta.url)("node:fs") as typeof import("node:fs");

const pause = new Int32Array(new SharedArrayBuffer(4));

/** Writes the whole text (or bytes) to stdout before returning. */
export function writeStdoutSync(text: string | Uint8Array, fd = 1): void {
  const buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  let off = 0;
  // A full pipe is usually drained within microseconds by its reader: wait 50 µs, doubling up to 5 ms while it
  // stays full (a fixed 2 ms wait cost 0.24 s on 10 MB through `| cat`).
  let wait = 0.05;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off, buf.length - off);
      wait = 0.05;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === "EAGAIN") {
        Atomics.wait(pause, 0, 0, wait);
        wait = Math.min(5, wait * 2);
        continue;
      }
      if (e.code === "EPIPE") process.exit(EXIT.OK);
      process.stderr.write(
        `badgateway: cannot write the output: ${e.code === "ENOSPC" ? "no space left on the device (ENOSPC)" : e.message}\n`,
      );
      process.exit(EXIT.ERROR);
    }
  }
}

/**
 * Whether stdout is a terminal, without building process.stdout when it plainly is not: a pipe, a socket or a
 * file is never one, and asking Node (`process.stdout.isTTY`) would first load its stream and socket modules for
 * the pipe. Only a character device (a terminal, or /dev/null) is left to Node's own answer.
 */
export function stdoutIsTerminal(): boolean {
  try {
    if (!fstatSync(1).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return process.stdout.isTTY === true;
}
