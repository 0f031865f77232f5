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
  return colour(total);
}

/** The same for the error log's failures per minute per peer. */
export function errorPeerColours(rows: Array<{ peer: string; count: number }>): PeerColour[] {
  const total = new Map<string, number>();
  for (const r of rows) total.set(r.peer, (total.get(r.peer) ?? 0) + r.count);
  return colour(total);
}

function colour(total: Map<string, number>): PeerColour[] {
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

/**
 * Rows of (minute, peer, k values) binned on a continuous time axis (gaps filled with zeros, at most MAX_BARS
 * bins): out[j][peer][bin] sums value j. Bins are ISO minutes with "Z" (error-log minutes, in the log's local
 * time, are placed on the same axis as if they were UTC).
 */
function binRows(
  rows: Array<{ minute: string; peer: string; values: number[] }>,
  peers: PeerColour[],
  k: number,
): { bins: string[]; binMinutes: number; out: number[][][] } | null {
  if (rows.length === 0 || peers.length === 0) return null;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const m = minuteOf(r.minute);
    if (m < first) first = m;
    if (m > last) last = m;
  }
  const span = last - first + 1;
  const binMinutes = Math.max(1, Math.ceil(span / MAX_BARS));
  const n = Math.ceil(span / binMinutes);
  const bins = Array.from(
    { length: n },
    (_, i) => `${new Date((first + i * binMinutes) * 60000).toISOString().slice(0, 16)}Z`,
  );
  const out = Array.from({ length: k }, () => peers.map(() => new Array<number>(n).fill(0)));
  for (const r of rows) {
    const b = Math.floor((minuteOf(r.minute) - first) / binMinutes);
    const p = slotOf(peers, r.peer);
    for (let j = 0; j < k; j++) {
      const series = out[j]?.[p] as number[];
      series[b] = (series[b] as number) + (r.values[j] ?? 0);
    }
  }
  return { bins, binMinutes, out };
}

/** 502/504 per minute (or per bin of minutes) and per peer; null when the access log has no such answers. */
export function timeline(al: AccessSummary, peers: PeerColour[]): Timeline | null {
  const rows = (al.failuresByMinute ?? []).map((r) => ({
    minute: r.minute,
    peer: r.peer,
    values: [r.s502, r.s504],
  }));
  const b = binRows(rows, peers, 2);
  if (!b) return null;
  return { bins: b.bins, binMinutes: b.binMinutes, peers, s502: b.out[0] ?? [], s504: b.out[1] ?? [] };
}

export interface ErrorTimeline {
  bins: string[];
  binMinutes: number;
  peers: PeerColour[];
  /** [peer index][bin] failure lines. */
  counts: number[][];
}

/** Error-log failures per minute (or bin) and per peer, for incidents without 502/504 in an access log. */
export function errorTimeline(
  rows: Array<{ minute: string; peer: string; count: number }>,
  peers: PeerColour[],
): ErrorTimeline | null {
  const b = binRows(
    rows.map((r) => ({ minute: r.minute, peer: r.peer, values: [r.count] })),
    peers,
    1,
  );
  return b ? { bins: b.bins, binMinutes: b.binMinutes, peers, counts: b.out[0] ?? [] } : null;
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
