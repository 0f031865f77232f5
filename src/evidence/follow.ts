/**
 * Follows a log file as nginx writes it, across rotation, the way `tail -F` does but without losing or repeating
 * lines:
 *
 * - rename-and-create (logrotate's default, then `nginx -s reopen`): the path names a new inode. The old file is
 *   read to its end, and kept open for `drainMs` more (nginx writes to it until it reopens its logs); the new
 *   file is read from its first byte.
 * - copytruncate: the same inode shrinks (or its first bytes change). What was appended between our last read
 *   and the copy is read from the copy (a plain sibling `NAME.1`, `NAME-20261206`… whose first bytes are the
 *   ones we had seen and which is at least as long as what we had read), then the file is read from byte 0.
 *   Lines written between logrotate's copy and its truncate are lost for every reader; nothing can recover them.
 * - compressed files are never followed: a path whose first bytes are gzip (or another compressor) is refused
 *   with a warning, and a compressed copy is never read back.
 *
 * Polling (`fstat`/`stat` every `pollMs`) rather than inotify: it behaves the same on every file system
 * (NFS, overlayfs, bind mounts), costs two system calls per file per tick, and sees rotations inotify misses.
 * Memory is bounded: at most `chunkBytes` read at once, `maxReadPerTick` per tick, one partial line of at most
 * `maxLineBytes` carried.
 */
