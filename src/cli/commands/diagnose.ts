import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { gatherEvidence } from "../../evidence/gather.js";
import { isK8sName } from "../../evidence/kubectl.js";
import { evidenceFromPaste } from "../../evidence/paste.js";
import { diagnoseJson, diagnoseMarkdown, diagnoseText } from "../../report/diagnose.js";
import { diagnose } from "../../rules/diagnose.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { parseDurationOption } from "../options.js";
import { parseWhen } from "./access.js";
import { parseByteSize } from "./size-option.js";

interface DiagnoseCliOptions {
  paste?: string | boolean;
  bundle?: string;
  config?: string;
  nginxT?: string;
  errorLog: string[];
  accessLog: string[];
  logFormat?: string;
  since?: string;
  until?: string;
  from?: string;
  to?: string;
  probe: boolean;
  probeDeadline: string;
  json?: boolean;
  markdown?: boolean;
  out?: string;
  verbose?: boolean;
  pid?: string;
  maxFileSize?: string;
  maxConfigSize?: string;
  kubectl?: boolean;
  namespace?: string;
  context?: string;
  selector?: string;
  kubectlTimeout: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerDiagnose(program: Command): void {
  program
    .command("diagnose")
    .description("Find the root cause of 502/504 answers from nginx's logs, configuration and live checks.")
    .option(
      "--bundle <dir>",
      "diagnose an evidence bundle (from `badgateway collect` or the examples/ folder)",
    )
    .option(
      "--paste [file]",
      "diagnose one mixed paste from stdin (or a file): error lines, access lines, a config snippet or nginx -T, ss -tlnp, ls -la, systemctl status, curl -v",
    )
    .option(
      "--kubectl",
      "Kubernetes ingress-nginx: read the controller's logs, its nginx -T and the failing Services' endpoints through kubectl",
    )
    .option("--namespace <ns>", "with --kubectl: namespace of the controller pods (default: all namespaces)")
    .option("--context <name>", "with --kubectl: kubeconfig context to use")
    .option(
      "--selector <labels>",
      "with --kubectl: label selector of the controller pods (default app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller)",
    )
    .option("--kubectl-timeout <duration>", "with --kubectl: time limit of each kubectl call", "20s")
    .option("--config <file>", "nginx configuration file (includes are followed)")
    .option("--nginx-t <file>", "saved output of `nginx -T` ('-' for stdin)")
    .option("--error-log <file>", "error log file (repeatable; .gz and rotated files are fine)", collect, [])
    .option("--access-log <file>", "access log file (repeatable)", collect, [])
    .option(
      "--log-format <name|format>",
      "log_format name from the config, or a format string, for the access log",
    )
    .option("--since <when>", "only evidence after this time (2h, 30m, ISO time)")
    .option("--until <when>", "only evidence before this time")
    .option("--from <when>", "same as --since")
    .option("--to <when>", "same as --until")
    .option(
      "--no-probe",
      "do not run live checks against the configuration's upstreams (bundles are never probed)",
    )
    .option(
      "--probe-deadline <duration>",
      "overall time limit of the live checks (ms, or with ms/s/m); upstreams not reached by then are listed in the warnings",
      "10s",
    )
    .option("--pid <pid>", "nginx master pid to diagnose (host mode; default: the first one found)")
    .option(
      "--max-file-size <size>",
      "largest log file read from a bundle (default 2G; .gz: compressed size)",
    )
    .option("--max-config-size <size>", "largest configuration or JSON file read from a bundle (default 64M)")
    .option("--json", "print the diagnosis as JSON (see docs/json.md)")
    .option("--markdown", "print the diagnosis as Markdown (for tickets)")
    .option("--out <file>", "write the report to this file instead of stdout")
    .option("-v, --verbose", "show more evidence per finding")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway diagnose --since 1h        # on the nginx host: nginx -T, its logs, live probes
  $ badgateway diagnose --bundle examples/checkout-outage
  $ pbpaste | badgateway diagnose --paste          # whatever you have: log lines, config, ss, curl -v…
  $ badgateway diagnose --nginx-t nginx-T.txt --error-log error.log --access-log access.log.1 --access-log access.log
  $ badgateway diagnose --config /etc/nginx/nginx.conf --error-log /var/log/nginx/error.log --since 2h --json
  $ badgateway diagnose --kubectl --namespace ingress-nginx --since 30m   # ingress-nginx in Kubernetes
  $ badgateway diagnose --access-log controller.log                      # an upstreaminfo log: format recognised

Exit codes: 0 no upstream failures found, 1 causes found, 2 could not diagnose, or an input could not be
read in full (the report is still printed; the reasons go to stderr).`,
    )
    .action(async (opts: DiagnoseCliOptions) => {
      if (opts.paste !== undefined) {
        const file = typeof opts.paste === "string" ? opts.paste : 0;
        let text: string;
        try {
          text = readPaste(file);
        } catch (e) {
          throw new UserError(`cannot read the paste: ${(e as Error).message}`);
        }
        if (text.trim() === "")
          throw new UserError("the paste is empty: pipe the lines into `badgateway diagnose --paste`");
        const { evidence } = evidenceFromPaste(text);
        const r = diagnose(evidence);
        emit(r, opts);
        return;
      }
      const since = (opts.since ?? opts.from) ? parseWhen((opts.since ?? opts.from) as string) : undefined;
      const until = (opts.until ?? opts.to) ? parseWhen((opts.until ?? opts.to) as string) : undefined;
      if (!opts.kubectl && (opts.namespace || opts.context || opts.selector))
        throw new UserError("--namespace, --context and --selector go with --kubectl");
      if (opts.namespace !== undefined && !isK8sName(opts.namespace))
        throw new UserError(
          `--namespace wants a Kubernetes namespace name, got ${JSON.stringify(opts.namespace)}`,
        );
      if (
        opts.kubectl &&
        (opts.bundle || opts.config || opts.nginxT || opts.errorLog.length || opts.accessLog.length)
      )
        throw new UserError(
          "--kubectl gathers its own evidence: leave out --bundle, --config, --nginx-t, --error-log and --access-log",
        );
      const host =
        !opts.kubectl &&
        !opts.bundle &&
        !opts.config &&
        !opts.nginxT &&
        opts.errorLog.length === 0 &&
        opts.accessLog.length === 0;
      const limits = {
        ...(opts.maxFileSize ? { maxFileSize: parseByteSize("--max-file-size", opts.maxFileSize) } : {}),
        ...(opts.maxConfigSize
          ? { maxConfigSize: parseByteSize("--max-config-size", opts.maxConfigSize) }
          : {}),
      };
      const probeDeadlineMs = parseDurationOption("--probe-deadline", opts.probeDeadline);
      const progress = process.stderr.isTTY ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
      let ev: Awaited<ReturnType<typeof gatherEvidence>>;
      try {
        ev = await gatherEvidence({
          ...(opts.bundle ? { bundle: opts.bundle } : {}),
          ...(opts.config ? { config: opts.config } : {}),
          ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
          errorLogs: opts.errorLog,
          host,
          ...(opts.pid ? { pid: Number(opts.pid) } : {}),
          accessLogs: opts.accessLog,
          ...(opts.logFormat ? { logFormat: opts.logFormat } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          ...(progress ? { onProgress: progress } : {}),
          probe: opts.probe,
          ...(opts.kubectl
            ? {
                kubectl: {
                  ...(opts.namespace ? { namespace: opts.namespace } : {}),
                  ...(opts.context ? { context: opts.context } : {}),
                  ...(opts.selector ? { selector: opts.selector } : {}),
                  timeoutMs: parseDurationOption("--kubectl-timeout", opts.kubectlTimeout),
                },
              }
            : {}),
          limits,
          probeDeadlineMs,
        });
      } catch (e) {
        throw new UserError((e as Error).message);
      } finally {
        if (progress) process.stderr.write("\r\x1b[K");
      }
      emit(diagnose(ev), opts, ev.unread ?? []);
    });
}

/** At most 64 MiB of paste: a paste is a few screens, not a log file. */
const PASTE_MAX = 64 << 20;

function readPaste(file: string | 0): string {
  const buf = Buffer.alloc(1 << 16);
  const chunks: Buffer[] = [];
  let size = 0;
  const fd = file === 0 ? 0 : openSync(file, "r");
  try {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") continue;
        if ((e as NodeJS.ErrnoException).code === "EOF") break;
        throw e;
      }
      if (n === 0) break;
      size += n;
      if (size > PASTE_MAX)
        throw new Error("more than 64 MiB: give log files with --error-log/--access-log instead");
      chunks.push(Buffer.from(buf.subarray(0, n)));
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function emit(result: ReturnType<typeof diagnose>, opts: DiagnoseCliOptions, unread: string[] = []): void {
  const color = !opts.out && !opts.json && !opts.markdown && stdoutColor();
  const text = opts.json
    ? diagnoseJson(result, __BADGATEWAY_VERSION__)
    : opts.markdown
      ? diagnoseMarkdown(result)
      : diagnoseText(result, { color: Boolean(color), verbose: Boolean(opts.verbose) });
  if (opts.out) {
    try {
      writeFileSync(opts.out, text);
    } catch (e) {
      throw new UserError(`cannot write ${opts.out}: ${(e as Error).message}`);
    }
  } else process.stdout.write(text);
  // The report goes to stdout (or --out); why the answer is not complete goes to stderr, with exit 2.
  if (result.exitCode === 2) {
    process.stderr.write("badgateway: could not diagnose: no usable evidence\n");
    for (const m of result.missing) process.stderr.write(`badgateway:   ${m}\n`);
  }
  for (const u of unread) process.stderr.write(`badgateway: ${u}\n`);
  process.exitCode = unread.length > 0 ? EXIT.ERROR : result.exitCode;
}
