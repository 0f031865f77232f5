/**
 * `--json` output of the summarising commands: JSON.stringify(value, null, 2) plus a newline, written to fd 1
 * through one reused buffer of 256 KB. Building the whole text first and handing it to process.stdout held it
 * twice more at the end of a run (the string, its flattened copy and its UTF-8 buffer: +60 MB peak on a 10 MB
 * summary); a new buffer per piece left as many copies for the collector.
 */
import { jsonPieces } from "../report/json-pieces.js";
import { writeStdoutSync } from "./stdout-sync.js";

const BUFFER_BYTES = 256 << 10;

/** Writes `value` as JSON to stdout (`fd`: another descriptor, for tests). */
export function writeJsonOut(value: unknown, fd = 1): void {
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let used = 0;
  const flush = () => {
    if (used > 0) writeStdoutSync(buf.subarray(0, used), fd);
    used = 0;
  };
  const put = (p: string) => {
    // At most 3 bytes of UTF-8 per UTF-16 unit: a piece that may not fit goes out after what is buffered.
    if (used + p.length * 3 > BUFFER_BYTES) {
      flush();
      if (p.length * 3 > BUFFER_BYTES) {
        writeStdoutSync(p, fd);
        return;
      }
    }
    used += buf.write(p, used, "utf8");
  };
  for (const p of jsonPieces(value)) put(p);
  put("\n");
  flush();
}
