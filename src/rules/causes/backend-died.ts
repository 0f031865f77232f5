/**
 * The backend's own story: the systemd unit (or process) behind a failing peer died — killed, OOM-killed, exited,
 * stopped, or systemd gave up restarting it — around the time nginx started failing. Reads Evidence.backends
 * (src/evidence/systemd.ts) and joins the journal to the error log's timeline.
 */
import type { BackendUnit, JournalEvent } from "../../evidence/systemd.js";
import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { BACKEND_GONE_CLASSES } from "../../nginx/errorlog/class-sets.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { finding } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import type { CauseRule } from "./types.js";
import { confidence, errorItem, failureTotal, total } from "./util.js";

const DEATHS = new Set<JournalEvent["kind"]>([
  "killed",
  "oom-kill",
  "exited",
  "failed",
  "stopped",
  "start-limit",
  "start-failed",
]);

/** Classes of error lines a dead backend causes (nothing listens, the connection broke, or the pool emptied). */
const DEAD_CLASSES: ReadonlySet<string> = new Set<ErrorClass>([...BACKEND_GONE_CLASSES, "no-live-upstreams"]);

/** Milliseconds of a local ISO time ("2026-12-06T03:12:02[.123]"), read as if UTC: only differences matter. */
function ms(localIso: string): number {
  return Date.parse(`${localIso.length === 16 ? `${localIso}:00` : localIso}Z`);
}

function clock(localIso: string): string {
  return localIso.slice(11, localIso.length > 19 && !localIso.endsWith(".000") ? 23 : 19);
}

/** What happened to the unit, as a verb phrase ("was OOM-killed", "exited with status 1/FAILURE"). */
function deathWords(e: JournalEvent, unitStopped = true): string {
  switch (e.kind) {
    case "oom-kill":
      // systemd reports an OOM kill of any process of the unit; without "Main process exited" the unit went on
      return unitStopped
        ? "was OOM-killed"
        : "was hit by the OOM killer (one of its processes was killed; the unit kept running)";
    case "killed":
      return `was killed (${e.exitCode === "dumped" ? "core dumped, " : ""}signal ${e.exitStatus ?? "?"})`;
    case "exited":
      return `exited with status ${e.exitStatus ?? "?"}`;
    case "failed":
      return `failed (result '${e.result ?? "?"}')`;
    case "stopped":
      return "was stopped";
    case "start-limit":
      return "was given up on by systemd (Start request repeated too quickly)";
    case "start-failed":
      return "failed to start";
    default:
      return `had "${e.kind}"`;
  }
}

interface Story {
  b: BackendUnit;
  groups: ErrorGroup[];
  first: string;
  death: JournalEvent | null;
  /** Several entries often describe one death (Main process exited, Failed with result 'oom-kill'): the most telling. */
  worst: JournalEvent | null;
  /** Whether the unit itself stopped (main process exited, failed, stopped), not only one of its processes. */
  stopped: boolean;
  back: string | null;
  backHow: string;
  gaveUp: JournalEvent | null;
  /** Starts between the death and systemd giving up (each failed again). */
  restarts: number;
  fromProc: boolean;
}

