/**
 * The access-log accumulator: blocks of bytes go through the WebAssembly scanner core
 * (src/nginx/wasm/accesslog.ts), which splits each line with the format's program and writes a record of numbers
 * and interned ids (ACC_* slots of src/nginx/wasm/layout.ts); the decoder here counts a record exactly as
 * addLine would count the line, and every other line goes to addLine.
 */
import type {
  IngressAccessAccumulator,
  IngressPeerStats,
  IngressUpstreamStats,
} from "../../nginx/ingress.js";
import type { LogEscape } from "../../nginx/logformat.js";
import * as L from "../../nginx/wasm/layout.js";
import type { LogAccumulator } from "../scan/accumulator.js";
import { loadWasmCore, type WasmCore } from "../scan/core.js";
import { FNV_BASIS, hashBytes, keysOf } from "../scan/key-hash.js";
import { AccessLineReader } from "./lines.js";
import { type GroupAcc, newGroup, newPeer, type PeerAcc } from "./tables.js";
import type { CellAcc } from "./timeout-cells.js";
import type { AccessFileAccount, AccessOptions, AccessSummary, AccumulatorState } from "./types.js";

/**
 * Two ids of the core (each below its 24,576 interned values) make one Map key as a * ID_SPAN + b + 1: below
 * 2^30, so V8 keeps it a small integer (a key of 2^31 or more is a heap number, hashed more slowly).
 */
const ID_SPAN = 32768;

/** Whether the bytes [s, e) are ASCII without a backslash: text that no unescaping changes. */
function plainAscii(b: Buffer, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i] as number;
    if (c > 0x7f || c === 0x5c) return false;
  }
  return true;
}

