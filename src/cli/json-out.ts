/**
 * `--json` output of the summarising commands: JSON.stringify(value, null, 2) plus a newline, written to fd 1 in
 * pieces of about 256 KB. Building the whole text first and handing it to process.stdout held it twice more at
 * the end of a run (the string, its flattened copy and its UTF-8 buffer: +60 MB peak on a 10 MB summary).
 */
import { jsonPieces } from "../report/json-pieces.js";
import { writeStdoutSync } from "./stdout-sync.js";

const FLUSH_CHARS = 256 << 10;

export function writeJsonOut(value: unknown): void {
  let buf = "";
  for (const p of jsonPieces(value)) {
    buf += p;
    if (buf.length >= FLUSH_CHARS) {
      writeStdoutSync(buf);
      buf = "";
    }
  }
  writeStdoutSync(`${buf}\n`);
}
