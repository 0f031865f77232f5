/**
 * The long-running side of the CLI shared by `watch`, `logs --follow` and `access --follow`: running a Watcher
 * until SIGINT/SIGTERM (or until nothing is left to follow), batching event lines onto stdout, warnings onto
 * stderr, and the exit code.
 *
 * What an operator sees for a path that cannot be followed (never silence):
 * - nothing there yet (also when its directory is missing): "X: does not exist yet; waiting for it" at once,
 *   "X: appeared; following it" when it comes; a path that never appeared makes the exit code 2 at the end;
 * - something that can never be followed (a directory, a compressed file, a file or directory we may not
 *   read): "X: …; not followed" at once and exit 2 at the end; when no path is left to follow or wait for, the
 *   command stops at once with "nothing left to follow" and exit 2.
 */
import { Watcher, type WatchOptions } from "../evidence/watch.js";
import type { WatchSources } from "../evidence/watch-sources.js";
import { safeText } from "../report/terminal.js";
import { EXIT, UserError } from "./exit.js";
import { parseDurationOption, parseWhen } from "./options.js";

/**
 * Runs a watcher until SIGINT/SIGTERM, or until every path was refused (nothing left to follow or wait for);
 * resolves after it has stopped cleanly (the cleanup awaited).
 */
export function runUntilSignal(w: Watcher, cleanup: () => Promise<void> | void = () => {}): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) return;
      stopping = true;
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      void (async () => {
        await w.stop();
        await cleanup();
        resolve();
      })();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    void w.nothingToFollow.then(() => {
      if (stopping) return;
      process.stderr.write("badgateway: nothing left to follow; stopping\n");
      stop();
    });
    w.start();
  });
}

/**
 * stdout for event lines: what one block of log lines produces is written in one go (one write per burst, not
 * one per event), on the next turn of the event loop; `flush()` writes what is left at once.
 */
export function bufferedStdout(): { write: (s: string) => void; flush: () => void } {
  let parts: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (parts.length === 0) return;
    const text = parts.join("");
    parts = [];
    process.stdout.write(text);
  };
  return {
    write: (s) => {
      parts.push(s);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

const CANNOT_FOLLOW = new Set(["unreadable", "not-a-file", "compressed"]);

/** Warnings go to stderr once each; the ones that mean a log cannot be followed make the exit code 2. */
export function warningSink(): { onWarning: NonNullable<WatchOptions["onWarning"]>; lost: () => boolean } {
  let lost = false;
  return {
    onWarning: (w) => {
      // A log that cannot be followed at all; a copytruncate without a copy or a missing file is only said.
      if (CANNOT_FOLLOW.has(w.code)) lost = true;
      process.stderr.write(`badgateway: ${safeText(w.message)}\n`);
    },
    lost: () => lost,
  };
}

/**
 * The exit code after a watcher stopped: 2 when a log could not be followed or never appeared (each path that
 * never appeared is named on stderr), else 1 when `found` events were printed, else 0.
 */
export function followExitCode(w: Watcher, lost: boolean, found: number): number {
  const never = w.neverFollowed().filter((p) => p.state === "waiting");
  for (const p of never) process.stderr.write(`badgateway: ${safeText(p.path)} never appeared\n`);
  if (lost || never.length > 0) return EXIT.ERROR;
  return found > 0 ? EXIT.FOUND : EXIT.OK;
}

export interface FollowCommand {
  /** The paths as given on the command line (`-` is refused: stdin cannot be followed). */
  files: string[];
  /** Which log the files are, for the refusal message. */
  kind: "error" | "access";
  /** --poll and --since/--from as given. */
  poll: string;
  since?: string | undefined;
  /** The logs to follow. */
  sources: Pick<WatchSources, "errorLogs" | "accessLogs">;
  /**
   * The Watcher's event hooks, given the printer: each call of `print` writes one event's text and counts
   * as something found (exit code 1).
   */
  printers: (print: (text: string) => void) => Pick<WatchOptions, "onFailure" | "onAccess">;
}

/** `logs --follow` and `access --follow`: follows the files, prints events, sets the exit code. */
export async function followFiles(c: FollowCommand): Promise<void> {
  if (c.files.length === 0 || c.files.includes("-"))
    throw new UserError(
      `--follow needs ${c.kind} log files (stdin cannot be followed; pipe \`tail -F\` into \`${c.kind === "error" ? "explain" : "access"} -\` instead)`,
    );
  const pollMs = parseDurationOption("--poll", c.poll);
  const since = c.since ? parseWhen(c.since) : undefined;
  let found = 0;
  const out = bufferedStdout();
  const warnings = warningSink();
  const w = new Watcher({
    sources: {
      model: null,
      configSource: null,
      stubStatus: null,
      notes: [],
      errorLogs: c.sources.errorLogs,
      accessLogs: c.sources.accessLogs,
    },
    pollMs,
    ...(since !== undefined ? { since } : {}),
    onWarning: warnings.onWarning,
    ...c.printers((text) => {
      found++;
      out.write(text);
    }),
  });
  await runUntilSignal(w, out.flush);
  process.exitCode = followExitCode(w, warnings.lost(), found);
}
