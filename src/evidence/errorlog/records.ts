/**
 * The error-log accumulator: blocks of bytes go through the WebAssembly scanner core
 * (src/nginx/wasm/errorlog.ts), which turns each line in nginx's plain layout into a record of spans and
 * interned ids (ERR_* slots of src/nginx/wasm/layout.ts); the decoder here counts a record exactly as addLine
 * would count the line, and every other line goes to addLine.
 */
import { isAscii } from "node:buffer";
import {
  detailOf,
  ERROR_LEVEL_ORDER,
  hasNoPeer,
  isFailure,
  unresolvedName,
} from "../../nginx/errorlog/facts.js";
import {
  blank,
  type ErrorLevel,
  messagePeer,
  parseUpstream,
  UPSTREAM_MODULE_CHARS,
  upstreamModule,
} from "../../nginx/errorlog/grammar.js";
import { type Classification, earlyClass, isReload } from "../../nginx/errorlog/taxonomy.js";
import {
  CTX_REQUEST,
  CTX_STREAM,
  CTX_SUBREQUEST,
  ERR_CONTEXT,
  ERR_DATE,
  ERR_HOST,
  ERR_HOST_ID,
  ERR_LEVEL,
  ERR_LINE,
  ERR_MESSAGE,
  ERR_MESSAGE_ID,
  ERR_PEER,
  ERR_PEER_ID,
  ERR_REQUEST,
  ERR_SERVER,
  ERR_SERVER_ID,
  ERR_SHAPE_ID,
  ERR_STAMP,
  ERR_TIME,
  ERR_UPSTREAM,
  ERR_UPSTREAM_KIND,
  LINE_OTHER,
  LINE_SCANNED,
  UPSTREAM_NONE,
  UPSTREAM_UNIX,
} from "../../nginx/wasm/layout.js";
import type { LogAccumulator } from "../scan/accumulator.js";
import { loadWasmCore, type WasmCore } from "../scan/core.js";
import { FNV_BASIS, hashBytes, utf8KeysOf } from "../scan/key-hash.js";
import type { ErrorGroup } from "../types.js";
import { classKey, contextFlags, ErrorLineReader, MAX_LINE_CHARS } from "./lines.js";
import {
  type ClassCounter,
  type ErrorLogOptions,
  type ErrorLogState,
  type GroupAcc,
  isoLocal,
  PER_GROUP,
  type PeerSummary,
  type Run,
  type SampleSource,
  URI_CHARS,
} from "./tables.js";

/**
 * The URI of the request line [rs, re) of the block as parseRequestLine cuts it (between the first and the last
 * space), decoded no further than the URI_CHARS that noteInGroup keeps can need (see SampleSource.get).
 */
function requestUri(block: Buffer, enc: BufferEncoding, rs: number, re: number): string | null {
  const a = block.indexOf(0x20, rs);
  if (a <= rs || a >= re) return null;
  const last = block.lastIndexOf(0x20, re - 1);
  return decodeCapped(block, enc, a + 1, last === a ? re : last);
}

/** Bytes [s, e) decoded no further than needed to keep URI_CHARS units of them (the tables cut the rest). */
function decodeCapped(block: Buffer, enc: BufferEncoding, s: number, e: number): string {
  const room = enc === "latin1" ? URI_CHARS + 1 : URI_CHARS * 3 + 4;
  return block.toString(enc, s, Math.min(e, s + room));
}

/** A message the scanner core has given an id, with its classification. */
interface KnownMessage {
  c: Classification;
  /** A configuration reload note ("…, reconfiguring"): its times are kept. */
  reload: boolean;
  failure: boolean;
  /** What a group keeps of it: the detail (detailOf) and, for resolver failures, the name (unresolvedName). */
  detail: string | null;
  name: string | null;
  /** For a line without upstream context: the peer its message names ("connect() to PEER failed"). */
  peer: string | null;
  /** The count of its class in byClass (failures and not-upstream lines), made when first counted. */
  counter: ClassCounter | null;
  /** The index of its class (classIndex): where a peer keeps the class's entry. */
  ci: number;
}

