/**
 * The backend's own story: which systemd unit is behind a failing local peer, and what its journal says over the
 * incident window (restarts, exit codes, OOM kills, start limits, socket activation).
 *
 * Finding the unit, in order: the process listening on the TCP port or owning the unix socket (/proc/net/tcp{,6},
 * /proc/net/unix, /proc/<pid>/fd), then its unit from /proc/<pid>/cgroup, else `systemctl status <pid>`; when
 * nothing listens, unit files that name the port or the socket (a .socket's ListenStream=, a .service's command
 * line or environment) and PHP-FPM pool files (`listen =`, which belong to `php<version>-fpm.service`).
 * Reading the journal: `journalctl -u UNIT -o json --since … --until … -n N` with a timeout and an output cap,
 * plus kernel OOM-killer lines naming the unit's cgroup (`journalctl -k`). Programs run through execFile, no
 * shell; everything is read-only. The parsers (journal JSON, cgroup, `systemctl status`, unit files) are pure.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { BACKEND_GONE_CLASSES } from "../nginx/errorlog/class-sets.js";
import { isLocalAddress, listTcpListeners } from "./probes/listeners.js";
import type { ErrorGroup } from "./types.js";

export type JournalKind =
  | "started"
  | "start-failed"
  | "stopping"
  | "stopped"
  | "exited"
  | "killed"
  | "oom-kill"
  | "failed"
  | "restart-scheduled"
  | "start-limit"
  | "socket"
  | "message";

export interface JournalEvent {
  /** Local time of the host that wrote the journal, "YYYY-MM-DDTHH:MM:SS.mmm" (comparable with error-log times). */
  time: string;
  /** Epoch milliseconds (__REALTIME_TIMESTAMP / 1000). */
  epochMs: number;
  kind: JournalKind;
  unit: string;
  message: string;
  /** "killed", "exited", "dumped" and the status ("9", "1") when the entry carries them. */
  exitCode?: string;
  exitStatus?: string;
  /** systemd's result word ("oom-kill", "signal", "exit-code", "start-limit-hit"). */
  result?: string;
}

export interface BackendProcess {
  pid: number;
  comm: string;
  /** Local time the process started (from /proc/<pid>/stat and the boot time), or null. */
  startedAt: string | null;
  startedEpochMs: number | null;
}

export interface BackendUnit {
  /** The peer as nginx names it ("127.0.0.1:9000", "unix:/run/php/php8.2-fpm.sock"). */
  peer: string;
  unit: string | null;
  /** How the unit was found, in words. */
  how: string;
  /** The process listening there now (null when nothing does). */
  process: BackendProcess | null;
  journal: {
    since: string;
    until: string;
    /** Entries read (after the cap) and whether the cap cut the output. */
    lines: number;
    truncated: boolean;
    events: JournalEvent[];
  } | null;
  problems: string[];
}

// ---- pure parsers ----

/** "YYYY-MM-DDTHH:MM:SS.mmm" in the local time zone of this process. */
export function localIso(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** The unit a process belongs to, from /proc/<pid>/cgroup text (cgroup v2 `0::/…` or v1 `name=systemd`). */
export function unitFromCgroup(text: string): string | null {
  for (const line of text.split("\n")) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!m) continue;
    const [, , ctl, path] = m as unknown as [string, string, string, string];
    if (ctl !== "" && ctl !== "name=systemd") continue;
    const parts = path.split("/").filter(Boolean);
    for (let i = parts.length - 1; i >= 0; i--) {
      const p = parts[i] as string;
      if (/\.(service|socket|scope)$/.test(p) && p !== "init.scope" && !/^user@\d+\.service$/.test(p))
        return p;
    }
  }
  return null;
}

/** The unit named on the first line of `systemctl status` ("● php8.2-fpm.service - The PHP 8.2 …"). */
export function unitFromSystemctlStatus(text: string): string | null {
  const first = text.split("\n").find((l) => l.trim() !== "") ?? "";
  const m = /^\S{0,2}\s*([\w@.:\\-]{1,200}\.(?:service|socket|scope))(?:\s|$)/u.exec(first.trim());
  return m ? (m[1] as string) : null;
}

function text(v: unknown): string {
  if (typeof v === "string") return v;
  // journalctl writes a field that is not valid UTF-8 (or has control bytes) as an array of byte values.
  if (Array.isArray(v) && v.every((b) => typeof b === "number"))
    return Buffer.from(v as number[]).toString("utf8");
  return "";
}

