/**
 * Reads nginx configurations from disk (main file + includes), from saved `nginx -T` output, or by running
 * `nginx -T` on this host (the only program badgateway ever executes for configuration).
 */
import { isAscii } from "node:buffer";
import { createRequire } from "node:module";

import { DEFAULT_MAX_DEPTH } from "../nginx/config/parser.js";
import {
  type ConfigPayload,
  type FileSource,
  globSegmentMatcher,
  hasGlob,
  type LoadOptions,
  loadPayload,
  payloadFromNginxT,
} from "../nginx/config/payload.js";

// Node's modules through require, not `import`: an ESM import of node:fs makes Node read every export for its
// ESM wrapper (the ReadStream getter loads the stream modules), and node:child_process and node:tty load the
// socket and stream modules when they load — milliseconds of every `config parse`, which needs none of them.
// node:child_process and node:tty are loaded where they are used.
const nodeRequire = createRequire(import.meta.url);
const { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, statSync } =
  nodeRequire("node:fs") as typeof import("node:fs");

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const map: Record<string, string> = {
    ENOENT: "2: No such file or directory",
    EACCES: "13: Permission denied",
    EISDIR: "21: Is a directory",
  };
  return (err.code && map[err.code]) ?? err.message ?? String(e);
}

/**
 * Expands a glob on disk one path segment at a time, sorted like nginx's glob() (byte order in the C locale).
 * Hidden names only match a pattern segment that starts with a dot. Directories matched by the last segment
 * are kept: nginx fails on them, and reading them gives the error entry.
 */
export function globFiles(pattern: string): string[] {
  const segs = pattern.split("/");
  let current = [segs[0] === "" ? "/" : (segs[0] as string)];
  for (let i = 1; i < segs.length; i++) {
    const seg = segs[i] as string;
    if (seg === "") continue;
    const next: string[] = [];
    for (const base of current) {
      const join = (n: string) => (base === "/" ? `/${n}` : `${base}/${n}`);
      if (!hasGlob(seg)) {
        next.push(join(seg));
        continue;
      }
      const match = globSegmentMatcher(seg);
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        names = [];
      }
      for (const n of names.sort(byteOrder)) if (match(n)) next.push(join(n));
    }
    current = next;
  }
  return current.filter((p) => existsSync(p));
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Default cap on one configuration file (and on saved `nginx -T` text): 64 MiB. */
export const DEFAULT_MAX_CONFIG_BYTES = 64 << 20;

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === "") return undefined;
  if (!/^[1-9][0-9]{0,12}$/.test(v)) throw new Error(`${name} must be a positive integer (got "${v}")`);
  return Number(v);
}

/** The size cap in force: BADGATEWAY_MAX_CONFIG_BYTES when set, else 64 MiB. */
export function maxConfigBytes(): number {
  return envInt("BADGATEWAY_MAX_CONFIG_BYTES") ?? DEFAULT_MAX_CONFIG_BYTES;
}

/** The nesting cap in force: BADGATEWAY_MAX_CONFIG_DEPTH when set, else DEFAULT_MAX_DEPTH. */
export function maxConfigDepth(): number {
  const v = envInt("BADGATEWAY_MAX_CONFIG_DEPTH") ?? DEFAULT_MAX_DEPTH;
  // Deeper trees than this exhaust the call stack of JSON.stringify and of the rules.
  if (v > MAX_DEPTH_LIMIT) throw new Error(`BADGATEWAY_MAX_CONFIG_DEPTH must be at most ${MAX_DEPTH_LIMIT}`);
  return v;
}

/** The highest nesting cap that may be asked for. */
export const MAX_DEPTH_LIMIT = 1000;

function mib(n: number): string {
  return n % (1 << 20) === 0 ? `${n >> 20} MiB` : `${n} bytes`;
}

function kindOf(st: {
  isFIFO(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isSocket(): boolean;
  isDirectory(): boolean;
}): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "a special file";
}

export interface ReadConfigOptions {
  /** Largest file read (default: maxConfigBytes()). */
  maxBytes?: number;
  /**
   * Also read a pipe or FIFO (the main file given as `<(…)`, or stdin); includes never are. Devices,
   * sockets and directories are always refused.
   */
  allowPipe?: boolean;
}

/**
 * Reads one configuration file with bounded memory: regular files only (a pipe too when `allowPipe`), at
 * most `maxBytes`. The file is opened non-blocking and checked with fstat after opening, so a FIFO or a
 * device put in place of an include is refused without hanging or reading forever. `path` 0 is stdin.
 */
/** Whether stdin is a terminal (node:tty loaded only here, see above). */
function stdinIsTerminal(): boolean {
  return (nodeRequire("node:tty") as typeof import("node:tty")).isatty(0);
}

