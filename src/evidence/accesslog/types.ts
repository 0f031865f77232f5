/** The access-log summary's types: options, the summary (docs/json.md#access) and the state workers post back. */

import type { IngressAccessSummary } from "../../nginx/ingress.js";
import type { LogEscape } from "../../nginx/logformat.js";
import type { PackedSketch, SketchJSON } from "../../nginx/sketch.js";
import type { FileAccount, InputWarning } from "../input.js";
import type { FailMinutesState } from "../scan/fail-minutes.js";

export interface AccessOptions {
  /** A format string, the args of a log_format directive, or "combined". Default combined. */
  format?: string | string[];
  escape?: LogEscape;
  /** Time window, epoch ms (inclusive start, exclusive end). Lines without a time are kept. */
  since?: number;
  until?: number;
  /** Maps a request URI to a location key; default: first path segment ("/api/users" → "/api/"). */
  locationOf?: (uri: string) => string;
  /** Max distinct keys per table (further keys are folded into "(other)"). Default 5000. */
  maxKeys?: number;
  onWarning?: (w: InputWarning) => void;
  /** Plain files at least this big are scanned by worker threads (default PARALLEL_MIN_BYTES, 64 MiB). */
  parallelMinBytes?: number;
  /**
   * The input is an ingress-nginx controller's log (`kubectl logs`): its own klog lines and nginx's error lines
   * are set apart (`controllerLines`), not counted as access lines that do not match.
   */
  controllerLog?: boolean;
  /**
   * Also keep ingress-nginx's per-upstream-name accounting (`AccessSummary.ingress`) from the same read, for a
   * format with `$proxy_upstream_name`; the value is the name the summary gives the format
   * (an upstreaminfo id such as "upstreaminfo-v0.26"), or "" for the format text itself.
   */
  ingress?: string;
  /**
   * Split common lines in the WebAssembly core (default true; it is off with a custom locationOf). False
   * reads every line in JavaScript: the differential test compares the two.
   */
  core?: boolean;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

export interface Counts {
  /** Client requests (per peer: tries at that peer). */
  requests: number;
  s502: number;
  s504: number;
  /** 5xx other than 502 and 504. */
  s5xx: number;
  /** 404 Not Found (per peer: answered by the upstream) — a stripped or doubled URI prefix shows here. */
  s404: number;
}

export interface PeerStats extends Counts {
  /** Tries at this peer after which nginx went on to the next peer of the same group. */
  failedInChain: number;
  /** Tries at this peer that ended a retry chain (served after an earlier peer failed). */
  servedAfterRetry: number;
  latency: { response: Percentiles; header: Percentiles; connect: Percentiles };
}

export interface GroupStats extends Counts {
  /** Requests that reached at least one upstream. */
  upstreamed: number;
  latency: { request: Percentiles; upstream: Percentiles };
}

/**
 * One (location, peer) cell that had timed-out tries (upstream status 504): what the timeout what-if reads. Times of
 * tries that completed are kept apart from the timed-out ones, which are censored at the timeout (nothing is known
 * about when they would have ended).
 */
export interface TimeoutCell {
  /** Location key (first path segment, as in byLocation). */
  location: string;
  peer: string;
  /** Tries at this peer for this location. */
  tries: number;
  /** Tries that ended with upstream status 504 (nginx gave up waiting). */
  timedOut: number;
  /** Sum of $upstream_response_time over all tries (seconds): with `tries`, the mean time a try holds a connection. */
  responseSum: number;
  /** Sum of $upstream_response_time over the timed-out tries (seconds): about `timedOut` × the timeout. */
  timedOutSum: number;
  /** Waiting time of the tries that completed: $upstream_header_time, else $upstream_response_time. */
  completed: SketchJSON;
  /** $upstream_connect_time of the tries that completed (empty when the format lacks it). */
  connect: SketchJSON;
  /** $upstream_response_time of the 504 tries (a backend's own 504 answers early; nginx's timeout near the limit). */
  timedOutTimes: SketchJSON;
}

export interface AccessSummary {
  format: string;
  escape: LogEscape;
  files: string[];
  lines: number;
  matched: number;
  unmatched: number;
  /** Up to 10 lines that did not match the format (cut to 300 chars). */
  unmatchedSamples: string[];
  outOfWindow: number;
  /** With `controllerLog`: klog and nginx error lines set apart (not in `lines`). */
  controllerLines?: number;
  firstTime: string | null;
  lastTime: string | null;
  totals: GroupStats;
  byPeer: Record<string, PeerStats>;
  byHost: Record<string, GroupStats>;
  byLocation: Record<string, GroupStats>;
  /** Key: minute, ISO "2026-11-24T13:36Z". */
  byMinute: Record<string, Counts>;
  /**
   * 502/504 answers per minute and per peer (the last peer of `$upstream_addr`, the one whose failure the client
   * saw; "-" when no upstream was reached), by minute then peer. Empty without a time in the format. At most
   * FAIL_PEERS (64) peers get their own rows, later ones are summed as "(other)".
   */
  failuresByMinute: Array<{ minute: string; peer: string; s502: number; s504: number }>;
  /**
   * Distribution of upstream response times: `bounds` are upper bounds in seconds, each count array has one
   * more element (above the last bound). `upstream`: per request (the tries summed), `byPeer`: per try.
   */
  latencyHistogram: { bounds: number[]; upstream: number[]; byPeer: Record<string, number[]> };
  /**
   * 502/504 answers whose upstream answered something else (`$status` 502 while `$upstream_status` is 404): nginx
   * made the status itself, typically through `*_intercept_errors on` + `error_page 404 =502`. Needs $upstream_status.
   */
  rewritten: Array<{ status: number; upstreamStatus: number; location: string; count: number }>;
  /** (location, peer) cells with timed-out tries, most timed-out first (at most 200): see TimeoutCell. */
  timeoutCells: TimeoutCell[];
  /** Which fields the format provides (rules should check before trusting a zero). */
  fields: {
    upstreamAddr: boolean;
    upstreamStatus: boolean;
    requestTime: boolean;
    upstreamResponseTime: boolean;
    time: boolean;
  };
  /** Per input, in reading order: lines read, matched by the format (understood), not matched (skipped). */
  perFile: AccessFileAccount[];
  warnings: InputWarning[];
  /** With the `ingress` option: ingress-nginx's per-upstream-name table, read in the same pass. */
  ingress?: IngressAccessSummary;
}

/** What the reader made of one access log, and the format it was read with. */
export interface AccessFileAccount extends FileAccount {
  format: string;
  escape: LogEscape;
}

type GroupState = { c: Counts; u: number; r: PackedSketch; p: PackedSketch };
/** Snapshot of an AccessAccumulator (plain data, safe to post between threads). */
export interface AccumulatorState {
  n: number[];
  samples: string[];
  /** The lines no location counts (the totals are these plus every location). */
  unlocated: GroupState;
  peers: Array<
    [string, { c: Counts; f: number; s: number; r: PackedSketch; h: PackedSketch; x: PackedSketch }]
  >;
  hosts: Array<[string, GroupState]>;
  locations: Array<[string, GroupState]>;
  minutes: Array<[number, Counts]>;
  rewrites: Array<[string, number]>;
  fails?: FailMinutesState;
  /** Timeout what-if cells, "location\tpeer" → state (timeout-cells.ts). */
  cells?: Array<[string, TimeoutCellState]>;
  /** The ingress-nginx table (with the `ingress` option). */
  ing?: IngressAccessSummary;
}

/** Snapshot of one (location, peer) cell: n = [tries, timedOut, responseSum, timedOutSum], then its sketches. */
export type TimeoutCellState = { n: number[]; c: PackedSketch; x: PackedSketch; t?: PackedSketch };
