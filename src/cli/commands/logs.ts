import type { Command } from "commander";
import pc from "picocolors";
import { type ErrorLogSummary, summarizeErrorLogs } from "../../evidence/error-log.js";
import { inputBytes, losesInput } from "../../evidence/input.js";
import { CLASS_INFO } from "../../nginx/errorlog/catalogue.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { safeText } from "../../report/terminal.js";
import { failureLine } from "../../report/watch.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { followFiles } from "../follow.js";
import { writeJsonOut } from "../json-out.js";
import { parseWhen } from "../options.js";
import { withProgress } from "../progress.js";
import { preferSmallHeap } from "../small-heap.js";
import { summaryOf } from "./index.js";

const BARS = "▁▂▃▄▅▆▇█";

/** One character per minute bucket, scaled to the busiest bucket. */
export function histogram(byMinute: Record<string, number>, width = 60): string {
  const keys = Object.keys(byMinute);
  if (keys.length === 0) return "";
  const first = Date.parse(`${keys[0]}:00Z`);
  const last = Date.parse(`${keys[keys.length - 1]}:00Z`);
  const minutes = Math.round((last - first) / 60000) + 1;
  const per = Math.max(1, Math.ceil(minutes / width));
  const buckets = new Array<number>(Math.ceil(minutes / per)).fill(0);
  for (const [k, v] of Object.entries(byMinute)) {
    const i = Math.floor(Math.round((Date.parse(`${k}:00Z`) - first) / 60000) / per);
    buckets[i] = (buckets[i] ?? 0) + v;
  }
  const max = Math.max(...buckets);
  const bars = buckets
    .map((v) => (v === 0 ? " " : BARS[Math.min(7, Math.floor((v / max) * 7.999))]))
    .join("");
  return `${keys[0]} ${bars} ${keys[keys.length - 1]}  (${per} min per column, max ${max})`;
}

function render(s: ErrorLogSummary, top: number, color: boolean): string {
  const c = pc.createColors(color);
  const o: string[] = [];
  o.push(
    c.bold(`${s.upstreamErrors} upstream failures`) +
      ` in ${s.lines} lines${s.first ? ` from ${s.first} to ${s.last}` : ""}${s.outOfWindow ? c.dim(` (${s.outOfWindow} outside the window)`) : ""}`,
  );
  const classes = Object.entries(s.byClass).filter(([k]) => k !== "not-upstream");
  if (classes.length) {
    o.push("", c.bold("By class"));
    for (const [k, v] of classes) {
      const info = CLASS_INFO[k as ErrorClass];
      o.push(`  ${String(v).padStart(8)}  ${k.padEnd(24)} ${c.dim(info?.title ?? "")}`);
    }
  }
  const notes = Object.entries(s.notes);
  if (notes.length)
    o.push(
      c.dim(
        `  also ${notes.map(([k, v]) => `${v} × ${k === "peer-disabled" ? "upstream server temporarily disabled" : k}`).join(", ")} (not failures by themselves)`,
      ),
    );
  if (s.byPeer.length) {
    o.push("", c.bold("By peer"));
    for (const p of s.byPeer.slice(0, top)) {
      const parts = Object.entries(p.byClass)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
      o.push(
        `  ${String(p.total).padStart(8)}  ${safeText(p.peer).padEnd(32)} ${c.dim(`${parts}${p.first ? `  ${p.first} → ${p.last}` : ""}`)}`,
      );
    }
  }
  const servers = Object.entries(s.byHost).length ? s.byHost : s.byServer;
  if (Object.keys(servers).length) {
    o.push("", c.bold("By host/server"));
    for (const [k, v] of Object.entries(servers).slice(0, top))
      o.push(`  ${String(v).padStart(8)}  ${safeText(k)}`);
  }
  const h = histogram(s.byMinute);
  if (h) o.push("", c.bold("Per minute"), `  ${h}`);
  const sampleClasses = Object.keys(s.samples);
  if (sampleClasses.length) {
    o.push("", c.bold("Samples"));
    for (const k of sampleClasses.slice(0, top)) {
      const sm = s.samples[k]?.[0];
      if (sm)
        o.push(
          `  ${c.cyan(k)} ${c.dim(`${sm.file}:${sm.line}`)}`,
          `    ${safeText(sm.text.length > 300 ? `${sm.text.slice(0, 300)}…` : sm.text)}`,
        );
    }
  }
  if (s.unparsed) o.push("", c.yellow(`${s.unparsed} lines were not nginx error-log lines (skipped)`));
  for (const w of s.warnings) o.push(c.yellow(`warning: ${safeText(w.message)}`));
  if (s.upstreamErrors > 0)
    o.push(
      "",
      c.dim("Next: badgateway explain '<a sample line>'  ·  badgateway diagnose --error-log … --config …"),
    );
  return `${o.join("\n")}\n`;
}

