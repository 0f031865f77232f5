/**
 * The backends behind failing peers, as Evidence: read from a bundle's backends.json (untrusted, so only fields
 * of the right types are kept) or looked up on this host through systemd (see systemd.ts).
 */
import { BundleError, readBundleText } from "./bundle.js";
import {
  type BackendOptions,
  type BackendUnit,
  backendStories,
  incidentPeers,
  type JournalEvent,
} from "./systemd.js";
import type { Evidence } from "./types.js";

/** Adds a bundle's backends.json to the evidence; a file of the wrong shape is a warning, never fatal. */
export function addBundleBackends(ev: Evidence, file: string, cap: number): void {
  try {
    ev.backends = readBackends(file, cap);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    ev.warnings.push(`backends.json: ${(e as Error).message}`);
  }
}

/**
 * Looks up the systemd unit behind each failing local peer of the error log and reads its journal over the
 * incident window; what could not be looked up is listed as missing evidence.
 */
export async function addSystemdBackends(
  ev: Evidence,
  options?: BackendOptions,
  onProgress?: (msg: string) => void,
): Promise<void> {
  const w = incidentPeers(ev.errorLog?.groups ?? []);
  if (!w.peers.length) return;
  onProgress?.(`looking up the systemd units of ${w.peers.join(", ")}`);
  ev.backends = await backendStories(w.peers, w.sinceMs, w.untilMs, options);
  for (const b of ev.backends) for (const p of b.problems) ev.missing.push(`${b.peer}: ${p}`);
}

/** Reads a bundle's backends.json (an array of BackendUnit, or `{backends: [...]}`). */
export function readBackends(file: string, cap: number): BackendUnit[] {
  const data = JSON.parse(readBundleText(file, cap, "--max-config-size")) as unknown;
  const arr = Array.isArray(data) ? data : (data as { backends?: unknown }).backends;
  if (!Array.isArray(arr)) throw new Error("expected an array of backends");
  return arr.flatMap((b) => {
    const x = cleanBackend(b);
    return x ? [x] : [];
  });
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const KINDS = new Set([
  "started",
  "start-failed",
  "stopping",
  "stopped",
  "exited",
  "killed",
  "oom-kill",
  "failed",
  "restart-scheduled",
  "start-limit",
  "socket",
  "message",
]);

/** A BackendUnit from untrusted JSON: only fields of the right types are kept (a bundle is not trusted). */
function cleanBackend(v: unknown): BackendUnit | null {
  if (typeof v !== "object" || v === null) return null;
  const b = v as Record<string, unknown>;
  const peer = str(b["peer"]);
  if (!peer) return null;
  const p = b["process"] as Record<string, unknown> | null | undefined;
  const pid = p && typeof p === "object" ? num(p["pid"]) : null;
  const j = b["journal"] as Record<string, unknown> | null | undefined;
  const events: JournalEvent[] = [];
  if (j && typeof j === "object" && Array.isArray(j["events"]))
    for (const e of (j["events"] as unknown[]).slice(0, 2000)) {
      if (typeof e !== "object" || e === null) continue;
      const r = e as Record<string, unknown>;
      const time = str(r["time"]);
      const kind = str(r["kind"]);
      const message = str(r["message"]);
      const epochMs = num(r["epochMs"]);
      if (
        !time ||
        !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(time) ||
        !kind ||
        !KINDS.has(kind) ||
        message === null
      )
        continue;
      events.push({
        time,
        epochMs: epochMs ?? Date.parse(`${time}Z`),
        kind: kind as JournalEvent["kind"],
        unit: str(r["unit"]) ?? "",
        message,
        ...(str(r["exitCode"]) ? { exitCode: str(r["exitCode"]) as string } : {}),
        ...(str(r["exitStatus"]) ? { exitStatus: str(r["exitStatus"]) as string } : {}),
        ...(str(r["result"]) ? { result: str(r["result"]) as string } : {}),
      });
    }
  return {
    peer,
    unit: str(b["unit"]),
    how: str(b["how"]) ?? "",
    process:
      p && typeof p === "object" && pid !== null
        ? {
            pid,
            comm: str(p["comm"]) ?? "?",
            startedAt: str(p["startedAt"]),
            startedEpochMs: num(p["startedEpochMs"]),
          }
        : null,
    journal:
      j && typeof j === "object"
        ? {
            since: str(j["since"]) ?? "",
            until: str(j["until"]) ?? "",
            lines: num(j["lines"]) ?? events.length,
            truncated: j["truncated"] === true,
            events,
          }
        : null,
    problems: Array.isArray(b["problems"])
      ? (b["problems"] as unknown[]).filter((x): x is string => typeof x === "string")
      : [],
  };
}
