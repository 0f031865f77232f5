import type { Command } from "commander";
import { ExplainOutput, MAX_EXPLAIN_CHARS } from "../../report/explain.js";
import { safeText } from "../../report/terminal.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { writeStdoutSync } from "../stdout-sync.js";
import { summaryOf } from "./index.js";

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
      const out = new ExplainOutput(opts.json === true, stdoutColor());
      // Straight to fd 1: process.stdout would cost more start-up than the rest of explaining a line.
      const explain = (input: string) => {
        const text = out.add(input);
        if (text) writeStdoutSync(text);
      };
      if (arg !== "-") explain(arg);
      else {
        // Streamed: each answer is printed as soon as its line has arrived, memory does not grow with input.
        const lost: string[] = [];
        // Loaded here: explaining one line given as an argument never reads input (start-up time).
        const { lineBlocks, losesInput } = await import("../../evidence/input.js");
        for await (const block of lineBlocks("-", {
          maxLineBytes: MAX_EXPLAIN_CHARS,
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
      const code = out.exitCode();
      if (code === null) throw new UserError("no lines to explain");
      process.exitCode = code;
    });
}
