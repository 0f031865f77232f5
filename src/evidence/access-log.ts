/**
 * Access-log statistics through the log's own `log_format`: per upstream peer, per host, per location prefix and
 * per minute — request counts, 502/504/other-5xx, which peer of a retry chain failed, and latency percentiles
 * from a bounded-memory quantile sketch. Streaming: memory does not grow with file size (only with the number of
 * distinct peers/hosts/locations/minutes, each capped). The accumulator is in accesslog/ (tables, the line
 * reader, the scanner-core record decoder); reading and the parallel scan are scan/'s.
 */

import { COMBINED_FORMAT, type LogEscape } from "../nginx/logformat.js";
import { describeLines } from "../nginx/looks-like.js";
import { unknownVariables } from "../nginx/variables.js";
import { AccessAccumulator } from "./accesslog/records.js";
import type { AccessFileAccount, AccessOptions, AccessSummary } from "./accesslog/types.js";
import { type InputWarning, orderRotated } from "./input.js";
import { scanFile } from "./scan/scan.js";

export { firstSegment, segmentOfRequest } from "./accesslog/lines.js";
export { AccessAccumulator } from "./accesslog/records.js";
export { LATENCY_BOUNDS } from "./accesslog/tables.js";
export type {
  AccessFileAccount,
  AccessOptions,
  AccessSummary,
  AccumulatorState,
  Counts,
  GroupStats,
  PeerStats,
  Percentiles,
  TimeoutCell,
} from "./accesslog/types.js";

/** Plain files at least this big are split into byte ranges scanned by worker threads (one per core). */
export const PARALLEL_MIN_BYTES = 64 << 20;

/** Resolves "combined" / a raw format string to the text the parser compiles. */
export function resolveFormat(format: string | string[] | undefined): string {
  if (format === undefined) return COMBINED_FORMAT;
  const text = Array.isArray(format) ? format.join("") : format;
  return text === "combined" ? COMBINED_FORMAT : text;
}

/** A format and its escaping, as an access log is read with it. */
export interface FormatChoice {
  format: string | string[];
  escape?: LogEscape;
  /** The log_format name, for messages. */
  name?: string;
}

/**
 * Reads the given files (plain, .gz, "-" for stdin; rotated sets in age order) and summarizes them. Each file
 * is read with the format `formatFor` picks for it (default: `format`); a format naming a variable nginx does
 * not know is refused (warning "bad-format", its files are not read). Files whose lines mostly do not match
 * their format get a "no-match" warning naming what they look like; below 95 % matched, "low-match".
 */
