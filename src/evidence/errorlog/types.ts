/** The error-log summary's types: options, the summary (docs/json.md) and the state workers post back. */

import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import type { FileAccount, InputWarning } from "../input.js";
import type { FailMinutesState } from "../scan/fail-minutes.js";
import type { ErrorGroup } from "../types.js";

export interface ErrorLogOptions {
  /** Window in epoch ms (nginx's local time read in this machine's time zone). */
  since?: number;
  until?: number;
  /** Verbatim sample lines kept per class and per peer group. Default 3. */
  samples?: number;
  /** Cap on distinct peers/servers/hosts/minutes kept (further keys fold into "(other)"). Default 5000. */
  maxKeys?: number;
  onWarning?: (w: InputWarning) => void;
  /** Raw bytes read so far, across files. */
  onProgress?: (bytes: number) => void;
  /** Plain files at least this big are scanned in parallel (default ERRORLOG_PARALLEL_MIN_BYTES). */
  parallelMinBytes?: number;
  /**
   * Read lines in nginx's plain layout through the WebAssembly scanner core (default true; without the core
   * every line goes through parseErrorLine). False forces parseErrorLine: the differential test compares the two.
   */
  core?: boolean;
}

export interface Sample {
  text: string;
  file: string;
  line: number;
}

export interface PeerSummary {
  peer: string;
  module: string | null;
  total: number;
  byClass: Record<string, number>;
  first: string | null;
  last: string | null;
  samples: Sample[];
}

export interface ErrorLogSummary {
  files: string[];
  lines: number;
  /** Lines that are not nginx error-log lines at all (garbage, other programs' output). */
  unparsed: number;
  /** Lines outside --since/--until. */
  outOfWindow: number;
  /** Upstream failure lines (every class but not-upstream and non-failure notes). */
  upstreamErrors: number;
  first: string | null;
  last: string | null;
  byClass: Record<string, number>;
  /** Upstream lines that are not failures, by detail: "peer-disabled", "non-fatal", "config". */
  notes: Record<string, number>;
  byPeer: PeerSummary[];
  byServer: Record<string, number>;
  byHost: Record<string, number>;
  /** Upstream failures per minute ("2026-11-24T10:07"). */
  byMinute: Record<string, number>;
  /**
   * Upstream failures per minute and peer (the peer key of byPeer: address, socket or upstream group), by minute
   * then peer; lines without a time are not in it. At most FAIL_PEERS (64) peers get rows, later ones "(other)".
   */
  failuresByMinute: Array<{ minute: string; peer: string; count: number }>;
  samples: Record<string, Sample[]>;
  /** Lines of one class toward one peer or group, for the diagnose rules. */
  groups: ErrorGroup[];
  /** Configuration reloads (ISO local times) seen in the log. */
  reloads: string[];
  /** Per input, in reading order: what was read, understood and skipped. */
  perFile: FileAccount[];
  warnings: InputWarning[];
}

/** Plain data of a partial summary (what a worker thread posts back; Maps and Sets survive structured cloning). */
export interface ErrorLogState {
  lines: number;
  unparsed: number;
  padding: number;
  blankLines: number;
  skippedSamples: string[];
  outOfWindow: number;
  upstreamErrors: number;
  first: string | null;
  last: string | null;
  byClass: Map<string, number>;
  notes: Map<string, number>;
  peers: Map<string, PeerSummary>;
  servers: Map<string, number>;
  hosts: Map<string, number>;
  minutes: Map<string, number>;
  /** "minute|0|peer" → failures (see ErrorLogSummary.failuresByMinute); absent in states from older code. */
  peerMinutes?: FailMinutesState;
  samples: Map<string, Sample[]>;
  groups: Map<string, Map<string, GroupAcc>>;
  reloads: string[];
}

export interface GroupAcc extends ErrorGroup {
  uriSet: Set<string>;
  detailSet: Set<string>;
  nameSet: Set<string>;
}

/** Lines of one class counted by the fast path and not yet added to byClass. */
export interface ClassCounter {
  cls: ErrorClass;
  n: number;
  /** The class's sample list has all it may take. */
  samplesFull: boolean;
}
