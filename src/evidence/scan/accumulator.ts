/**
 * What the line-block scanner (scan.ts) needs of a log's accumulator. Each log (error-log.ts, access-log.ts)
 * has one: it takes blocks of whole lines as bytes, can be turned into plain data (what a worker thread posts
 * back), can merge such data, and gives its summary at the end.
 */
import type { FileAccount, InputWarning } from "../input.js";

export interface LogAccumulator<State, Summary = unknown, Account extends FileAccount = FileAccount> {
  /** Lines read so far (NUL padding excluded). */
  readonly lines: number;
  /**
   * Feeds a block of whole lines (no partial line at either end). `file` and `firstLine` (the number of lines
   * of this file before the block) place sample lines; returns the number of lines the block held.
   */
  addBytes(block: Buffer, file: string, firstLine: number): number;
  /** Plain, structured-cloneable data (what a worker thread posts back). */
  toState(): State;
  /** Adds a state made by an accumulator built with the same options; its sample line numbers move by lineOffset. */
  merge(state: State, lineOffset: number): void;
  result(files: string[], warnings: InputWarning[], perFile: Account[]): Summary;
  /**
   * Asked once, after the first bytes of a big file (PROBE_BYTES of scan.ts): true when a second thread would
   * mostly repeat this one's work (every line a new key: each thread would fill its own tables, and the merge
   * would drop most of it), so the file is better read by this thread alone.
   */
  prefersOneThread?(): boolean;
  /**
   * Whether adding this state (a worker's, for a later byte range) could count otherwise than reading that range
   * here would: a table of the state reached its cap, so keys this accumulator keeps may have gone to "(other)"
   * there. The scanner then reads the range itself.
   */
  mergeLoses?(state: State): boolean;
}

/** The accumulators a worker thread can build (scan/worker.ts), with the options each takes as plain data. */
export type ScanJob =
  | {
      kind: "error";
      options: { since?: number; until?: number; samples?: number; maxKeys?: number };
    }
  | {
      kind: "access";
      options: {
        format: string;
        escape: "default" | "json" | "none";
        since?: number;
        until?: number;
        maxKeys?: number;
        controllerLog?: boolean;
        ingress?: string;
      };
    };

/** The part of an accumulator the scanner itself uses. */
export type Scannable<State> = Pick<
  LogAccumulator<State>,
  "lines" | "addBytes" | "merge" | "prefersOneThread" | "mergeLoses"
>;
