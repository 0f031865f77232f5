/**
 * Streaming input for every log reader: plain files, gzip files (detected by magic bytes, not by name),
 * stdin, byte ranges of plain files (for parallel scans), and rotated sets put back in time order.
 *
 * Everything works on Buffers holding many whole lines ("blocks") so that hot loops can search bytes
 * before decoding anything. Problems (unreadable file, truncated gzip, an enormous line) never throw:
 * they are reported through `onWarning` and the rest of the input is still delivered.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import * as zlib from "node:zlib";

export interface InputWarning {
  source: string;
  /**
   * Stable id: "unreadable", "not-a-file", "truncated-gzip", "gzip-error" (damaged data), "trailing-garbage"
   * (bytes after the last gzip member that are not zeros), "compressed" (xz, zstd, bzip2, lz4: refused),
   * "line-too-long", and from the summarisers "wrong-kind", "low-match", "no-match", "bad-format"; from the
   * follower (follow.ts) "missing" (waiting for the path), "appeared" and "truncated".
   */
  code: string;
  message: string;
}

/** What a reader made of one input. */
export interface FileAccount {
  file: string;
  /** Lines read (lines of NUL padding left by a crash are not counted). */
  lines: number;
  /**
   * Lines read as what the file was given as: error-log lines, or access-log lines matching the format (in or
   * outside the time window). Blank lines are neither understood nor skipped.
   */
  understood: number;
  /** Lines that were not: not error-log lines, or not matching the format. */
  skipped: number;
}

/** Warnings after which everything the input held was still read (the others mean input was lost). */
export const HARMLESS_WARNINGS: ReadonlySet<string> = new Set(["line-too-long", "low-match"]);

/** True when a warning says some input could not be read or understood (commands then exit 2). */
export function losesInput(w: InputWarning): boolean {
  return !HARMLESS_WARNINGS.has(w.code);
}

export interface ReadOptions {
  /** Read only bytes [start, end) of a plain file; lines straddling `start` belong to the previous range. */
  start?: number;
  end?: number;
  /** Called with the number of raw (compressed, for .gz) bytes consumed so far. */
  onProgress?: (bytes: number) => void;
  onWarning?: (w: InputWarning) => void;
  /** Longest line kept whole; longer ones are cut (with a warning) so memory stays bounded. Default 4 MiB. */
  maxLineBytes?: number;
  /** Read size. Default 1 MiB. */
  chunkBytes?: number;
  /**
   * A plain file is read into one buffer, again and again: each block of lines is valid only until the next
   * one is asked for (the caller copies what it keeps). Saves a fresh buffer (and its page faults) per read.
   */
  reuseBuffer?: boolean;
}

