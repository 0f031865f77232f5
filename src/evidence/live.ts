/**
 * What `badgateway watch` knows about the last few minutes, fed one line at a time. Pure: no I/O, no timers
 * (the caller passes the clock), memory bounded by the window (minute buckets with capped key counts, and a
 * capped ring of recent failure lines for the rules engine).
 */
import type { ConfigModel } from "../nginx/config/model.js";
import { mayConcernUpstream } from "../nginx/errorlog/facts.js";
import { type ErrorLine, parseErrorLine } from "../nginx/errorlog/grammar.js";
import { classify } from "../nginx/errorlog/taxonomy.js";
import {
  type CompiledLogFormat,
  compileLogFormat,
  type LogEscape,
  parseMsec,
  parseTimeIso,
  parseTimeLocal,
} from "../nginx/logformat.js";
import { ErrorLogAccumulator, errorEvidence, isFailure, isoLocal } from "./error-log.js";
import { type Evidence, emptyEvidence } from "./types.js";

/** One new upstream failure line (`watch --json`: one object per line, see docs/json.md#watch). */
export interface FailureEvent {
  type: "failure";
  /** When badgateway read the line (ISO, UTC). */
  at: string;
  /** The line's own time (nginx local time, ISO without zone), when it has one. */
  time: string | null;
  class: string;
  /** What the client most likely got (502, 504, 500) or null. */
  status: number | null;
  /** The peer nginx talked to ("10.0.0.5:8080", "unix:/run/php.sock"), or the group name, or null. */
  peer: string | null;
  /** The host part of the line's `upstream:` URL: the upstream group or the peer as proxy_pass names it. */
  upstream: string | null;
  server: string | null;
  host: string | null;
  request: string | null;
  file: string;
  /** The line itself (cut at 2000 characters). */
  line: string;
}

/** A change of the top cause over the window (`watch --json`). */
export interface TopCauseEvent {
  type: "top-cause";
  at: string;
  /** The rule id of the top finding, or null when the window holds no failure any more. */
  id: string | null;
  title: string | null;
  fix: string | null;
  confidence: number | null;
  /** The rule id it replaces (null at the first). */
  previous: string | null;
  /** Failure lines in the window the diagnosis was made from. */
  failures: number;
}

/** An access-log line as the exporter needs it. */
export interface AccessRecord {
  status: number;
  /** `$proxy_host` when the format logs it, else the last address of `$upstream_addr`; "-" without upstream. */
  upstream: string;
  /** Sum of the `$upstream_response_time` values of the line (NaN when absent or "-"). */
  seconds: number;
}

export interface LiveOptions {
  /** Minutes the view and the diagnosis look back (default 5). */
  windowMinutes?: number;
  /** Keys kept per table per minute bucket (default 1000; further ones fold into "(other)"). */
  maxKeys?: number;
  /** Failure lines kept for the rules engine (default 2000, the newest). */
  maxRecent?: number;
  /** Ignore lines older than this (epoch ms), for --since. */
  since?: number;
}

interface Bucket {
  minute: number;
  failures: number;
  byClass: Map<string, number>;
  byPeer: Map<string, number>;
  responses: number;
  s502: number;
  s504: number;
}

/** The window as the terminal view shows it. */
export interface WindowView {
  minutes: number;
  failures: number;
  byClass: Array<[string, number]>;
  byPeer: Array<[string, number]>;
  responses: number;
  s502: number;
  s504: number;
  /** Oldest first, one entry per minute of the window (empty minutes included). */
  perMinute: Array<{ minute: string; failures: number; responses: number; s502: number; s504: number }>;
}

/** A compiled access-log format and the value positions the exporter reads. */
export interface AccessReader {
  fmt: CompiledLogFormat;
  status: number;
  addr: number;
  proxyHost: number;
  upTime: number;
  time: number;
  timeKind: 0 | 1 | 2;
  vals: string[];
  /** Positions `split` slices (the others are only checked). */
  want: boolean[];
}

export function accessReader(format: string, escaping: LogEscape = "default"): AccessReader {
  const fmt = compileLogFormat({ format, escape: escaping });
  const tl = fmt.indexOf("time_local");
  const ti = fmt.indexOf("time_iso8601");
  const tm = fmt.indexOf("msec");
  const r: AccessReader = {
    fmt,
    status: fmt.indexOf("status"),
    addr: fmt.indexOf("upstream_addr"),
    proxyHost: fmt.indexOf("proxy_host"),
    upTime: fmt.indexOf("upstream_response_time"),
    time: tl >= 0 ? tl : ti >= 0 ? ti : tm,
    timeKind: tl >= 0 ? 0 : ti >= 0 ? 1 : 2,
    vals: [],
    want: fmt.vars.map(() => false),
  };
  for (const i of [r.status, r.addr, r.proxyHost, r.upTime, r.time]) if (i >= 0) r.want[i] = true;
  return r;
}

