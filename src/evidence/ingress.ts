/**
 * ingress-nginx access logs read from files: recognising the `upstreaminfo` format from a file's first lines
 * (so `access` and `diagnose --access-log` need no --log-format) and the per-upstream-name accounting the
 * ingress rules read (src/nginx/ingress.ts), streamed through `lines` with bounded memory.
 */
import {
  detectIngressFormat,
  IngressAccessAccumulator,
  type IngressAccessSummary,
  type IngressLogFormat,
} from "../nginx/ingress.js";
import type { LogEscape } from "../nginx/logformat.js";
import { isStdin, lineBlocks, lines } from "./input.js";

/** Lines looked at to recognise a format. */
const SNIFF_LINES = 200;

/** The ingress-nginx format the first lines of a file (plain or .gz; never stdin) were written with, or null. */
export async function sniffIngressFormat(file: string): Promise<IngressLogFormat | null> {
  if (isStdin(file)) return null;
  const head: string[] = [];
  try {
    for await (const l of lines(file, { maxLineBytes: 1 << 20 })) {
      head.push(l);
      if (head.length >= SNIFF_LINES) break;
    }
  } catch {
    return null; // the reader proper reports the problem
  }
  return detectIngressFormat(head);
}

/** The first ingress-nginx format found among the files (each sniffed in turn), or null. */
export async function sniffIngressFormatOf(files: readonly string[]): Promise<IngressLogFormat | null> {
  for (const f of files) {
    const hit = await sniffIngressFormat(f);
    if (hit) return hit;
  }
  return null;
}

/** Per-upstream-name accounting of ingress-nginx access logs read with `format`. */
export async function summarizeIngressAccess(
  files: readonly string[],
  format: IngressLogFormat | string,
  window: { since?: number; until?: number } = {},
  escapeMode: LogEscape = "default",
): Promise<IngressAccessSummary> {
  const acc = new IngressAccessAccumulator(format, escapeMode);
  for (const f of files) {
    if (isStdin(f)) continue;
    const windowed = window.since !== undefined || window.until !== undefined;
    // Whole blocks, split here (as `lines` splits them) rather than one awaited line at a time.
    for await (const block of lineBlocks(f)) {
      let i = 0;
      while (i < block.length) {
        let j = block.indexOf(0x0a, i);
        if (j < 0) j = block.length;
        let k = j;
        if (k > i && block[k - 1] === 0x0d) k--;
        const l = block.toString("utf8", i, k);
        i = j + 1;
        if (windowed) {
          const t = timeOf(l);
          if (
            t !== null &&
            ((window.since !== undefined && t < window.since) ||
              (window.until !== undefined && t >= window.until))
          )
            continue;
        }
        acc.addLine(l);
      }
    }
  }
  return acc.result();
}

const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

/** The `[$time_local]` of a line as epoch ms, or null. */
function timeOf(line: string): number | null {
  const m = /\[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\]/.exec(line);
  if (!m) return null;
  const mon = MONTHS.indexOf(m[2] as string) / 3;
  if (mon < 0 || !Number.isInteger(mon)) return null;
  const off = (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  return Date.UTC(Number(m[3]), mon, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])) - off;
}
