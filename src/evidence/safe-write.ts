/**
 * Writing files safely, also when running as root.
 *
 * - A bundle (`collect --out`): the output directory is created by us (mode 0700) under a parent that no other
 *   user can rearrange, and every file is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, so nothing
 *   planted in the directory (a symlink, a file, a FIFO) is ever written through or reused.
 * - A file replaced as a whole (`atomicReplace`: the HTML report, `watch --textfile`, `fix --apply`): the new
 *   content goes into a fresh temporary file beside the target, which is renamed over it.
 */

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

const euid = () => (typeof process.geteuid === "function" ? process.geteuid() : 0);

function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8)}`;
}

/** Users whose ownership of a parent directory is trusted: root, ourselves, and the user who ran sudo. */
function trustedOwners(): Set<number> {
  const s = new Set([0, euid()]);
  const sudo = Number(process.env["SUDO_UID"]);
  if (euid() === 0 && Number.isInteger(sudo) && sudo > 0) s.add(sudo);
  return s;
}

/**
 * Checks that no other user can replace `dir` or anything on the way to it: each directory from `dir` up to
 * `/` is owned by a trusted user and is not writable by group/others unless it has the sticky bit (like /tmp).
 */
export function checkTrustedPath(dir: string): void {
  const owners = trustedOwners();
  let d = dir;
  for (;;) {
    const st = lstatSync(d);
    if (!st.isDirectory()) throw new Error(`${d} is not a directory`);
    if (!owners.has(st.uid))
      throw new Error(
        `${d} belongs to another user (uid ${st.uid}), who could swap the bundle directory; choose a directory owned by you or root`,
      );
    if ((st.mode & 0o022) !== 0 && (st.mode & 0o1000) === 0)
      throw new Error(
        `${d} is writable by other users (mode ${octal(st.mode)}, no sticky bit), who could swap the bundle directory; choose another place`,
      );
    const up = dirname(d);
    if (up === d) return;
    d = up;
  }
}

/**
 * Resolves the place of a file or directory we are about to create: its parent resolved through symlinks (the
 * name itself is not), checked to exist. `label` starts the messages ("--out DIR", or the path itself).
 */
function placeOf(
  path: string,
  label: string,
  what: "directory" | "file",
): { parent: string; name: string; target: string } {
  const abs = resolve(path);
  const name = basename(abs);
  if (name === "" || name === "." || name === ".." || abs === "/")
    throw new Error(`${label}: not a usable ${what} name`);
  let parent: string;
  try {
    parent = realpathSync(dirname(abs));
  } catch (e) {
    throw new Error(
      `${label}: ${what === "directory" ? "parent directory" : "directory"} ${dirname(abs)} is not usable (${(e as Error).message})`,
    );
  }
  return { parent, name, target: join(parent, name) };
}

/**
 * What may already be at a name we create or replace: nothing, or an entry of the expected kind that is ours.
 * A symbolic link is always refused (never written through), so is an entry of another kind or user. An
 * existing directory must also be mode 0700 or stricter and empty (see checkOutDir).
 */
function checkExisting(path: string, kind: "directory" | "file"): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new Error(`${path}: ${(e as Error).message}`);
  }
  if (st.isSymbolicLink()) throw new Error(`${path} is a symbolic link; refusing to write through it`);
  if (kind === "file") {
    if (!st.isFile()) throw new Error(`${path} exists and is not a regular file; refusing to replace it`);
    if (st.uid !== euid())
      throw new Error(`${path} belongs to another user (uid ${st.uid}); refusing to replace it`);
    return;
  }
  if (!st.isDirectory()) throw new Error(`${path} exists and is not a directory`);
  if (st.uid !== euid())
    throw new Error(`${path} exists and belongs to another user (uid ${st.uid}); give a new directory name`);
  if ((st.mode & 0o077) !== 0)
    throw new Error(
      `${path} exists with mode ${octal(st.mode)}; an existing directory must be mode 0700 or stricter (or give a new name)`,
    );
  if (readdirSync(path).length > 0) throw new Error(`${path} exists and is not empty`);
}

/**
 * Validates `--out` before anything is collected and returns the absolute path to use (the parent resolved
 * through symlinks). The directory must not exist, or be an empty directory owned by us with mode 0700 or
 * stricter; its parent must be trusted (see checkTrustedPath).
 */
export function checkOutDir(out: string): string {
  const { parent, target } = placeOf(out, `--out ${out}`, "directory");
  checkTrustedPath(parent);
  checkExisting(target, "directory");
  return target;
}

/** Creates the bundle directory (mode 0700) or takes over an acceptable empty one; returns its path. */
export function createOutDir(path: string): string {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST")
      throw new Error(`cannot create ${path}: ${(e as Error).message}`);
    checkExisting(path, "directory");
  }
  const st = lstatSync(path);
  if (!st.isDirectory() || st.uid !== euid())
    throw new Error(`${path} changed while it was being created; refusing`);
  // Drops inherited default ACL permissions (the mask) and any bits the umask let through.
  chmodSync(path, 0o700);
  return path;
}

/** A file of the bundle, created exclusively (never through a symlink), mode 0600, written in big chunks. */
export class BundleFile {
  readonly path: string;
  bytes = 0;
  private fd: number;
  private parts: Buffer[] = [];
  private pending = 0;

  constructor(dir: string, name: string) {
    this.path = join(dir, name);
    try {
      this.fd = openSync(
        this.path,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EEXIST" || code === "ELOOP")
        throw new Error(
          `refusing to write ${this.path}: something else created it first (a planted file or symlink?); the bundle is incomplete`,
        );
      throw new Error(`cannot create ${this.path}: ${(e as Error).message}`);
    }
    const st = fstatSync(this.fd);
    if (!st.isFile() || st.nlink !== 1) {
      closeSync(this.fd);
      throw new Error(`refusing to write ${this.path}: not a fresh regular file`);
    }
    fchmodSync(this.fd, 0o600);
  }

  /** Strings are written as latin1 (one byte per char); a Buffer is written at once, never kept. */
  write(data: string | Buffer): void {
    if (typeof data !== "string") {
      this.flush();
      this.writeAll(data);
      return;
    }
    const b = Buffer.from(data, "latin1");
    this.parts.push(b);
    this.pending += b.length;
    if (this.pending >= 1 << 20) this.flush();
  }

  private writeAll(b: Buffer): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off, this.bytes + off);
    this.bytes += b.length;
  }

  /** Text written as UTF-8 (JSON, messages). */
  writeText(s: string): void {
    this.write(Buffer.from(s, "utf8"));
  }

  flush(): void {
    if (this.pending === 0) return;
    const b = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    this.writeAll(b);
  }

  /** Starts the file over (used when a compressed log turns out to be over the size cap). */
  reset(): void {
    this.parts = [];
    this.pending = 0;
    ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
    }
  }
}

/** What `atomicReplace` accepts at the target name just before the rename. */
export type ReplacePolicy =
  /** Only nothing or a regular file of ours (the HTML report: never replace someone else's file). */
  | "own-file"
  /** Nothing or a regular file of any owner (fix --apply, whose files were checked when planned). */
  | "regular-file"
  /** Any entry but a directory: a symlink there is replaced by the rename, never followed (watch --textfile). */
  | "any";

export interface AtomicReplaceOptions {
  /** Permission bits of the new file, set with fchmod whatever the umask (default 0600). */
  mode?: number;
  /** Owner and group for the new file (fix keeps the original's); failing to set them is an error unless we
   *  already are that owner. */
  owner?: { uid: number; gid: number };
  /** Default "own-file". */
  replace?: ReplacePolicy;
}

/**
 * Replaces the file at `target` with `data` so that a reader sees the old content or the new, never half, and
 * nothing planted is written through: the bytes go into a new temporary file in the same directory (a dot name
 * with our pid and random bytes, created O_CREAT|O_EXCL|O_NOFOLLOW, so a symlink or file planted there makes the
 * open fail), which is fsynced, given its mode (and owner), checked against `replace`, then renamed over the
 * target (a rename replaces the directory entry and never follows a symlink). On failure the temporary file is
 * removed and the error names the target.
 */
export function atomicReplace(target: string, data: Buffer, opts: AtomicReplaceOptions = {}): void {
  const mode = (opts.mode ?? 0o600) & 0o7777;
  const tmp = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  let fd: number;
  try {
    fd = openSync(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
  } catch (e) {
    throw new Error(`cannot create a file in ${dirname(target)}: ${(e as Error).message}`);
  }
  let open = true;
  try {
    fchmodSync(fd, mode);
    if (opts.owner) {
      try {
        fchownSync(fd, opts.owner.uid, opts.owner.gid);
      } catch (e) {
        // Not root: the new file is ours; that is only a change when the original belonged to someone else.
        if (euid() !== opts.owner.uid) throw e;
      }
    }
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off, off);
    fsyncSync(fd);
    open = false;
    closeSync(fd);
    const policy = opts.replace ?? "own-file";
    if (policy === "own-file") checkExisting(target, "file");
    else if (policy === "regular-file") {
      const st = lstatOrNull(target);
      if (st && !st.isFile()) throw new Error(`${target} is not a regular file; refusing to replace it`);
    }
    renameSync(tmp, target);
  } catch (e) {
    if (open) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw e instanceof Error && /refusing|belongs/.test(e.message)
      ? e
      : new Error(`cannot write ${target}: ${(e as Error).message}`);
  }
}

function lstatOrNull(path: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/**
 * Writes a report (e.g. `diagnose --html FILE`) with atomicReplace, mode 0600: a symlink, a directory or any
 * other non-regular file at the name is refused, and so is a file that belongs to another user. Returns the
 * path written (its directory resolved through symlinks).
 */
export function writeReportFile(path: string, text: string): string {
  const target = checkReportPath(path);
  atomicReplace(target, Buffer.from(text, "utf8"), { mode: 0o600, replace: "own-file" });
  return target;
}

/**
 * Checks a report's name before any work is done and returns the path to write (its directory resolved
 * through symlinks): the directory must exist, the name must be free or a regular file of ours.
 */
export function checkReportPath(path: string): string {
  const { target } = placeOf(path, path, "file");
  checkExisting(target, "file");
  return target;
}