/** Small numbers for the classes of the taxonomy, given in the order they are first met (a few dozen). */
const CLASS_INDEX = new Map<string, number>();
function classIndex(cls: string): number {
  let i = CLASS_INDEX.get(cls);
  if (i === undefined) {
    i = CLASS_INDEX.size;
    CLASS_INDEX.set(cls, i);
  }
  return i;
}

/** What the fast path keeps per peer key: the summary and, per class, the group and a pending count. */
interface FastPeer {
  key: string;
  summary: PeerSummary | undefined;
  /** Its failures per minute being counted (minuteRunOf), when it has a summary. */
  run: Run | undefined;
  /** By class index (KnownMessage.ci): an array lookup, where a Map of class names was the hottest line. */
  classes: Array<PeerClass | undefined>;
}

/** One class of one peer key: its group (null: no room) and failures not yet added to summary.byClass. */
interface PeerClass {
  cls: string;
  summary: PeerSummary | undefined;
  n: number;
  group: GroupAcc | null | undefined;
  /** The group's URI list is full (nothing more to decode for it). */
  urisFull: boolean;
  /** The message whose detail and name were noted in the group last (the same message notes nothing new). */
  noted: KnownMessage | null;
}

/** A server or host counted by the fast path (added to its table when runs are flushed). */
interface KeyCount {
  key: string;
  n: number;
}

export class ErrorLogAccumulator extends ErrorLineReader implements LogAccumulator<ErrorLogState> {
  private readonly wasm: WasmCore | null;
  /** Lines counted from the core's records (the rest went through parseErrorLine). */
  coreLines = 0;
  private readonly windowed: boolean;
  private lastWindowKey = -1;
  private lastWindowOut = false;
  /** By interned id: the message's classification, the text of servers and hosts, the peer's entry. */
  private readonly wmsgs: Array<KnownMessage | undefined> = [];
  /** By interned shape id (ERR_SHAPE_ID): the plain entry of messages of that shape. */
  private readonly wshapes: Array<KnownMessage | undefined> = [];
  /** The messages that are no failure, one per class and detail (see knownMessage). */
  private readonly plainMessages = new Map<string, KnownMessage>();
  private readonly wtext: Array<string | undefined> = [];
  private readonly wpeers: Array<FastPeer | undefined> = [];
  private readonly fastPeers = new Map<string, FastPeer>();
  /** Stands for every peer that has no entry (see addLoose); looseKey is the last such peer's key. */
  private readonly loose: FastPeer = { key: "", summary: undefined, run: undefined, classes: [] };
  private looseKey = "";
  /** A peer that has no summary or group and can get none (see mayBePeer): its lines count nowhere per peer. */
  private readonly nowhere: FastPeer = { key: "", summary: undefined, run: undefined, classes: [] };
  /** Hashes of the peer summaries' and groups' keys once both are full (undefined: not made; null: unknowable). */
  private peerHashes: Set<number> | null | undefined;
  /** Peer classes with counts pending (flushRuns adds them to the summaries). */
  private readonly peerClasses: PeerClass[] = [];
  /** Servers and hosts by interned id, and by text. */
  private readonly wcount: Array<KeyCount | undefined> = [];
  private readonly serverCounts = new Map<string, KeyCount>();
  private readonly hostCounts = new Map<string, KeyCount>();
  /** Hashes of the keys of the server and host tables once full (null: a key's bytes are not known). */
  private readonly fullKeys = new Map<Map<string, number>, Set<number> | null>();

  constructor(opts: ErrorLogOptions = {}) {
    super(opts);
    this.wasm = opts.core === false ? null : loadWasmCore();
    this.windowed = opts.since !== undefined || opts.until !== undefined;
  }

  protected override flushRuns(): void {
    for (const pc of this.peerClasses) {
      if (pc.n === 0 || !pc.summary) continue;
      pc.summary.byClass[pc.cls] = (pc.summary.byClass[pc.cls] ?? 0) + pc.n;
      pc.n = 0;
    }
    for (const [counts, m] of [
      [this.serverCounts, this.servers],
      [this.hostCounts, this.hosts],
    ] as const)
      for (const kc of counts.values()) {
        if (kc.n > 0) this.bump(m, kc.key, kc.n);
        kc.n = 0;
      }
    super.flushRuns();
  }