const NL = 0x0a;
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * Whoever watches how much input this thread reads (the CLI's progress line). Set with `observeReads`, one at a
 * time; `lineBlocks` tells it about every input it opens and every raw block it reads, so the scanners need not.
 */
export interface ReadObserver {
  /** An input is about to be read: its size in bytes, or null when it has none (stdin, a FIFO). */
  opened(spec: string, size: number | null): void;
  /**
   * More raw bytes were read (compressed bytes for .gz). A byte range of a file read here while another thread
   * reads the rest counts for its share of the whole file (its bytes × file size / range length), on the
   * assumption that the threads keep pace; the sum can therefore pass the total a little.
   */
  read(bytes: number): void;
}

let observer: ReadObserver | null = null;

/** Installs (or, with null, removes) the observer of this thread's reads. */
export function observeReads(o: ReadObserver | null): void {
  observer = o;
}

/** Size of a regular file, or null (stdin, FIFOs, devices, anything that cannot be looked at). */
function regularSize(spec: string): number | null {
  if (isStdin(spec)) return null;
  try {
    const st = statSync(spec);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/** Total size of the inputs in bytes, or null when one of them has none (stdin, a FIFO) or cannot be read. */
export function inputBytes(specs: readonly string[]): number | null {
  let total = 0;
  for (const s of specs) {
    const n = regularSize(s);
    if (n === null) return null;
    total += n;
  }
  return total;
}

/** Read options that also report to the observer (see ReadObserver.read for ranges). */
function watched(spec: string, opts: ReadOptions, o: ReadObserver): ReadOptions {
  const size = regularSize(spec);
  o.opened(spec, size);
  const start = opts.start ?? 0;
  const scale = opts.end !== undefined && size ? size / Math.max(1, opts.end - start) : 1;
  const inner = opts.onProgress;
  let last = 0;
  return {
    ...opts,
    onProgress: (raw) => {
      o.read((raw - last) * scale);
      last = raw;
      inner?.(raw);
    },
  };
}

export function isStdin(spec: string): boolean {
  return spec === "-";
}

/** What the first bytes of an input say it holds. */
export type Sniffed =
  | { kind: "plain" }
  | { kind: "gzip" }
  | { kind: "compressed"; format: string; command: string };

/** Bytes `sniff` needs to decide (fewer only at the end of the input). */
export const SNIFF_BYTES = 10;

/**
 * Decides from content how an input is encoded: gzip is read, the other common log compressors are named
 * (so that they are refused, never read as text), anything else is plain.
 */
export function sniff(head: Buffer): Sniffed {
  const at = (i: number) => (i < head.length ? (head[i] as number) : -1);
  if (at(0) === 0x1f && at(1) === 0x8b) return { kind: "gzip" };
  if (at(0) === 0xfd && at(1) === 0x37 && at(2) === 0x7a && at(3) === 0x58 && at(4) === 0x5a && at(5) === 0)
    return { kind: "compressed", format: "xz", command: "xz -dc" };
  if (at(0) === 0x28 && at(1) === 0xb5 && at(2) === 0x2f && at(3) === 0xfd)
    return { kind: "compressed", format: "zstd", command: "zstd -dc" };
  if (at(0) === 0x04 && at(1) === 0x22 && at(2) === 0x4d && at(3) === 0x18)
    return { kind: "compressed", format: "lz4", command: "lz4 -dc" };
  // "BZh" + block size digit + the magic of a block (pi) or of the end of stream (sqrt(pi)).
  if (at(0) === 0x42 && at(1) === 0x5a && at(2) === 0x68 && at(3) >= 0x31 && at(3) <= 0x39) {
    const block = [0x31, 0x41, 0x59, 0x26, 0x53, 0x59];
    const eos = [0x17, 0x72, 0x45, 0x38, 0x50, 0x90];
    if (block.every((b, i) => at(4 + i) === b) || eos.every((b, i) => at(4 + i) === b))
      return { kind: "compressed", format: "bzip2", command: "bzip2 -dc" };
  }
  return { kind: "plain" };
}

/** Signatures `sniff` knows, as byte prefixes (bzip2's block magic after "BZh" + digit is checked by sniff). */
const SIGNATURES: number[][] = [
  [0x1f, 0x8b],
  [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00],
  [0x28, 0xb5, 0x2f, 0xfd],
  [0x04, 0x22, 0x4d, 0x18],
  [0x42, 0x5a, 0x68],
];

/**
 * False once the bytes seen so far cannot be the start of any compressed format, so that a plain stream
 * (`explain -` fed one line at a time) is passed on without waiting for more bytes.
 */
function mayBeCompressed(head: Buffer): boolean {
  return SIGNATURES.some((sig) => {
    for (let i = 0; i < sig.length && i < head.length; i++) if (head[i] !== sig[i]) return false;
    return true;
  });
}

/** The first bytes of a regular file (empty for anything else: FIFOs are never opened here). */
function headOf(path: string): Buffer {
  let fd: number | undefined;
  try {
    if (!statSync(path).isFile()) return EMPTY;
    fd = openSync(path, "r");
    const b = Buffer.alloc(SNIFF_BYTES);
    return b.subarray(0, readSync(fd, b, 0, SNIFF_BYTES, 0));
  } catch {
    return EMPTY;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** How a regular file is encoded, from its first bytes ("plain" for FIFOs, devices and unreadable paths). */
export function sniffFile(path: string): Sniffed {
  return sniff(headOf(path));
}

/** True if a regular file starts with the gzip magic bytes. */
export function isGzipFile(path: string): boolean {
  return sniffFile(path).kind === "gzip";
}

/** True if a regular file is plain text (not gzip, not another compressor): the byte-range scans need that. */
export function isPlainFile(path: string): boolean {
  return sniffFile(path).kind === "plain";
}

function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ENOENT") return "no such file";
  if (e?.code === "EACCES" || e?.code === "EPERM") return "permission denied (try sudo, or copy the file)";
  if (e?.code === "EISDIR") return "is a directory";
  return e?.message ?? String(err);
}

/** What the reader learnt about one input while reading it (filled in as it goes). */
interface SourceState {
  /** The input was compressed (lines are counted so that damage can say how many were kept). */
  compressed: boolean;
  /** Damage that ended the input early: the warning is given once the lines before it are counted. */
  damage: { code: string; message: string; after: "garbage" | "lost" | "corrupt" } | null;
  /** Chunks are read into one reused buffer: what outlives a chunk (a partial line) must be copied. */
  reused?: boolean;
}

type Warn = (code: string, message: string) => void;

/**
 * Raw chunks of one input, gzip already decoded. Every input is opened exactly once (a FIFO opened twice
 * loses its writer), its encoding is decided from its first bytes, and failures become warnings.
 */
async function* rawChunks(
  spec: string,
  opts: ReadOptions,
  state: SourceState,
  warn: Warn,
): AsyncGenerator<Buffer> {
  const size = opts.chunkBytes ?? 1 << 20;
  const name = isStdin(spec) ? "(stdin)" : spec;
  if (isStdin(spec)) {
    yield* decoded(name, streamChunks(process.stdin as AsyncIterable<Buffer>, opts), state, warn);
    return;
  }
  let isFile: boolean;
  try {
    const st = statSync(spec);
    if (!st.isFile() && !st.isFIFO()) {
      warn("not-a-file", `${spec}: not a regular file`);
      return;
    }
    isFile = st.isFile();
  } catch (err) {
    warn("unreadable", `${spec}: ${describeError(err)}`);
    return;
  }
  if (!isFile) {
    // A FIFO: opened once, asynchronously (the open waits for a writer without blocking the event loop).
    let fh: Awaited<ReturnType<typeof open>>;
    try {
      fh = await open(spec, "r");
    } catch (err) {
      warn("unreadable", `${spec}: ${describeError(err)}`);
      return;
    }
    try {
      yield* decoded(name, fifoChunks(fh, size, opts, spec, warn), state, warn);
    } finally {
      await fh.close().catch(() => undefined);
    }
    return;
  }
  let fd: number;
  try {
    fd = openSync(spec, "r");
  } catch (err) {
    warn("unreadable", `${spec}: ${describeError(err)}`);
    return;
  }
  try {
    let head = EMPTY;
    try {
      const b = Buffer.alloc(SNIFF_BYTES);
      head = b.subarray(0, readSync(fd, b, 0, SNIFF_BYTES, 0));
    } catch (err) {
      warn("unreadable", `${spec}: ${describeError(err)}`);
      return;
    }
    const kind = sniff(head);
    if (kind.kind === "plain" || opts.start !== undefined) {
      state.reused = opts.reuseBuffer === true;
      yield* plainChunks(fd, opts.start ?? 0, size, opts, spec, warn, state.reused);
      return;
    }
    yield* decoded(name, plainChunks(fd, 0, size, opts, spec, warn), state, warn);
  } finally {
    closeSync(fd);
  }
}

/** Chunks of a stream, with progress. Read errors end the input with a warning (thrown to `decoded`). */
async function* streamChunks(src: AsyncIterable<Buffer>, opts: ReadOptions): AsyncGenerator<Buffer> {
  let raw = 0;
  for await (const chunk of src) {
    raw += chunk.length;
    opts.onProgress?.(raw);
    yield chunk;
  }
}

async function* fifoChunks(
  fh: Awaited<ReturnType<typeof open>>,
  size: number,
  opts: ReadOptions,
  spec: string,
  warn: Warn,
): AsyncGenerator<Buffer> {
  let raw = 0;
  try {
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(size);
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      raw += bytesRead;
      opts.onProgress?.(raw);
      yield bytesRead < size ? buf.subarray(0, bytesRead) : buf;
    }
  } catch (err) {
    warn("unreadable", `${spec}: ${describeError(err)}`);
  }
}

/**
 * Sniffs the first bytes of a chunk sequence and passes it on as plain text, decodes it as gzip, or refuses
 * another compressor (with the command that decompresses it).
 */
async function* decoded(
  name: string,
  src: AsyncIterable<Buffer> | Iterable<Buffer>,
  state: SourceState,
  warn: Warn,
): AsyncGenerator<Buffer> {
  const it = (Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : src[Symbol.iterator]()) as
    | AsyncIterator<Buffer>
    | Iterator<Buffer>;
  /** The next chunk; null after a read error (said as "unreadable"), which ends the input. */
  const next = async (): Promise<IteratorResult<Buffer> | null> => {
    try {
      return await it.next();
    } catch (err) {
      warn("unreadable", `${name}: ${describeError(err)}`);
      return null;
    }
  };
  const parts: Buffer[] = [];
  let have = 0;
  let done = false;
  try {
    // Enough bytes to recognise every format (a pipe may deliver them one at a time).
    while (have < SNIFF_BYTES && (have === 0 || mayBeCompressed(concatHead(parts)))) {
      const r = await next();
      if (r === null) return;
      if (r.done) {
        done = true;
        break;
      }
      parts.push(r.value);
      have += r.value.length;
    }
    const first = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    const kind = sniff(first);
    if (kind.kind === "compressed") {
      warn(
        "compressed",
        `${name}: this is ${kind.format}-compressed data, which badgateway does not read; decompress it first (${kind.command} ${name === "(stdin)" ? "FILE" : shellQuote(name)}) and pass the result or pipe it into '-'`,
      );
      return;
    }
    const rest = async function* (): AsyncGenerator<Buffer> {
      if (first.length) yield first;
      if (done) return;
      for (;;) {
        const r = await next();
        if (r === null || r.done) return;
        yield r.value;
      }
    };
    if (kind.kind === "plain") yield* rest();
    else {
      state.compressed = true;
      yield* gunzip(rest(), state);
    }
  } finally {
    await it.return?.();
  }
}

function concatHead(parts: Buffer[]): Buffer {
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** zlib.crc32 exists from Node 20.15 / 22.2; without it the trailer's length is still checked. */
const crc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;

/**
 * One raw-deflate stream (the body of one gzip member) decoded through zlib. `write` tells how many bytes of
 * the chunk were left over when the stream ended inside it; output is collected as zlib produces it, so
 * damage loses at most one output buffer (`chunkSize`) of text decoded before it.
 */
class Inflater {
  private readonly z: zlib.InflateRaw;
  private out: Buffer[] = [];
  ended = false;
  error: Error | null = null;
  private written = 0;
  private wake: (() => void) | null = null;

  constructor(chunkSize: number) {
    this.z = zlib.createInflateRaw({ chunkSize });
    this.z.on("data", (d: Buffer) => this.out.push(d));
    this.z.on("end", () => {
      this.ended = true;
      this.poke();
    });
    this.z.on("error", (e: Error) => {
      this.error = e;
      this.poke();
    });
    this.z.on("close", () => this.poke());
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Output decoded so far. */
  take(): Buffer[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Writes a chunk; resolves with the number of its bytes after the end of the deflate stream. */
  async write(chunk: Buffer): Promise<number> {
    this.written += chunk.length;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      this.z.write(chunk, () => resolve());
    });
    return this.written - this.z.bytesWritten;
  }

  /** Waits until the stream has ended (every byte of output delivered) or failed. */
  async settle(): Promise<void> {
    while (!this.ended && this.error === null && !this.z.destroyed)
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
  }

  /** Input is over: ends the stream (an incomplete one fails with "unexpected end of file"). */
  async finish(): Promise<void> {
    if (!this.ended && this.error === null) {
      const done = this.settle();
      this.z.end();
      await done;
    }
  }

  destroy(): void {
    this.z.destroy();
  }
}

/** Length of a complete gzip member header at the start of `h`: -1 when more bytes are needed, -2 if invalid. */
function gzipHeaderLength(h: Buffer): number {
  if (h.length < 10) return h.length >= 2 && (h[0] !== 0x1f || h[1] !== 0x8b) ? -2 : -1;
  if (h[0] !== 0x1f || h[1] !== 0x8b || h[2] !== 8 || ((h[3] as number) & 0xe0) !== 0) return -2;
  const flg = h[3] as number;
  let p = 10;
  if (flg & 4) {
    if (h.length < p + 2) return -1;
    p += 2 + h.readUInt16LE(p);
  }
  for (const bit of [8, 16]) {
    if (flg & bit) {
      const z = h.indexOf(0, p);
      if (z < 0) return -1;
      p = z + 1;
    }
  }
  if (flg & 2) p += 2;
  return h.length >= p ? p : -1;
}

const MAX_GZIP_HEADER = 1 << 20;
/** Output buffer of the inflater: the most decoded text a damaged member can take with it. */
const GZIP_OUT_CHUNK = 16 << 10;
/** Compressed bytes given to the inflater at a time. */
const GZIP_IN_PIECE = 64 << 10;

/**
 * Decodes gzip the way `gzip -dc` (zcat) does: members one after another, each checked against its CRC-32
 * and length; zeros after the last member are padding and ignored; other bytes after a member are "trailing
 * garbage", ignored with a warning (reading stops there, as gzip's does). Damage keeps what was decoded
 * before it and is reported through `state.damage`.
 */
async function* gunzip(src: AsyncIterable<Buffer>, state: SourceState): AsyncGenerator<Buffer> {
  type Phase = "header" | "body" | "trailer" | "next" | "zeros" | "done";
  let phase = "header" as Phase;
  // `damage` ends the phase machine from inside a closure, which flow analysis does not see.
  const over = () => (phase as Phase) === "done";
  let pending = EMPTY; // bytes of a header, trailer or magic collected across chunks
  let inf: Inflater | null = null;
  let crc = 0;
  let size = 0;
  let members = 0;
  let pos = 0; // compressed bytes before the current chunk
  const damage = (code: string, message: string, after: "garbage" | "lost" | "corrupt" = "lost") => {
    state.damage = { code, message, after };
    phase = "done";
  };
  const emit = function* (bufs: Buffer[]): Generator<Buffer> {
    for (const d of bufs) {
      if (crc32) crc = crc32(d, crc);
      size = (size + d.length) % 0x100000000;
      yield d;
    }
  };
  try {
    for await (const input of src) {
      let chunk = input;
      while (chunk.length > 0 && !over()) {
        const at = pos + input.length - chunk.length; // offset of chunk[0] in the compressed input
        if (phase === "header") {
          pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
          const n = gzipHeaderLength(pending);
          if (n === -2)
            if (members > 0 && pending[1] !== undefined && pending[1] !== 0x8b)
              damage("trailing-garbage", "decompression OK, trailing garbage ignored (as gzip -d does)");
            else damage("gzip-error", `the gzip header of member ${members + 1} is invalid`);
          else if (n === -1) {
            if (pending.length > MAX_GZIP_HEADER)
              damage("gzip-error", `the gzip header of member ${members + 1} is too long`);
            chunk = EMPTY;
          } else {
            chunk = pending.subarray(n);
            pending = EMPTY;
            members++;
            crc = 0;
            size = 0;
            inf = new Inflater(GZIP_OUT_CHUNK);
            phase = "body";
          }
        } else if (phase === "body" && inf) {
          // Small pieces: the damage is located within one piece, and output is taken between them.
          const piece = chunk.length > GZIP_IN_PIECE ? chunk.subarray(0, GZIP_IN_PIECE) : chunk;
          const left = await inf.write(piece);
          yield* emit(inf.take());
          if (inf.error) {
            damage(
              "gzip-error",
              `gzip data is damaged between compressed bytes ${at} and ${at + piece.length} (${inf.error.message})`,
            );
            break;
          }
          if (left <= 0) {
            chunk = chunk.subarray(piece.length);
            continue;
          }
          chunk = chunk.subarray(piece.length);
          await inf.settle();
          yield* emit(inf.take());
          inf.destroy();
          inf = null;
          chunk = Buffer.concat([piece.subarray(piece.length - left), chunk]);
          phase = "trailer";
        } else if (phase === "trailer") {
          const need = 8 - pending.length;
          pending = Buffer.concat([pending, chunk.subarray(0, need)]);
          chunk = chunk.subarray(need);
          if (pending.length === 8) {
            if (crc32 && pending.readUInt32LE(0) !== crc >>> 0)
              damage("gzip-error", `gzip data is damaged: CRC error in member ${members}`, "corrupt");
            else if (pending.readUInt32LE(4) !== size)
              damage("gzip-error", `gzip data is damaged: length error in member ${members}`, "corrupt");
            else phase = "next";
            pending = EMPTY;
          }
        } else if (phase === "next") {
          if (chunk[0] === 0) phase = "zeros";
          else if (chunk[0] === 0x1f) phase = "header";
          else damage("trailing-garbage", "decompression OK, trailing garbage ignored (as gzip -d does)");
        } else if (phase === "zeros") {
          let i = 0;
          while (i < chunk.length && chunk[i] === 0) i++;
          if (i < chunk.length)
            damage(
              "trailing-garbage",
              `decompression OK, trailing garbage ignored after zero padding at byte ${at + i} (as gzip -d does)`,
            );
          chunk = EMPTY;
        }
      }
      pos += input.length;
      if (over()) break;
    }
    if (phase === "body" && inf) {
      await inf.finish();
      yield* emit(inf.take());
      damage(
        "truncated-gzip",
        inf.error ? `gzip data ends early (${inf.error.message})` : "gzip data ends early (no trailer)",
      );
    } else if (phase === "trailer") damage("truncated-gzip", "gzip data ends early (trailer cut)");
    else if (phase === "header" && (members === 0 || pending.length > 0))
      damage("truncated-gzip", "gzip data ends early (header cut)");
  } finally {
    inf?.destroy();
  }
}

/**
 * Chunks of a regular file read with readSync: for files in the page cache this is several times cheaper per
 * chunk than a read stream (no thread-pool round trip, no promise per chunk), and the summarisers are
 * CPU-bound. Each chunk is a fresh buffer, so callers may keep slices of it, unless `reuse` is set (then every
 * chunk is read into the same buffer).
 */
function* plainChunks(
  fd: number,
  start: number,
  size: number,
  opts: ReadOptions,
  spec: string,
  warn: Warn,
  reuse = false,
): Generator<Buffer> {
  let pos = start;
  let raw = 0;
  const one = reuse ? Buffer.allocUnsafeSlow(size) : null;
  try {
    for (;;) {
      const buf = one ?? Buffer.allocUnsafeSlow(size);
      const n = readSync(fd, buf, 0, size, pos);
      if (n === 0) break;
      pos += n;
      raw += n;
      opts.onProgress?.(raw);
      yield n < size ? buf.subarray(0, n) : buf;
    }
  } catch (err) {
    warn("unreadable", `${spec}: ${describeError(err)}`);
  }
}

/** Newlines in a buffer. */
function countLines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(NL); i >= 0; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

/**
 * Blocks of whole lines (each block ends with "\n", except possibly the last block of the input).
 * With a byte range, a line that starts before `start` is skipped (the previous range owns it) and the
 * line that straddles `end` is read to its end.
 */
export async function* lineBlocks(spec: string, given: ReadOptions = {}): AsyncGenerator<Buffer> {
  const opts = observer ? watched(spec, given, observer) : given;
  const maxLine = opts.maxLineBytes ?? 4 << 20;
  const start = opts.start ?? 0;
  const end = opts.end;
  const name = isStdin(spec) ? "(stdin)" : spec;
  const warn: Warn = (code, message) => opts.onWarning?.({ source: name, code, message });
  const state: SourceState = { compressed: false, damage: null };
  let skipping = start > 0 && !isStdin(spec) && !precededByNewline(spec, start);
  let carry: Buffer | null = null;
  let offset = start; // file position of the first byte of the current chunk (plain files only)
  let kept = 0; // lines yielded, counted for compressed inputs only
  for await (const raw of rawChunks(spec, { ...opts, end: undefined }, state, warn)) {
    let chunk = raw;
    const chunkStart = offset;
    offset += raw.length;
    if (skipping) {
      const i = chunk.indexOf(NL);
      if (i < 0) continue;
      skipping = false;
      chunk = chunk.subarray(i + 1);
    }
    if (end !== undefined && offset >= end) {
      // The last line we own is the one containing byte end-1: it ends at the first newline at or after it.
      const from = Math.max(0, end - 1 - (chunkStart + (raw.length - chunk.length)));
      const cut = chunk.indexOf(NL, from);
      if (cut >= 0) {
        const head = chunk.subarray(0, cut + 1);
        yield carry ? Buffer.concat([carry, head]) : head;
        return;
      }
    }
    const last = chunk.lastIndexOf(NL);
    if (last < 0) {
      carry = carry ? Buffer.concat([carry, chunk]) : state.reused ? Buffer.from(chunk) : chunk;
      if (carry.length > maxLine) {
        warn("line-too-long", `${name}: a line longer than ${maxLine} bytes was cut into pieces`);
        yield carry;
        carry = null;
      }
      continue;
    }
    let whole: Buffer;
    if (carry) {
      // Complete the carried line on its own rather than copying the whole chunk behind it.
      const first = chunk.indexOf(NL);
      yield Buffer.concat([carry, chunk.subarray(0, first + 1)]);
      whole = chunk.subarray(first + 1, last + 1);
      if (state.compressed) kept++;
      if (first < last) yield whole;
    } else {
      whole = chunk.subarray(0, last + 1);
      yield whole;
    }
    if (state.compressed) kept += countLines(whole);
    carry =
      last + 1 >= chunk.length
        ? null
        : state.reused
          ? Buffer.from(chunk.subarray(last + 1))
          : chunk.subarray(last + 1);
  }
  if (carry && carry.length > 0) {
    yield carry;
    kept++;
  }
  if (state.damage) {
    const d = state.damage;
    const tail =
      d.code === "trailing-garbage"
        ? `; all ${kept} line(s) before it were read`
        : d.after === "corrupt"
          ? `; ${kept} line(s) were read, some of them may be garbled`
          : `; the ${kept} line(s) decoded before it were read, the rest of the file is lost`;
    warn(d.code, `${name}: ${d.message}${tail}`);
  }
}

function precededByNewline(path: string, pos: number): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const b = Buffer.alloc(1);
    return readSync(fd, b, 0, 1, pos - 1) === 1 && b[0] === NL;
  } catch {
    return false; // rawChunks reports the problem
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Splits a plain file into `parts` byte ranges for parallel scanning with `lineBlocks`. */
export function splitRanges(
  size: number,
  parts: number,
  headStart = 0,
): Array<{ start: number; end: number }> {
  const n = Math.max(1, Math.min(parts, Math.ceil(size / (1 << 20))));
  if (n === 1) return [{ start: 0, end: size }];
  // The first range can take `headStart` bytes more (the thread that reads it needs no start-up), at most an
  // eighth of the file.
  const extra = Math.min(Math.max(0, headStart), Math.floor(size / 8));
  const step = Math.ceil((size - extra) / n);
  const out: Array<{ start: number; end: number }> = [{ start: 0, end: Math.min(size, step + extra) }];
  for (let s = step + extra; s < size; s += step) out.push({ start: s, end: Math.min(size, s + step) });
  return out;
}

/** Lines as strings (latin1-safe UTF-8 decoding, CR stripped). For tests and small inputs; hot paths use blocks. */
export async function* lines(spec: string, opts: ReadOptions = {}): AsyncGenerator<string> {
  for await (const block of lineBlocks(spec, opts)) {
    let i = 0;
    while (i < block.length) {
      let j = block.indexOf(NL, i);
      if (j < 0) j = block.length;
      let k = j;
      if (k > i && block[k - 1] === 0x0d) k--;
      yield block.toString("utf8", i, k);
      i = j + 1;
    }
  }
}

/**
 * Orders a set of log files oldest first, the way logrotate names them:
 * `error.log.3.gz, error.log.2.gz, error.log.1, error.log`, and date suffixes
 * (`error.log-20260403.gz` before `error.log-20260404`) before the live file.
 * Files of different base names keep their relative order.
 */
export function orderRotated(paths: string[]): string[] {
  const key = (p: string) => {
    const m = /^(.*?)(?:[.-](\d{1,8}))?(?:\.gz)?$/.exec(p);
    const base = m?.[1] ?? p;
    const suffix = m?.[2];
    if (suffix === undefined) return { base, rank: Number.POSITIVE_INFINITY, kind: 0 };
    // Dates (>= 8 digits) grow with time; counters (.1, .2) shrink with time.
    if (suffix.length === 8) return { base, rank: Number(suffix), kind: 1 };
    return { base, rank: -Number(suffix), kind: 2 };
  };
  const firstIndex = new Map<string, number>();
  const items = paths.map((p, i) => {
    const k = key(p);
    if (!firstIndex.has(k.base)) firstIndex.set(k.base, i);
    return { p, ...k };
  });
  return items
    .sort((a, b) => {
      if (a.base !== b.base) return (firstIndex.get(a.base) ?? 0) - (firstIndex.get(b.base) ?? 0);
      if (a.kind !== b.kind && a.kind !== 0 && b.kind !== 0) return b.kind - a.kind;
      return a.rank - b.rank;
    })
    .map((i) => i.p);
}
