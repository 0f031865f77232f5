import type { Command } from "commander";
import { collectBundle } from "../../evidence/collect.js";
import { UserError } from "../exit.js";
import { parseWhen } from "./access.js";

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description(
      "Write an evidence bundle from this host (nginx -T, error and access logs) for `diagnose --bundle` elsewhere.",
    )
    .requiredOption("--out <dir>", "bundle directory to create (must not exist or be empty)")
    .option("--since <when>", "only log lines after this time (2h, 30m, ISO time)")
    .option("--pid <pid>", "nginx master pid (default: the first nginx master found)")
    .option("--no-redact", "keep client addresses and query strings (redacted by default)")
    .option("--json", "print what was collected as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway collect --out /tmp/incident-2026-11-24 --since 2h
  $ badgateway diagnose --bundle /tmp/incident-2026-11-24

Runs only \`nginx -T\`; writes only inside --out. Exit codes: 0 written, 2 could not collect.`,
    )
    .action(async (opts: { out: string; since?: string; pid?: string; redact: boolean; json?: boolean }) => {
      try {
        const r = await collectBundle({
          out: opts.out,
          ...(opts.pid ? { pid: Number(opts.pid) } : {}),
          redact: opts.redact,
          ...(opts.since ? { since: parseWhen(opts.since) } : {}),
        });
        if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        else {
          process.stdout.write(
            `bundle written to ${r.out} (nginx ${r.nginx.version ?? "?"}, pid ${r.nginx.pid}):\n`,
          );
          for (const f of r.files)
            process.stdout.write(`  ${f}${r.lines[f] !== undefined ? `  ${r.lines[f]} lines` : ""}\n`);
          for (const m of r.missing) process.stdout.write(`  missing: ${m}\n`);
          process.stdout.write(`next: badgateway diagnose --bundle ${r.out}\n`);
        }
      } catch (e) {
        throw new UserError((e as Error).message);
      }
    });
}