/** The event one journal entry stands for (systemd's own wording, which has been stable for years). */
export function classifyJournal(
  message: string,
  fields: Record<string, unknown>,
  unit: string,
): Omit<JournalEvent, "time" | "epochMs"> {
  const out: Omit<JournalEvent, "time" | "epochMs"> = { kind: "message", unit, message };
  const code = text(fields["EXIT_CODE"]);
  const status = text(fields["EXIT_STATUS"]);
  const exit = /Main process exited, code=(\w{1,20}), status=(\d{1,3})(?:\/(\w{1,20}))?/.exec(message);
  const result = /Failed with result '([\w-]{1,40})'/.exec(message);
  if (
    /has been killed by the OOM killer|Failed with result 'oom-kill'|Out of memory: Killed process|oom-kill:/.test(
      message,
    )
  ) {
    out.kind = "oom-kill";
    if (message.includes("Failed with result")) out.result = "oom-kill";
  } else if (exit) {
    out.exitCode = exit[1] as string;
    out.exitStatus = exit[3] ? `${exit[2]}/${exit[3]}` : (exit[2] as string);
    out.kind = out.exitCode === "exited" ? "exited" : "killed";
  } else if (code && status && /process exited/i.test(message)) {
    out.exitCode = code;
    out.exitStatus = status;
    out.kind = code === "exited" ? "exited" : "killed";
  } else if (/Start request repeated too quickly|Failed with result 'start-limit-hit'/.test(message)) {
    out.kind = "start-limit";
    out.result = "start-limit-hit";
  } else if (result) {
    out.kind = "failed";
    out.result = result[1] as string;
  } else if (/Scheduled restart job/.test(message)) out.kind = "restart-scheduled";
  else if (/^Failed to start /.test(message) || text(fields["JOB_RESULT"]) === "failed")
    out.kind = "start-failed";
  else if (/^Started /.test(message)) out.kind = "started";
  else if (/^Stopping /.test(message)) out.kind = "stopping";
  else if (/^Stopped /.test(message)) out.kind = "stopped";
  else if (
    unit.endsWith(".socket") ||
    /^Listening on |Trigger limit hit|refusing further activation/.test(message)
  )
    out.kind = "socket";
  return out;
}

/**
 * Parses `journalctl -o json` output (one JSON object per line). Entries about `unit` from systemd (UNIT=,
 * _SYSTEMD_UNIT=init.scope) and from the service itself are kept; kernel OOM lines are kept when they name the
 * unit's cgroup or one of `pids`. At most `max` events; the rest is counted.
 */
export function parseJournalJson(
  out: string,
  unitOrUnits: string | string[],
  max = 500,
): { events: JournalEvent[]; lines: number; skipped: number } {
  const units = Array.isArray(unitOrUnits) ? unitOrUnits : [unitOrUnits];
  const events: JournalEvent[] = [];
  let lines = 0;
  let skipped = 0;
  for (const line of out.split("\n")) {
    if (!line.trim()) continue;
    lines++;
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(line) as Record<string, unknown>;
    } catch {
      skipped++;
      continue;
    }
    const us = Number(text(f["__REALTIME_TIMESTAMP"]));
    const message = text(f["MESSAGE"]).slice(0, 2000);
    if (!Number.isFinite(us) || !message) {
      skipped++;
      continue;
    }
    const transport = text(f["_TRANSPORT"]);
    const about = text(f["UNIT"]) || text(f["USER_UNIT"]) || text(f["OBJECT_SYSTEMD_UNIT"]);
    const from = text(f["_SYSTEMD_UNIT"]);
    let unit: string | undefined;
    if (transport === "kernel") unit = units.find((u) => message.includes(`/${u}`));
    else unit = units.find((u) => about === u || from === u);
    if (unit === undefined) {
      skipped++;
      continue;
    }
    if (events.length >= max) {
      skipped++;
      continue;
    }
    const epochMs = Math.floor(us / 1000);
    events.push({ time: localIso(epochMs), epochMs, ...classifyJournal(message, f, unit) });
  }
  events.sort((a, b) => a.epochMs - b.epochMs);
  return { events, lines, skipped };
}