export async function summarizeAccessLogs(
  files: string[],
  opts: AccessOptions & {
    formatFor?: (file: string) => FormatChoice | undefined;
    /** Variables the configuration defines (map, set, geo…): not unknown in a format. */
    definedVariables?: ReadonlySet<string>;
  } = {},
): Promise<AccessSummary> {
  const ordered = files.includes("-") ? files : orderRotated(files);
  const base: FormatChoice = {
    format: opts.format ?? "combined",
    escape: opts.escape ?? "default",
    ...(typeof opts.format === "string" && !opts.format.includes("$") ? { name: opts.format } : {}),
  };
  const warnings: InputWarning[] = [];
  const warn = (w: InputWarning) => {
    warnings.push(w);
    opts.onWarning?.(w);
  };
  const accs = new Map<string, AccessAccumulator>();
  /** Formats refused, with the reason (every file written with one is reported). */
  const refused = new Map<string, string>();
  const choiceOf = (f: string) => opts.formatFor?.(f) ?? base;
  const accOf = (c: FormatChoice, file: string): AccessAccumulator | null => {
    const text = resolveFormat(c.format);
    const esc = c.escape ?? "default";
    const key = `${esc}\u0000${text}`;
    const why = refused.get(key);
    const refuse = (reason: string) => {
      warn({
        source: file,
        code: "bad-format",
        message: `${file === "-" ? "(stdin)" : file}: not read: ${reason}`,
      });
      return null;
    };
    if (why !== undefined) return refuse(why);
    let acc = accs.get(key);
    if (!acc) {
      const unknown = unknownVariables(text, opts.definedVariables);
      if (unknown.length) {
        const reason = badFormatMessage(c, unknown);
        refused.set(key, reason);
        return refuse(reason);
      }
      acc = new AccessAccumulator(text, esc, opts);
      accs.set(key, acc);
    }
    return acc;
  };
  const perFile: AccessFileAccount[] = [];
  for (const f of ordered) {
    const choice = choiceOf(f);
    const acc = accOf(choice, f);
    if (!acc) continue;
    const name = f === "-" ? "(stdin)" : f;
    const before = { lines: acc.lines, unmatched: acc.unmatched };
    acc.fileSamples = [];
    await scanFile(f, name, acc, {
      job: {
        kind: "access",
        options: {
          format: acc.formatText,
          escape: acc.escapeMode,
          since: opts.since,
          until: opts.until,
          maxKeys: opts.maxKeys,
          ...(opts.controllerLog ? { controllerLog: true } : {}),
          ...(opts.ingress !== undefined ? { ingress: opts.ingress } : {}),
        },
      },
      // A custom locationOf is a function, which a worker cannot be given.
      parallelMinBytes: opts.locationOf
        ? Number.POSITIVE_INFINITY
        : (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES),
      // The accumulator copies what it keeps of a block (into the core's memory, or as strings): one buffer,
      // read into again and again, saves a fresh one (and its page faults) per read.
      read: { reuseBuffer: true },
      rangeRead: { chunkBytes: 256 << 10, reuseBuffer: true },
      onWarning: warn,
    });
    const account: AccessFileAccount = {
      file: name,
      lines: acc.lines - before.lines,
      understood: acc.lines - before.lines - (acc.unmatched - before.unmatched),
      skipped: acc.unmatched - before.unmatched,
      format: acc.formatText,
      escape: acc.escapeMode,
    };
    perFile.push(account);
    const w = matchWarning(account, acc.fileSamples, choice);
    if (w) warn(w);
  }
  const [main, ...others] = [...accs.values()];
  const acc = main ?? new AccessAccumulator(resolveFormat(base.format), base.escape ?? "default", opts);
  for (const o of others) acc.mergeFrom(o);
  return acc.result(ordered, warnings, perFile);
}

function formatName(c: FormatChoice): string {
  return c.name ? `log_format ${c.name}` : "the log format";
}

/** "log_format main: unknown variable "$upstream_adr" (nginx refuses it: unknown "upstream_adr" variable)". */
export function badFormatMessage(c: FormatChoice, unknown: string[]): string {
  const first = unknown[0] as string;
  const more =
    unknown.length > 1
      ? ` (also ${unknown
          .slice(1)
          .map((v) => `$${v}`)
          .join(", ")})`
      : "";
  return `${formatName(c)} uses the unknown variable $${first}${more}; nginx refuses such a format (unknown "${first}" variable)`;
}

/**
 * The warning for an access log read through a format most of its lines do not match ("no-match": the file
 * is not understood, commands exit 2) or a few of them ("low-match", below 95 % matched).
 */
export function matchWarning(a: AccessFileAccount, samples: string[], c: FormatChoice): InputWarning | null {
  const tried = a.understood + a.skipped;
  if (a.skipped === 0 || tried === 0) return null;
  const rate = a.understood / tried;
  if (rate >= 0.95) return null;
  const pctText = `${a.skipped} of ${tried} line(s) do not match ${formatName(c)}`;
  if (rate >= 0.5)
    return {
      source: a.file,
      code: "low-match",
      message: `${a.file}: ${pctText} (${(100 * rate).toFixed(1)} % matched; e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))})`,
    };
  const looks = describeLines(samples);
  let what: string;
  if (looks?.kind === "error")
    what = "this looks like an nginx error log, not an access log; give it as the error log";
  else if (looks?.kind === "combined" && resolveFormat(c.format) !== COMBINED_FORMAT)
    what = "this looks like an access log (combined format): read it with --log-format combined";
  else if (looks) what = `this looks like ${looks.words} written with another log_format`;
  else what = `e.g. ${JSON.stringify((samples[0] ?? "").slice(0, 120))}`;
  return { source: a.file, code: "no-match", message: `${a.file}: ${pctText}; ${what}` };
}