  protected override forgetIds(): void {
    this.peerHashes = undefined;
    this.fastPeers.clear();
    this.peerClasses.length = 0;
    this.serverCounts.clear();
    this.hostCounts.clear();
    this.wcount.length = 0;
    this.wpeers.length = 0;
  }

  /**
   * A second thread pays off when lines repeat their keys. When most failures so far each made a group of
   * their own (a new peer or class on nearly every line), or the groups are already at their cap, a second
   * thread would fill tables of its own that the merge mostly drops, and take the core V8's collector runs on:
   * one thread reads the file.
   */
  prefersOneThread(): boolean {
    return (
      this.upstreamErrors >= 100 &&
      (this.groupCount >= this.maxKeys || this.groupCount * 2 > this.upstreamErrors)
    );
  }

  /** Feeds a block of whole lines as bytes; returns the number of lines it held. */
  addBytes(block: Buffer, file: string, firstLine: number): number {
    const w = this.wasm;
    // ASCII (nearly every error log) decodes as latin1 at twice the speed, to the same string.
    const enc: BufferEncoding = isAscii(block) ? "latin1" : "utf8";
    if (w === null || block.length > w.capacity) return this.addText(block.toString(enc), file, firstLine);
    w.bytes.set(block, 0);
    const ints = w.ints;
    let n = 0;
    let from = 0;
    while (from < block.length) {
      const count = w.scanErrorLog(block.length, from);
      for (let r = 0; r < count; r++) {
        const b = w.errorRecord(r);
        n++;
        const st = ints[b];
        if (st === LINE_SCANNED) this.addRecord(ints, b, block, enc, file, firstLine + n);
        else if (st === LINE_OTHER) {
          this.lines++;
          this.coreLines++;
          this.otherLines().n++;
        } else {
          const text = block.toString(enc, ints[b + ERR_LINE], ints[b + ERR_LINE + 1]);
          this.addLine(
            text.length > MAX_LINE_CHARS ? text.slice(0, MAX_LINE_CHARS) : text,
            file,
            firstLine + n,
          );
        }
      }
      from = w.nextLine();
      if (w.tableFull()) {
        // Ids start again from 0: forget what was cached by id (entries by key are kept).
        w.resetTable();
        this.wmsgs.length = 0;
        this.wshapes.length = 0;
        this.wtext.length = 0;
        this.wcount.length = 0;
        this.wpeers.length = 0;
      }
    }
    return n;
  }

  private otherCounter: ClassCounter | null = null;
  /** The counter of not-upstream lines (entered in byClass where the first one appears). */
  private otherLines(): ClassCounter {
    if (this.otherCounter === null) this.otherCounter = this.counterOf("not-upstream");
    return this.otherCounter;
  }