/** Does a unit file's text name this peer (port, address:port or socket path)? */
export function unitFileNames(textOf: string, peer: string): boolean {
  if (peer.startsWith("unix:")) {
    const path = peer.slice(5);
    return textOf.split("\n").some((l) => !l.trimStart().startsWith("#") && l.includes(path));
  }
  const port = /:(\d{1,5})$/.exec(peer)?.[1];
  if (!port) return false;
  for (const raw of textOf.split("\n")) {
    const l = raw.trim();
    if (l.startsWith("#") || l.startsWith(";")) continue;
    if (/^ListenStream\s*=/.test(l)) {
      const v = l.slice(l.indexOf("=") + 1).trim();
      if (v === port || v.endsWith(`:${port}`)) return true;
    }
    if (/^(ExecStart|Environment)\s*=/.test(l)) {
      // ":3000", "--port 3000", "--port=3000", "PORT=3000" as whole words
      const re = new RegExp(`(?::|port[= ]|PORT=|-p )${port}(?![0-9])`, "i");
      if (re.test(l)) return true;
    }
  }
  return false;
}

/** The `listen =` value of a PHP-FPM pool file, or null. */
export function fpmPoolListen(textOf: string): string | null {
  for (const raw of textOf.split("\n")) {
    const m = /^\s*listen\s*=\s*(\S{1,500})\s*$/.exec(raw);
    if (m) return (m[1] as string).replace(/^["']|["']$/g, "");
  }
  return null;
}

/** Whether a pool's listen value is this peer ("/run/php/x.sock", "127.0.0.1:9000", "9000"). */
export function fpmListenIs(listen: string, peer: string): boolean {
  if (peer.startsWith("unix:")) return listen === peer.slice(5);
  const port = /:(\d{1,5})$/.exec(peer)?.[1];
  return listen === peer || (port !== undefined && (listen === port || listen.endsWith(`:${port}`)));
}

// ---- /proc ----

/**
 * Boot time in epoch milliseconds: now − /proc/uptime (10 ms resolution), else /proc/stat's btime (whole seconds).
 */
function bootTimeMs(procRoot: string): number | null {
  try {
    const up = Number(readFileSync(join(procRoot, "uptime"), "utf8").split(" ")[0]);
    if (Number.isFinite(up) && up > 0) return Date.now() - up * 1000;
  } catch {
    /* fall through */
  }
  try {
    const m = /^btime (\d+)$/m.exec(readFileSync(join(procRoot, "stat"), "utf8"));
    return m ? Number(m[1]) * 1000 : null;
  } catch {
    return null;
  }
}

/** A process's name and start time (starttime, field 22 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
export function processInfo(pid: number, procRoot = "/proc"): BackendProcess | null {
  try {
    const stat = readFileSync(join(procRoot, String(pid), "stat"), "utf8");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const rest = stat.slice(close + 2).split(" ");
    const ticks = Number(rest[19]);
    const bt = bootTimeMs(procRoot);
    const epoch = bt !== null && Number.isFinite(ticks) ? Math.round(bt + ticks * 10) : null;
    return { pid, comm, startedAt: epoch === null ? null : localIso(epoch), startedEpochMs: epoch };
  } catch {
    return null;
  }
}

/** The pid owning a socket inode (first match), scanning /proc/<pid>/fd. */
function ownerOfInode(inode: number, procRoot: string): number | null {
  let pids: string[] = [];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  const want = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(join(procRoot, pid, "fd"));
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(join(procRoot, pid, "fd", fd)) === want) return Number(pid);
      } catch {
        /* gone */
      }
    }
  }
  return null;
}

/** The process listening at a peer now: TCP port on the peer's address (or a wildcard), or the unix socket path. */
export function listenerOf(peer: string, procRoot = "/proc"): BackendProcess | null {
  if (peer.startsWith("unix:")) {
    const path = peer.slice(5);
    try {
      for (const line of readFileSync(join(procRoot, "net/unix"), "utf8").split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        // Num RefCount Protocol Flags Type St Inode Path; Flags 00010000 = listening
        if (f[7] === path && f[3] === "00010000") {
          const pid = ownerOfInode(Number(f[6]), procRoot);
          return pid === null ? null : processInfo(pid, procRoot);
        }
      }
    } catch {
      return null;
    }
    return null;
  }
  const m = /^\[?([^\]]*)\]?:(\d{1,5})$/.exec(peer);
  if (!m) return null;
  const [, host, port] = m as unknown as [string, string, string];
  const l = listTcpListeners(procRoot).find(
    (x) => x.port === Number(port) && (x.address === host || x.address === "0.0.0.0" || x.address === "::"),
  );
  return l?.pid === undefined ? null : processInfo(l.pid, procRoot);
}

/** Error classes after which the backend itself is worth asking about (nothing listened, or it broke off). */
const BACKEND_CLASSES: ReadonlySet<string> = new Set(BACKEND_GONE_CLASSES);

/**
 * The failing peers on this host (loopback or unix sockets) and the incident window around their error lines:
 * from 10 minutes before the first to 10 minutes after the last (error-log times are local, as journalctl's are).
 */