/** Reads one access line; null when it does not match the format. */
export function readAccess(r: AccessReader, line: string): (AccessRecord & { t: number }) | null {
  const v = r.vals;
  if (!r.fmt.split(line, v, r.want)) return null;
  const status = r.status >= 0 ? Number.parseInt(v[r.status] as string, 10) : 0;
  let upstream = "-";
  if (r.proxyHost >= 0 && v[r.proxyHost] !== "-") upstream = r.fmt.unescape(v[r.proxyHost] as string);
  else if (r.addr >= 0) {
    const a = v[r.addr] as string;
    if (a !== "-" && a !== "") {
      const cut = Math.max(a.lastIndexOf(", "), a.lastIndexOf(" : "));
      upstream = cut >= 0 ? a.slice(a.charAt(cut) === "," ? cut + 2 : cut + 3) : a;
    }
  }
  let seconds = Number.NaN;
  if (r.upTime >= 0) {
    const s = v[r.upTime] as string;
    if (s !== "-") {
      let sum = 0;
      let any = false;
      for (const part of s.split(/, | : /)) {
        const x = Number(part);
        if (part !== "-" && part !== "" && Number.isFinite(x)) {
          sum += x;
          any = true;
        }
      }
      if (any) seconds = sum;
    }
  }
  let t = Number.NaN;
  if (r.time >= 0) {
    const raw = v[r.time] as string;
    t = r.timeKind === 0 ? parseTimeLocal(raw) : r.timeKind === 1 ? parseTimeIso(raw) : parseMsec(raw);
  }
  return { status: Number.isFinite(status) ? status : 0, upstream, seconds, t };
}

/** "http://backend/api" → "backend"; "fastcgi://unix:/run/php.sock:" → "unix:/run/php.sock"; null stays null. */
export function upstreamName(raw: string | null): string | null {
  if (!raw) return null;
  const s = raw.indexOf("://");
  if (s < 0) return raw;
  const rest = raw.slice(s + 3);
  if (rest.startsWith("unix:")) {
    const end = rest.indexOf(":", 5);
    return end > 0 ? rest.slice(0, end) : rest;
  }
  const slash = rest.indexOf("/");
  return slash >= 0 ? rest.slice(0, slash) : rest;
}

/** nginx local time "2026/11/24 10:07:33" → epoch ms in this machine's zone (NaN when malformed). */
export function errorTimeLocalMs(t: string): number {
  return new Date(
    Number(t.slice(0, 4)),
    Number(t.slice(5, 7)) - 1,
    Number(t.slice(8, 10)),
    Number(t.slice(11, 13)),
    Number(t.slice(14, 16)),
    Number(t.slice(17, 19)),
  ).getTime();
}

const MINUTE = 60_000;

export class LiveState {
  readonly windowMinutes: number;
  private readonly maxKeys: number;
  private readonly maxRecent: number;
  private readonly since: number | undefined;
  private readonly buckets: Bucket[] = [];
  /** Failure lines of the window, oldest first (for the rules engine). */
  private recent: Array<{ at: number; text: string; file: string }> = [];
  private recentStart = 0;
  /** Files whose lines have reached --since (later lines are not checked again: logs are in time order). */
  private readonly caughtUp = new Set<string>();
  /** Totals since start. */
  readonly totals = {
    errorLines: 0,
    accessLines: 0,
    errorUnparsed: 0,
    accessUnparsed: 0,
    failures: 0,
    responses: 0,
  };
  /** Bumped on each failure: the caller re-runs the diagnosis only when it changed. */
  generation = 0;

  constructor(opts: LiveOptions = {}) {
    this.windowMinutes = Math.max(1, opts.windowMinutes ?? 5);
    this.maxKeys = opts.maxKeys ?? 1000;
    this.maxRecent = opts.maxRecent ?? 2000;
    this.since = opts.since;
  }

