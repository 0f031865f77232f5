// What the log generators (errorlog.mjs, access.mjs) have in common: the seeded random numbers, the small
// formatting helpers, a clock that formats its time once per second, and the loop that writes about sizeMb MB
// of chunks to a file with its tally beside it (reused when a file of that size is already there).
import { createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export { rng } from "../lib.mjs";

/** Two-digit zero padding for date fields. */
export const pad = (n) => (n < 10 ? `0${n}` : String(n));

/** n random lower-case hex digits. */
export function hex(r, n) {
  let s = "";
  for (let i = 0; i < n; i++) s += "0123456789abcdef"[Math.floor(r() * 16)];
  return s;
}

/**
 * A clock that starts at `start` (epoch ms) and moves by `advance(ms)`; `now()` returns `format(date)` for the
 * current second, computed once per second (formatting a Date per line would dominate a generator).
 */
export function secondClock(start, format) {
  let t = start;
  let lastSec = -1;
  let value;
  return {
    advance(ms) {
      t += ms;
    },
    now() {
      const s = Math.floor(t / 1000);
      if (s !== lastSec) {
        lastSec = s;
        value = format(new Date(s * 1000));
      }
      return value;
    },
  };
}

/**
 * Writes chunks from `chunk()` to path until about sizeMb MB (10^6 bytes) are written, then saves `tally` as
 * PATH.tally.json; returns the tally. When a file of that size and its tally are already there, the saved
 * tally is returned and `start()` is never called. `start()` gives {chunk, tally}.
 */
export async function writeGenerated(path, sizeMb, start) {
  const tallyPath = `${path}.tally.json`;
  if (existsSync(path) && existsSync(tallyPath) && statSync(path).size >= sizeMb * 1e6 * 0.99)
    return JSON.parse(readFileSync(tallyPath, "utf8"));
  const { chunk, tally } = start();
  mkdirSync(dirname(path), { recursive: true });
  const ws = createWriteStream(path);
  let written = 0;
  while (written < sizeMb * 1e6) {
    const buf = chunk();
    written += Buffer.byteLength(buf);
    if (!ws.write(buf)) await new Promise((res) => ws.once("drain", res));
  }
  await new Promise((res, rej) => ws.end((e) => (e ? rej(e) : res())));
  writeFileSync(tallyPath, `${JSON.stringify(tally)}\n`);
  return tally;
}
