import type { Command } from "commander";
import pc from "picocolors";
import { probeFacts } from "../../evidence/probes/facts.js";
import { fetchStubStatus, localPortRange, nginxProcesses, tcpStates } from "../../evidence/probes/host.js";
import { runProbes } from "../../evidence/probes/run.js";
import { parseTargetSpec, targetsFromModel, workerUserOf } from "../../evidence/probes/targets.js";
import type { ProbeReport, ProbeTarget } from "../../evidence/probes/types.js";
import { listenPorts } from "../../nginx/config/listen.js";
import { buildModel, globalValue } from "../../nginx/config/model.js";
import { EXIT, UserError } from "../exit.js";
import { loadConfigInput } from "./config-input.js";

interface ProbeCliOptions {
  target: string[];
  config?: string;
  nginxT?: string;
  fromNginx?: boolean;
  json?: boolean;
  concurrency: string;
  timeout: string;
  asUser?: string;
  seenIp: string[];
  path?: string;
  head?: boolean;
  stubStatus?: string;
  fpmPool: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

function render(r: ProbeReport, color: boolean): string {
  const c = pc.createColors(color);
  const o: string[] = [];
  for (const x of r.results) {
    const src = x.target.source ? c.dim(` (${x.target.source.file}:${x.target.source.line})`) : "";
    o.push(`${x.ok ? c.green("ok  ") : c.red("FAIL")} ${c.bold(x.target.id)}${src}`);
    for (const s of x.steps)
      o.push(
        `     ${s.ok ? c.dim("✓") : c.red("✗")} ${s.check.padEnd(9)} ${s.summary}${s.ms !== undefined ? c.dim(` ${s.ms.toFixed(0)} ms`) : ""}`,
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
        ? `${c.red("FAIL")} stub_status: ${st.error}`
        : `${c.bold("stub_status")}: ${st.active} active connections${h.workerConnections ? ` (worker_connections ${h.workerConnections} per worker)` : ""}`,
    );
  }
  if (h?.nginx?.workers.length)
    o.push(
      `${c.bold("nginx workers")}: ${h.nginx.workers.length}, Max open files ${[...new Set(h.nginx.workers.map((w) => w.maxOpenFiles ?? "?"))].join("/")}`,
    );
  const bad = r.results.filter((x) => !x.ok).length;
  o.push("", `${r.results.length} target(s), ${bad} with problems, ${r.durationMs} ms`);
  return `${o.join("\n")}\n`;
}

export function registerProbe(program: Command): void {
  program
    .command("probe")
    .description(
      "Check upstreams live, the way nginx reaches them: DNS, TCP, TLS, HTTP response, unix sockets.",
    )
    .option(
      "--target <spec>",
      "http://host:port/path, https://…, host:port or unix:/path (repeatable)",
      collect,
      [],
    )
    .option("--config <file>", "probe every upstream this configuration points at")
    .option("--nginx-t <file>", "same, from saved `nginx -T` output")
    .option("--from-nginx", "same, from `nginx -T` run on this host")
    .option("--concurrency <n>", "probes at once", "8")
    .option("--timeout <ms>", "cap on every step's timeout", "5000")
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

Read-only: one GET (or HEAD) per target, at most --concurrency at once, every step bounded by a timeout.
Exit codes: 0 every target fine, 1 problems found, 2 usage error.`,
    )
    .action(async (opts: ProbeCliOptions) => {
      const cap = Math.max(100, Number.parseInt(opts.timeout, 10) || 5000);
      const seen = new Map<string, string[]>();
      for (const s of opts.seenIp) {
        const [name, ip] = s.split("=");
        if (!name || !ip) throw new UserError(`--seen-ip wants name=ip, got "${s}"`);
        seen.set(name, [...(seen.get(name) ?? []), ip]);
      }
      const targets: ProbeTarget[] = [];
      let workerConnections: number | null = null;
      let worker = opts.asUser;
      let ownPorts: number[] | undefined;
      if (opts.config || opts.nginxT || opts.fromNginx) {
        const { payload } = await loadConfigInput(opts.config, {
          ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
          fromNginx: Boolean(opts.fromNginx),
        });
        const model = buildModel(payload);
        workerConnections = Number(globalValue(model, "worker_connections").args?.[0] ?? 512);
        targets.push(...targetsFromModel(model, { capMs: cap }));
        worker ??= workerUserOf(model);
        ownPorts = listenPorts(model);
      }
      for (const spec of opts.target) {
        try {
          const t = parseTargetSpec(spec, { connectTimeoutMs: Math.min(3000, cap), readTimeoutMs: cap });
          if (opts.path && t.kind !== "unix" && t.kind !== "tcp") t.uriPath = opts.path;
          if (opts.head) t.method = "HEAD";
          if (t.kind === "unix") t.hostHeader = "localhost";
          targets.push(t);
        } catch (e) {
          throw new UserError((e as Error).message);
        }
      }
      if (targets.length === 0)
        throw new UserError("nothing to probe: give --target or --config/--nginx-t/--from-nginx");
      for (const t of targets) if (t.host && seen.has(t.host)) t.seenAddresses = seen.get(t.host) as string[];
      const report = await runProbes(targets, {
        concurrency: Math.max(1, Number.parseInt(opts.concurrency, 10) || 8),
        workerUser: worker ?? "nobody",
        ...(ownPorts ? { ownPorts } : {}),
        ...(opts.fpmPool.length ? { fpmPoolDirs: opts.fpmPool } : {}),
      });
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
      else process.stdout.write(render(report, Boolean(process.stdout.isTTY) && !process.env["NO_COLOR"]));
      process.exitCode = report.results.every((r) => r.ok) ? EXIT.OK : EXIT.FOUND;
    });
}