import {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  type Stats,
  statSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { InputWarning } from "./input.js";
import { sniff } from "./input.js";

export interface FollowOptions {
  /** Read the file present at start from its first byte (for --since) instead of from its end. */
  fromStart?: boolean;
  /** Poll interval in ms (default 250). */
  pollMs?: number;
  /** Longest line kept whole (default 64 KiB); longer ones are cut with a warning. */
  maxLineBytes?: number;
  /** Bytes per read (default 1 MiB). */
  chunkBytes?: number;
  /** Most bytes read from one file in one tick (default 16 MiB; the rest is read at the next tick). */
  maxReadPerTick?: number;
  /** How long a renamed file is still read after the path names a new one (default 30 s). */
  drainMs?: number;
  /** Whole lines (without newline), in file order. */
  onLines: (lines: string[], file: string) => void;
  onWarning?: (w: InputWarning) => void;
  /** Told about each rotation seen. */
  onRotate?: (file: string, how: "rename" | "truncate" | "created") => void;
}

/** Bytes compared to recognise a file (and its copy) by its beginning. */
const HEAD_BYTES = 1024;
const NL = 0x0a;

interface Open {
  fd: number;
  ino: number;
  dev: number;
  pos: number;
  /** The first bytes of the file as we saw them (up to HEAD_BYTES). */
  head: Buffer;
  carry: Buffer | null;
}

interface Draining extends Open {
  until: number;
}

/** Follows one path. `poll()` does one round of work; `start()` runs it on a timer. */
export class FileFollower {
  private cur: Open | null = null;
  private readonly draining: Draining[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly buf: Buffer;
  private started = false;
  private missingWarned = false;
  private appearedSaid = false;
  private opened = false;
  private refused = false;
  /** Bytes and lines handed out so far (for tests and the benchmark). */
  bytes = 0;
  lines = 0;
  rotations = 0;

  constructor(
    readonly path: string,
    private readonly opts: FollowOptions,
  ) {
    this.buf = Buffer.alloc(opts.chunkBytes ?? 1 << 20);
  }

  start(): void {
    this.poll();
    this.timer = setInterval(() => this.poll(), this.opts.pollMs ?? 250);
  }

  /** Stops the timer, reads what is left, hands out a last partial line and closes every file. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
    for (const d of this.draining.splice(0)) this.close(d, true);
    if (this.cur) this.close(this.cur, true);
    this.cur = null;
  }

  private warn(code: string, message: string): void {
    this.opts.onWarning?.({ source: this.path, code, message });
  }

  /**
   * Where this path stands: "following" (a file is open), "waiting" (nothing there yet, or not polled yet),
   * "refused" (there is something that can never be followed: a directory, a compressed or unreadable file).
   */
  get state(): "following" | "waiting" | "refused" {
    return this.refused ? "refused" : this.cur ? "following" : "waiting";
  }

  /** True once a file has been opened at the path. */
  get seen(): boolean {
    return this.opened;
  }

  /** The path's stat; null when nothing is there (ENOENT); any other failure refuses the path. */
  private stat(): Stats | null {
    try {
      return statSync(this.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "ENOENT" && !this.cur) {
        // EACCES (a directory on the way we may not search), ENOTDIR, ELOOP: waiting would never help.
        this.refused = true;
        this.warn("unreadable", `${this.path}: cannot be read (${(e as Error).message}); not followed`);
      }
      return null;
    }
  }

  private missingMessage(): string {
    const d = dirname(this.path);
    let dirMissing = false;
    try {
      statSync(d);
    } catch {
      dirMissing = true;
    }
    return `${this.path}: does not exist yet${dirMissing ? ` (nor does its directory ${d})` : ""}; waiting for it`;
  }

  /** One round: drain renamed files, notice rotation, read what was appended. */
  poll(): void {
    const now = Date.now();
    for (let i = this.draining.length - 1; i >= 0; i--) {
      const d = this.draining[i] as Draining;
      this.readAvailable(d);
      if (now >= d.until) {
        this.close(d, true);
        this.draining.splice(i, 1);
      }
    }
    if (this.refused) return;
    const st = this.stat();
    if (this.refused) return;
    const first = !this.started;
    this.started = true;
    if (!this.cur) {
      if (!st) {
        if (first && !this.missingWarned) {
          this.missingWarned = true;
          this.warn("missing", this.missingMessage());
        }
        return;
      }
      if (!st.isFile()) {
        this.refused = true;
        this.warn("not-a-file", `${this.path}: not a regular file; not followed`);
        return;
      }
      if (!this.open(first && !this.opts.fromStart ? "end" : "start")) return;
      if (this.missingWarned && !this.appearedSaid) {
        this.appearedSaid = true;
        this.warn("appeared", `${this.path}: appeared; following it`);
      }
      if (!first) {
        this.rotations++;
        this.opts.onRotate?.(this.path, "created");
      }
    } else if (st && (st.ino !== this.cur.ino || st.dev !== this.cur.dev) && st.isFile()) {
      // Renamed away and a new file created: finish the old one, keep it open a while, start the new one.
      const old = this.cur;
      this.readAvailable(old);
      this.draining.push({ ...old, until: now + (this.opts.drainMs ?? 30_000) });
      this.cur = null;
      if (!this.open("start")) return;
      this.rotations++;
      this.opts.onRotate?.(this.path, "rename");
    }
    const cur = this.cur;
    if (!cur) return;
    let size: number;
    try {
      size = fstatSync(cur.fd).size;
    } catch {
      return;
    }
    if (size < cur.pos || !this.sameHead(cur, size)) {
      this.catchUpFromCopy(cur);
      cur.pos = 0;
      cur.carry = null;
      cur.head = Buffer.alloc(0);
      this.rotations++;
      this.opts.onRotate?.(this.path, "truncate");
    }
    this.readAvailable(cur);
  }

  private open(from: "start" | "end"): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (e) {
      this.warn("unreadable", `${this.path}: ${(e as Error).message}`);
      this.refused = true;
      return false;
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      this.refused = true;
      this.warn("not-a-file", `${this.path}: not a regular file; not followed`);
      return false;
    }
    const head = readHead(fd, st.size);
    const kind = sniff(head);
    if (kind.kind !== "plain") {
      closeSync(fd);
      this.refused = true;
      this.warn(
        "compressed",
        `${this.path}: ${kind.kind === "gzip" ? "gzip" : kind.format}-compressed; compressed logs are never followed (give the live log)`,
      );
      return false;
    }
    this.cur = { fd, ino: st.ino, dev: st.dev, pos: from === "end" ? st.size : 0, head, carry: null };
    this.opened = true;
    if (from === "end" && st.size > 0) {
      // Start after the last complete line: a partial line at the end is read when its newline arrives.
      this.cur.pos = lastLineStart(fd, st.size);
    }
    return true;
  }

  /** False when the file's first bytes are no longer the ones we saw (truncated and refilled between polls). */
  private sameHead(f: Open, size: number): boolean {
    if (f.head.length === 0 || size === 0) return size >= f.pos;
    const now = readHead(f.fd, Math.min(size, f.head.length));
    if (now.length < f.head.length) return false;
    return now.equals(f.head);
  }

  /** After a copytruncate: read what we had not read yet from the copy logrotate made, if it is there. */
  private catchUpFromCopy(f: Open): void {
    if (f.head.length === 0) {
      if (f.pos > 0) this.warn("truncated", `${this.path}: truncated; no copy found to read the rest from`);
      return;
    }
    const dir = dirname(this.path);
    const base = basename(this.path);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    const candidates: Array<{ p: string; mtime: number }> = [];
    for (const n of names) {
      if (n === base || !n.startsWith(base) || !/^[.-]/.test(n.slice(base.length))) continue;
      const p = join(dir, n);
      try {
        const st = statSync(p);
        if (st.isFile() && st.size >= f.pos) candidates.push({ p, mtime: st.mtimeMs });
      } catch {
        /* gone */
      }
    }
    candidates.sort((a, b) => b.mtime - a.mtime);
    for (const c of candidates) {
      let fd: number;
      try {
        fd = openSync(c.p, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch {
        continue;
      }
      const st = fstatSync(fd);
      const head = readHead(fd, Math.min(st.size, f.head.length));
      if (!head.equals(f.head) || sniff(head).kind !== "plain") {
        closeSync(fd);
        continue;
      }
      const copy: Open = { ...f, fd };
      this.readAvailable(copy, Number.POSITIVE_INFINITY);
      this.flushCarry(copy);
      closeSync(fd);
      return;
    }
    if (f.pos > 0 || f.carry)
      this.warn(
        "truncated",
        `${this.path}: truncated (copytruncate) and no plain copy found: lines appended since the last read may be lost`,
      );
  }

  /** Reads from `f.pos` to the current end (bounded per tick), handing out whole lines. */
  private readAvailable(f: Open, limit = this.opts.maxReadPerTick ?? 16 << 20): void {
    let budget = limit;
    for (;;) {
      let n: number;
      try {
        n = readSync(f.fd, this.buf, 0, this.buf.length, f.pos);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") return;
        this.warn("unreadable", `${this.path}: ${(e as Error).message}`);
        return;
      }
      if (n <= 0) return;
      if (f.head.length < HEAD_BYTES && f.pos < HEAD_BYTES) {
        const take = Math.min(n, HEAD_BYTES - f.pos);
        if (f.pos === f.head.length) f.head = Buffer.concat([f.head, this.buf.subarray(0, take)]);
      }
      f.pos += n;
      this.bytes += n;
      this.split(f, this.buf.subarray(0, n));
      budget -= n;
      if (n < this.buf.length || budget <= 0) return;
    }
  }

  private split(f: Open, chunk: Buffer): void {
    const maxLine = this.opts.maxLineBytes ?? 64 << 10;
    const out: string[] = [];
    let i = 0;
    if (f.carry) {
      const j = chunk.indexOf(NL);
      if (j < 0) {
        f.carry = Buffer.concat([f.carry, chunk]);
        if (f.carry.length > maxLine) {
          this.warn("line-too-long", `${this.path}: a line longer than ${maxLine} bytes was cut`);
          out.push(text(f.carry, 0, f.carry.length));
          f.carry = null;
        }
        this.emit(out);
        return;
      }
      const whole = Buffer.concat([f.carry, chunk.subarray(0, j)]);
      f.carry = null;
      out.push(text(whole, 0, whole.length));
      i = j + 1;
    }
    for (;;) {
      const j = chunk.indexOf(NL, i);
      if (j < 0) break;
      out.push(text(chunk, i, j));
      i = j + 1;
    }
    if (i < chunk.length) {
      // The buffer is reused for the next read: keep a copy of the partial line.
      f.carry = Buffer.from(chunk.subarray(i));
      if (f.carry.length > maxLine) {
        this.warn("line-too-long", `${this.path}: a line longer than ${maxLine} bytes was cut`);
        out.push(text(f.carry, 0, f.carry.length));
        f.carry = null;
      }
    }
    this.emit(out);
  }

  private emit(out: string[]): void {
    if (out.length === 0) return;
    this.lines += out.length;
    this.opts.onLines(out, this.path);
  }

  private flushCarry(f: Open): void {
    if (f.carry && f.carry.length > 0) this.emit([text(f.carry, 0, f.carry.length)]);
    f.carry = null;
  }

  private close(f: Open, flush: boolean): void {
    this.readAvailable(f, Number.POSITIVE_INFINITY);
    if (flush) this.flushCarry(f);
    try {
      closeSync(f.fd);
    } catch {
      /* already closed */
    }
  }
}

function text(b: Buffer, i: number, j: number): string {
  return b.toString("utf8", i, j > i && b[j - 1] === 0x0d ? j - 1 : j);
}

function readHead(fd: number, size: number): Buffer {
  const b = Buffer.alloc(Math.min(size, HEAD_BYTES));
  if (b.length === 0) return b;
  try {
    return b.subarray(0, readSync(fd, b, 0, b.length, 0));
  } catch {
    return Buffer.alloc(0);
  }
}

/** Offset just after the last newline before `size` (0 when the file has none). */
function lastLineStart(fd: number, size: number): number {
  const b = Buffer.alloc(64 << 10);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - b.length);
    const n = readSync(fd, b, 0, end - start, start);
    const k = b.subarray(0, n).lastIndexOf(NL);
    if (k >= 0) return start + k + 1;
    end = start;
  }
  return 0;
}
