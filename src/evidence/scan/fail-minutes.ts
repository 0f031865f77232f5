/**
 * Failures per minute and per peer, for the HTML report's timeline: a bounded, mergeable table shared by the
 * access-log and error-log accumulators. At most `cap` distinct peers get their own rows, the first ones
 * counted; later peers are summed as "(other)". Counts are kept for up to KEPT_PEERS peers and folded only when
 * rows are made, so that tables of worker threads merge into the rows a single read gives (as long as the file
 * has no more peers than that). Memory: minutes with failures × kept peers × kinds.
 */

/** Peers with their own rows (the report draws 8); the rest are summed as "(other)". */
export const FAIL_PEERS = 64;

/** Peers counted one by one (beyond them, "(other)" at once). */
export const KEPT_PEERS = 512;

/** One minute's counts: peer → kind → count. */
type Minute = Map<string, Map<number, number>>;

/** What a worker thread posts: [minute, peer, kind, count] in the order they were first counted. */
export type FailMinutesState = Array<[string, string, number, number]>;

export class FailMinutes {
  /** minute label (e.g. "2026-11-24T10:07") → peer → kind (e.g. 502, 504, or 0) → count. */
  private readonly minutes = new Map<string, Minute>();
  private readonly peers = new Set<string>();
  /** The last minute looked up, kept for the next call (counts come mostly in time order). */
  private lastLabel: string | null = null;
  private lastMinute: Minute | null = null;

  private readonly kept: number;

  constructor(private readonly cap: number = FAIL_PEERS) {
    this.kept = Math.max(cap, KEPT_PEERS);
  }

  add(minute: string, kind: number, peer: string, n = 1): void {
    if (!this.peers.has(peer)) {
      if (this.peers.size >= this.kept) peer = "(other)";
      else this.peers.add(peer);
    }
    let m: Minute | undefined;
    if (minute === this.lastLabel && this.lastMinute !== null) m = this.lastMinute;
    else {
      m = this.minutes.get(minute);
      if (!m) {
        m = new Map();
        this.minutes.set(minute, m);
      }
      this.lastLabel = minute;
      this.lastMinute = m;
    }
    let kinds = m.get(peer);
    if (!kinds) {
      kinds = new Map();
      m.set(peer, kinds);
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }

  /** A structured-clone-able snapshot (for worker threads). */
  toState(): FailMinutesState {
    const out: FailMinutesState = [];
    for (const [minute, m] of this.minutes)
      for (const [peer, kinds] of m) for (const [kind, n] of kinds) out.push([minute, peer, kind, n]);
    return out;
  }

  mergeState(st: Readonly<FailMinutesState> | undefined): void {
    for (const [minute, peer, kind, n] of st ?? []) this.add(minute, kind, peer, n);
  }

  /** Rows by minute then peer, each with its count per kind; peers after the first `cap` summed as "(other)". */
  rows(): Array<{ minute: string; peer: string; byKind: Map<number, number> }> {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const own = new Set<string>();
    for (const p of this.peers) {
      if (own.size >= this.cap) break;
      own.add(p);
    }
    const out: Array<{ minute: string; peer: string; byKind: Map<number, number> }> = [];
    for (const minute of [...this.minutes.keys()].sort(cmp)) {
      const rows = new Map<string, Map<number, number>>();
      for (const [peer, kinds] of this.minutes.get(minute) as Minute) {
        const name = own.has(peer) ? peer : "(other)";
        let row = rows.get(name);
        if (!row) {
          row = new Map();
          rows.set(name, row);
        }
        for (const [kind, n] of kinds) row.set(kind, (row.get(kind) ?? 0) + n);
      }
      for (const peer of [...rows.keys()].sort(cmp))
        out.push({ minute, peer, byKind: rows.get(peer) as Map<number, number> });
    }
    return out;
  }
}