export function readConfigText(
  path: string | 0,
  opts: ReadConfigOptions = {},
): { text: string } | { error: string } {
  const max = opts.maxBytes ?? maxConfigBytes();
  let fd: number;
  try {
    if (path === 0) fd = 0;
    else {
      const st = statSync(path);
      if (st.isDirectory()) return { error: "21: Is a directory" };
      const pipe = st.isFIFO() && opts.allowPipe;
      if (!st.isFile() && !pipe) return { error: `not a regular file: ${path} is ${kindOf(st)}` };
      fd = openSync(
        path,
        pipe ? constants.O_RDONLY : constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY,
      );
    }
  } catch (e) {
    return { error: errnoText(e) };
  }
  try {
    const st = fstatSync(fd);
    // stdin may be a pipe, a socket or a person typing at a terminal; never /dev/zero or another device.
    const pipe =
      (st.isFIFO() || (path === 0 && (st.isSocket() || (st.isCharacterDevice() && stdinIsTerminal())))) &&
      opts.allowPipe;
    if (!st.isFile() && !pipe)
      return { error: `not a regular file: ${path === 0 ? "stdin" : path} is ${kindOf(st)}` };
    const tooBig = () => ({
      error: `larger than ${mib(max)}, the limit for a configuration file (raise it with BADGATEWAY_MAX_CONFIG_BYTES)`,
    });
    if (st.isFile() && st.size > max) return tooBig();
    const chunks: Buffer[] = [];
    let total = 0;
    // A regular file is read into one buffer of its size (plus one byte, to see that it did not grow): no
    // copying the pieces together afterwards.
    let first = st.isFile() ? Math.min(st.size + 1, max + 1) : 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(first || Math.min(1 << 20, max + 1 - total));
      first = 0;
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
          // A non-blocking stdin with nothing to read yet: wait a little instead of spinning.
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        throw e;
      }
      if (n === 0) break;
      total += n;
      if (total > max) return tooBig();
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
    // ASCII (most configurations) is the same text read as Latin-1, which needs no decoding.
    return { text: bytes.toString(isAscii(bytes) ? "latin1" : "utf8") };
  } catch (e) {
    return { error: errnoText(e) };
  } finally {
    if (fd !== 0) closeSync(fd);
  }
}

/** The disk as a FileSource: the main file may be a pipe, includes must be regular files; sizes capped. */
export function diskSourceFor(main: string, maxBytes?: number): FileSource {
  return {
    read(path) {
      return readConfigText(path, {
        allowPipe: path === main,
        ...(maxBytes !== undefined ? { maxBytes } : {}),
      });
    },
    glob: globFiles,
  };
}

export const diskSource: FileSource = {
  read: (path) => readConfigText(path),
  glob: globFiles,
};

/**
 * Loads a configuration from disk, following includes (relative paths against the main file's directory).
 * Files are capped at `maxBytes` (BADGATEWAY_MAX_CONFIG_BYTES, 64 MiB) and nesting at `maxDepth`
 * (BADGATEWAY_MAX_CONFIG_DEPTH, 256 levels).
 */
export function loadConfig(mainFile: string, opts: LoadOptions & { maxBytes?: number } = {}): ConfigPayload {
  const { maxBytes, ...rest } = opts;
  return loadPayload(mainFile, diskSourceFor(mainFile, maxBytes), { maxDepth: maxConfigDepth(), ...rest });
}

/** Loads the text of `nginx -T` (all files are in the text; nothing is read from disk). */
export function loadNginxT(text: string, opts: LoadOptions = {}): ConfigPayload {
  return payloadFromNginxT(text, { maxDepth: maxConfigDepth(), ...opts });
}

export interface RunNginxTOptions {
  /** nginx binary (default: `nginx` from PATH, then /usr/sbin, /usr/local/sbin, /sbin). */
  binary?: string;
  /** Main configuration file (`-c`); default: the one nginx was built with. */
  conf?: string;
  /** Prefix (`-p`). */
  prefix?: string;
  /** Error log used while testing (`-e`, nginx ≥ 1.19.5). */
  errorLog?: string;
  timeoutMs?: number;
  /** Largest output accepted (default 256 MiB); more is an error, not a cut configuration. */
  maxBytes?: number;
}

/** The line of nginx's stderr that says why `nginx -T` failed (its `[emerg]` line when there is one). */
export function nginxFailureLine(stderr: string): string | undefined {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  return lines.find((l) => l.includes("[emerg]")) ?? lines[lines.length - 1];
}

/**
 * Runs `nginx -T` (no shell, with a timeout) and returns what it printed on stdout. This is the only program
 * badgateway runs for configuration. Rejects with a one-line reason when nginx is missing, times out or fails.
 */
export function runNginxT(opts: RunNginxTOptions = {}): Promise<string> {
  const bin = opts.binary ?? "nginx";
  const args = [
    "-T",
    ...(opts.prefix ? ["-p", opts.prefix] : []),
    ...(opts.conf ? ["-c", opts.conf] : []),
    ...(opts.errorLog ? ["-e", opts.errorLog] : []),
  ];
  const timeout = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    (nodeRequire("node:child_process") as typeof import("node:child_process")).execFile(
      bin,
      args,
      {
        timeout,
        maxBuffer: opts.maxBytes ?? 256 << 20,
        env: { ...process.env, PATH: `${process.env["PATH"] ?? ""}:/usr/sbin:/usr/local/sbin:/sbin` },
      },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          let why: string;
          if (String(e.code) === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
            why = `${bin} -T printed more than ${opts.maxBytes ?? 256 << 20} bytes (the configuration size cap)`;
          else if (e.code === "ENOENT") why = `cannot run ${bin} -T: nginx is not installed or not on PATH`;
          else if (e.code === "EACCES") why = `cannot run ${bin} -T: permission denied`;
          else if (e.killed) why = `${bin} -T did not finish within ${timeout} ms`;
          else why = `${bin} -T failed: ${nginxFailureLine(String(stderr)) ?? e.message}`;
          reject(new Error(why));
          return;
        }
        resolve(stdout);
      },
    );
  });
}
