/**
 * Bundles are untrusted input (they come from strangers, through tickets): every file read from one must be a
 * regular file inside the bundle directory (after resolving symlinks), no bigger than a cap, and a bundle's
 * configuration may include only files inside the bundle. Anything else is a clear error naming the file,
 * never a hang on a FIFO, never unbounded memory from a device, never a read of /etc/shadow.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  type Stats,
  statSync,
} from "node:fs";
import { basename, dirname, join, sep } from "node:path";
import { type ConfigPayload, type FileSource, loadPayload } from "../nginx/config/payload.js";
import { globFiles, maxConfigDepth } from "./config-loader.js";

export interface BundleLimits {
  /** Largest log file read from a bundle (compressed size for .gz). */
  maxFileSize: number;
  /** Largest configuration file (nginx-T.txt, nginx.conf and its includes, probe.json). */
  maxConfigSize: number;
}

export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxFileSize: 2 * 1024 ** 3,
  maxConfigSize: 64 * 1024 ** 2,
};
export const MAX_META_BYTES = 1 << 20;

export class BundleError extends Error {
  /** True when the file leads outside the bundle (as opposed to being a FIFO, a device, too big…). */
  constructor(
    message: string,
    readonly outside = false,
  ) {
    super(message);
  }
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return "a FIFO";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  if (st.isDirectory()) return "a directory";
  return "not a regular file";
}

function inside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** The bundle directory, resolved (the operator named it, so a symlink to it is fine). */
export function bundleRoot(dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch (e) {
    throw new BundleError(
      `cannot read bundle ${dir}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (e as Error).message}`,
    );
  }
  if (!statSync(real).isDirectory()) throw new BundleError(`cannot read bundle ${dir}: not a directory`);
  return real;
}

/**
 * Checks that `path` (inside bundle `root`) is a regular file whose real path stays inside the bundle and is at
 * most `cap` bytes; returns the real path. `label` names the file in messages, `capOption` the option to raise.
 */
export function checkBundleFile(
  root: string,
  path: string,
  cap: number,
  capOption: string,
  label = basename(path),
): string {
  // Containment first, so nothing outside the bundle is even looked at.
  let parent: string;
  try {
    parent = realpathSync(dirname(path));
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
  let real = join(parent, basename(path));
  if (!inside(root, real))
    throw new BundleError(`bundle file ${label} is outside the bundle (${real})`, true);
  let lst: Stats;
  try {
    lst = lstatSync(real);
  } catch (e) {
    throw new Error(
      (e as NodeJS.ErrnoException).code === "ENOENT" ? "2: No such file or directory" : (e as Error).message,
    );
  }
  if (lst.isSymbolicLink()) {
    try {
      real = realpathSync(real);
    } catch {
      throw new BundleError(
        `bundle file ${label} is a symbolic link that leads nowhere; only regular files inside the bundle are read`,
      );
    }
    if (!inside(root, real))
      throw new BundleError(
        `bundle file ${label} is a symbolic link to ${real}, outside the bundle; only files inside the bundle are read`,
        true,
      );
  }
  const st = lst.isSymbolicLink() ? statSync(real) : lst;
  if (!st.isFile())
    throw new BundleError(`bundle file ${label} is ${kindOf(st)}, not a regular file; refusing to read it`);
  if (st.size > cap)
    throw new BundleError(
      `bundle file ${label} is ${st.size} bytes, over the ${cap}-byte cap (raise it with ${capOption})`,
    );
  return real;
}

/**
 * Reads a small bundle file (configuration, JSON): opened without blocking and without following a symlink
 * at its real path, checked again on the open descriptor, and never more than `cap` bytes.
 */
export function readBundleText(real: string, cap: number, capOption: string, label = basename(real)): string {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    throw new BundleError(`bundle file ${label}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      throw new BundleError(`bundle file ${label} is ${kindOf(st)}, not a regular file; refusing to read it`);
    if (st.size > cap)
      throw new BundleError(
        `bundle file ${label} is ${st.size} bytes, over the ${cap}-byte cap (raise it with ${capOption})`,
      );
    const buf = Buffer.alloc(Math.min(cap, st.size) + 1);
    let n = 0;
    for (;;) {
      const r = readSync(fd, buf, n, buf.length - n, null);
      if (r === 0) break;
      n += r;
      if (n === buf.length) throw new BundleError(`bundle file ${label} grew while it was read; refusing it`);
    }
    return buf.toString("utf8", 0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads a bundle's own `nginx.conf` with its includes, reading only regular files inside the bundle, each at
 * most `cap` bytes. Nothing outside the bundle is opened: an include that leads there (`include /etc/shadow;`,
 * `/etc/nginx/mime.types`, a symlink out, `/dev/zero`) becomes a configuration error naming the including file
 * and line ("outside the bundle; not read") and loading goes on. An included file inside the bundle that is a
 * FIFO, a device or over the cap is a BundleError (the caller stops).
 */
export function loadBundleConfig(root: string, main: string, cap: number): ConfigPayload {
  let fatal: BundleError | null = null;
  let fatalPath = "";
  const source: FileSource = {
    read(path) {
      try {
        const real = checkBundleFile(root, path, cap, "--max-config-size", path);
        return { text: readBundleText(real, cap, "--max-config-size", path) };
      } catch (e) {
        if (e instanceof BundleError && e.outside) return { error: "outside the bundle; not read" };
        if (e instanceof BundleError) {
          fatal ??= e;
          fatalPath ||= path;
          return { error: "refused" };
        }
        return { error: (e as Error).message };
      }
    },
    glob(pattern) {
      // Only the part of the pattern before its first wildcard decides where it looks.
      const fixed = pattern.slice(0, pattern.search(/[*?[]/));
      const dir = fixed.slice(0, fixed.lastIndexOf("/") + 1) || "/";
      let realDir: string;
      try {
        realDir = realpathSync(dir);
      } catch {
        return [];
      }
      // A pattern pointing outside gives itself back, so that read() reports it with its file and line.
      if (!inside(root, realDir)) return [pattern];
      return globFiles(pattern);
    },
  };
  const payload = loadPayload(main, source, { maxDepth: maxConfigDepth() });
  if (fatal) {
    const f = fatal as BundleError;
    const at = payload.errors.find((e) => e.error.startsWith(`open() "${fatalPath}"`));
    throw new BundleError(`${at ? `${at.file}:${at.line ?? "?"}: ` : ""}${f.message}`);
  }
  return payload;
}