  /** Counts one scanned line from its record at ints[b…]. */
  private addRecord(
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
    file: string,
    lineNo: number,
  ): void {
    this.lines++;
    this.coreLines++;
    const ls = ints[b + ERR_LINE] as number;
    const ts = ints[b + ERR_STAMP] as number;
    const mid = ints[b + ERR_MESSAGE_ID] as number;
    const e = this.wmsgs[mid] ?? this.newMessage(ints, b, block, enc, mid);
    if (e.reload) {
      // As addLine: a reload note counts as not-upstream whatever its time.
      this.noteReload(block.toString("latin1", ts, ts + 19));
      this.otherLines().n++;
      return;
    }
    const timeKey = (ints[b + ERR_DATE] as number) * 1e6 + (ints[b + ERR_TIME] as number);
    if (this.windowed) {
      if (timeKey !== this.lastWindowKey) {
        const ms = this.timeMs(block.toString("latin1", ts, ts + 19));
        this.lastWindowKey = timeKey;
        this.lastWindowOut =
          (this.opts.since !== undefined && ms < this.opts.since) ||
          (this.opts.until !== undefined && ms >= this.opts.until);
      }
      if (this.lastWindowOut) {
        this.outOfWindow++;
        return;
      }
    }
    const c = e.c;
    if (!e.failure) {
      if (c.class !== "not-upstream") this.bump(this.notes, c.detail ?? c.class);
      else this.counted(e).n++;
      return;
    }
    const ctr = this.counted(e);
    ctr.n++;
    this.upstreamErrors++;
    // Time: one conversion per distinct second.
    if (timeKey !== this.lastTimeKey) {
      this.lastTimeKey = timeKey;
      this.lastIsoRaw = block.toString("latin1", ts, ts + 19);
      this.lastIso = isoLocal(this.lastIsoRaw);
      this.setMinute(this.lastIso);
      if (this.first === null || this.lastIso < this.first) this.first = this.lastIso;
      if (this.last === null || this.lastIso > this.last) this.last = this.lastIso;
    }
    const iso = this.lastIso;
    this.runKey(this.minuteRun, this.minutes, this.lastMinute);
    const mk = this.sample.set(block, enc, ls, ints[b + ERR_LINE + 1] as number, file, lineNo);
    if (!ctr.samplesFull) {
      const cs = this.samples.get(c.class);
      if (!cs) this.samples.set(c.class, [mk.get()]);
      else if (cs.length < this.maxSamples) cs.push(mk.get());
      else ctr.samplesFull = true;
    }
    this.countKey(ints, b + ERR_SERVER_ID, b + ERR_SERVER, block, enc, false);
    this.countKey(ints, b + ERR_HOST_ID, b + ERR_HOST, block, enc, true);
    const noPeer = hasNoPeer(c.class);
    const bare = ints[b + ERR_UPSTREAM_KIND] === UPSTREAM_NONE;
    // As record() in lines.ts: the upstream's peer, else the peer the message names; a group for no-live-upstreams.
    const hasPeer = bare ? !noPeer && e.peer !== null : !noPeer || c.class === "no-live-upstreams";
    let fp: FastPeer;
    if (bare) fp = this.fastPeerOf(hasPeer ? (e.peer as string) : "(none)", ints, b, block, enc);
    else if (hasPeer) {
      const pid = ints[b + ERR_PEER_ID] as number;
      let p = this.wpeers[pid];
      if (
        p === undefined &&
        pid >= 0 &&
        !this.mayBePeer(block, ints[b + ERR_PEER] as number, ints[b + ERR_PEER + 1] as number)
      ) {
        // No table has or can make an entry for it: nothing more to count (see mayBePeer).
        p = this.nowhere;
        this.wpeers[pid] = p;
      }
      if (p === this.nowhere) return;
      if (p === undefined) {
        p = this.fastPeerOf(
          this.textAt(ints, b + ERR_PEER_ID, b + ERR_PEER, block, enc, true) as string,
          ints,
          b,
          block,
          enc,
        );
        this.wpeers[pid] = p;
      }
      if (p === this.loose) {
        this.addLoose(this.wtext[pid] as string, c, e, hasPeer, noPeer, bare, iso, mk, ints, b, block, enc);
        return;
      }
      fp = p;
    } else fp = this.fastPeerOf("(none)", ints, b, block, enc);
    if (fp === this.loose) {
      this.addLoose(this.looseKey, c, e, hasPeer, noPeer, bare, iso, mk, ints, b, block, enc);
      return;
    }
    let pc = fp.classes[e.ci];
    if (!pc) {
      pc = { cls: c.class, summary: fp.summary, n: 0, group: undefined, urisFull: false, noted: null };
      fp.classes[e.ci] = pc;
      if (fp.summary) {
        // Its place among the peer's classes is where it first appeared, as countPeer gives it.
        if (fp.summary.byClass[c.class] === undefined) fp.summary.byClass[c.class] = 0;
        this.peerClasses.push(pc);
      }
    }
    if (fp.summary) {
      this.countPeer(fp.summary, null, iso, this.lastMinute, mk, fp.run);
      pc.n++;
    }
    let g = pc.group;
    if (g === null) return;
    if (g === undefined) {
      const peerKey = fp.key;
      // The upstream's text (and the server's and host's) is decoded only when a group is made.
      g = this.group(c.class, peerKey, this.groupInit(peerKey, hasPeer, noPeer, bare, ints, b, block, enc));
      pc.group = g ?? null;
      if (!g) return;
    }
    this.countGroup(g, c, iso, mk);
    if (!pc.urisFull) {
      const rs = ints[b + ERR_REQUEST] as number;
      this.noteInGroup(
        g,
        rs >= 0 ? requestUri(block, enc, rs, ints[b + ERR_REQUEST + 1] as number) : null,
        null,
        null,
      );
      pc.urisFull = g.uriSet.size >= PER_GROUP;
    }
    // The message is the same for every line with this id: its detail and name were taken once.
    if (pc.noted !== e) {
      this.noteInGroup(g, null, e.detail, e.name);
      pc.noted = e;
    }
  }

