import type { Command } from "commander";
import { checkTextfileDir, parseListen, serveMetrics } from "../../evidence/exporter.js";
import { Watcher } from "../../evidence/watch.js";
import { type WatchSourceOptions, type WatchSources, watchSources } from "../../evidence/watch-sources.js";
import { UnknownLogFormatError } from "../../nginx/config/logs.js";
import { WatchMetrics } from "../../report/metrics.js";
import { safeText } from "../../report/terminal.js";
import { failureLine, topCauseLine, watchScreen } from "../../report/watch.js";
import { topCause } from "../../rules/watch.js";
import { stdoutColor } from "../color.js";
import { UserError } from "../exit.js";
import { bufferedStdout, followExitCode, runUntilSignal, warningSink } from "../follow.js";
import { parseCountOption, parseDurationOption, parsePidOption, parseWhen } from "../options.js";
import { type EvidenceCliOptions, evidenceOption } from "./evidence-options.js";
import { summaryOf } from "./index.js";

interface WatchCliOptions
  extends Pick<
    EvidenceCliOptions,
    "config" | "nginxT" | "errorLog" | "accessLog" | "logFormat" | "since" | "pid"
  > {
  window: string;
  json?: boolean;
  listen?: string;
  textfile?: string;
  maxSeries: string;
  stubStatus?: string;
  refresh: string;
  poll: string;
}

/** Resolves the files to follow, turning every failure into a one-line usage error (exit 2). */
export async function sourcesOrExit(o: WatchSourceOptions): Promise<WatchSources> {
  try {
    return await watchSources(o);
  } catch (e) {
    if (e instanceof UnknownLogFormatError) throw new UserError(e.message);
    throw new UserError((e as Error).message);
  }
}

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description(summaryOf("watch"))
    .addOption(
      evidenceOption.config("nginx configuration: follow the error_log and access_log files it names"),
    )
    .addOption(evidenceOption.nginxT())
    .addOption(evidenceOption.errorLog("error log to follow (repeatable; instead of the configuration's)"))
    .addOption(evidenceOption.accessLog())
    .addOption(evidenceOption.logFormat())
    .addOption(
      evidenceOption.since(
        "read the live files from their start, keeping lines after this time (2h, 30m, ISO time)",
      ),
    )
    .option("--window <minutes>", "minutes the view and the top cause look back", "5")
    .option("--json", "print JSON Lines: one event per new upstream failure and per change of the top cause")
    .option(
      "--listen <host:port>",
      "serve Prometheus metrics on /metrics (and /healthz), e.g. 127.0.0.1:9145",
    )
    .option(
      "--textfile <dir>",
      "write DIR/badgateway.prom for node_exporter's textfile collector (atomically)",
    )
    .option(
      "--max-series <n>",
      "label sets kept per metric; more are folded into the label value 'overflow'",
      "500",
    )
    .option(
      "--stub-status <url>",
      "nginx stub_status URL, polled every 5 s for badgateway_nginx_connections (default: the configuration's stub_status location, if any)",
    )
    .option("--refresh <duration>", "how often the terminal view is redrawn", "1s")
    .option("--poll <duration>", "how often the files are checked for new lines and rotation", "250ms")
    .addOption(evidenceOption.pid())
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway watch                                   # the running nginx's logs, live view
  $ badgateway watch --config /etc/nginx/nginx.conf --listen 127.0.0.1:9145
  $ badgateway watch --error-log /var/log/nginx/error.log --access-log /var/log/nginx/access.log --log-format main
  $ badgateway watch --error-log error.log --json | jq -c 'select(.type == "failure") | {class, peer}'
  $ badgateway watch --config /etc/nginx/nginx.conf --textfile /var/lib/prometheus/node-exporter

