import type { Command } from "commander";
import { collectBundle } from "../../evidence/collect.js";
import { UserError } from "../exit.js";
import { parsePidOption, parseWhen } from "../options.js";
import { summaryOf } from "./index.js";
import { parseByteSize } from "./size-option.js";

interface CollectCliOptions {
  out: string;
  since?: string;
  systemd: boolean;
  pid?: string;
  redact: boolean;
  json?: boolean;
  maxFileSize?: string;
  maxConfigSize?: string;
}

export function registerCollect(program: Command): void {
  program
    .command("collect")
    .description(summaryOf("collect"))
    .requiredOption(
      "--out <dir>",
      "bundle directory to create (mode 0700; an existing one must be empty, yours and mode 0700)",
    )
    .option("--since <when>", "only log lines after this time (2h, 30m, ISO time)")
    .option("--pid <pid>", "nginx master pid (default: the first nginx master found)")
    .option(
      "--no-redact",
      "keep client addresses, user names, credentials and query strings (redacted by default)",
    )
    .option(
      "--no-systemd",
      "do not add backends.json (the systemd unit and journal excerpt behind each failing local peer)",
    )
    .option("--max-file-size <size>", "copy at most the newest SIZE bytes of each log (default 2G)")
    .option("--max-config-size <size>", "largest nginx -T output accepted (default 64M)")
    .option("--json", "print what was collected as JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway collect --out /tmp/incident-2026-11-24 --since 2h
  $ badgateway diagnose --bundle /tmp/incident-2026-11-24

Runs \`nginx -T\`, and for failing local peers \`systemctl status PID\` and \`journalctl -u UNIT -o json\` over the
incident window (backends.json, messages redacted; --no-systemd skips it); writes only inside --out (files 0600, never through a symlink). Logs that are symbolic
links, FIFOs or unreadable are skipped, logs over --max-file-size are cut to their newest part: both are
reported on stderr and in bundle.json. See docs/security.md for what redaction removes and keeps.
Exit codes: 0 written, 2 could not collect.`,
    )
    .action(async (opts: CollectCliOptions) => {
      const maxFileSize = opts.maxFileSize ? parseByteSize("--max-file-size", opts.maxFileSize) : undefined;
      const maxConfigSize = opts.maxConfigSize
        ? parseByteSize("--max-config-size", opts.maxConfigSize)
        : undefined;
      const pid = opts.pid !== undefined ? parsePidOption(opts.pid) : undefined;
      let r: Awaited<ReturnType<typeof collectBundle>>;
      try {
        r = await collectBundle({
          out: opts.out,
          ...(pid !== undefined ? { pid } : {}),
          redact: opts.redact,
          systemd: opts.systemd,
          ...(opts.since ? { since: parseWhen(opts.since) } : {}),
          ...(maxFileSize ? { maxFileSize } : {}),
          ...(maxConfigSize ? { maxConfigSize } : {}),
          onNotice: (m) => process.stderr.write(`badgateway: ${m}\n`),
        });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      if (opts.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(
          `bundle written to ${r.out} (nginx ${r.nginx.version ?? "?"}, pid ${r.nginx.pid}):\n`,
        );
        for (const f of r.files)
          process.stdout.write(`  ${f}${r.lines[f] !== undefined ? `  ${r.lines[f]} lines` : ""}\n`);
        if (r.redaction) {
          const c = r.redaction.redacted;
          process.stdout.write(
            `  redacted: ${r.redaction.distinct.clientAddress} client address(es), ${r.redaction.distinct.userName} user name(s), ${c.credential + c.configValue} credential(s), ${c.queryValue} query value(s)\n`,
          );
        } else
          process.stdout.write("  not redacted (--no-redact): do not share this bundle outside your team\n");
        process.stdout.write(`next: badgateway diagnose --bundle ${r.out}\n`);
      }
    });
}