  /**
   * A failure of a peer that has no entry (the peer and fast-peer tables are full): only its group can count
   * it, found by key on every line. Nothing is made per line, as a log where every line names a new peer would
   * otherwise leave an entry per line behind until the core's table is reset.
   */
  private addLoose(
    key: string,
    c: Classification,
    e: KnownMessage,
    hasPeer: boolean,
    noPeer: boolean,
    bare: boolean,
    iso: string,
    mk: SampleSource,
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
  ): void {
    const g = this.group(c.class, key, this.groupInit(key, hasPeer, noPeer, bare, ints, b, block, enc));
    if (!g) return;
    this.countGroup(g, c, iso, mk);
    if (g.uriSet.size < PER_GROUP) {
      const rs = ints[b + ERR_REQUEST] as number;
      if (rs >= 0)
        this.noteInGroup(g, requestUri(block, enc, rs, ints[b + ERR_REQUEST + 1] as number), null, null);
    }
    this.noteInGroup(g, null, e.detail, e.name);
  }

  private counted(e: KnownMessage): ClassCounter {
    if (e.counter === null) e.counter = this.counterOf(e.c.class);
    return e.counter;
  }

  /**
   * Counts a server or host (ints[idAt] is its id, -1 when absent). A key seen for the first time takes its place
   * in the table now, as runKey gives it one at the end of its first run (a run the line reader has open is
   * closed first, so that places stay in order of first appearance). Its text is kept by id only when the table
   * keeps the key: one that goes to "(other)" is decoded again if a group needs it (see textAt).
   */
  private countKey(
    ints: Int32Array,
    idAt: number,
    spanAt: number,
    block: Buffer,
    enc: BufferEncoding,
    isHost: boolean,
  ): void {
    const id = ints[idAt] as number;
    if (id < 0) return;
    let kc = this.wcount[id];
    if (kc === undefined) {
      const s = ints[spanAt] as number;
      const e = ints[spanAt + 1] as number;
      const m = isHost ? this.hosts : this.servers;
      const counts = isHost ? this.hostCounts : this.serverCounts;
      if (e > s && m.size >= this.maxKeys && this.wtext[id] === undefined && !this.mayBeKey(m, block, s, e)) {
        // Not one of the full table's keys: "(other)" counts it, and no string is made.
        kc = counts.get("(other)") ?? { key: "(other)", n: 0 };
        counts.set("(other)", kc);
        this.wcount[id] = kc;
        kc.n++;
        return;
      }
      const key = this.wtext[id] ?? block.toString(enc, s, e);
      kc = counts.get(key);
      // An empty value is not counted (as the line reader's `if (line.server)`).
      if (kc === undefined && key === "") kc = { key, n: 0 };
      else if (kc === undefined) {
        const run = isHost ? this.hostRun : this.serverRun;
        if (run.key !== null && run.n > 0) this.bump(m, run.key, run.n);
        run.key = null;
        run.n = 0;
        if (!m.has(key)) this.bump(m, key, 0);
        if (m.has(key)) {
          kc = { key, n: 0 };
          counts.set(key, kc);
        } else {
          // The table is full: what this key counts goes to "(other)" (one shared counter, nothing kept per key).
          kc = counts.get("(other)") ?? { key: "(other)", n: 0 };
          counts.set("(other)", kc);
        }
      }
      if (kc.key === key) this.wtext[id] = kc.key;
      this.wcount[id] = kc;
    }
    if (kc.key !== "") kc.n++;
  }