function storyOf(b: BackendUnit, ev: Evidence): Story | null {
  const groups = (ev.errorLog?.groups ?? []).filter(
    (g) => g.peer === b.peer && DEAD_CLASSES.has(g.class) && g.first !== null,
  );
  if (groups.length === 0) return null;
  const first = groups.map((g) => g.first as string).sort()[0] as string;
  const last = groups
    .map((g) => g.last ?? (g.first as string))
    .sort()
    .at(-1) as string;
  const f = ms(first);
  const events = b.journal?.events ?? [];
  // The death that explains the failures: the last one up to 5 s after the first failure (journal entries and
  // nginx's log lines are written by different processes), else the first one while nginx was failing.
  const deaths = events.filter((e) => DEATHS.has(e.kind));
  // f is the whole second of the first failing line: the failure happened within [f, f + 1 s).
  const before = deaths.filter((e) => ms(e.time) < f + 1000 && ms(e.time) >= f - 15 * 60_000);
  let death: JournalEvent | null =
    before.at(-1) ?? deaths.find((e) => ms(e.time) >= f + 1000 && ms(e.time) <= f + 5000) ?? null;
  if (!death) death = deaths.find((e) => ms(e.time) > f && ms(e.time) <= ms(last) + 1000) ?? null;
  let worst = death;
  let stopped = false;
  if (death) {
    // entries of the same death within 2 s: an OOM kill outranks the bare "killed" it causes
    const near = deaths.filter((e) => Math.abs(ms(e.time) - ms((death as JournalEvent).time)) <= 2000);
    worst = near.find((e) => e.kind === "oom-kill") ?? near.find((e) => e.kind === "killed") ?? death;
    stopped = near.some((e) => e.kind !== "oom-kill");
    // the time of the death is the earliest of those entries
    death = near.reduce((a, e) => (ms(e.time) < ms(a.time) ? e : a), death);
  }
  const after = death ? ms(death.time) : f;
  const gaveUp = events.find((e) => e.kind === "start-limit" && ms(e.time) >= after) ?? null;
  // When systemd gave up, the restarts before that were short-lived: the return is a start after it.
  const from = gaveUp ? ms(gaveUp.time) : after;
  const started = events.find((e) => e.kind === "started" && ms(e.time) > from);
  const restarts = gaveUp
    ? events.filter((e) => e.kind === "started" && ms(e.time) > after && ms(e.time) < from).length
    : 0;
  let back: string | null = started?.time ?? null;
  let backHow = "journal";
  const p = b.process;
  let fromProc = false;
  if (!back && p?.startedAt && ms(p.startedAt) > after - 1000) {
    back = p.startedAt;
    backHow = `start time of pid ${p.pid} in /proc`;
    fromProc = true;
  }
  if (!death && !fromProc) return null;
  return { b, groups, first, death, worst, stopped, back, backHow, gaveUp, restarts, fromProc };
}

function who(b: BackendUnit): string {
  if (b.unit) return b.unit;
  return b.process ? `${b.process.comm} (pid ${b.process.pid})` : b.peer;
}

function sentence(s: Story, status: string): string {
  // the entry's own unit: for socket activation the service died, not the socket
  const name = s.worst?.unit || who(s.b);
  const parts: string[] = [];
  if (s.death && s.worst) parts.push(`${name} ${deathWords(s.worst, s.stopped)} at ${clock(s.death.time)}`);
  else
    parts.push(
      `the process listening on ${s.b.peer.replace(/^unix:/, "")} now (${s.b.process?.comm ?? "?"}, pid ${s.b.process?.pid ?? "?"}) started after nginx began failing, so the one before it was gone; with no journal entry the death is only bounded by the first failure`,
    );
  parts.push(`the first ${status} was at ${clock(s.first)}`);
  if (s.gaveUp)
    parts.push(
      `systemd stopped restarting it at ${clock(s.gaveUp.time)}${s.restarts ? ` after ${s.restarts} restart(s) that failed again` : ""} (Start request repeated too quickly)`,
    );
  const onlyAWorker = s.death !== null && !s.stopped;
  if (s.back && !onlyAWorker)
    parts.push(`it came back at ${clock(s.back)}${s.backHow === "journal" ? "" : ` (${s.backHow})`}`);
  else if (!s.gaveUp && !onlyAWorker) parts.push("it had not come back by the end of the journal window");
  return `${parts.join("; ")}.`;
}

function statusWord(gs: ErrorGroup[]): string {
  return gs.every((g) => g.class === "read-timeout" || g.class === "connect-timeout") ? "504" : "502";
}