Starts at the end of the files (or at --since, from the start of the live files); follows rename-and-create and
copytruncate rotation; never reads .gz files. On a terminal the view is redrawn in place; otherwise one line per
failure and per change of the top cause. A missing log is waited for (said on stderr); a directory, unreadable or
compressed path is dropped (said on stderr), and when none is left watch stops. Stops cleanly on SIGINT/SIGTERM
(exit 0); exit 2 when it cannot start, or a log could not be followed or never appeared. Metrics, alerts and
deployment: docs/watch.md.`,
    )
    .action(async (opts: WatchCliOptions) => {
      const since = opts.since ? parseWhen(opts.since) : undefined;
      const windowMinutes = parseCountOption("--window", opts.window, 1440);
      const maxSeries = parseCountOption("--max-series", opts.maxSeries, 1_000_000);
      const refreshMs = parseDurationOption("--refresh", opts.refresh);
      const pollMs = parseDurationOption("--poll", opts.poll);
      const listen = (() => {
        if (!opts.listen) return null;
        try {
          return parseListen(opts.listen);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      })();
      if (opts.textfile) {
        try {
          checkTextfileDir(opts.textfile);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      }
      if (opts.stubStatus && !/^http:\/\/[^\s]+$/.test(opts.stubStatus))
        throw new UserError(`--stub-status ${opts.stubStatus}: expected an http:// URL`);
      const sources = await sourcesOrExit({
        ...(opts.config ? { config: opts.config } : {}),
        ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
        errorLogs: opts.errorLog,
        accessLogs: opts.accessLog,
        ...(opts.logFormat ? { logFormat: opts.logFormat } : {}),
        ...(opts.pid ? { pid: parsePidOption(opts.pid) } : {}),
      });
      for (const n of sources.notes) process.stderr.write(`badgateway: ${safeText(n)}\n`);
      const metrics =
        listen || opts.textfile ? new WatchMetrics({ maxSeries, version: __BADGATEWAY_VERSION__ }) : null;
      const tty = Boolean(process.stdout.isTTY) && !opts.json;
      const color = stdoutColor();
      const events = bufferedStdout();
      const out = (s: string) => process.stdout.write(s);
      const warnings = warningSink();
      const w = new Watcher({
        sources,
        windowMinutes,
        pollMs,
        metrics,
        diagnoseWindow: topCause,
        ...(since !== undefined ? { since } : {}),
        ...((opts.stubStatus ?? sources.stubStatus)
          ? { stubStatusUrl: opts.stubStatus ?? sources.stubStatus ?? "" }
          : {}),
        ...(opts.textfile ? { textfileDir: opts.textfile } : {}),
        onWarning: warnings.onWarning,
        ...(tty
          ? {}
          : opts.json
            ? {
                onFailure: (e) => out(`${JSON.stringify(e)}\n`),
                onTopCause: (e) => out(`${JSON.stringify(e)}\n`),
              }
            : {
                onFailure: (e) => out(failureLine(e, color)),
                onTopCause: (e) => out(topCauseLine(e, color)),
              }),
      });
      let server: Awaited<ReturnType<typeof serveMetrics>> | null = null;
      if (listen && metrics) {
        try {
          server = await serveMetrics(listen, metrics, () => w.health());
        } catch (e) {
          throw new UserError((e as Error).message);
        }
        const a = server.address();
        const shown =
          a && typeof a === "object" ? `${a.family === "IPv6" ? `[${a.address}]` : a.address}:${a.port}` : "";
        process.stderr.write(`badgateway: serving metrics on http://${shown}/metrics\n`);
      }
      let screen: NodeJS.Timeout | null = null;
      if (tty) {
        out("\x1b[?25l\x1b[2J");
        const draw = () => {
          const now = Date.now();
          out(
            watchScreen(
              w.live.view(now),
              {
                files: w.files(),
                top: w.topCause,
                now,
                listen: opts.listen ?? null,
                stub: w.stubStatus,
                rows: process.stdout.rows ?? 30,
                cols: process.stdout.columns ?? 100,
              },
              color,
            ),
          );
        };
        setImmediate(draw);
        screen = setInterval(draw, refreshMs);
      }
      await runUntilSignal(w, async () => {
        events.flush();
        if (screen) clearInterval(screen);
        if (tty) out("\x1b[?25h\n");
        if (server) {
          server.closeAllConnections();
          await new Promise<void>((r) => server?.close(() => r()));
        }
      });
      // Events are not problems found here: watch ends 0 unless a log could not be followed.
      process.exitCode = followExitCode(w, warnings.lost(), 0);
    });
}