  /**
   * Whether the peer whose text is bytes [s, e) may count anywhere per peer. Not when the peer summaries and the
   * groups are both full (neither takes a new key) and the bytes hash to none of their keys: the line would get a
   * fast-path entry without summary, or the shared loose one, and find no group, so its text need not be made.
   */
  private mayBePeer(block: Buffer, s: number, e: number): boolean {
    if (this.peers.size < this.maxKeys || this.groupCount < this.maxKeys) return true;
    if (this.peerHashes === undefined) {
      const keys = new Set<string>(this.peers.keys());
      for (const m of this.groups.values()) for (const k of m.keys()) keys.add(k);
      this.peerHashes = utf8KeysOf(keys);
    }
    return this.peerHashes === null || this.peerHashes.has(hashBytes(FNV_BASIS, block, s, e));
  }

  /**
   * Whether bytes [s, e) may be a key of the full table `m`: false only when they hash to none of its keys (a
   * full table takes no new key, so the hashes made when it is first asked stay true).
   */
  private mayBeKey(m: Map<string, number>, block: Buffer, s: number, e: number): boolean {
    let hashes = this.fullKeys.get(m);
    if (hashes === undefined) {
      hashes = utf8KeysOf(m.keys());
      this.fullKeys.set(m, hashes);
    }
    return hashes === null || hashes.has(hashBytes(FNV_BASIS, block, s, e));
  }

  /**
   * The text of an interned context value (ints[idAt] is its id, -1 when absent; its span at spanAt), from the
   * cache by id when there; `keep` caches what was decoded.
   */
  private textAt(
    ints: Int32Array,
    idAt: number,
    spanAt: number,
    block: Buffer,
    enc: BufferEncoding,
    keep = false,
  ): string | null {
    const id = ints[idAt] as number;
    if (id < 0) return null;
    let s = this.wtext[id];
    if (s === undefined) {
      s = block.toString(enc, ints[spanAt], ints[spanAt + 1]);
      if (keep) this.wtext[id] = s;
    }
    return s;
  }

  /** What a new group of this line holds besides its counts (given to `group`, called only if one is made). */
  private groupInit(
    key: string,
    hasPeer: boolean,
    noPeer: boolean,
    bare: boolean,
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
  ): () => Pick<ErrorGroup, "peer" | "upstream" | "group" | "server" | "host"> {
    return () => ({
      peer: hasPeer && !noPeer ? key : null,
      upstream: bare
        ? null
        : decodeCapped(block, enc, ints[b + ERR_UPSTREAM] as number, ints[b + ERR_UPSTREAM + 1] as number),
      group: hasPeer && noPeer ? key : null,
      server: this.textAt(ints, b + ERR_SERVER_ID, b + ERR_SERVER, block, enc),
      host: this.textAt(ints, b + ERR_HOST_ID, b + ERR_HOST, block, enc),
    });
  }

  /** The peer entry for a key (the same entry for every line that names the peer). */
  private fastPeerOf(key: string, ints: Int32Array, b: number, block: Buffer, enc: BufferEncoding): FastPeer {
    let fp = this.fastPeers.get(key);
    if (!fp) {
      const us = ints[b + ERR_UPSTREAM] as number;
      const stream = ((ints[b + ERR_CONTEXT] as number) & CTX_STREAM) !== 0;
      // Only the scheme decides the module: a long URI after it is not decoded (4 bytes per character at most).
      const module =
        us < 0
          ? null
          : upstreamModule(
              block.toString(
                enc,
                us,
                Math.min(ints[b + ERR_UPSTREAM + 1] as number, us + 4 * UPSTREAM_MODULE_CHARS),
              ),
              stream,
            );
      const summary = this.peerSummary(key, module);
      if (!summary && this.fastPeers.size >= this.maxKeys) {
        // Nothing to keep for it: the shared loose entry stands for it (see addLoose).
        this.looseKey = key;
        return this.loose;
      }
      fp = { key, summary, run: summary ? this.minuteRunOf(key) : undefined, classes: [] };
      // A peer with a summary is always kept (at most maxKeys of them), so that its counts are never split.
      this.fastPeers.set(key, fp);
    }
    return fp;
  }

