/**
 * Reads nginx error logs (plain, .gz, stdin, rotated sets in time order) and summarises upstream failures
 * per class, peer, server, host and minute, with sample lines. Streaming: memory is bounded by the number of
 * distinct keys (capped) and samples, not by the size of the input. The accumulator is in errorlog/ (tables,
 * the line reader, the scanner-core record decoder); reading and the parallel scan are scan/'s.
 */

import type { ErrorClass } from "../nginx/errorlog/taxonomy.js";
import { describeLines } from "../nginx/looks-like.js";
import { ErrorLogAccumulator } from "./errorlog/records.js";
import type { ErrorLogOptions, ErrorLogSummary } from "./errorlog/tables.js";
import { type FileAccount, type InputWarning, orderRotated } from "./input.js";
import { scanFile } from "./scan/scan.js";
import type { ErrorLogEvidence } from "./types.js";

export { detailOf, isFailure } from "../nginx/errorlog/facts.js";
export { ErrorLogAccumulator } from "./errorlog/records.js";
export type {
  ErrorLogOptions,
  ErrorLogState,
  ErrorLogSummary,
  PeerSummary,
  Sample,
} from "./errorlog/tables.js";
export { isoLocal } from "./errorlog/tables.js";

/** Plain files at least this big are scanned by worker threads over byte ranges. */
export const ERRORLOG_PARALLEL_MIN_BYTES = 32 << 20;

/** Summarises error logs. Unreadable or damaged inputs become warnings; the rest is still read. */
export async function summarizeErrorLogs(
  files: string[],
  opts: ErrorLogOptions = {},
): Promise<ErrorLogSummary> {
  const ordered = orderRotated(files);
  const acc = new ErrorLogAccumulator(opts);
  const warnings: InputWarning[] = [];
  const onWarning = (w: InputWarning) => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  let doneBytes = 0;
  const perFile: FileAccount[] = [];
  for (const file of ordered) {
    const name = file === "-" ? "(stdin)" : file;
    let fileBytes = 0;
    const before = { lines: acc.lines, unparsed: acc.unparsed, blank: acc.blankLines };
    acc.skippedSamples = [];
    await scanFile(file, name, acc, {
      job: {
        kind: "error",
        options: { since: opts.since, until: opts.until, samples: opts.samples, maxKeys: opts.maxKeys },
      },
      parallelMinBytes: opts.parallelMinBytes ?? ERRORLOG_PARALLEL_MIN_BYTES,
      // The accumulator copies each block into the scanner core or decodes it before asking for the next.
      read: { maxLineBytes: 1 << 20, chunkBytes: 1 << 20, reuseBuffer: true },
      rangeRead: { maxLineBytes: 1 << 20, chunkBytes: 1 << 20, reuseBuffer: true },
      resourceLimits: { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 },
      onWarning,
      onProgress: (b) => {
        fileBytes = b;
        opts.onProgress?.(doneBytes + b);
      },
    });
    doneBytes += fileBytes;
    const account: FileAccount = {
      file: name,
      lines: acc.lines - before.lines,
      understood:
        acc.lines - before.lines - (acc.unparsed - before.unparsed) - (acc.blankLines - before.blank),
      skipped: acc.unparsed - before.unparsed,
    };
    perFile.push(account);
    const w = wrongKind(account, acc.skippedSamples);
    if (w) onWarning(w);
  }
  return acc.result(
    ordered.map((f) => (f === "-" ? "(stdin)" : f)),
    warnings,
    perFile,
  );
}

/**
 * A file most of whose lines are not error-log lines is not an error log: the warning names what it looks
 * like instead (null when most lines were understood).
 */
export function wrongKind(a: FileAccount, samples: string[]): InputWarning | null {
  if (a.skipped === 0 || a.skipped < a.understood) return null;
  const looks = describeLines(samples);
  const counted = `${a.skipped} of ${a.understood + a.skipped} line(s) are not nginx error-log lines`;
  if (looks && looks.kind !== "error")
    return {
      source: a.file,
      code: "wrong-kind",
      message: `${a.file}: this looks like ${looks.words}, not an nginx error log (${counted}); give it as an access log`,
    };
  // Continuation lines of multi-line messages (a PHP stack trace sent to FastCGI's stderr) are nginx's output.
  if (looks?.kind === "error" && a.understood > 0) return null;
  return {
    source: a.file,
    code: "unreadable-lines",
    message: `${a.file}: ${counted} (e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))}); is this an nginx error log?`,
  };
}

/** The part of a summary the diagnose rules read. */
export function errorEvidence(s: ErrorLogSummary): ErrorLogEvidence {
  return {
    files: s.files,
    lines: s.lines,
    byClass: s.byClass,
    groups: s.groups,
    reloads: s.reloads,
    failuresByMinute: s.failuresByMinute,
    first: s.first,
    last: s.last,
  };
}

export type { ErrorClass };