export function incidentPeers(groups: ErrorGroup[]): { peers: string[]; sinceMs: number; untilMs: number } {
  const gs = groups.filter(
    (g) =>
      g.peer &&
      g.first &&
      BACKEND_CLASSES.has(g.class) &&
      (g.peer.startsWith("unix:") || isLocalAddress(splitHost(g.peer))),
  );
  const by = new Map<string, number>();
  for (const g of gs) by.set(g.peer as string, (by.get(g.peer as string) ?? 0) + g.count);
  const peers = [...by.entries()].sort((a, b) => b[1] - a[1]).map(([p]) => p);
  const firsts = gs.map((g) => new Date(g.first as string).getTime()).filter(Number.isFinite);
  const lasts = gs.map((g) => new Date((g.last ?? g.first) as string).getTime()).filter(Number.isFinite);
  const since = Math.min(...firsts) - 10 * 60_000;
  const until = Math.min(Math.max(...lasts) + 10 * 60_000, Date.now() + 60_000);
  return { peers: firsts.length ? peers : [], sinceMs: since, untilMs: until };
}

function splitHost(peer: string): string {
  const i = peer.lastIndexOf(":");
  return i < 0 ? peer : peer.slice(0, i);
}

// ---- programs ----

/** Runs a program without a shell; null when it is missing, fails to start or times out. Output is capped. */
function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
  maxBytes: number,
): Promise<{ out: string; code: number; truncated: boolean } | null> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: maxBytes,
        encoding: "utf8",
        env: { ...process.env, SYSTEMD_PAGER: "", LC_ALL: "C" },
      },
      (err, stdout) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
          if (e.code === "ENOENT" || e.killed) return resolve(null);
          if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
            return resolve({ out: stdout.slice(0, stdout.lastIndexOf("\n") + 1), code: 0, truncated: true });
          // systemctl status exits 3 for an inactive unit and still prints it.
          return resolve({ out: stdout, code: typeof e.code === "number" ? e.code : 1, truncated: false });
        }
        resolve({ out: stdout, code: 0, truncated: false });
      },
    );
  });
}

const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/usr/local/lib/systemd/system",
  "/usr/lib/systemd/system",
  "/lib/systemd/system",
];

function readSmall(path: string, cap = 256 * 1024): string | null {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size > cap) return null;
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Unit files (and PHP-FPM pools) naming the peer: [unit, file] pairs, at most 5. */
export function unitsNaming(
  peer: string,
  dirs: string[] = UNIT_DIRS,
  phpRoot = "/etc/php",
): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let scanned = 0;
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /\.(service|socket)$/.test(n));
    } catch {
      continue;
    }
    for (const n of names.sort()) {
      if (++scanned > 2000 || out.length >= 5) return out;
      const t = readSmall(join(dir, n));
      if (t !== null && unitFileNames(t, peer) && !out.some(([u]) => u === n)) out.push([n, join(dir, n)]);
    }
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(phpRoot);
  } catch {
    return out;
  }
  for (const v of versions.sort()) {
    const pool = join(phpRoot, v, "fpm", "pool.d");
    let files: string[] = [];
    try {
      files = readdirSync(pool).filter((n) => n.endsWith(".conf"));
    } catch {
      continue;
    }
    for (const f of files) {
      const t = readSmall(join(pool, f));
      const listen = t === null ? null : fpmPoolListen(t);
      if (listen && fpmListenIs(listen, peer) && out.length < 5)
        out.push([`php${v}-fpm.service`, join(pool, f)]);
    }
  }
  return out;
}

export interface BackendOptions {
  procRoot?: string;
  unitDirs?: string[];
  phpRoot?: string;
  /** journalctl/systemctl timeout each (default 5 s) and output cap (default 4 MiB). */
  timeoutMs?: number;
  maxBytes?: number;
  /** Most events kept per unit (default 500). */
  maxEvents?: number;
  /** No new peer is looked up after this long (default 15 s; each program call has its own timeout too). */
  budgetMs?: number;
}

/** journalctl's --since/--until: local time "YYYY-MM-DD HH:MM:SS". */
function journalTime(epochMs: number): string {
  return localIso(epochMs).slice(0, 19).replace("T", " ");
}

/**
 * The story of each failing local peer: its process and unit, and the unit's journal from `sinceMs` to
 * `untilMs`. Peers on other hosts are skipped (their journal is not here).
 */
