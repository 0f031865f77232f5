/**
 * Failures per minute and per peer, for the HTML report's timeline: a bounded, mergeable table shared by the
 * access-log and error-log accumulators. At most `cap` distinct peers get their own rows; later peers are
 * summed as "(other)". Memory: minutes with failures × capped peers × kinds.
 */

/** Peers with their own rows (the report draws 8); the rest are summed as "(other)". */
export const FAIL_PEERS = 64;

export class FailMinutes {
  /** "minute|kind|peer" → count (minute: its label, e.g. "2026-11-24T10:07Z"; kind: e.g. 502, 504, or 0). */
  readonly counts = new Map<string, number>();
  private readonly peers = new Set<string>();

  constructor(private readonly cap: number = FAIL_PEERS) {}

  add(minute: string, kind: number, peer: string, n = 1): void {
    if (!this.peers.has(peer)) {
      if (this.peers.size >= this.cap) peer = "(other)";
      else this.peers.add(peer);
    }
    const k = `${minute}|${kind}|${peer}`;
    this.counts.set(k, (this.counts.get(k) ?? 0) + n);
  }

  /** A structured-clone-able snapshot (for worker threads). */
  toState(): Array<[string, number]> {
    return [...this.counts];
  }

  mergeState(st: ReadonlyArray<[string, number]> | undefined): void {
    for (const [k, n] of st ?? []) {
      const [m, kind, ...peer] = k.split("|");
      this.add(m as string, Number(kind), peer.join("|"), n);
    }
  }

  /** Rows by minute then peer, each with its count per kind. */
  rows(): Array<{ minute: string; peer: string; byKind: Map<number, number> }> {
    const out = new Map<string, { minute: string; peer: string; byKind: Map<number, number> }>();
    for (const [k, n] of this.counts) {
      const [minute, kind, ...rest] = k.split("|") as [string, string, ...string[]];
      const peer = rest.join("|");
      const key = `${minute}|${peer}`;
      let row = out.get(key);
      if (!row) {
        row = { minute, peer, byKind: new Map() };
        out.set(key, row);
      }
      row.byKind.set(Number(kind), (row.byKind.get(Number(kind)) ?? 0) + n);
    }
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...out.values()].sort((a, b) => cmp(a.minute, b.minute) || cmp(a.peer, b.peer));
  }
}
