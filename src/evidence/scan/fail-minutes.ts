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

/** Kinds are small non-negative integers (0, or an HTTP status): each takes one slot of KIND_SPAN per peer. */
const KIND_SPAN = 1024;

/**
 * One minute's counts, keyed by peer index × KIND_SPAN + kind: one small-integer key per (peer, kind) instead
 * of a Map per peer (a day of a log with a few hundred peers held ~20 MB more as nested maps).
 */
type Minute = Map<number, number>;

/** What a worker thread posts: [minute, peer, kind, count] in the order they were first counted. */
export type FailMinutesState = Array<[string, string, number, number]>;

export class FailMinutes {
  /** minute label (e.g. "2026-11-24T10:07") → (peer index, kind) → count. */
  private readonly minutes = new Map<string, Minute>();
  /** Peers counted one by one, by name → index (in the order first counted); names[index] is the name. */
  private readonly index = new Map<string, number>();
  private readonly names: string[] = [];
  /** The last minute and peer looked up, kept for the next call (counts come mostly in time order). */
  private lastLabel: string | null = null;
  private lastMinute: Minute | null = null;
  private lastPeer: string | null = null;
  private lastIndex = 0;

  private readonly kept: number;

  constructor(private readonly cap: number = FAIL_PEERS) {
    this.kept = Math.max(cap, KEPT_PEERS);
  }

  /** The index of a peer; peers beyond the kept ones share index `kept` ("(other)"). */
  private indexOf(peer: string): number {
    if (peer === this.lastPeer) return this.lastIndex;
    let i = this.index.get(peer);
    if (i === undefined) {
      if (this.names.length >= this.kept) i = this.kept;
      else {
        i = this.names.length;
        this.names.push(peer);
        this.index.set(peer, i);
      }
    }
    this.lastPeer = peer;
    this.lastIndex = i;
    return i;
  }

  private nameOf(i: number): string {
    return i < this.names.length ? (this.names[i] as string) : "(other)";
  }

  add(minute: string, kind: number, peer: string, n = 1): void {
    if (!Number.isInteger(kind) || kind < 0 || kind >= KIND_SPAN)
      throw new RangeError(`FailMinutes kind ${kind} is not an integer in [0, ${KIND_SPAN})`);
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
    const key = this.indexOf(peer) * KIND_SPAN + kind;
    m.set(key, (m.get(key) ?? 0) + n);
  }

  /** A structured-clone-able snapshot (for worker threads). */
  toState(): FailMinutesState {
    const out: FailMinutesState = [];
    for (const [minute, m] of this.minutes)
      for (const [key, n] of m)
        out.push([minute, this.nameOf(Math.floor(key / KIND_SPAN)), key % KIND_SPAN, n]);
    return out;
  }

  mergeState(st: Readonly<FailMinutesState> | undefined): void {
    for (const [minute, peer, kind, n] of st ?? []) this.add(minute, kind, peer, n);
  }

  /**
   * Rows by minute then peer, peers after the first `cap` summed as "(other)": `make` is given each row's counts
   * of the asked `kinds` (in that order) and returns what the caller keeps of it.
   */
  rows<T>(kinds: readonly number[], make: (minute: string, peer: string, counts: number[]) => T): T[] {
    const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const out: T[] = [];
    for (const minute of [...this.minutes.keys()].sort(cmp)) {
      const rows = new Map<string, number[]>();
      for (const [key, n] of this.minutes.get(minute) as Minute) {
        const i = Math.floor(key / KIND_SPAN);
        const name = i < this.cap && i < this.names.length ? (this.names[i] as string) : "(other)";
        let row = rows.get(name);
        if (!row) {
          row = kinds.map(() => 0);
          rows.set(name, row);
        }
        const k = kinds.indexOf(key % KIND_SPAN);
        if (k >= 0) row[k] = (row[k] as number) + n;
      }
      for (const peer of [...rows.keys()].sort(cmp)) out.push(make(minute, peer, rows.get(peer) as number[]));
    }
    return out;
  }
}