function fixFor(s: Story): string {
  const unit = s.b.unit ?? "the backend's unit";
  const k = s.worst?.kind;
  if (k === "oom-kill")
    return `The kernel killed ${unit} for memory: lower its worker count or memory per worker (PHP-FPM: pm.max_children, memory_limit), give it more memory (MemoryMax= in the unit, or the host), and make sure it restarts (Restart=on-failure). Check \`journalctl -k --grep 'Killed process'\` for the size it had.`;
  if (s.gaveUp)
    return `systemd gave up after repeated failures: find why ${unit} fails to start (\`journalctl -u ${unit} -n 50\`), fix it, then \`systemctl reset-failed ${unit} && systemctl start ${unit}\`.`;
  if (k === "stopped")
    return `${unit} was stopped (by an operator, a deploy or a dependency): start it again and find what stopped it (\`journalctl -u ${unit}\` around that time).`;
  return `Find why ${unit} died (\`journalctl -u ${unit} -n 100\`, core dumps with \`coredumpctl list\`), and let systemd restart it (Restart=on-failure in the unit) so an outage lasts seconds, not minutes.`;
}

export const backendDied: CauseRule = {
  meta: {
    id: "backend-died",
    title: "The backend behind the failing peer died (its systemd journal says when)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "The process nginx forwards to was killed, OOM-killed, exited or stopped, or systemd gave up restarting it. While it was gone nothing listened on its port or socket, so nginx got connection refused (or a broken connection) and answered 502. The unit's journal gives the time of death and of its return; joined to the error log it shows the outage was the backend's.",
    nginxVersions: "all",
    uses: "Evidence.backends (collected with `diagnose --systemd`, on by default on the nginx host, and kept in bundles as backends.json): the unit behind each failing local peer, found from /proc (the listening process and its cgroup) or `systemctl status PID`, or from unit files and PHP-FPM pools naming the port or socket; its journal over the incident window (`journalctl -u UNIT -o json`) and kernel OOM-killer lines naming its cgroup; the current process's start time from /proc.",
  },
  diagnose(ev: Evidence): Finding[] {
    const out: Finding[] = [];
    for (const b of ev.backends ?? []) {
      const s = storyOf(b, ev);
      if (!s) continue;
      const status = statusWord(s.groups);
      const n = total(s.groups);
      const items: EvidenceItem[] = [
        {
          source: "system",
          summary: `${s.b.peer}: ${s.b.how}`,
          data: {
            peer: b.peer,
            unit: b.unit,
            process: b.process,
            died: s.death?.time ?? null,
            how: s.worst ? deathWords(s.worst, s.stopped).replace(/^was /, "") : null,
            firstFailure: s.first,
            back: s.back,
            backFrom: s.back ? s.backHow : null,
            gaveUp: s.gaveUp?.time ?? null,
          },
        },
      ];
      const events = (b.journal?.events ?? []).filter((e) => e.kind !== "message").slice(0, 12);
      for (const e of events)
        items.push({
          source: "journal",
          summary: `${e.time.replace("T", " ")} ${e.unit}: ${e.message.startsWith(`${e.unit}: `) ? e.message.slice(e.unit.length + 2) : e.message}`,
          data: {
            kind: e.kind,
            epochMs: e.epochMs,
            ...(e.exitCode ? { exitCode: e.exitCode, exitStatus: e.exitStatus } : {}),
          },
        });
      for (const g of s.groups.slice(0, 3)) items.push(errorItem(g, g.class));
      // A death seen in the journal is direct evidence; a restart seen only in /proc is weaker.
      const base = s.death ? 0.97 : 0.8;
      out.push(
        finding(backendDied.meta, {
          confidence: confidence(base, n, failureTotal(ev)),
          status: status === "504" ? 504 : 502,
          message: `${sentence(s, status)} ${n} error-log line(s) toward ${b.peer} fall in this outage.`,
          evidence: items,
          fix: fixFor(s),
          verify: b.unit
            ? `\`systemctl status ${b.unit}\` shows it active (running) since before the next incident window, and \`journalctl -u ${b.unit} --since -1h\` has no new "Main process exited" or "Failed with result" lines.`
            : `The process listening on ${b.peer} stays up (same pid) and the refused-connection lines stop.`,
          locations: [],
        }),
      );
    }
    return out;
  },
};
