import { realpathSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import { applyChanges, nginxReload } from "../../evidence/fix-io.js";
import { EditError } from "../../nginx/config/edits.js";
import { fixJson, fixPatch, fixText } from "../../report/fix.js";
import { safeText } from "../../report/terminal.js";
import { stdoutColor } from "../color.js";
import { EXIT, UserError } from "../exit.js";
import { addEvidenceOptions, type EvidenceCliOptions, gatherOptionsFrom } from "./evidence-options.js";
import { combineOffers, type FixSession, prepareFixes } from "./fix-session.js";
import { summaryOf } from "./index.js";

interface FixCliOptions extends EvidenceCliOptions {
  finding: string[];
  diff?: boolean;
  apply?: boolean;
  yes?: boolean;
  reload?: boolean;
  json?: boolean;
  nginx?: string;
  prefix?: string;
  resolver: string[];
  caBundle?: string;
  lint: boolean;
  validate: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((done) =>
    rl.question(question, (a) => {
      rl.close();
      done(/^y(es)?$/i.test(a.trim()));
    }),
  );
}

function reloadCommand(s: FixSession): string {
  const bin = s.nginx?.binary ?? "nginx";
  return `${bin}${s.nginx?.prefix ? ` -p ${s.nginx.prefix}` : ""}${s.main ? ` -c ${s.main}` : ""} -s reload   (or: systemctl reload nginx)`;
}

interface Applied {
  files: Array<{ file: string; backup: string }>;
  reloaded: boolean;
}

/** Applies every offered change; returns what was written. Failures are UserErrors (exit 2), after restoring. */
async function apply(s: FixSession, opts: FixCliOptions): Promise<Applied> {
  const none: Applied = { files: [], reloaded: false };
  const out = (m: string) => process.stderr.write(`badgateway: ${m}\n`);
  if (!s.onDisk || !s.main)
    throw new UserError(
      "--apply needs the configuration files themselves: give --config FILE or run on the nginx host (a bundle or nginx -T text can only be shown as a diff)",
    );
  if (!s.nginx)
    throw new UserError(
      "--apply needs nginx to test the result (`nginx -t`), and nginx is not installed here",
    );
  const offers = s.offers.filter((o) => o.offered && o.changed.size > 0);
  if (offers.length === 0) {
    out("no configuration change to apply");
    process.exitCode = s.findings.length ? EXIT.FOUND : EXIT.OK;
    return none;
  }
  if (s.baseline === null && opts.validate)
    throw new UserError(`--apply needs nginx -t to work here: ${s.notValidated ?? "nginx could not be run"}`);
  let combined: Awaited<ReturnType<typeof combineOffers>>;
  try {
    combined = await combineOffers(s, offers);
  } catch (e) {
    if (e instanceof EditError)
      throw new UserError(`the changes overlap (${e.message}): apply them one at a time with --finding ID`);
    throw e;
  }
  if (combined.check && !combined.check.ok && s.baseline?.ok)
    throw new UserError(
      `each change passes nginx -t alone but not all together (${combined.check.message}): apply them one at a time with --finding ID`,
    );
  const files = [...combined.changed.keys()];
  if (!opts.yes) {
    if (!process.stdin.isTTY)
      throw new UserError(
        "refusing to change files without confirmation: stdin is not a terminal (add --yes)",
      );
    const ok = await ask(
      `Apply ${offers.length} change(s) to ${files.length} file(s): ${files.join(", ")}? [y/N] `,
    );
    if (!ok) {
      out("nothing changed");
      process.exitCode = EXIT.FOUND;
      return none;
    }
  }
  const r = await applyChanges(s.texts, combined.changed, s.main, s.nginx);
  if (!r.ok) {
    if (r.restored)
      for (const [f, b] of r.backups) out(`restored ${safeText(f)} (backup kept at ${safeText(b)})`);
    throw new UserError(r.error ?? "the changes could not be applied");
  }
  for (const [f, b] of r.backups) out(`changed ${safeText(f)} (backup: ${safeText(b)})`);
  out("nginx -t accepts the changed configuration");
  let reloaded = false;
  if (opts.reload) {
    const rl = await nginxReload(s.nginx, s.main);
    if (!rl.ok) throw new UserError(`nginx -s reload failed: ${rl.message}`);
    out("nginx reloaded");
    reloaded = true;
  } else out(`reload nginx to use it: ${reloadCommand(s)}`);
  process.exitCode = EXIT.OK;
  return { files: [...r.backups].map(([file, backup]) => ({ file, backup })), reloaded };
}

/** Every offered change in one patch, files named by their real paths when they are on this host. */
async function patchOf(s: FixSession): Promise<string> {
  const offers = s.offers.filter((o) => o.offered && o.changed.size > 0);
  if (offers.length === 0) return "";
  let combined: Map<string, string>;
  try {
    combined = (await combineOffers(s, offers)).changed;
  } catch (e) {
    if (e instanceof EditError)
      throw new UserError(`the changes overlap (${e.message}): show them one at a time with --finding ID`);
    throw e;
  }
  const names = new Map<string, string>();
  if (s.onDisk)
    for (const f of combined.keys())
      try {
        names.set(f, realpathSync(f));
      } catch {
        /* keep the name as given */
      }
  return fixPatch(s, combined, names);
}

export function registerFix(program: Command): void {
  const cmd = program.command("fix").description(summaryOf("fix"));
  addEvidenceOptions(cmd)
    .option("--finding <id>", "only this fix: a rule id or a fix id RULE@FILE:LINE (repeatable)", collect, [])
    .option("--diff", "print only the offered changes, as one patch (for `patch -p1`)")
    .option("--apply", "write the changes (atomically, with backups), then run nginx -t; restore on failure")
    .option("--yes", "apply without asking (required when stdin is not a terminal)")
    .option("--reload", "with --apply: reload nginx after a successful nginx -t")
    .option("--json", "print the fixes as JSON (see docs/json.md#fix)")
    .option("--nginx <binary>", "nginx binary for nginx -t (default: the running one, else nginx on PATH)")
    .option("--prefix <dir>", "nginx -p prefix of the configuration (relative paths: logs, pid)")
    .option(
      "--resolver <address>",
      "name server for a proposed `resolver` (repeatable; default /etc/resolv.conf)",
      collect,
      [],
    )
    .option(
      "--ca-bundle <file>",
      "CA file for a proposed proxy_ssl_trusted_certificate (default: the system bundle)",
    )
    .option("--no-lint", "only fix causes found by diagnose, not lint findings")
    .option("--no-validate", "do not run nginx -t on the changes (they are then marked not validated)")
    .addHelpText(
      "after",
      `
Examples:
  $ sudo badgateway fix                                   # on the nginx host: diagnose + lint, show validated diffs
  $ badgateway fix --config /etc/nginx/nginx.conf --error-log /var/log/nginx/error.log
  $ badgateway fix --bundle ./bundle --diff | patch -p1 -d /     # review first; paths in the diff are absolute
  $ sudo badgateway fix --finding wrong-port --apply             # asks before writing; backups next to each file
  $ sudo badgateway fix --apply --yes --reload --json

Changes nginx -t rejects are listed but never offered. Fixes outside nginx's configuration (restart a service,
an FPM pool's listen.owner, LimitNOFILE) are printed as commands and never run.
Exit codes: 0 nothing to fix or the changes were applied, 1 findings/fixes shown (nothing changed),
2 could not do the job (bad input, apply refused or failed — the original files are then restored).`,
    )
    .action(async (opts: FixCliOptions) => {
      if (opts.apply && opts.diff) throw new UserError("give --diff or --apply, not both");
      if (opts.reload && !opts.apply) throw new UserError("--reload only goes with --apply");
      const progress = process.stderr.isTTY ? (m: string) => process.stderr.write(`\r\x1b[K${m}`) : undefined;
      const gather = gatherOptionsFrom(opts, progress);
      let s: FixSession;
      try {
        s = await prepareFixes({
          ...gather,
          ...(opts.finding.length ? { only: opts.finding } : {}),
          lint: opts.lint,
          validate: opts.validate,
          ...(opts.nginx ? { nginx: opts.nginx } : {}),
          ...(opts.prefix ? { prefix: opts.prefix } : {}),
          ...(opts.resolver.length ? { resolvers: opts.resolver } : {}),
          ...(opts.caBundle ? { caBundle: opts.caBundle } : {}),
        });
      } catch (e) {
        throw new UserError((e as Error).message);
      } finally {
        if (progress) process.stderr.write("\r\x1b[K");
      }
      try {
        if (!s.model) {
          for (const m of s.warnings) process.stderr.write(`badgateway: ${safeText(m)}\n`);
          throw new UserError("no configuration could be read, so there is nothing to fix");
        }
        for (const u of s.evidence.unread ?? []) process.stderr.write(`badgateway: ${safeText(u)}\n`);
        if (opts.finding.length && s.offers.length === 0)
          throw new UserError(
            `no fix matches ${opts.finding.join(", ")} (fix ids look like RULE@FILE:LINE; run badgateway fix to list them)`,
          );
        if (opts.apply) {
          if (!opts.json) process.stdout.write(fixText(s, { color: stdoutColor() }));
          const applied = await apply(s, opts);
          if (opts.json) process.stdout.write(fixJson(s, { applied }));
        } else {
          if (opts.json) process.stdout.write(fixJson(s));
          else if (opts.diff) process.stdout.write(await patchOf(s));
          else process.stdout.write(fixText(s, { color: stdoutColor() }));
          process.exitCode = s.findings.length || s.offers.length ? EXIT.FOUND : EXIT.OK;
        }
        if ((s.evidence.unread ?? []).length) process.exitCode = EXIT.ERROR;
      } finally {
        s.sandbox?.dispose();
      }
    });
}
