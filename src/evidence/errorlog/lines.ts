/**
 * The error-log reader's reference path: one line of text at a time through parseErrorLine and the taxonomy.
 * Every line the scanner core does not take comes here, and the core's records must count exactly as this does
 * (test/evidence/error-log-core.test.ts).
 */
import {
  detailOf,
  hasNoPeer,
  isFailure,
  mayConcernUpstream,
  unresolvedName,
} from "../../nginx/errorlog/facts.js";
import { type ErrorLine, errorTimeToMs, messagePeer, parseErrorLine } from "../../nginx/errorlog/grammar.js";
import { type Classification, classify, isReload } from "../../nginx/errorlog/taxonomy.js";
import { ErrorTables, isoLocal, SampleSource, SKIPPED_SAMPLES } from "./tables.js";

/** Runs of 4+ digits not right after "(" (which would be an errno). */
const LONG_NUMBERS = /(?<!\(|\d)\d{4,}/g;

/**
 * What a classification is cached under: the level, "-" (no upstream), "u" (a unix socket) or "t", the
 * context flags ("c" configuration file, "n" no connection, "r" request, "s" subrequest, "x" stream session) and
 * the message with its long numbers blanked.
 */
export function classKey(level: string, ups: string, ctx: string, message: string): string {
  return `${level}${ups}${ctx}|${message.replace(LONG_NUMBERS, "#")}`;
}

/**
 * The context flags of classKey, for both readers (the line reader and the core's records, which never have a
 * configuration file or a line without connection number, so that their keys are the line reader's own).
 */
export function contextFlags(
  confFile: boolean,
  noConnection: boolean,
  request: boolean,
  subrequest: boolean,
  stream: boolean,
): string {
  return `${confFile ? "c" : ""}${noConnection ? "n" : ""}${request ? "r" : ""}${subrequest ? "s" : ""}${stream ? "x" : ""}`;
}

/** Lines longer than this (characters) are cut before parsing. */
export const MAX_LINE_CHARS = 65536;

/** Offset (minutes east of UTC) of this machine at the given local time: nginx logs local time. */
function localOffset(msAsUtc: number): number {
  return -new Date(msAsUtc).getTimezoneOffset();
}

export class ErrorLineReader extends ErrorTables {
  private lastTimeRaw = "";
  private lastTimeMs = 0;
  protected lastIsoRaw = "";
  protected lastIso = "";
  protected lastMinute = "";
  /** The record path's "same second as the last line" key; a line read here resets it. */
  protected lastTimeKey = -1;
  private lastReloadMs = Number.NEGATIVE_INFINITY;
  /** The line being recorded, turned into one Sample object only if some list still takes samples. */
  protected readonly sample = new SampleSource();
  private readonly classCache = new Map<string, Classification>();

  protected timeMs(t: string): number {
    if (t === this.lastTimeRaw) return this.lastTimeMs;
    const asUtc = errorTimeToMs(t);
    this.lastTimeRaw = t;
    this.lastTimeMs = asUtc - localOffset(asUtc) * 60000;
    return this.lastTimeMs;
  }

  /**
   * Classification depends only on level, message and a few flags: cache it per distinct message, numbers of
   * four digits or more aside (temp-file names, byte counts, line numbers in a FastCGI message: nothing the
   * taxonomy reads; an errno, "(N: …", is kept).
   */
  protected classifyCached(line: ErrorLine): Classification {
    if (line.message.length > 300) return classify(line);
    const ups = line.upstream === null ? "-" : line.upstream.peer.startsWith("unix:") ? "u" : "t";
    const ctx = contextFlags(
      line.confFile !== null,
      line.connection === null,
      line.request !== null,
      line.subrequest !== null,
      line.stream,
    );
    return this.classifyKeyed(classKey(line.level ?? "", ups, ctx, line.message), () => line);
  }

  /** The classification cached under `key` (classKey), made from the line `make` gives when missing. */
  protected classifyKeyed(key: string, make: () => ErrorLine): Classification {
    let c = this.classCache.get(key);
    if (c === undefined) {
      c = classify(make());
      if (this.classCache.size < 4096) this.classCache.set(key, c);
    }
    return c;
  }

  /**
   * The minute of an ISO time as lastMinute, the same string object while the minute lasts: the runs compare it
   * with what they hold on every line, and the same object compares at once.
   */
  protected setMinute(iso: string): void {
    const m = iso.slice(0, 16);
    if (m !== this.lastMinute) this.lastMinute = m;
  }

  protected noteReload(raw: string): void {
    const ms = errorTimeToMs(raw);
    // One reload writes two lines ("signal 1 (SIGHUP) received…, reconfiguring" and "reconfiguring").
    if (Math.abs(ms - this.lastReloadMs) <= 5000) return;
    this.lastReloadMs = ms;
    if (this.reloads.length < 100) this.reloads.push(isoLocal(raw));
  }

  /** Feeds one line (without its newline). */
  addLine(text: string, file: string, lineNo: number): void {
    this.lines++;
    if (text.includes("reconfiguring")) {
      const l = parseErrorLine(text);
      if (l?.time && isReload(l.message)) {
        this.noteReload(l.time);
        this.bump(this.byClass, "not-upstream");
        return;
      }
    }
    if (!mayConcernUpstream(text)) {
      // "2026/11/24 …" (or kubectl's "2026-11-24T…" prefix) and " [": an error-log line about something else.
      // An access line also starts with a digit and has " [", but an address never has '/' or '-' at 4.
      const c4 = text.charCodeAt(4);
      if (
        text.charCodeAt(0) >= 0x30 &&
        text.charCodeAt(0) <= 0x39 &&
        (c4 === 0x2f || c4 === 0x2d) &&
        text.includes(" [")
      ) {
        this.bump(this.byClass, "not-upstream");
      } else if (text.trim() !== "") {
        // Other prefixes (syslog, journald, Docker) are left to the full parser.
        if (text.charCodeAt(0) !== 0 && parseErrorLine(text) !== null)
          this.bump(this.byClass, "not-upstream");
        else this.skip(text, file, lineNo);
      } else this.blankLines++;
      return;
    }
    const line = parseErrorLine(text);
    if (!line) {
      this.skip(text, file, lineNo);
      return;
    }
    if (line.time && (this.opts.since !== undefined || this.opts.until !== undefined)) {
      const t = this.timeMs(line.time);
      if (
        (this.opts.since !== undefined && t < this.opts.since) ||
        (this.opts.until !== undefined && t >= this.opts.until)
      ) {
        this.outOfWindow++;
        return;
      }
    }
    const c = this.classifyCached(line);
    if (!isFailure(c) && c.class !== "not-upstream") {
      // Notes about upstreams that are not failures themselves (a peer marked down, extra body bytes dropped).
      this.bump(this.notes, c.detail ?? c.class);
      return;
    }
    this.bump(this.byClass, c.class);
    if (!isFailure(c)) return;
    this.record(line, c, text, file, lineNo);
  }

  /** Feeds a decoded block of whole lines through addLine; returns the number of lines it held. */
  addText(text: string, file: string, firstLine: number): number {
    let n = 0;
    let i = 0;
    while (i < text.length) {
      let j = text.indexOf("\n", i);
      if (j < 0) j = text.length;
      let k = j;
      if (k > i && text.charCodeAt(k - 1) === 0x0d) k--;
      n++;
      this.addLine(
        k - i > MAX_LINE_CHARS ? text.slice(i, i + MAX_LINE_CHARS) : text.slice(i, k),
        file,
        firstLine + n,
      );
      i = j + 1;
    }
    return n;
  }

  /**
   * A line that is not an nginx error-log line. A crash can leave a run of NUL bytes in front of the next line
   * nginx appends: such a line is read without them (a line of NULs only is padding, not a line).
   */
  private skip(text: string, file: string, lineNo: number): void {
    if (text.charCodeAt(0) === 0) {
      let i = 1;
      while (i < text.length && text.charCodeAt(i) === 0) i++;
      this.lines--;
      if (i < text.length) this.addLine(text.slice(i), file, lineNo);
      else this.padding++;
      return;
    }
    this.unparsed++;
    if (this.skippedSamples.length < SKIPPED_SAMPLES) this.skippedSamples.push(text.slice(0, 1000));
  }

  private record(line: ErrorLine, c: Classification, text: string, file: string, lineNo: number): void {
    this.upstreamErrors++;
    let iso: string | null = null;
    if (line.time) {
      if (line.time !== this.lastIsoRaw) {
        this.lastIsoRaw = line.time;
        this.lastTimeKey = -1;
        this.lastIso = isoLocal(line.time);
        this.setMinute(this.lastIso);
      }
      iso = this.lastIso;
      if (this.first === null || iso < this.first) this.first = iso;
      if (this.last === null || iso > this.last) this.last = iso;
      this.runKey(this.minuteRun, this.minutes, this.lastMinute);
    }
    const mk = this.sample.set(text, "utf8", 0, text.length, file, lineNo);
    const cs = this.samples.get(c.class);
    if (!cs) this.samples.set(c.class, [mk.get()]);
    else if (cs.length < this.maxSamples) cs.push(mk.get());
    if (line.server) this.runKey(this.serverRun, this.servers, line.server);
    if (line.host) this.runKey(this.hostRun, this.hosts, line.host);
    const noPeer = hasNoPeer(c.class);
    const peer = noPeer ? null : (line.upstream?.peer ?? messagePeer(line.message));
    const groupName = c.class === "no-live-upstreams" && line.upstream ? line.upstream.peer : null;
    const peerKey = peer ?? groupName ?? "(none)";
    const p = this.peerSummary(peerKey, line.upstream?.module ?? null);
    if (p) this.countPeer(p, c, iso, this.lastMinute, mk);
    const g = this.group(c.class, peerKey, () => ({
      peer,
      upstream: line.upstream?.raw ?? null,
      group: groupName,
      server: line.server,
      host: line.host,
    }));
    if (!g) return;
    this.countGroup(g, c, iso, mk);
    this.noteInGroup(
      g,
      line.request?.uri ?? null,
      g.detailSet.size < 5 ? detailOf(c, line.message) : null,
      noPeer && g.nameSet.size < 5 ? unresolvedName(line.message) : null,
    );
  }
}
