/**
 * The evidence inputs shared by `diagnose` and `fix`: bundle, configuration, logs, time window, probes, the
 * backends' systemd units and host mode. `addEvidenceOptions` declares them; `gatherOptionsFrom` checks the
 * values and maps them onto `gatherEvidence`'s options (a bad value is a UserError naming the option).
 * `watch` declares the ones that mean the same thing there (configuration, logs, format, --since, --pid) from
 * the same definitions (`evidenceOption`), with its own help text where it says them in its own terms.
 */
import { type Command, Option } from "commander";
import type { GatherOptions } from "../../evidence/gather.js";
import { parseDurationOption, parsePidOption, parseWhen } from "../options.js";
import { parseByteSize } from "./size-option.js";

export interface EvidenceCliOptions {
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
  /** --systemd / --no-systemd; undefined: the default (on in host mode). */
  systemd?: boolean;
  pid?: string;
  maxFileSize?: string;
  maxConfigSize?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * One definition per option shared with `watch`: flags, value parsing and the default; `help` replaces the
 * description where a command says it in its own terms.
 */
export const evidenceOption = {
  config: (help = "nginx configuration file (includes are followed)") => new Option("--config <file>", help),
  nginxT: (help = "saved output of `nginx -T` ('-' for stdin), instead of --config") =>
    new Option("--nginx-t <file>", help),
  errorLog: (help = "error log file (repeatable; .gz and rotated files are fine)") =>
    new Option("--error-log <file>", help).argParser(collect).default([]),
  accessLog: (help = "access log file (repeatable)") =>
    new Option("--access-log <file>", help).argParser(collect).default([]),
  logFormat: (help = "log_format name from the config, or a format string, for the access logs") =>
    new Option("--log-format <name|format>", help),
  since: (help = "only evidence after this time (2h, 30m, ISO time)") => new Option("--since <when>", help),
  pid: (help = "nginx master pid (host mode; default: the first one found)") =>
    new Option("--pid <pid>", help),
};

/** Declares the evidence options on a command. `extra` adds options right after --bundle. */
export function addEvidenceOptions(cmd: Command, extra: (c: Command) => Command = (c) => c): Command {
  cmd.option("--bundle <dir>", "read an evidence bundle (from `badgateway collect` or the examples/ folder)");
  extra(cmd);
  return cmd
    .addOption(evidenceOption.config())
    .addOption(evidenceOption.nginxT())
    .addOption(evidenceOption.errorLog())
    .addOption(evidenceOption.accessLog())
    .addOption(evidenceOption.logFormat())
    .addOption(evidenceOption.since())
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
    .option(
      "--systemd",
      "look up the systemd unit behind each failing local peer and read its journal over the incident window (default in host mode)",
    )
    .option("--no-systemd", "do not run systemctl/journalctl, even in host mode")
    .addOption(evidenceOption.pid())
    .option(
      "--max-file-size <size>",
      "largest log file read from a bundle (default 2G; .gz: compressed size)",
    )
    .option(
      "--max-config-size <size>",
      "largest configuration or JSON file read from a bundle (default 64M)",
    );
}

/** True when no input was given: discover the running nginx on this host. */
export function isHostMode(opts: EvidenceCliOptions): boolean {
  return (
    !opts.bundle && !opts.config && !opts.nginxT && opts.errorLog.length === 0 && opts.accessLog.length === 0
  );
}

/** gatherEvidence options from the command line (progress shown on a terminal's stderr). */
export function gatherOptionsFrom(opts: EvidenceCliOptions, onProgress?: (m: string) => void): GatherOptions {
  const since = (opts.since ?? opts.from) ? parseWhen((opts.since ?? opts.from) as string) : undefined;
  const until = (opts.until ?? opts.to) ? parseWhen((opts.until ?? opts.to) as string) : undefined;
  const limits = {
    ...(opts.maxFileSize ? { maxFileSize: parseByteSize("--max-file-size", opts.maxFileSize) } : {}),
    ...(opts.maxConfigSize ? { maxConfigSize: parseByteSize("--max-config-size", opts.maxConfigSize) } : {}),
  };
  const probeDeadlineMs = parseDurationOption("--probe-deadline", opts.probeDeadline);
  return {
    ...(opts.bundle ? { bundle: opts.bundle } : {}),
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
    errorLogs: opts.errorLog,
    host: isHostMode(opts),
    ...(opts.pid ? { pid: parsePidOption(opts.pid) } : {}),
    accessLogs: opts.accessLog,
    ...(opts.logFormat ? { logFormat: opts.logFormat } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(onProgress ? { onProgress } : {}),
    probe: opts.probe,
    ...(opts.systemd !== undefined ? { systemd: opts.systemd } : {}),
    limits,
    probeDeadlineMs,
  };
}
