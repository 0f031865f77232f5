/**
 * What a log line looks like, for telling an operator that a file given as one kind of log is another kind
 * (an access log passed as the error log, an error log read through a log_format). Pure; every regex is
 * anchored and free of nested quantifiers, so each test is linear in the line length.
 */
import { parseErrorLine } from "./errorlog/grammar.js";

/** `1.2.3.4 - user [24/Nov/2026:10:07:33 +0000] "GET / HTTP/1.1" 502 157 "ref" "agent"` and its common prefix. */
const COMBINED_LINE =
  /^\S+ \S+ \S+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "[^"]*" \d{3} (?:\d+|-)(?: "[^"]*" "[^"]*")?/;
/** A client address at the start: IPv4, IPv6 or a name, as $remote_addr writes it. */
const ADDRESS_START = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]+|[\w.-]+)[ ,]/;
const TIME_LOCAL = /\[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\]/;
const TIME_ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;
const REQUEST = /"[A-Z]{3,10} \S+ HTTP\/\d(?:\.\d)?"|"-"/;
const STATUS = /[" ]\d{3}[ ,"]|"status":\s*"?\d{3}/;
/** `2026/11/24 10:07:33 [error] 811#811: ` — the head of every line nginx writes to an error log. */
const ERROR_HEAD =
  /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[(?:debug|info|notice|warn|error|crit|alert|emerg)\] /;
/** Messages only nginx writes, for lines whose head was cut or rewritten by a log shipper. */
const NGINX_MESSAGES = [
  "while connecting to upstream",
  "while reading response header from upstream",
  "while reading upstream",
  "while sending request to upstream",
  "while SSL handshaking to upstream",
  "no live upstreams",
  "upstream timed out",
  "upstream prematurely closed",
  "upstream sent",
  "could not be resolved",
  "worker_connections are not enough",
];

/**
 * Continuation lines of a message nginx wrote over several lines: FastCGI stderr is logged as sent, so a PHP
 * error brings its stack trace ("#0 /app/x.php(12): f()", "Stack trace:", "  thrown in …", "PHP message: …").
 */
const CONTINUATION = /^(?:#\d+ |Stack trace:|PHP |\s+thrown in |\s+at |\s*\{main\}|Next )/;

export type LineKind = "combined" | "access" | "error" | "other";

/** What one line looks like. The tests are ordered from the most to the least specific. */
export function lineKind(line: string): LineKind {
  if (line.length > 65536) line = line.slice(0, 65536);
  if (COMBINED_LINE.test(line)) return "combined";
  if (ERROR_HEAD.test(line)) return "error";
  if (
    (ADDRESS_START.test(line) || line.startsWith("{")) &&
    (TIME_LOCAL.test(line) || TIME_ISO.test(line)) &&
    REQUEST.test(line) &&
    STATUS.test(line)
  )
    return "access";
  if (
    CONTINUATION.test(line) ||
    NGINX_MESSAGES.some((m) => line.includes(m)) ||
    parseErrorLine(line) !== null
  )
    return "error";
  return "other";
}

/**
 * What most of some sample lines look like, worded for a message ("an access log (combined format)",
 * "an nginx error log"), or null when no kind has a majority.
 */
export function describeLines(samples: string[]): { kind: LineKind; words: string } | null {
  const counts: Record<LineKind, number> = { combined: 0, access: 0, error: 0, other: 0 };
  let n = 0;
  for (const s of samples) {
    if (s.trim() === "") continue;
    counts[lineKind(s)]++;
    n++;
  }
  if (n === 0) return null;
  if (counts.combined * 2 > n) return { kind: "combined", words: "an access log (combined format)" };
  if ((counts.combined + counts.access) * 2 > n) return { kind: "access", words: "an access log" };
  if (counts.error * 2 > n) return { kind: "error", words: "an nginx error log" };
  return null;
}