export async function backendStories(
  peers: string[],
  sinceMs: number,
  untilMs: number,
  opts: BackendOptions = {},
): Promise<BackendUnit[]> {
  const procRoot = opts.procRoot ?? "/proc";
  const timeout = opts.timeoutMs ?? 5000;
  const maxBytes = opts.maxBytes ?? 4 << 20;
  const out: BackendUnit[] = [];
  const started = Date.now();
  const budget = opts.budgetMs ?? 15_000;
  for (const peer of peers.slice(0, 5)) {
    const problems: string[] = [];
    if (Date.now() - started > budget) {
      out.push({
        peer,
        unit: null,
        how: "not looked up",
        process: null,
        journal: null,
        problems: [
          `not looked up: the ${budget / 1000} s budget for systemd lookups was spent on the peers before it`,
        ],
      });
      continue;
    }
    const proc = listenerOf(peer, procRoot);
    let unit: string | null = null;
    let how = "";
    // systemd itself holding the socket is socket activation: the .socket unit file names the address.
    const bySystemd = proc !== null && (proc.pid === 1 || proc.comm === "systemd");
    if (bySystemd && proc)
      how = `systemd (pid ${proc.pid}) holds ${peer.replace(/^unix:/, "")}: socket activation`;
    if (proc && !bySystemd) {
      const cg = readSmall(join(procRoot, String(proc.pid), "cgroup"), 64 * 1024);
      const fromCg = cg ? unitFromCgroup(cg) : null;
      // A .scope is a session or container, not a service: ask systemctl first, keep the scope as the fallback.
      unit = fromCg && !fromCg.endsWith(".scope") ? fromCg : null;
      how = `process ${proc.comm} (pid ${proc.pid}) listens on ${peer.replace(/^unix:/, "")}`;
      if (unit) how += `; its cgroup names ${unit}`;
      else {
        const st = await run(
          "systemctl",
          ["status", "--no-pager", "--lines=0", String(proc.pid)],
          timeout,
          64 * 1024,
        );
        unit = st ? unitFromSystemctlStatus(st.out) : null;
        if (unit) how += `; \`systemctl status ${proc.pid}\` names ${unit}`;
        else if (fromCg) {
          unit = fromCg;
          how += `; its cgroup names ${unit}`;
        } else if (st === null) problems.push("systemctl is not available: the unit could not be named");
      }
    }
    if (!unit) {
      const named = unitsNaming(peer, opts.unitDirs ?? UNIT_DIRS, opts.phpRoot ?? "/etc/php");
      const first = named[0];
      if (first) {
        unit = first[0];
        how = `${how ? `${how}; ` : "nothing listens there now; "}${first[1]} names ${peer.replace(/^unix:/, "")} (unit ${unit})`;
        if (unit.endsWith(".socket"))
          how += `; its service ${unit.replace(/\.socket$/, ".service")} is read too`;
      } else if (!proc) how = "nothing listens there now and no unit file names it";
    }
    let journal: BackendUnit["journal"] = null;
    if (unit) {
      const since = journalTime(sinceMs);
      const until = journalTime(untilMs);
      const maxEvents = opts.maxEvents ?? 500;
      // Both reads: JSON entries over the incident window.
      const span = ["-o", "json", "--no-pager", "--since", since, "--until", until];
      // A socket unit starts its service on the first connection: the service's entries tell the story.
      const units = unit.endsWith(".socket") ? [unit, unit.replace(/\.socket$/, ".service")] : [unit];
      const r = await run(
        "journalctl",
        [...units.flatMap((u) => ["-u", u]), ...span, "-n", String(maxEvents * 4)],
        timeout,
        maxBytes,
      );
      if (r === null) problems.push("journalctl is not available or timed out: no journal for the unit");
      else {
        const parsed = parseJournalJson(r.out, units, maxEvents);
        // Kernel OOM-killer lines are not the unit's own entries: read them apart, kept when they name its cgroup.
        const k = await run(
          "journalctl",
          ["-k", ...span, "--grep", "oom-kill|Killed process", "-n", "200"],
          timeout,
          maxBytes,
        );
        const kernel = k
          ? parseJournalJson(k.out, unit, 50).events.filter((e) => e.message.includes(`/${unit}`))
          : [];
        const events = [...parsed.events, ...kernel].sort((a, b) => a.epochMs - b.epochMs);
        journal = {
          since,
          until,
          lines: parsed.lines,
          truncated: r.truncated || parsed.lines > maxEvents * 4 - 1,
          events,
        };
        if (parsed.lines === 0 && r.code !== 0)
          problems.push(`journalctl -u ${unit} exited with status ${r.code}`);
      }
    }
    out.push({ peer, unit, how, process: proc, journal, problems });
  }
  return out;
}
