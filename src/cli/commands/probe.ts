import type { Command } from "commander";
import pc from "picocolors";
import { probeFacts } from "../../evidence/probes/facts.js";
import { fetchStubStatus, localPortRange, nginxProcesses, tcpStates } from "../../evidence/probes/host.js";
import { DEFAULT_DEADLINE_MS, runProbes } from "../../evidence/probes/run.js";
import { parseTargetSpec, targetsFromModel, workerUserOf } from "../../evidence/probes/targets.js";
import { stoppedByDeadline } from "../../evidence/probes/tcp.js";
import type { ProbeReport, ProbeTarget } from "../../evidence/probes/types.js";
import { listenPorts } from "../../nginx/config/listen.js";
import { buildModel, globalValue } from "../../nginx/config/model.js";
import { safeText } from "../../report/terminal.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { checkPathOption, parseCountOption, parseDurationOption } from "../options.js";
import { loadConfigInput } from "./config-input.js";
import { summaryOf } from "./index.js";

interface ProbeCliOptions {
  target: string[];
  config?: string;
  nginxT?: string;
  fromNginx?: boolean;
  json?: boolean;
  concurrency: string;
  timeout: string;
  deadline: string;
  asUser?: string;
  seenIp: string[];
  path?: string;
  head?: boolean;
  stubStatus?: string;
  fpmPool: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function render(r: ProbeReport, color: boolean): string {
  const c = pc.createColors(color);
  const o: string[] = [];
  for (const x of r.results) {
    const id = c.bold(safeText(x.target.id));
    const src = x.target.source ? c.dim(` (${safeText(x.target.source.file)}:${x.target.source.line})`) : "";
    if (x.skipped) {
      o.push(
        `${c.yellow("SKIP")} ${id}${src} ${c.dim(`not probed: the ${seconds(r.deadlineMs ?? 0)} deadline came first`)}`,
      );
      continue;
    }
    const label = x.ok ? c.green("ok  ") : stoppedByDeadline(x.steps) ? c.yellow("STOP") : c.red("FAIL");
    o.push(`${label} ${id}${src}`);
    if (x.target.hostHeaderFrom) o.push(c.dim(`     Host: ${safeText(x.target.hostHeaderFrom)}`));
    for (const s of x.steps)
      o.push(
        `     ${s.ok ? c.dim("✓") : c.red("✗")} ${s.check.padEnd(9)} ${safeText(s.summary)}${s.ms !== undefined ? c.dim(` ${s.ms.toFixed(0)} ms`) : ""}`,
      );
    if (x.nextStep) o.push(`     ${c.yellow("→")} ${x.nextStep}`);
  }
  const h = r.host as
    | {
        stubStatus?: { active?: number; error?: string };
        workerConnections?: number;
        nginx?: { workers: Array<{ maxOpenFiles: number | null }> };
      }
    | undefined;
  if (h?.stubStatus) {
    const st = h.stubStatus;
    o.push(
      st.error
        ? `${c.red("FAIL")} stub_status: ${safeText(st.error)}`
        : `${c.bold("stub_status")}: ${st.active} active connections${h.workerConnections ? ` (worker_connections ${h.workerConnections} per worker)` : ""}`,
    );
  }
  if (h?.nginx?.workers.length)
    o.push(
      `${c.bold("nginx workers")}: ${h.nginx.workers.length}, Max open files ${[...new Set(h.nginx.workers.map((w) => w.maxOpenFiles ?? "?"))].join("/")}`,
    );
  const bad = r.results.filter((x) => !x.ok && !x.skipped && !stoppedByDeadline(x.steps)).length;
  o.push(
    "",
    `${r.results.length} target(s), ${bad} with problems${r.unfinished ? `, ${r.unfinished} not finished` : ""}${r.skipped ? `, ${r.skipped} not probed` : ""}${r.deadlineReached ? ` (deadline ${seconds(r.deadlineMs ?? 0)})` : ""}, ${r.durationMs} ms`,
  );
  return `${o.join("\n")}\n`;
}

export function registerProbe(program: Command): void {
  program
    .command("probe")
    .description(summaryOf("probe"))
    .option(
      "--target <spec>",
      "http://host:port/path, https://…, host:port or unix:/path (repeatable)",
      collect,
      [],
    )
    .option("--config <file>", "probe every upstream this configuration points at")
    .option("--nginx-t <file>", "same, from saved `nginx -T` output")
    .option("--from-nginx", "same, from `nginx -T` run on this host")
    .option("--concurrency <n>", "probes at once (1-256)", "8")
    .option("--timeout <duration>", "cap on every step's timeout (ms, or with ms/s/m)", "5000")
    .option(
      "--deadline <duration>",
      "overall time limit: checks still running are stopped, targets not started are reported as not probed",
      `${DEFAULT_DEADLINE_MS / 1000}s`,
    )
    .option(
      "--as-user <user>",
      "check unix-socket permissions for this user (default: the config's `user`, else nobody)",
    )
    .option(
      "--seen-ip <name=ip>",
      "an address nginx was seen using for a name, to detect stale DNS (repeatable)",
      collect,
      [],
    )
    .option("--stub-status <url>", "also read this stub_status page (connections vs worker_connections)")
    .option(
      "--fpm-pool <dir>",
      "directory with PHP-FPM pool files to compare unix sockets with (repeatable)",
      collect,
      [],
    )
    .option("--path <path>", "request path for HTTP targets given with --target")
    .option("--head", "use HEAD instead of GET")
    .option("--json", "print the report as JSON (see docs/json.md)")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway probe --config /etc/nginx/nginx.conf
  $ badgateway probe --target http://127.0.0.1:8080/health --target unix:/run/php/php8.2-fpm.sock --as-user www-data
  $ badgateway probe --target https://api.internal:8443 --seen-ip api.internal=10.0.0.7 --json

Read-only: one GET (or HEAD) per target, at most --concurrency at once, every step bounded by a timeout,
the whole run by --deadline. HTTP checks send the Host header nginx would send (the location's
proxy_set_header Host, default $proxy_host). Progress goes to stderr when it is a terminal.
Exit codes: 0 every target fine, 1 problems found, 2 usage error, configuration errors, or targets left
unprobed or unfinished at the deadline (with nothing else found).`,
    )
    .action(async (opts: ProbeCliOptions) => {
      const cap = parseDurationOption("--timeout", opts.timeout);
      const deadlineMs = parseDurationOption("--deadline", opts.deadline);
      const concurrency = parseCountOption("--concurrency", opts.concurrency, 256);
      const path = opts.path === undefined ? undefined : checkPathOption(opts.path);
      const seen = new Map<string, string[]>();
      for (const s of opts.seenIp) {
        const [name, ip] = s.split("=");
        if (!name || !ip) throw new UserError(`--seen-ip wants name=ip, got "${s}"`);
        seen.set(name, [...(seen.get(name) ?? []), ip]);
      }
      const targets: ProbeTarget[] = [];
      let workerConnections: number | null = null;
      let configErrors = 0;
      let worker = opts.asUser;
      let ownPorts: number[] | undefined;
      if (opts.config || opts.nginxT || opts.fromNginx) {
        const { payload } = await loadConfigInput(opts.config, {
          ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
          fromNginx: Boolean(opts.fromNginx),
        });
        // Probe what could be read, but say what could not: the targets may be incomplete.
        for (const e of payload.errors)
          process.stderr.write(
            `badgateway: configuration: ${safeText(e.message !== undefined ? `${e.file}:${e.line ?? "?"}: ${e.message}` : e.error)}\n`,
          );
        configErrors = payload.errors.length;
        const model = buildModel(payload);
        workerConnections = Number(globalValue(model, "worker_connections").args?.[0] ?? 512);
        targets.push(...targetsFromModel(model, { capMs: cap }));
        worker ??= workerUserOf(model);
        ownPorts = listenPorts(model);
      }
      for (const spec of opts.target) {
        try {
          const t = parseTargetSpec(spec, { connectTimeoutMs: Math.min(3000, cap), readTimeoutMs: cap });
          if (path && t.kind !== "unix" && t.kind !== "tcp") t.uriPath = path;
          if (t.uriPath !== undefined)
            checkPathOption(t.uriPath, `the path of --target ${JSON.stringify(spec)}`);
          if (opts.head) t.method = "HEAD";
          if (t.kind === "unix") t.hostHeader = "localhost";
          targets.push(t);
        } catch (e) {
          if (e instanceof UserError) throw e;
          throw new UserError((e as Error).message);
        }
      }
      if (targets.length === 0)
        throw new UserError("nothing to probe: give --target or --config/--nginx-t/--from-nginx");
      for (const t of targets) if (t.host && seen.has(t.host)) t.seenAddresses = seen.get(t.host) as string[];
      // Progress on stderr, only for a person watching a terminal.
      const tty = Boolean(process.stderr.isTTY);
      if (tty)
        process.stderr.write(
          `probing ${targets.length} target(s), ${concurrency} at once, deadline ${seconds(deadlineMs)}…\n`,
        );
      const report = await runProbes(targets, {
        concurrency,
        deadlineMs,
        workerUser: worker ?? "nobody",
        ...(ownPorts ? { ownPorts } : {}),
        ...(opts.fpmPool.length ? { fpmPoolDirs: opts.fpmPool } : {}),
        ...(tty
          ? {
              onProgress: (done: number, total: number, last) =>
                process.stderr.write(
                  `\r\x1b[K${done}/${total} ${last.ok ? "ok  " : stoppedByDeadline(last.steps) ? "STOP" : "FAIL"} ${safeText(last.target.id).slice(0, 60)}`,
                ),
            }
          : {}),
      });
      if (tty) process.stderr.write("\r\x1b[K");
      const states = tcpStates();
      const stub = opts.stubStatus ? await fetchStubStatus(opts.stubStatus, cap) : null;
      report.host = {
        nginx: nginxProcesses(),
        ...(stub ? { stubStatus: stub } : {}),
        ...(workerConnections !== null ? { workerConnections } : {}),
        localPortRange: localPortRange(),
        upstreamConnections: Object.fromEntries(
          targets
            .filter((t) => t.host && t.port)
            .map((t) => [
              `${t.host}:${t.port}`,
              states.get(`${t.host}:${t.port}`) ?? { established: 0, timeWait: 0 },
            ]),
        ),
      };
      if (opts.json)
        process.stdout.write(`${JSON.stringify({ ...report, facts: probeFacts(report) }, null, 2)}\n`);
      else process.stdout.write(render(report, stdoutColor()));
      const problems = report.results.some((r) => !r.ok && !r.skipped && !stoppedByDeadline(r.steps));
      if (report.skipped || report.unfinished)
        process.stderr.write(
          `badgateway: the --deadline of ${seconds(deadlineMs)} came first: ${report.skipped ?? 0} of ${targets.length} target(s) not probed, ${report.unfinished ?? 0} not finished (raise --deadline or --concurrency)\n`,
        );
      if (configErrors && !problems)
        process.stderr.write(
          `badgateway: the configuration had ${configErrors} error(s): upstreams it names past them were not probed\n`,
        );
      process.exitCode = problems
        ? EXIT.FOUND
        : report.skipped || report.unfinished || configErrors
          ? EXIT.ERROR
          : EXIT.OK;
    });
}
