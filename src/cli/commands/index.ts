/**
 * The command table: what `badgateway --help` lists, and how to load each command. Only the command that runs is
 * loaded (a dynamic import, one chunk per command in the bundle), so `--version`, `--help` and `explain` do not
 * pay for the configuration parser, the rules or the log readers. Each command module takes its description from
 * here (`summaryOf`); test/cli/commands-table.test.ts checks that the listing terms match the real definitions.
 */
import type { Command } from "commander";

export interface CommandEntry {
  name: string;
  /** The command as `--help` lists it (name, options marker, arguments). */
  term: string;
  description: string;
  /** Loads the module and returns its register function. */
  load(): Promise<(program: Command) => void>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "diagnose",
    term: "diagnose [options]",
    description: "Find the root cause of 502/504 answers from nginx's logs, configuration and live checks.",
    load: async () => (await import("./diagnose.js")).registerDiagnose,
  },
  {
    name: "collect",
    term: "collect [options]",
    description:
      "Write an evidence bundle from this host (nginx -T, error and access logs) for `diagnose --bundle` elsewhere.",
    load: async () => (await import("./collect.js")).registerCollect,
  },
  {
    name: "explain",
    term: "explain [options] <line>",
    description:
      "Explain one nginx error-log line ('-' reads many lines from stdin): what failed, 502 or 504, what to check, how to fix.",
    load: async () => (await import("./explain.js")).registerExplain,
  },
  {
    name: "logs",
    term: "logs [options] [files...]",
    description:
      "Summarise upstream failures in nginx error logs: per class, peer, host and minute, with samples.",
    load: async () => (await import("./logs.js")).registerLogs,
  },
  {
    name: "config",
    term: "config",
    description: "Work with nginx configuration files.",
    load: async () => (await import("./config.js")).registerConfig,
  },
  {
    name: "lint",
    term: "lint [options] [file]",
    description: "Check an nginx configuration for settings that lead to 502/504.",
    load: async () => (await import("./lint.js")).registerLint,
  },
  {
    name: "watch",
    term: "watch [options]",
    description:
      "Follow nginx's error and access logs live (across rotation): upstream failures per class and peer, 502/504 rate, the current top cause; Prometheus metrics.",
    load: async () => (await import("./watch.js")).registerWatch,
  },
  {
    name: "fix",
    term: "fix [options]",
    description:
      "Turn findings into configuration changes: a minimal diff per fix, validated with nginx -t on a copy, applied only with --apply.",
    load: async () => (await import("./fix.js")).registerFix,
  },
  {
    name: "probe",
    term: "probe [options]",
    description:
      "Check upstreams live, the way nginx reaches them: DNS, TCP, TLS, HTTP response, unix sockets.",
    load: async () => (await import("./probe.js")).registerProbe,
  },
  {
    name: "access",
    term: "access [options] [files...]",
    description:
      "Access-log statistics through your log_format: 502/504 per upstream peer, host, location, minute; latency percentiles",
    load: async () => (await import("./access.js")).registerAccess,
  },
];

/** The description of a command in the table (the command modules use it, so the listing and the page agree). */
export function summaryOf(name: string): string {
  const c = COMMANDS.find((e) => e.name === name);
  if (!c) throw new Error(`no command "${name}" in the command table`);
  return c.description;
}

/**
 * The command an argument list runs (`help NAME` counts as NAME), skipping the global options; null when there
 * is none (`--help`, `--version`, no arguments).
 */
export function commandWord(args: readonly string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--color") {
      i++;
      continue;
    }
    if (a === "--") return args[i + 1] ?? null;
    if (a.startsWith("-")) continue;
    if (a === "help") return args[i + 1] ?? null;
    return a;
  }
  return null;
}
