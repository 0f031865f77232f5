import { readFileSync } from "node:fs";
import type { Command } from "commander";
import {
  type AccessSummary,
  badFormatMessage,
  resolveFormat,
  summarizeAccessLogs,
} from "../../evidence/access-log.js";
import { sniffIngressFormatOf } from "../../evidence/ingress.js";
import { inputBytes, losesInput } from "../../evidence/input.js";
import { type LogFormatDef, logFormats, resolveLogFormat } from "../../nginx/config/logs.js";
import { modelFromText } from "../../nginx/config/model.js";
import { INGRESS_VARIABLES, type IngressAccessSummary, type IngressLogFormat } from "../../nginx/ingress.js";
import type { LogEscape } from "../../nginx/logformat.js";
import { configVariables, unknownVariables } from "../../nginx/variables.js";
import { safeText } from "../../report/terminal.js";
import { accessLine } from "../../report/watch.js";
import { colors, stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { followFiles } from "../follow.js";
import { writeJsonOut } from "../json-out.js";
import { parseWhen } from "../options.js";
import { withProgress } from "../progress.js";
import { summaryOf } from "./index.js";

type Colors = ReturnType<typeof colors>;

interface AccessCliOptions {
  logFormat?: string;
  defineFormat: string[];
  formatFile?: string;
  escape?: string;
  since?: string;
  until?: string;
  from?: string;
  to?: string;
  timeout?: string;
  json?: boolean;
  follow?: boolean;
  poll: string;
}

/** `log_format` definitions of a configuration text, read through the config model. Includes are not followed. */
export function extractLogFormats(
  text: string,
  file = "-",
): Map<string, { format: string; escape: LogEscape }> {
  const out = new Map<string, { format: string; escape: LogEscape }>();
  for (const [name, def] of logFormats(modelFromText(text, file).model))
    if (def.directive) out.set(name, { format: def.format, escape: def.escape });
  return out;
}

function fmtPct(n: number, d: number): string {
  return d === 0 ? "0%" : `${((100 * n) / d).toFixed(1)}%`;
}

function sec(pc: Colors, x: number | null, limit?: number): string {
  if (x === null) return "-";
  const s = `${x.toFixed(3)}s`;
  return limit !== undefined && x >= limit * 0.9 ? pc.red(s) : s;
}

/** The per-upstream-name table of an ingress-nginx log (worst first). */
export function renderIngress(s: IngressAccessSummary, color = stdoutColor()): string {
  const pc = colors(color);
  const rows = Object.values(s.upstreams).sort(
    (a, b) => b.s502 + b.s503 + b.s504 - (a.s502 + a.s503 + a.s504) || b.requests - a.requests,
  );
  if (rows.length === 0) return "";
  const o = [
    "",
    pc.bold("ingress-nginx upstreams ($proxy_upstream_name = namespace-service-port, worst first)"),
  ];
  for (const u of rows.slice(0, 15)) {
    const bad = u.s502 + u.s503 + u.s504;
    const noTry = Object.entries(u.noTry)
      .filter(([k]) => Number(k) >= 500)
      .map(([k, n]) => `${n}×${k}`)
      .join(" ");
    const line = `  ${safeText(u.name)}  ${u.requests} req  502 ${u.s502}  503 ${u.s503}  504 ${u.s504}  pods ${Object.keys(u.peers).length}${noTry ? `  answered without a pod: ${noTry}` : ""}`;
    o.push(bad ? pc.red(line) : line);
  }
  return `${o.join("\n")}\n`;
}

export function renderAccess(s: AccessSummary, timeout?: number, color = stdoutColor()): string {
  const pc = colors(color);
  const o: string[] = [];
  const t = s.totals;
  o.push(pc.bold(`${t.requests} requests`) + (s.firstTime ? ` from ${s.firstTime} to ${s.lastTime}` : ""));
  o.push(
    `  502: ${t.s502} (${fmtPct(t.s502, t.requests)})  504: ${t.s504} (${fmtPct(t.s504, t.requests)})  other 5xx: ${t.s5xx}`,
  );
  o.push(
    `  request_time p50 ${sec(pc, t.latency.request.p50, timeout)} p95 ${sec(pc, t.latency.request.p95, timeout)} p99 ${sec(pc, t.latency.request.p99, timeout)}${timeout ? ` (timeout ${timeout}s)` : ""}`,
  );
  if (s.unmatched)
    o.push(
      pc.yellow(
        `  ${s.unmatched} line(s) did not match the log format, e.g.: ${safeText(s.unmatchedSamples[0] ?? "")}`,
      ),
    );
  if (s.outOfWindow) o.push(`  ${s.outOfWindow} line(s) outside the time window were skipped`);
  const peers = Object.entries(s.byPeer).sort(
    (a, b) => b[1].s502 + b[1].s504 + b[1].s5xx - (a[1].s502 + a[1].s504 + a[1].s5xx),
  );
  if (!s.fields.upstreamAddr)
    o.push(pc.dim("  (the log format has no $upstream_addr: no per-peer statistics)"));
  else if (peers.length) {
    o.push("", pc.bold("Upstream peers (worst first)"));
    for (const [name, p] of peers.slice(0, 15)) {
      const bad = p.s502 + p.s504 + p.s5xx;
      const line = `  ${safeText(name)}  tries ${p.requests}  502 ${p.s502}  504 ${p.s504}  5xx ${p.s5xx}  failed-then-retried ${p.failedInChain}  response p50 ${sec(pc, p.latency.response.p50, timeout)} p95 ${sec(pc, p.latency.response.p95, timeout)} p99 ${sec(pc, p.latency.response.p99, timeout)}`;
      o.push(bad || p.failedInChain ? pc.red(line) : line);
    }
  }
  const locs = Object.entries(s.byLocation).filter(([, g]) => g.s502 + g.s504 + g.s5xx > 0);
  if (locs.length) {
    o.push("", pc.bold("Locations with 5xx"));
    for (const [k, g] of locs.slice(0, 15))
      o.push(
        `  ${safeText(k)}  ${g.requests} req  502 ${g.s502}  504 ${g.s504}  5xx ${g.s5xx}  p99 ${sec(pc, g.latency.request.p99, timeout)}`,
      );
  }
  for (const w of s.warnings) o.push(pc.yellow(`warning: ${safeText(w.message)}`));
  return `${o.join("\n")}\n`;
}

export function registerAccess(program: Command): void {
  program
    .command("access")
    .description(summaryOf("access"))
    .argument("[files...]", "access logs (plain, .gz, rotated sets; - for stdin)", ["-"])
    .option(
      "--log-format <format>",
      "'combined', a format string, or a NAME from --define-format/--format-file",
    )
    .option(
      "--define-format <name=format>",
      "define a named format (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      "--format-file <file>",
      "read log_format directives from an nginx config snippet (simple extraction, no includes)",
    )
    .option("--escape <mode>", "escape= of the format: default, json or none")
    .option("--since <when>", "only lines at or after this time (2h, 30m, ISO time)")
    .option("--until <when>", "only lines before this time")
    .option("--from <when>", "same as --since")
    .option("--to <when>", "same as --until")
    .option("--timeout <seconds>", "highlight latencies near this timeout (e.g. your proxy_read_timeout)")
    .option("--json", "print the summary as JSON (see docs/json.md#access)")
    .option(
      "--follow",
      "keep reading the files as they grow (across rotation) and print each new 5xx response, until Ctrl-C",
    )
    .option("--poll <duration>", "with --follow: how often the files are checked", "250ms")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway access /var/log/nginx/access.log /var/log/nginx/access.log.1 /var/log/nginx/access.log.2.gz
  $ badgateway access --format-file /etc/nginx/nginx.conf --log-format upstream_timing access.log --since 2h
  $ badgateway access --log-format '$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_status $request_time' access.log --json
  $ zcat access.log.*.gz | badgateway access - --timeout 60
  $ badgateway access --follow --log-format main --format-file /etc/nginx/nginx.conf /var/log/nginx/access.log
  $ kubectl logs -n ingress-nginx deploy/ingress-nginx-controller > ctrl.log && badgateway access ctrl.log
                                   # ingress-nginx upstreaminfo: recognised, with a per-Service table

Exit codes: 0 no upstream 502/504 found, 1 502/504 found, 2 could not read the input or the format, or
most lines of a file do not match its format (below 95 % matched is a warning).
With --follow, a missing file is waited for and one that can never be followed is dropped, both said on
stderr; exit 2 when a file was dropped or never appeared (docs/watch.md).`,
    )
    .action(async (files: string[], o: AccessCliOptions) => {
      const named = new Map<string, { format: string; escape: LogEscape }>();
      let defined: ReadonlySet<string> = new Set();
      if (o.formatFile) {
        let text: string;
        try {
          text = readFileSync(o.formatFile, "utf8");
        } catch (e) {
          throw new UserError(`cannot read ${o.formatFile}: ${(e as Error).message}`);
        }
        for (const [k, v] of extractLogFormats(text)) named.set(k, v);
        defined = configVariables(modelFromText(text, o.formatFile).model);
      }
      for (const d of o.defineFormat) {
        const eq = d.indexOf("=");
        if (eq <= 0) throw new UserError(`--define-format needs NAME=FORMAT, got '${d}'`);
        named.set(d.slice(0, eq), { format: d.slice(eq + 1), escape: "default" });
      }
      let def: LogFormatDef;
      try {
        def = resolveLogFormat(o.logFormat ?? "combined", null, named);
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      // Without --log-format, an ingress-nginx log is recognised from its first lines.
      let ingress: IngressLogFormat | string | null = null;
      if (o.logFormat === undefined) {
        const detected = await sniffIngressFormatOf(files);
        if (detected) {
          ingress = detected;
          def = { name: "upstreaminfo", format: detected.format, escape: "default", directive: null };
          defined = new Set([...defined, ...INGRESS_VARIABLES]);
          process.stderr.write(
            `badgateway: reading the log as ingress-nginx's upstreaminfo format (controller ${detected.versions}); give --log-format to override\n`,
          );
        }
      }
      const format = def.format;
      // An ingress-nginx format given explicitly: its own variables are known, and it gets the per-upstream table.
      if (!ingress && format.includes("$proxy_upstream_name")) {
        defined = new Set([...defined, ...INGRESS_VARIABLES]);
        if (format.includes("$upstream_addr")) ingress = format;
      }
      let mode: LogEscape = def.escape;
      if (o.escape) {
        if (!["default", "json", "none"].includes(o.escape))
          throw new UserError(`--escape must be default, json or none, got '${o.escape}'`);
        mode = o.escape as LogEscape;
      }
      const timeout = o.timeout !== undefined ? Number(o.timeout) : undefined;
      if (timeout !== undefined && !(timeout > 0))
        throw new UserError(`--timeout must be a number of seconds, got '${o.timeout}'`);
      const unknown = unknownVariables(resolveFormat(format), defined);
      if (unknown.length)
        throw new UserError(
          badFormatMessage(
            { format, ...(o.logFormat && !o.logFormat.includes("$") ? { name: o.logFormat } : {}) },
            unknown,
          ),
        );
      if (o.follow) {
        const color = stdoutColor();
        await followFiles({
          files,
          kind: "access",
          poll: o.poll,
          since: o.since ?? o.from,
          sources: {
            errorLogs: [],
            accessLogs: files.map((path) => ({ path, format: { ...def, format, escape: mode } })),
          },
          printers: (print) => ({
            onAccess: (r, line, file) => {
              if (r.status < 500) return;
              print(
                o.json
                  ? `${JSON.stringify({ type: "response", status: r.status, upstream: r.upstream, seconds: Number.isFinite(r.seconds) ? r.seconds : null, file, line })}\n`
                  : accessLine(r, line, color),
              );
            },
          }),
        });
        return;
      }
      const s = await withProgress({ total: inputBytes(files) }, (progress) =>
        summarizeAccessLogs(files, {
          format,
          escape: mode,
          // A controller's log (kubectl logs) carries its klog lines and nginx's error lines too.
          ...(ingress ? { controllerLog: true } : {}),
          // ingress-nginx's per-upstream table, counted in the same read
          ...(ingress ? { ingress: typeof ingress === "string" ? "" : ingress.id } : {}),
          definedVariables: defined,
          ...((o.since ?? o.from) ? { since: parseWhen((o.since ?? o.from) as string) } : {}),
          ...((o.until ?? o.to) ? { until: parseWhen((o.until ?? o.to) as string) } : {}),
          ...(process.env["BADGATEWAY_PARALLEL_MIN_BYTES"]
            ? { parallelMinBytes: Number(process.env["BADGATEWAY_PARALLEL_MIN_BYTES"]) }
            : {}),
          onWarning: (w) => {
            progress?.finish();
            process.stderr.write(`badgateway: ${safeText(w.message)}\n`);
          },
        }),
      );
      if (o.json) writeJsonOut(s);
      else process.stdout.write(renderAccess(s, timeout) + (s.ingress ? renderIngress(s.ingress) : ""));
      // Input that could not be read or understood makes the answer incomplete: never an all-clear.
      if (s.warnings.some(losesInput)) process.exitCode = EXIT.ERROR;
      else process.exitCode = s.totals.s502 + s.totals.s504 > 0 ? EXIT.FOUND : EXIT.OK;
    });
}