  private bucket(now: number): Bucket {
    const minute = Math.floor(now / MINUTE);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.minute === minute) return last;
    const b: Bucket = {
      minute,
      failures: 0,
      byClass: new Map(),
      byPeer: new Map(),
      responses: 0,
      s502: 0,
      s504: 0,
    };
    this.buckets.push(b);
    this.expire(now);
    return b;
  }

  /** Drops buckets and recent lines older than the window. */
  expire(now: number): void {
    const oldest = Math.floor(now / MINUTE) - this.windowMinutes + 1;
    while (this.buckets.length && (this.buckets[0] as Bucket).minute < oldest) this.buckets.shift();
    const cutoff = oldest * MINUTE;
    let i = this.recentStart;
    while (i < this.recent.length && (this.recent[i] as { at: number }).at < cutoff) i++;
    if (i !== this.recentStart) {
      this.recentStart = i;
      this.generation++;
    }
    if (this.recentStart > 1024 && this.recentStart * 2 > this.recent.length) {
      this.recent = this.recent.slice(this.recentStart);
      this.recentStart = 0;
    }
  }

  private bump(m: Map<string, number>, key: string): void {
    const v = m.get(key);
    if (v !== undefined) m.set(key, v + 1);
    else if (m.size < this.maxKeys) m.set(key, 1);
    else m.set("(other)", (m.get("(other)") ?? 0) + 1);
  }

  private before(file: string, t: number): boolean {
    if (this.since === undefined || this.caughtUp.has(file) || !Number.isFinite(t)) return false;
    if (t < this.since) return true;
    this.caughtUp.add(file);
    return false;
  }

  /**
   * One error-log line. Returns the failure event when the line reports an upstream failure; null otherwise.
   * Lines before --since return null and are not counted.
   */
  errorLine(text: string, file: string, now: number): FailureEvent | null {
    if (this.since !== undefined && !this.caughtUp.has(file)) {
      const t = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/.test(text) ? errorTimeLocalMs(text) : Number.NaN;
      if (this.before(file, t)) return null;
    }
    if (text === "") return null;
    this.totals.errorLines++;
    if (!mayConcernUpstream(text)) {
      // An error line about something else ("2026/11/24 … [notice] …") needs no parse.
      const c4 = text.charCodeAt(4);
      if ((c4 === 0x2f || c4 === 0x2d) && text.includes(" [")) return null;
    }
    const line = parseErrorLine(text);
    if (!line) {
      this.totals.errorUnparsed++;
      return null;
    }
    const c = classify(line);
    if (!isFailure(c)) return null;
    return this.failure(line, c.class, c.status, text, file, now);
  }

  private failure(
    line: ErrorLine,
    cls: string,
    status: number | null,
    text: string,
    file: string,
    now: number,
  ): FailureEvent {
    const peer = line.upstream?.peer ?? null;
    const b = this.bucket(now);
    b.failures++;
    this.bump(b.byClass, cls);
    if (peer) this.bump(b.byPeer, peer);
    this.totals.failures++;
    this.recent.push({ at: now, text: text.length > 8192 ? text.slice(0, 8192) : text, file });
    if (this.recent.length - this.recentStart > this.maxRecent) this.recentStart++;
    this.generation++;
    return {
      type: "failure",
      at: new Date(now).toISOString(),
      time: line.time ? isoLocal(line.time) : null,
      class: cls,
      status,
      peer,
      upstream: upstreamName(line.upstream?.raw ?? null),
      server: line.server,
      host: line.host,
      request: line.requestRaw,
      file,
      line: text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
    };
  }

  /** One access-log line read with `r`. Returns the record, or null (no match, or before --since). */
  accessLine(r: AccessReader, text: string, file: string, now: number): AccessRecord | null {
    if (text === "") return null;
    const rec = readAccess(r, text);
    if (rec && this.before(file, rec.t)) return null;
    this.totals.accessLines++;
    if (!rec) {
      this.totals.accessUnparsed++;
      return null;
    }
    const b = this.bucket(now);
    b.responses++;
    this.totals.responses++;
    if (rec.status === 502) b.s502++;
    else if (rec.status === 504) b.s504++;
    return rec;
  }

  view(now: number): WindowView {
    this.expire(now);
    const byClass = new Map<string, number>();
    const byPeer = new Map<string, number>();
    const cur = Math.floor(now / MINUTE);
    const perMinute: WindowView["perMinute"] = [];
    let failures = 0;
    let responses = 0;
    let s502 = 0;
    let s504 = 0;
    for (let m = cur - this.windowMinutes + 1; m <= cur; m++) {
      const b = this.buckets.find((x) => x.minute === m);
      const row = {
        minute: new Date(m * MINUTE).toISOString().slice(0, 16),
        failures: b?.failures ?? 0,
        responses: b?.responses ?? 0,
        s502: b?.s502 ?? 0,
        s504: b?.s504 ?? 0,
      };
      perMinute.push(row);
      if (!b) continue;
      failures += b.failures;
      responses += b.responses;
      s502 += b.s502;
      s504 += b.s504;
      for (const [k, v] of b.byClass) byClass.set(k, (byClass.get(k) ?? 0) + v);
      for (const [k, v] of b.byPeer) byPeer.set(k, (byPeer.get(k) ?? 0) + v);
    }
    const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    return {
      minutes: this.windowMinutes,
      failures,
      byClass: sorted(byClass),
      byPeer: sorted(byPeer),
      responses,
      s502,
      s504,
      perMinute,
    };
  }

  /** Failure lines in the window (after `expire`). */
  recentCount(): number {
    return this.recent.length - this.recentStart;
  }

  /** Evidence for the rules engine from the window's failure lines and the configuration, if any. */
  windowEvidence(now: number, model: ConfigModel | null, source: string | null): Evidence {
    this.expire(now);
    const ev = emptyEvidence("files");
    ev.collectedAt = new Date(now).toISOString();
    if (model) ev.config = { model, source: source ?? "configuration", errors: [] };
    const acc = new ErrorLogAccumulator({ core: false, samples: 3 });
    const files = new Set<string>();
    for (let i = this.recentStart; i < this.recent.length; i++) {
      const r = this.recent[i] as { text: string; file: string };
      files.add(r.file);
      acc.addLine(r.text, r.file, i + 1);
    }
    ev.errorLog = errorEvidence(acc.result([...files], []));
    return ev;
  }
}
