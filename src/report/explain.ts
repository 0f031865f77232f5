/**
 * What `badgateway explain` prints for its lines, and the exit code they add up to. Pure (returns strings): both
 * CLI entries use it, the commander command (src/cli/commands/explain.ts) and the quick path of the bin
 * (src/cli/bin.ts), so the two print the same bytes.
 */
import pc from "picocolors";
import { explainLine, type LineExplanation } from "../nginx/errorlog/explain.js";
import { safeText } from "./terminal.js";

/** Longest line explained; longer ones are cut (memory stays bounded on hostile input). */
export const MAX_EXPLAIN_CHARS = 65536;

/** One explanation as text: the answer first, then what the line shows, the status, causes, checks and fix. */
export function renderExplanation(e: LineExplanation, color: boolean): string {
  const c = pc.createColors(color);
  if (!e.parsed) return `${c.yellow("?")} not an nginx error-log line: ${safeText(e.input.slice(0, 120))}\n`;
  const o: string[] = [];
  const status = e.status
    ? `clients got ${e.status}`
    : e.afterHeaders
      ? "clients got the upstream's status, cut short"
      : "no client status from this line";
  o.push(`${c.bold(e.title)} ${c.dim(`[${e.class}]`)}`);
  o.push(`  ${e.meaning}`);
  const facts = [
    e.upstream ? `upstream ${safeText(e.upstream)}` : null,
    e.errno ? `errno ${e.errno.number}${e.errno.symbol ? ` ${e.errno.symbol}` : ""} (${e.errno.text})` : null,
    e.phase !== "other" ? `phase ${e.phase}` : null,
    e.level ? `level ${e.level}` : null,
    e.time ? `at ${e.time}` : null,
  ].filter(Boolean);
  if (facts.length) o.push(`  ${c.dim(facts.join(" · "))}`);
  if (e.confidence && e.confidence !== "high") {
    const unseen = e.missing.length ? `; the line does not show: ${e.missing.join(", ")}` : "";
    const hidden = e.redacted.length ? `; redacted: ${e.redacted.join(", ")}` : "";
    o.push(`  ${c.bold("confidence")}: ${e.confidence}${unseen}${hidden}`);
  }
  o.push(
    `  ${c.bold(e.status === 504 ? c.yellow("504") : e.status ? c.red(String(e.status)) : "status")}: ${status} — ${e.statusWhy}`,
  );
  if (e.nextUpstream !== null)
    o.push(
      `  ${c.bold("next peer")}: ${e.nextUpstream ? "yes, with the default proxy_next_upstream (error timeout)" : "no, not with the default proxy_next_upstream"}`,
    );
  if (e.causes.length) o.push(`  ${c.bold("likely causes")}: ${e.causes.join(", ")}`);
  if (e.checks.length) {
    o.push(`  ${c.bold("check next")}:`);
    for (const k of e.checks) o.push(`    $ ${k}`);
  }
  o.push(`  ${c.bold("fix")}: ${e.fix}`);
  if (e.since) o.push(`  ${c.dim(`(this message exists since nginx ${e.since})`)}`);
  return `${o.join("\n")}\n`;
}

/**
 * The output of one `explain` run, line by line: text (explanations separated by a blank line) or JSON Lines.
 * Blank input lines are skipped and not counted.
 */
export class ExplainOutput {
  private seen = 0;
  private parsed = 0;
  private failures = 0;

  constructor(
    private readonly json: boolean,
    private readonly color: boolean,
  ) {}

  /** What to print for one input line ("" for a blank line). */
  add(input: string): string {
    if (input.trim() === "") return "";
    const e = explainLine(input.length > MAX_EXPLAIN_CHARS ? input.slice(0, MAX_EXPLAIN_CHARS) : input);
    if (e.parsed) this.parsed++;
    if (e.failure) this.failures++;
    const text = this.json
      ? `${JSON.stringify(e)}\n`
      : `${this.seen > 0 ? "\n" : ""}${renderExplanation(e, this.color)}`;
    this.seen++;
    return text;
  }

  /**
   * 0 no upstream failure among the lines, 1 at least one, 2 none of them could be read as an nginx error line;
   * null when there was no line at all.
   */
  exitCode(): 0 | 1 | 2 | null {
    if (this.seen === 0) return null;
    return this.parsed === 0 ? 2 : this.failures > 0 ? 1 : 0;
  }
}
