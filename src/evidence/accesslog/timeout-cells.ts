/**
 * The timeout what-if's table (AccessSummary.timeoutCells): per (location, peer), the tries, the timed-out ones
 * (upstream status 504) and the latency of the tries that completed, kept apart from the timed-out ones (censored
 * at the timeout). Bounded and mergeable like scan/fail-minutes.ts; both line readers feed it (lines.ts through
 * noteTry/flush, records.ts through cell().add).
 */
import { QuantileSketch } from "../../nginx/sketch.js";
import type { TimeoutCell, TimeoutCellState } from "./types.js";

/** At most this many (location, peer) cells are kept (further pairs fold into "(other)"). */
export const MAX_CELLS = 2000;
/** Cells reported in the summary, most timed-out first. */
const REPORTED_CELLS = 200;

/** Latency of one (location, peer) pair, completed tries apart from timed-out ones (see TimeoutCell). */
export class CellAcc {
  tries = 0;
  timedOut = 0;
  responseSum = 0;
  timedOutSum = 0;
  completed = new QuantileSketch();
  connect = new QuantileSketch();
  /** $upstream_response_time of the 504 tries: near the timeout when nginx gave up, short for a backend's own 504. */
  timedOutTimes = new QuantileSketch();

  add(status: number, response: number, header: number, connect: number): void {
    this.tries++;
    const r = Number.isNaN(response) ? 0 : response;
    this.responseSum += r;
    if (status === 504) {
      this.timedOut++;
      this.timedOutSum += r;
      if (!Number.isNaN(response)) this.timedOutTimes.add(response);
      return;
    }
    const wait = Number.isNaN(header) ? response : header;
    if (!Number.isNaN(wait)) this.completed.add(wait);
    if (!Number.isNaN(connect)) this.connect.add(connect);
  }

  merge(o: CellAcc): void {
    this.tries += o.tries;
    this.timedOut += o.timedOut;
    this.responseSum += o.responseSum;
    this.timedOutSum += o.timedOutSum;
    this.completed.merge(o.completed);
    this.connect.merge(o.connect);
    this.timedOutTimes.merge(o.timedOutTimes);
  }

  state(): TimeoutCellState {
    return {
      n: [this.tries, this.timedOut, this.responseSum, this.timedOutSum],
      c: this.completed.toPacked(),
      x: this.connect.toPacked(),
      t: this.timedOutTimes.toPacked(),
    };
  }

  /** Adds a cell given as its state(): the same as merge(CellAcc.of(st)), without building it. */
  mergeState(st: TimeoutCellState): void {
    this.tries += st.n[0] as number;
    this.timedOut += st.n[1] as number;
    this.responseSum += st.n[2] as number;
    this.timedOutSum += st.n[3] as number;
    this.completed.mergePacked(st.c);
    this.connect.mergePacked(st.x);
    if (st.t) this.timedOutTimes.mergePacked(st.t);
  }

  static of(st: TimeoutCellState): CellAcc {
    const a = new CellAcc();
    [a.tries, a.timedOut, a.responseSum, a.timedOutSum] = st.n as [number, number, number, number];
    a.completed = QuantileSketch.fromPacked(st.c);
    a.connect = QuantileSketch.fromPacked(st.x);
    if (st.t) a.timedOutTimes = QuantileSketch.fromPacked(st.t);
    return a;
  }
}

/** "location\tpeer" → CellAcc, capped; with the tries of the line being read (JavaScript path) held until its location is known. */
export class TimeoutCells {
  readonly cells = new Map<string, CellAcc>();
  private pending = 0;
  private readonly pendingPeer: string[] = [];
  private readonly pendingNum: number[] = [];

  private readonly cap: number;

  /**
   * `maxKeys`: the accumulator's cap per table (the cells keep at most MAX_CELLS of it). `enabled`: whether the
   * format has $upstream_status; without it no try is known to have timed out, and the readers keep no cell
   * (merged cells are still taken).
   */
  constructor(
    maxKeys: number,
    readonly enabled: boolean,
  ) {
    this.cap = Math.min(maxKeys, MAX_CELLS);
  }