export function registerLogs(program: Command): void {
  program
    .command("logs [files...]")
    .description(summaryOf("logs"))
    .option("--since <when>", "only lines after this time (2h, 30m, 1d, or an ISO time; nginx's local time)")
    .option("--until <when>", "only lines before this time")
    .option("--from <when>", "same as --since")
    .option("--to <when>", "same as --until")
    .option("--json", "print the summary as JSON (see docs/json.md)")
    .option("--top <n>", "rows per table in text output", "10")
    .option(
      "--follow",
      "keep reading the files as they grow (across rotation) and print each new upstream failure, until Ctrl-C",
    )
    .option("--poll <duration>", "with --follow: how often the files are checked", "250ms")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway logs /var/log/nginx/error.log
  $ badgateway logs /var/log/nginx/error.log.2.gz /var/log/nginx/error.log.1 /var/log/nginx/error.log --since 2h
  $ journalctl -u nginx -o cat | badgateway logs - --json | jq .byClass
  $ badgateway logs --follow /var/log/nginx/error.log --json      # one JSON object per new failure

Rotated sets are read oldest first whatever the order given. Exit codes: 0 no upstream failures,
1 upstream failures found, 2 an input could not be read (everything readable is still summarised).
With --follow, a missing file is waited for and one that can never be followed is dropped, both said on
stderr; exit 2 when a file was dropped or never appeared (docs/watch.md).`,
    )
    .action(
      async (
        files: string[],
        opts: {
          since?: string;
          until?: string;
          from?: string;
          to?: string;
          json?: boolean;
          top: string;
          follow?: boolean;
          poll: string;
        },
      ) => {
        preferSmallHeap();
        if (opts.follow) {
          await follow(files, opts);
          return;
        }
        const inputs = files.length ? files : ["-"];
        if (inputs.includes("-") && process.stdin.isTTY)
          throw new UserError(
            "no files given and stdin is a terminal: pass error log paths, or pipe lines into `badgateway logs -`",
          );
        const since = (opts.since ?? opts.from) ? parseWhen((opts.since ?? opts.from) as string) : undefined;
        const until = (opts.until ?? opts.to) ? parseWhen((opts.until ?? opts.to) as string) : undefined;
        const s = await withProgress({ total: inputBytes(inputs) }, () =>
          summarizeErrorLogs(inputs, {
            ...(since !== undefined ? { since } : {}),
            ...(until !== undefined ? { until } : {}),
          }),
        );
        if (!opts.json)
          for (const w of s.warnings) process.stderr.write(`badgateway: ${safeText(w.message)}\n`);
        if (opts.json) {
          const { groups: _groups, ...rest } = s;
          writeJsonOut(rest);
        } else {
          const top = Math.max(1, Number.parseInt(opts.top, 10) || 10);
          process.stdout.write(render(s, top, stdoutColor()));
        }
        const lost = s.warnings.some(losesInput);
        process.exitCode = lost ? EXIT.ERROR : s.upstreamErrors > 0 ? EXIT.FOUND : EXIT.OK;
      },
    );
}

/** `logs --follow`: one line (or JSON object) per new upstream failure, until SIGINT/SIGTERM. */
function follow(files: string[], opts: { since?: string; from?: string; json?: boolean; poll: string }) {
  const color = stdoutColor();
  return followFiles({
    files,
    kind: "error",
    poll: opts.poll,
    since: opts.since ?? opts.from,
    sources: { errorLogs: files, accessLogs: [] },
    printers: (print) => ({
      onFailure: (e) => print(opts.json ? `${JSON.stringify(e)}\n` : failureLine(e, color)),
    }),
  });
}
