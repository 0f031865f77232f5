/**
 * What the HTML report's charts show, derived from the Evidence (pure): 502/504 per minute per peer, the
 * latency histogram with the configured read timeouts, and the error classes.
 */
import type { AccessSummary } from "../../evidence/access-log.js";
import type { Evidence } from "../../evidence/types.js";
import { type ConfigModel, effectiveSeconds } from "../../nginx/config/model.js";
import { formatDuration } from "../../nginx/config/units.js";
import { OTHER_COLOUR, PALETTE } from "./charts.js";

/** At most this many bars on the time axis; longer spans are shown in bins of several minutes. */
export const MAX_BARS = 240;
/** Peers drawn in their own colour; the rest are summed as "other peers". */
export const MAX_PEERS = PALETTE.length;

export interface PeerColour {
  peer: string;
  colour: string;
}

export interface Timeline {
  /** Bin starts, ISO minute with Z ("2026-11-20T03:02Z"). */
  bins: string[];
  binMinutes: number;
  peers: PeerColour[];
  /** [peer index][bin] counts; the peer index follows `peers`. */
  s502: number[][];
  s504: number[][];
}

function minuteOf(iso: string): number {
  return Math.floor(Date.parse(iso.endsWith("Z") ? iso : `${iso}Z`) / 60000);
}

/** The peers ordered by their 502+504 (most first), coloured; beyond MAX_PEERS - 1 they share one grey. */
export function peerColours(al: AccessSummary): PeerColour[] {
  const total = new Map<string, number>();
  for (const r of al.failuresByMinute ?? []) total.set(r.peer, (total.get(r.peer) ?? 0) + r.s502 + r.s504);
  // Peers without failures still appear in the latency chart: add them after, by requests.
  for (const [peer, s] of Object.entries(al.byPeer))
    if (!total.has(peer)) total.set(peer, -1 / (1 + s.requests));
  const order = [...total].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([p]) => p);
  const own = order.length <= MAX_PEERS ? order : order.slice(0, MAX_PEERS - 1);
  const out = own.map((peer, i) => ({ peer, colour: PALETTE[i] as string }));
  if (own.length < order.length) out.push({ peer: "(other peers)", colour: OTHER_COLOUR });
  return out;
}

function slotOf(peers: PeerColour[], peer: string): number {
  const i = peers.findIndex((p) => p.peer === peer);
  return i >= 0 ? i : peers.length - 1;
}

/** 502/504 per minute (or per bin of minutes) and per peer; null when the access log has no such answers. */
export function timeline(al: AccessSummary, peers: PeerColour[]): Timeline | null {
  const rows = al.failuresByMinute ?? [];
  if (rows.length === 0 || peers.length === 0) return null;
  const first = Math.min(...rows.map((r) => minuteOf(r.minute)));
  const last = Math.max(...rows.map((r) => minuteOf(r.minute)));
  const span = last - first + 1;
  const binMinutes = Math.max(1, Math.ceil(span / MAX_BARS));
  const n = Math.ceil(span / binMinutes);
  const bins = Array.from(
    { length: n },
    (_, i) => `${new Date((first + i * binMinutes) * 60000).toISOString().slice(0, 16)}Z`,
  );
  const s502 = peers.map(() => new Array<number>(n).fill(0));
  const s504 = peers.map(() => new Array<number>(n).fill(0));
  for (const r of rows) {
    const b = Math.floor((minuteOf(r.minute) - first) / binMinutes);
    const p = slotOf(peers, r.peer);
    (s502[p] as number[])[b] = ((s502[p] as number[])[b] as number) + r.s502;
    (s504[p] as number[])[b] = ((s504[p] as number[])[b] as number) + r.s504;
  }
  return { bins, binMinutes, peers, s502, s504 };
}

export interface ConfiguredTimeout {
  directive: string;
  seconds: number;
  /** Where it applies: "location /api/" (with the server name when known). */
  where: string[];
}

/** The distinct `*_read_timeout` values in force where the configuration passes requests to upstreams. */
export function configuredTimeouts(model: ConfigModel | undefined): ConfiguredTimeout[] {
  if (!model) return [];
  const byKey = new Map<string, ConfiguredTimeout>();
  for (const pass of model.passes) {
    const mod = pass.module === "stream-proxy" ? "proxy" : pass.module;
    const directive = `${mod}_read_timeout`;
    const { seconds } = effectiveSeconds(model, pass.scope, directive);
    if (seconds === null) continue;
    const key = `${directive}|${seconds}`;
    let t = byKey.get(key);
    if (!t) {
      t = { directive, seconds, where: [] };
      byKey.set(key, t);
    }
    const at = pass.location
      ? `location ${pass.location.path}`
      : pass.module === "stream-proxy"
        ? "stream"
        : "server";
    if (!t.where.includes(at) && t.where.length < 5) t.where.push(at);
  }
  return [...byKey.values()].sort((a, b) => a.seconds - b.seconds);
}

/** Bucket labels of the latency histogram: "≤5 ms" … "≤5 min", then "> 5 min". */
export function bucketLabels(bounds: number[]): string[] {
  const labels = bounds.map((b) => `≤${formatDuration(b)}`);
  labels.push(`>${formatDuration(bounds[bounds.length - 1] ?? 0)}`);
  return labels;
}

/**
 * Where a time falls on the histogram's category axis (in bars from the left edge), interpolated on a log
 * scale inside its bucket, so a 30 s timeout is drawn at the right edge of the "≤30s" bar.
 */
export function axisPosition(bounds: number[], seconds: number): number {
  let i = 0;
  while (i < bounds.length && seconds > (bounds[i] as number)) i++;
  if (i >= bounds.length) return bounds.length + 0.5;
  const hi = bounds[i] as number;
  const lo = i === 0 ? hi / 2 : (bounds[i - 1] as number);
  const f = (Math.log(seconds) - Math.log(lo)) / (Math.log(hi) - Math.log(lo));
  return i + Math.min(1, Math.max(0, f));
}

/** Failure lines per error class, most first (not-upstream lines left out). */
export function classRows(ev: Evidence): Array<{ label: string; value: number }> {
  const byClass = ev.errorLog?.byClass ?? {};
  return Object.entries(byClass)
    .filter(([c, n]) => c !== "not-upstream" && n > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([label, value]) => ({ label, value }));
}
