import { closeSync, openSync, readSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { gatherEvidence } from "../../evidence/gather.js";
import { isK8sName } from "../../evidence/kubectl.js";
import { evidenceFromPaste } from "../../evidence/paste.js";
import { checkReportPath, writeReportFile } from "../../evidence/safe-write.js";
import type { Evidence } from "../../evidence/types.js";
import { diagnoseJson, diagnoseMarkdown, diagnoseText } from "../../report/diagnose.js";
import { diagnoseHtml } from "../../report/html.js";
import { diagnose } from "../../rules/diagnose.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { parseDurationOption } from "../options.js";
import { withProgress } from "../progress.js";
import { addEvidenceOptions, type EvidenceCliOptions, gatherOptionsFrom } from "./evidence-options.js";
import { summaryOf } from "./index.js";

interface DiagnoseCliOptions extends EvidenceCliOptions {
  paste?: string | boolean;
  json?: boolean;
  markdown?: boolean;
  html?: string;
  out?: string;
  verbose?: boolean;
  kubectl?: boolean;
  namespace?: string;
  context?: string;
  selector?: string;
  kubectlTimeout: string;
}

export function registerDiagnose(program: Command): void {
  const cmd = program.command("diagnose").description(summaryOf("diagnose"));
  addEvidenceOptions(cmd, (c) =>
    c
      .option(
        "--paste [file]",
        "diagnose one mixed paste from stdin (or a file): error lines, access lines, a config snippet or nginx -T, ss -tlnp, ls -la, systemctl status, curl -v",
      )
      .option(
        "--kubectl",
        "Kubernetes ingress-nginx: read the controller's logs, its nginx -T and the failing Services' endpoints through kubectl",
      )
      .option(
        "--namespace <ns>",
        "with --kubectl: namespace of the controller pods (default: all namespaces)",
      )
      .option("--context <name>", "with --kubectl: kubeconfig context to use")
      .option(
        "--selector <labels>",
        "with --kubectl: label selector of the controller pods (default app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller)",
      )
      .option("--kubectl-timeout <duration>", "with --kubectl: time limit of each kubectl call", "20s"),
  )
    .option("--json", "print the diagnosis as JSON (see docs/json.md)")
    .option("--markdown", "print the diagnosis as Markdown (for tickets)")
    .option(
      "--html <file>",
      "also write a self-contained HTML report (charts, filterable evidence; opens offline) to FILE, or '-' for stdout instead of the text report",
    )
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
  $ badgateway diagnose --config nginx.conf --error-log error.log --systemd   # + the failing backend's unit and journal
  $ badgateway diagnose --bundle examples/checkout-outage --html incident.html   # attach to the incident
  $ badgateway diagnose --kubectl --namespace ingress-nginx --since 30m   # ingress-nginx in Kubernetes
  $ badgateway diagnose --access-log controller.log                      # an upstreaminfo log: format recognised

Exit codes: 0 no upstream failures found, 1 causes found, 2 could not diagnose, or an input could not be
read in full (the report is still printed; the reasons go to stderr).`,
    )
    .action(async (opts: DiagnoseCliOptions) => {
      checkHtmlOption(opts);
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
        emit(r, opts, [], evidence);
        return;
      }
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
      const kubectl = opts.kubectl
        ? {
            host: false,
            kubectl: {
              ...(opts.namespace ? { namespace: opts.namespace } : {}),
              ...(opts.context ? { context: opts.context } : {}),
              ...(opts.selector ? { selector: opts.selector } : {}),
              timeoutMs: parseDurationOption("--kubectl-timeout", opts.kubectlTimeout),
            },
          }
        : {};
      let ev: Awaited<ReturnType<typeof gatherEvidence>>;
      try {
        ev = await withProgress({}, (progress) =>
          gatherEvidence({
            ...gatherOptionsFrom(opts, progress ? (m: string) => progress.note(m) : undefined),
            ...kubectl,
          }),
        );
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      emit(diagnose(ev), opts, ev.unread ?? [], ev);
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

/** --html is checked before any evidence is gathered: a bad name fails at once, not after minutes of reading. */
function checkHtmlOption(opts: DiagnoseCliOptions): void {
  if (opts.html === undefined) return;
  if (opts.html === "-") {
    if (!opts.out && (opts.json || opts.markdown))
      throw new UserError(
        "--html - writes the HTML report to stdout: give --out FILE for the --json/--markdown report",
      );
    return;
  }
  try {
    checkReportPath(opts.html);
  } catch (e) {
    throw new UserError(`--html ${opts.html}: ${(e as Error).message}`);
  }
}

function emit(
  result: ReturnType<typeof diagnose>,
  opts: DiagnoseCliOptions,
  unread: string[] = [],
  ev: Evidence | null = null,
): void {
  if (opts.html !== undefined) {
    const page = diagnoseHtml(result, ev, { version: __BADGATEWAY_VERSION__ });
    if (opts.html === "-") process.stdout.write(page);
    else {
      let path: string;
      try {
        path = writeReportFile(opts.html, page);
      } catch (e) {
        throw new UserError(`--html ${opts.html}: ${(e as Error).message}`);
      }
      process.stderr.write(`badgateway: wrote the HTML report to ${path}\n`);
    }
  }
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
  } else if (opts.html !== "-") process.stdout.write(text);
  // The report goes to stdout (or --out); why the answer is not complete goes to stderr, with exit 2.
  if (result.exitCode === 2) {
    process.stderr.write("badgateway: could not diagnose: no usable evidence\n");
    for (const m of result.missing) process.stderr.write(`badgateway:   ${m}\n`);
  }
  for (const u of unread) process.stderr.write(`badgateway: ${u}\n`);
  process.exitCode = unread.length > 0 ? EXIT.ERROR : result.exitCode;
}