  /**
   * A message id seen for the first time: a message that is no failure is known by its shape when another
   * message of that shape was (a temp file or byte count that differs on every line is not decoded again).
   */
  private newMessage(
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
    id: number,
  ): KnownMessage {
    const sid = ints[b + ERR_SHAPE_ID] as number;
    const known = this.wshapes[sid];
    if (known !== undefined) {
      this.wmsgs[id] = known;
      return known;
    }
    const e = this.knownMessage(ints, b, block, enc, id);
    // Only a plain entry (see knownMessage) depends on nothing but the shape.
    if (!e.failure && !e.reload) this.wshapes[sid] = e;
    return e;
  }

  /** Classifies a message seen for the first time (its id is new to this accumulator). */
  private knownMessage(
    ints: Int32Array,
    b: number,
    block: Buffer,
    enc: BufferEncoding,
    id: number,
  ): KnownMessage {
    const message = block.toString(enc, ints[b + ERR_MESSAGE], ints[b + ERR_MESSAGE + 1]);
    const level = ERROR_LEVEL_ORDER[ints[b + ERR_LEVEL] as number] as ErrorLevel;
    // A message the classifier's first rules decide (a missing file, a temp file: new on every line of some logs)
    // takes the entry of its class and detail when there is one, without being classified.
    const early = earlyClass(level, message);
    if (early !== null && !isReload(message)) {
      const plain = this.plainMessages.get(`${early.class}|${early.detail ?? ""}`);
      if (plain !== undefined) {
        this.wmsgs[id] = plain;
        return plain;
      }
    }
    const ukind = ints[b + ERR_UPSTREAM_KIND] as number;
    const flags = ints[b + ERR_CONTEXT] as number;
    // Only whether request and subrequest are there matters to the classification (without upstream context).
    const key = classKey(
      level,
      ukind === UPSTREAM_NONE ? "-" : ukind === UPSTREAM_UNIX ? "u" : "t",
      contextFlags(
        false,
        false,
        (flags & CTX_REQUEST) !== 0,
        (flags & CTX_SUBREQUEST) !== 0,
        (flags & CTX_STREAM) !== 0,
      ),
      message,
    );
    const c = this.classifyKeyed(key, () => ({
      ...blank(message, null),
      level,
      connection: 0,
      request: flags & CTX_REQUEST ? { method: "", uri: "", protocol: null } : null,
      subrequest: flags & CTX_SUBREQUEST ? "" : null,
      stream: (flags & CTX_STREAM) !== 0,
      upstream:
        ukind === UPSTREAM_NONE
          ? null
          : parseUpstream(
              block.toString(enc, ints[b + ERR_UPSTREAM], ints[b + ERR_UPSTREAM + 1]),
              (flags & CTX_STREAM) !== 0,
            ),
    }));
    const failure = isFailure(c);
    const reload = isReload(message);
    if (!failure && !reload) {
      // Only the class and its detail are read of a message that is no failure: one entry per class and detail
      // stands for all of them (a log that names a new temp file or path on every line makes no entry per line).
      const plainKey = `${c.class}|${c.detail ?? ""}`;
      let plain = this.plainMessages.get(plainKey);
      if (plain === undefined) {
        plain = {
          c,
          failure,
          counter: null,
          reload,
          detail: null,
          name: null,
          peer: null,
          ci: classIndex(c.class),
        };
        this.plainMessages.set(plainKey, plain);
      }
      this.wmsgs[id] = plain;
      return plain;
    }
    const known: KnownMessage = {
      c,
      failure,
      counter: null,
      reload,
      detail: detailOf(c, message),
      name: hasNoPeer(c.class) ? unresolvedName(message) : null,
      peer: ukind === UPSTREAM_NONE ? messagePeer(message) : null,
      ci: classIndex(c.class),
    };
    this.wmsgs[id] = known;
    return known;
  }
}
