import type { Command } from "commander";
import { explainLine, type LineExplanation } from "../../nginx/errorlog/explain.js";
import { safeText } from "../../report/terminal.js";
import { colors } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { writeStdoutSync } from "../stdout-sync.js";
import { summaryOf } from "./index.js";

function render(e: LineExplanation, c: ReturnType<typeof colors>): string {
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

export function registerExplain(program: Command): void {
  program
    .command("explain <line>")
    .description(summaryOf("explain"))
    .option("--json", "print one JSON object per input line (JSON Lines)")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway explain '2026/11/24 10:07:33 [error] 811#811: *4127 connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.com"'
  $ tail -n 50 /var/log/nginx/error.log | badgateway explain - --json | jq -r .class

Exit codes: 0 no upstream failure among the lines, 1 at least one upstream failure, 2 no line could be read.`,
    )
    .action(async (arg: string, opts: { json?: boolean }) => {
      const c = colors();
      let seen = 0;
      let parsed = 0;
      let failures = 0;
      const explain = (input: string) => {
        if (input.trim() === "") return;
        const e = explainLine(input.length > MAX_LINE_CHARS ? input.slice(0, MAX_LINE_CHARS) : input);
        if (e.parsed) parsed++;
        if (e.failure) failures++;
        // Straight to fd 1: process.stdout would cost more start-up than the rest of explaining a line.
        writeStdoutSync(opts.json ? `${JSON.stringify(e)}\n` : `${seen > 0 ? "\n" : ""}${render(e, c)}`);
        seen++;
      };
      if (arg !== "-") explain(arg);
      else {
        // Streamed: each answer is printed as soon as its line has arrived, memory does not grow with input.
        const lost: string[] = [];
        // Loaded here: explaining one line given as an argument never reads input (start-up time).
        const { lineBlocks, losesInput } = await import("../../evidence/input.js");
        for await (const block of lineBlocks("-", {
          maxLineBytes: MAX_LINE_CHARS,
          chunkBytes: 64 << 10,
          onWarning: (w) => {
            if (losesInput(w)) lost.push(w.message);
          },
        })) {
          let i = 0;
          while (i < block.length) {
            let j = block.indexOf(0x0a, i);
            if (j < 0) j = block.length;
            const k = j > i && block[j - 1] === 0x0d ? j - 1 : j;
            explain(block.toString("utf8", i, k));
            i = j + 1;
          }
        }
        for (const m of lost) process.stderr.write(`badgateway: ${safeText(m)}\n`);
        if (lost.length) {
          process.exitCode = EXIT.ERROR;
          return;
        }
      }
      if (seen === 0) throw new UserError("no lines to explain");
      process.exitCode = parsed === 0 ? EXIT.ERROR : failures > 0 ? EXIT.FOUND : EXIT.OK;
    });
}

/** Longest line explained; longer ones are cut (memory stays bounded on hostile input). */
const MAX_LINE_CHARS = 65536;