/** Mergeable accumulator: feed blocks with `addBytes` (or lines with `addLine`), combine with `merge`, finish with `result`. */
export class AccessAccumulator
  extends AccessLineReader
  implements LogAccumulator<AccumulatorState, AccessSummary, AccessFileAccount>
{
  private readonly core: WasmCore | null;
  /** Lines counted by the core (the rest went through split/addLine). */
  coreLines = 0;
  /** Groups and peers by the core's interned ids (resolved through key() once per id). */
  private readonly hostById: Array<GroupAcc | undefined> = [];
  private readonly locationById: Array<GroupAcc | undefined> = [];
  private readonly peerById: Array<PeerAcc | undefined> = [];
  /** Timeout what-if cells by (peer id, location id) of the core. */
  private readonly cellById = new Map<number, CellAcc>();
  /** ingress-nginx upstream entries by the core's id of `$proxy_upstream_name` (null: the table is full). */
  private readonly ingressById: Array<IngressUpstreamStats | null | undefined> = [];
  /** ingress-nginx pod entries by (name id, peer id) of the core (null: the name has its 200 pods). */
  private readonly ingressPeerById = new Map<number, IngressPeerStats | null>();
  /**
   * Hashes of the keys of the peer and location tables (keyText) and of the cell table, made when the table is
   * first found full (a full table takes no new key, so they stay true).
   */
  private readonly fullKeys = new Map<Map<string, unknown>, Set<number>>();
  private cellKeys: Set<number> | null = null;
  /** The last line time turned into ingress-nginx's ISO text. */
  private ingressMs = Number.NaN;
  private ingressIso: string | null = null;

  private readonly hasHeaderTime: boolean;
  private readonly hasConnectTime: boolean;

  constructor(formatText: string, escapeMode: LogEscape, opts: AccessOptions = {}) {
    super(formatText, escapeMode, opts);
    this.hasHeaderTime = (this.ix["upstream_header_time"] as number) >= 0;
    this.hasConnectTime = (this.ix["upstream_connect_time"] as number) >= 0;
    this.core = opts.core === false || opts.locationOf ? null : this.setUpCore();
  }

  /** A core loaded with this format's program (CFG_* slots), or null when the format does not fit it. */
  private setUpCore(): WasmCore | null {
    const { lead, seps, fixed, multi } = this.fmt.program;
    const n = seps.length;
    const literal = lead + seps.join("");
    // The core compares bytes: literals must be one byte per character, and fit the config area.
    if ([...literal].some((ch) => ch.charCodeAt(0) > 0xff) || literal.length > L.CONFIG_LITERAL_MAX)
      return null;
    if (n > L.ACCESS_MAX_VARS) return null;
    const w = loadWasmCore();
    if (!w) return null;
    const ix = this.ix;
    const cfg = new Int32Array(
      w.bytes.buffer,
      L.CONFIG_BASE,
      L.CFG_VAR_TABLE + L.CFG_VAR_SLOTS * L.ACCESS_MAX_VARS,
    );
    cfg[L.CFG_VARS] = n;
    cfg[L.CFG_JSON] = this.escapeMode === "json" ? 1 : 0;
    cfg[L.CFG_LEAD] = lead.length;
    cfg[L.CFG_TIME_VAR] = this.timeVal.index;
    cfg[L.CFG_STATUS_VAR] = ix["status"] as number;
    cfg[L.CFG_REQUEST_TIME_VAR] = ix["request_time"] as number;
    cfg[L.CFG_REQUEST_VAR] = ix["request"] as number;
    cfg[L.CFG_HOST_VAR] = this.hostIndex();
    cfg[L.CFG_UPSTREAM_ADDR_VAR] = ix["upstream_addr"] as number;
    cfg[L.CFG_UPSTREAM_STATUS_VAR] = ix["upstream_status"] as number;
    cfg[L.CFG_RESPONSE_TIME_VAR] = ix["upstream_response_time"] as number;
    cfg[L.CFG_HEADER_TIME_VAR] = ix["upstream_header_time"] as number;
    cfg[L.CFG_CONNECT_TIME_VAR] = ix["upstream_connect_time"] as number;
    cfg[L.CFG_GROUP_VAR] = this.ingress ? this.fmt.indexOf("proxy_upstream_name") : -1;
    cfg[L.CFG_LENGTH_VAR] = this.ingress ? this.fmt.indexOf("upstream_response_length") : -1;
    let off = lead.length;
    for (let k = 0; k < n; k++) {
      const sep = seps[k] as string;
      cfg.set([off, sep.length, fixed[k] as number, multi[k] ? 1 : 0], L.CFG_VAR_TABLE + L.CFG_VAR_SLOTS * k);
      off += sep.length;
    }
    w.bytes.set(Buffer.from(literal, "latin1"), L.CONFIG_BASE + L.CONFIG_LITERALS);
    return w;
  }

  /**
   * Feeds a block of whole lines as bytes: through the core when there is one, else line by line. `file` and
   * `firstLine` are not used (access summaries keep no line numbers); returns the lines the block held.
   */
  addBytes(block: Buffer, _file = "", _firstLine = 0): number {
    const before = this.lines;
    const w = this.core;
    if (w === null || block.length > w.capacity) {
      this.addText(block);
      return this.lines - before;
    }
    w.bytes.set(block, 0);
    const d = w.doubles;
    let from = 0;
    while (from < block.length) {
      const count = w.scanAccessLog(block.length, from);
      for (let r = 0; r < count; r++) {
        const b = w.accessRecord(r);
        const st = d[b + L.ACC_STATUS];
        if (st === L.LINE_SCANNED) {
          this.addRecord(d, b, block);
          // the try records of an upstream list follow their line's record
          const n = d[b + L.ACC_TRIES] as number;
          if (n > 0) r += n;
        } else if (st === L.LINE_SLOW)
          this.addLine(block.toString("latin1", d[b + L.ACC_LINE], d[b + L.ACC_LINE + 1]));
        else this.ingress?.skipLine();
      }
      from = w.nextLine();
      if (w.tableFull()) {
        // Ids start again from 0: forget what was cached by id (the tables by key are kept).
        w.resetTable();
        this.hostById.length = 0;
        this.locationById.length = 0;
        this.peerById.length = 0;
        this.cellById.clear();
        this.ingressById.length = 0;
        this.ingressPeerById.clear();
      }
    }
    return this.lines - before;
  }

  /** Counts one line from its record at d[b…] exactly as addLine would. */
  private addRecord(d: Float64Array, b: number, block: Buffer): void {
    this.lines++;
    this.coreLines++;
    // The core says whether the time value repeats the previous line's; only a new one is decoded.
    const t =
      this.timeVal.index < 0
        ? Number.NaN
        : d[b + L.ACC_SAME_TIME] === 1
          ? this.lastTimeMs
          : this.timeOf(block.toString("latin1", d[b + L.ACC_TIME], d[b + L.ACC_TIME + 1]));
    if (!this.admit(t)) return;
    const status = d[b + L.ACC_HTTP_STATUS] as number;
    const rt = d[b + L.ACC_REQUEST_TIME] as number;
    const pid = d[b + L.ACC_PEER_ID] as number;
    const tries = d[b + L.ACC_TRIES] as number;
    if (this.ingress) this.ingressRecord(this.ingress, d, b, block, t, status, pid, tries);
    let upTotal = Number.NaN;
    if (tries >= 0) upTotal = d[b + L.ACC_RESPONSE_TIME] as number;
    else if (pid >= 0) {
      const acc = this.peerOf(d, b, block, pid);
      acc.add(d[b + L.ACC_UPSTREAM_STATUS] as number);
      const r = d[b + L.ACC_RESPONSE_TIME] as number;
      if (!Number.isNaN(r)) acc.response.add(r);
      if (this.hasHeaderTime) acc.header.add(d[b + L.ACC_HEADER_TIME] as number);
      if (this.hasConnectTime) acc.connect.add(d[b + L.ACC_CONNECT_TIME] as number);
      upTotal = r;
    }
    // a list of tries reached an upstream even when every entry is "-"
    const reached = pid >= 0 || tries >= 0;
    let host: GroupAcc | null = null;
    const hid = d[b + L.ACC_HOST_ID] as number;
    if (hid >= 0) {
      host = this.hostById[hid] ?? null;
      if (host === null) {
        const hs = d[b + L.ACC_HOST] as number;
        const he = d[b + L.ACC_HOST + 1] as number;
        // A full table rules out plain ASCII bytes by their hash (unescaping leaves them as they are), without
        // making their string; anything else is unescaped and looked up.
        host =
          this.hosts.size >= this.maxKeys &&
          plainAscii(block, hs, he) &&
          !this.known(this.hosts, block, hs, he)
            ? this.key(this.hosts, "(other)", newGroup)
            : this.key(this.hosts, this.fmt.unescape(block.toString("latin1", hs, he)), newGroup);
        this.hostById[hid] = host;
      }
    }
    let loc: GroupAcc | null = null;
    const lid = d[b + L.ACC_LOCATION_ID] as number;
    if (lid >= 0) {
      loc = this.locationById[lid] ?? null;
      if (loc === null) {
        const text = this.keyText(
          this.locations,
          block,
          d[b + L.ACC_LOCATION] as number,
          d[b + L.ACC_LOCATION + 1] as number,
        );
        loc = this.key(this.locations, text, newGroup);
        this.locationById[lid] = loc;
      }
    }
    if (tries > 0) this.addTries(d, b, block, tries, lid);
    else if (pid >= 0 && tries < 0 && this.cells.enabled) this.addCell(d, b, block, pid, lid);
    if ((status === 502 || status === 504) && pid >= 0) {
      const up = d[b + L.ACC_UPSTREAM_STATUS] as number;
      if (up > 0 && up !== status)
        this.noteRewrite(status, up, lid >= 0 ? this.locationText(d, b, block) : "");
    }
    this.tally(t, status, rt, reached, upTotal, host, loc);
    if (status === 502 || status === 504)
      this.noteFail(
        t,
        status,
        pid >= 0 ? block.toString("latin1", d[b + L.ACC_PEER], d[b + L.ACC_PEER + 1]) : "-",
      );
  }

  /**
   * Counts the record at d[b…] in ingress-nginx's per-upstream-name table as its addLine would count the line;
   * a line whose name the core left to JavaScript (empty, escaped), or whose status is "-" (the core reads 0,
   * addLine NaN), goes through addLine.
   */
  private ingressRecord(
    ing: IngressAccessAccumulator,
    d: Float64Array,
    b: number,
    block: Buffer,
    t: number,
    status: number,
    pid: number,
    tries: number,
  ): void {
    const gid = d[b + L.ACC_GROUP_ID] as number;
    if (gid < 0 || status === 0) {
      ing.addLine(block.toString("utf8", d[b + L.ACC_LINE], d[b + L.ACC_LINE + 1]));
      return;
    }
    let u = this.ingressById[gid];
    if (u === undefined) {
      u = ing.upstream(block.toString("utf8", d[b + L.ACC_GROUP], d[b + L.ACC_GROUP + 1]));
      this.ingressById[gid] = u;
    }
    // ingress-nginx's table reads $time_local only
    let time: string | null = null;
    if (this.timeVal.kind === 0 && Number.isFinite(t)) {
      if (t !== this.ingressMs) {
        this.ingressMs = t;
        this.ingressIso = new Date(t).toISOString();
      }
      time = this.ingressIso;
    }
    ing.countLine(u, time);
    if (u === null) return;
    if (status >= 500) {
      ing.countStatus(u, status);
      if (ing.wantsSample(u))
        ing.addSample(u, block.toString("utf8", d[b + L.ACC_LINE], d[b + L.ACC_LINE + 1]));
    }
    if (tries > 0)
      for (let k = 1; k <= tries; k++)
        this.ingressTry(ing, u, gid, d, b + k * L.ACC_RECORD_DOUBLES, block, time);
    else if (pid >= 0) this.ingressTry(ing, u, gid, d, b, block, time);
    else if (tries < 0) ing.noTry(u, status);
  }

  /** Counts the try of the record at d[b…] for its pod behind upstream `u` (core name id `gid`). */
  private ingressTry(
    ing: IngressAccessAccumulator,
    u: IngressUpstreamStats,
    gid: number,
    d: Float64Array,
    b: number,
    block: Buffer,
    time: string | null,
  ): void {
    const p = this.ingressPeer(ing, u, gid, d, b, block);
    if (p === null) return;
    const s = d[b + L.ACC_UPSTREAM_STATUS] as number;
    if (s < 500) p.tries++;
    else {
      // The core adds the fraction to the integer part (two roundings); at 15 significant digits the text's
      // own value comes back, which is what the ingress table's Number() reads.
      const rt = d[b + L.ACC_RESPONSE_TIME] as number;
      const exact = Number.isFinite(rt) ? Number(rt.toPrecision(15)) : rt;
      ing.countTry(p, s, d[b + L.ACC_SENT] === 1, exact, time);
    }
  }

  /** ingress-nginx's entry of the peer of the record at d[b…] behind upstream `u` (core name id `gid`). */
  private ingressPeer(
    ing: IngressAccessAccumulator,
    u: IngressUpstreamStats,
    gid: number,
    d: Float64Array,
    b: number,
    block: Buffer,
  ): IngressPeerStats | null {
    const key = gid * ID_SPAN + (d[b + L.ACC_PEER_ID] as number);
    let p = this.ingressPeerById.get(key);
    if (p === undefined) {
      p = ing.peer(u, block.toString("latin1", d[b + L.ACC_PEER], d[b + L.ACC_PEER + 1]));
      this.ingressPeerById.set(key, p);
    }
    return p;
  }

  /**
   * The bytes [s, e) as a key of table `m`; "(other)", without making a string, when `m` is full and none of its
   * keys has their hash (a full table takes no new key, so the hashes taken when it first was full stay true).
   */
  private keyText(m: Map<string, unknown>, block: Buffer, s: number, e: number): string {
    if (m.size >= this.maxKeys && !this.known(m, block, s, e)) return "(other)";
    return block.toString("latin1", s, e);
  }

  /** Whether some key of the full table `m`, read as latin1, may be the bytes [s, e) (false: surely none). */
  private known(m: Map<string, unknown>, block: Buffer, s: number, e: number): boolean {
    let hashes = this.fullKeys.get(m);
    if (hashes === undefined) {
      hashes = keysOf(m.keys());
      this.fullKeys.set(m, hashes);
    }
    return hashes.has(hashBytes(FNV_BASIS, block, s, e));
  }

  /** The peer table entry of the core's peer id (the record at d[b…] names the peer). */
  private peerOf(d: Float64Array, b: number, block: Buffer, pid: number): PeerAcc {
    let acc = this.peerById[pid];
    if (acc === undefined) {
      const text = this.keyText(
        this.peers,
        block,
        d[b + L.ACC_PEER] as number,
        d[b + L.ACC_PEER + 1] as number,
      );
      acc = this.key(this.peers, text, newPeer);
      this.peerById[pid] = acc;
    }
    return acc;
  }

  /** Counts the try records after the line's record at d[b…] as addPeers counts an upstream list. */
  private addTries(d: Float64Array, b: number, block: Buffer, n: number, lid: number): void {
    for (let k = 1; k <= n; k++) {
      const tb = b + k * L.ACC_RECORD_DOUBLES;
      const pid = d[tb + L.ACC_PEER_ID] as number;
      const acc = this.peerOf(d, tb, block, pid);
      acc.add(d[tb + L.ACC_UPSTREAM_STATUS] as number);
      const chain = d[tb + L.ACC_TRY_CHAIN];
      if (chain === 1) acc.failedInChain++;
      else if (chain === 2) acc.servedAfterRetry++;
      const r = d[tb + L.ACC_RESPONSE_TIME] as number;
      if (!Number.isNaN(r)) acc.response.add(r);
      acc.header.add(d[tb + L.ACC_HEADER_TIME] as number);
      acc.connect.add(d[tb + L.ACC_CONNECT_TIME] as number);
      if (this.cells.enabled) this.addCell(d, tb, block, pid, lid, b);
    }
  }

  /**
   * Counts the try of the record at d[b…] in its (location, peer) timeout what-if cell; `line` is the line's
   * record (the same one for a single peer), which holds the location.
   */
  private addCell(d: Float64Array, b: number, block: Buffer, pid: number, lid: number, line = b): void {
    const ck = pid * ID_SPAN + (lid >= 0 ? lid + 1 : 0);
    let cell = this.cellById.get(ck);
    if (cell === undefined) {
      const ps = d[b + L.ACC_PEER] as number;
      const pe = d[b + L.ACC_PEER + 1] as number;
      let known = true;
      if (this.cells.isFull()) {
        // the key is "location\tpeer"
        this.cellKeys ??= keysOf(this.cells.cells.keys());
        let h =
          lid >= 0
            ? hashBytes(
                FNV_BASIS,
                block,
                d[line + L.ACC_LOCATION] as number,
                d[line + L.ACC_LOCATION + 1] as number,
              )
            : FNV_BASIS;
        h = hashBytes(Math.imul(h ^ 0x09, 16777619), block, ps, pe);
        known = this.cellKeys.has(h);
      }
      cell = known
        ? this.cells.cell(lid >= 0 ? this.locationText(d, line, block) : "", block.toString("latin1", ps, pe))
        : this.cells.otherCell();
      this.cellById.set(ck, cell);
    }
    cell.add(
      d[b + L.ACC_UPSTREAM_STATUS] as number,
      d[b + L.ACC_RESPONSE_TIME] as number,
      this.hasHeaderTime ? (d[b + L.ACC_HEADER_TIME] as number) : Number.NaN,
      this.hasConnectTime ? (d[b + L.ACC_CONNECT_TIME] as number) : Number.NaN,
    );
  }

  private locationText(d: Float64Array, b: number, block: Buffer): string {
    return block.toString("latin1", d[b + L.ACC_LOCATION], d[b + L.ACC_LOCATION + 1]);
  }

  /**
   * Asked by the scanner after the first few MiB of a big file: one thread when a second would mostly repeat
   * this one's work. When nearly every line brings a new peer, host or location (more than one new key per two
   * lines), or a table is already full, a worker would fill tables of its own with keys that fold into
   * "(other)" when merged, and building, posting and merging them cost more than the lines it reads (measured
   * on the adversarial generator: CPU and wall time both lower on one thread, peak RSS 50-70 MB lower).
   */
  prefersOneThread(): boolean {
    const keys = this.peers.size + this.hosts.size + this.locations.size;
    const full =
      this.peers.size >= this.maxKeys ||
      this.hosts.size >= this.maxKeys ||
      this.locations.size >= this.maxKeys;
    return this.lines >= 500 && (full || keys * 2 > this.lines);
  }

  /** Adds the state of an accumulator of the same format (a worker's byte range). */
  merge(st: AccumulatorState, _lineOffset = 0): void {
    this.mergeState(st);
  }
}
