import type { Command } from "commander";
import pc from "picocolors";
import { buildModel } from "../../nginx/config/model.js";
import { toSarif } from "../../report/sarif.js";
import { safeText } from "../../report/terminal.js";
import { LINT_RULES } from "../../rules/lint/index.js";
import { collectSuppressions, lintModel } from "../../rules/lint/run.js";
import type { Finding, Severity } from "../../rules/types.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { loadConfigInput } from "./config-input.js";
import { summaryOf } from "./index.js";

interface LintCliOptions {
  nginxT?: string;
  fromNginx?: boolean;
  format?: string;
  json?: boolean;
  failOn: string;
  enable?: string;
  disable?: string;
  listRules?: boolean;
  nginxVersion?: string;
}

const RANK: Record<string, number> = { info: 1, warning: 2, error: 3, none: 99 };
const ids = (v?: string) =>
  v
    ? v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

function renderText(findings: Finding[], color: boolean, parseErrors: string[] = []): string {
  const c = pc.createColors(color);
  const o: string[] = [];
  let file = "";
  for (const f of findings) {
    const loc = f.locations[0];
    if (loc && loc.file !== file) {
      file = loc.file;
      o.push("", c.underline(safeText(file)));
    }
    const sev =
      f.severity === "error"
        ? c.red("error  ")
        : f.severity === "warning"
          ? c.yellow("warning")
          : c.blue("info   ");
    o.push(`  ${String(loc?.line ?? "").padStart(5)}  ${sev}  ${safeText(f.message)}  ${c.dim(f.id)}`);
    o.push(c.dim(`         fix: ${safeText(f.fix)}`));
  }
  const count = (s: Severity) => findings.filter((f) => f.severity === s).length;
  o.push(
    "",
    findings.length
      ? `${findings.length} problem(s): ${count("error")} error, ${count("warning")} warning, ${count("info")} info — docs: docs/rules/<id>.md`
      : parseErrors.length
        ? c.red(`the configuration could not be read cleanly: ${parseErrors.length} error(s) on stderr`)
        : c.green("no problems found"),
  );
  return `${o.join("\n").replace(/^\n/, "")}\n`;
}

export function registerLint(program: Command): void {
  program
    .command("lint [file]")
    .description(summaryOf("lint"))
    .option("--nginx-t <file>", "lint saved `nginx -T` output ('-' for stdin)")
    .option("--from-nginx", "run `nginx -T` on this host and lint its output")
    .option("--format <fmt>", "text, json or sarif", "text")
    .option("--json", "same as --format json")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at least this severe: error, warning, info, none",
      "error",
    )
    .option("--enable <ids>", "only run these rules (comma-separated)")
    .option("--disable <ids>", "skip these rules (comma-separated)")
    .option("--nginx-version <v>", "nginx version the defaults should assume (e.g. 1.29.7)")
    .option("--list-rules", "list the rules (with --json: their metadata)")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway lint /etc/nginx/nginx.conf
  $ nginx -T 2>/dev/null | badgateway lint --nginx-t - --format sarif > nginx.sarif
  $ badgateway lint site.conf --disable single-server-no-backup --fail-on warning
  $ badgateway lint --list-rules --json

Silence one line with a comment above it: # badgateway-disable-next-line <id>
Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage or parse errors.`,
    )
    .action(async (file: string | undefined, opts: LintCliOptions) => {
      const format = opts.json ? "json" : (opts.format ?? "text");
      if (!["text", "json", "sarif"].includes(format))
        throw new UserError(`unknown --format ${format} (use text, json or sarif)`);
      if (!(opts.failOn in RANK))
        throw new UserError(`unknown --fail-on ${opts.failOn} (use error, warning, info or none)`);
      const known = new Set(LINT_RULES.map((r) => r.meta.id));
      for (const id of [...ids(opts.enable), ...ids(opts.disable)])
        if (!known.has(id)) throw new UserError(`unknown rule id ${id} (see badgateway lint --list-rules)`);
      if (opts.listRules) {
        const metas = LINT_RULES.map((r) => r.meta);
        process.stdout.write(
          format === "json"
            ? `${JSON.stringify(metas, null, 2)}\n`
            : `${metas.map((m) => `${m.id.padEnd(34)} ${m.severity.padEnd(8)} ${m.title}`).join("\n")}\n`,
        );
        return;
      }
      const { payload, source } = await loadConfigInput(file, {
        ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
        fromNginx: Boolean(opts.fromNginx),
        comments: true,
      });
      const model = buildModel(payload, opts.nginxVersion ? { version: opts.nginxVersion } : {});
      const findings = lintModel(model, {
        enable: ids(opts.enable),
        disable: ids(opts.disable),
        suppressions: collectSuppressions(payload),
      });
      const parseErrors = payload.errors.map((e) =>
        e.message !== undefined ? `${e.file}:${e.line ?? "?"}: ${e.message}` : e.error,
      );
      if (format === "json")
        process.stdout.write(
          `${JSON.stringify(
            {
              source,
              files: payload.config.map((c) => c.file),
              errors: parseErrors,
              findings,
              summary: {
                error: findings.filter((f) => f.severity === "error").length,
                warning: findings.filter((f) => f.severity === "warning").length,
                info: findings.filter((f) => f.severity === "info").length,
              },
            },
            null,
            2,
          )}\n`,
        );
      else if (format === "sarif")
        process.stdout.write(
          `${JSON.stringify(
            toSarif(
              findings,
              LINT_RULES.map((r) => r.meta),
              __BADGATEWAY_VERSION__,
            ),
            null,
            2,
          )}\n`,
        );
      else process.stdout.write(renderText(findings, stdoutColor(), parseErrors));
      // Why the configuration could not be read in full is a failure reason: stderr, whatever the format.
      for (const e of parseErrors) process.stderr.write(`badgateway: ${safeText(e)}\n`);
      const threshold = RANK[opts.failOn] ?? 3;
      if (payload.errors.length) process.exitCode = EXIT.ERROR;
      else
        process.exitCode = findings.some((f) => (RANK[f.severity] ?? 0) >= threshold) ? EXIT.FOUND : EXIT.OK;
    });
}