  /** Whether the table takes no new (location, peer) pair any more (they fold into "(other)"). */
  isFull(): boolean {
    return this.cells.size >= this.cap;
  }

  /** The cell of (location, peer), or the "(other)" cell once `cap` cells exist. */
  cell(location: string, peer: string): CellAcc {
    const m = this.cells;
    const k = `${location}\t${peer}`;
    let v = m.get(k);
    if (v === undefined) {
      const key = m.size >= this.cap ? "(other)\t(other)" : k;
      v = m.get(key);
      if (v === undefined) {
        v = new CellAcc();
        m.set(key, v);
      }
    }
    return v;
  }

  /**
   * The "(other)" cell, the same as cell("(other)", "(other)"), kept once made (cells are never removed, and
   * merges add into the cells there are), so that the lines folded into it make no key string each.
   */
  otherCell(): CellAcc {
    this.other ??= this.cell("(other)", "(other)");
    return this.other;
  }
  private other: CellAcc | undefined;

  /** Forgets the tries held for the previous line. */
  startLine(): void {
    this.pending = 0;
  }

  /** Holds one try of the line being read until `flush` gives its location. */
  noteTry(peer: string, status: number, response: number, header: number, connect: number): void {
    if (!this.enabled) return;
    const i = this.pending++;
    this.pendingPeer[i] = peer;
    const t = this.pendingNum;
    t[4 * i] = status;
    t[4 * i + 1] = response;
    t[4 * i + 2] = header;
    t[4 * i + 3] = connect;
  }

  /** Counts the held tries in their (location, peer) cells. */
  flush(location: string): void {
    const t = this.pendingNum;
    for (let i = 0; i < this.pending; i++)
      this.cell(location, this.pendingPeer[i] as string).add(
        t[4 * i] as number,
        t[4 * i + 1] as number,
        t[4 * i + 2] as number,
        t[4 * i + 3] as number,
      );
    this.pending = 0;
  }

  /** A structured-clone-able snapshot (for worker threads). */
  toState(): Array<[string, TimeoutCellState]> {
    return [...this.cells].map(([k, c]) => [k, c.state()]);
  }

  mergeState(st: ReadonlyArray<[string, TimeoutCellState]> | undefined): void {
    for (const [k, c] of st ?? []) {
      const tab = k.indexOf("\t");
      this.cell(tab < 0 ? k : k.slice(0, tab), tab < 0 ? "" : k.slice(tab + 1)).mergeState(c);
    }
  }

  mergeFrom(o: TimeoutCells): void {
    for (const [k, c] of o.cells) this.mergeCell(k, c);
  }

  private mergeCell(k: string, c: CellAcc): void {
    const tab = k.indexOf("\t");
    const loc = tab < 0 ? k : k.slice(0, tab);
    const peer = tab < 0 ? "" : k.slice(tab + 1);
    this.cell(loc, peer).merge(c);
  }

  /** Cells with timed-out tries, most timed-out first (then by key), at most REPORTED_CELLS. */
  rows(): TimeoutCell[] {
    return [...this.cells]
      .filter(([, c]) => c.timedOut > 0)
      .sort((a, b) => b[1].timedOut - a[1].timedOut || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, REPORTED_CELLS)
      .map(([k, c]) => {
        const tab = k.indexOf("\t");
        return {
          location: tab < 0 ? k : k.slice(0, tab),
          peer: tab < 0 ? "" : k.slice(tab + 1),
          tries: c.tries,
          timedOut: c.timedOut,
          responseSum: c.responseSum,
          timedOutSum: c.timedOutSum,
          completed: c.completed.toJSON(),
          connect: c.connect.toJSON(),
          timedOutTimes: c.timedOutTimes.toJSON(),
        };
      });
  }
}
