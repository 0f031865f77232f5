/**
 * The I/O of `badgateway fix`: reading the configuration files as bytes, validating changed copies with the
 * real `nginx -t` in a temporary tree, and writing accepted changes atomically with backups (restored when
 * nginx rejects the result). Files are handled as binary strings (one character per byte), so bytes that are
 * not UTF-8 survive an edit untouched.
 */
import { execFile } from "node:child_process";
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { ConfigModel } from "../nginx/config/model.js";
import { type ConfigPayload, loadPayload, nginxTSource, splitNginxT } from "../nginx/config/payload.js";
import { EditableConfig } from "../nginx/config/writer.js";
import { type BundleLimits, DEFAULT_BUNDLE_LIMITS, readBundleText } from "./bundle.js";
import { readBundleDir } from "./bundle-dir.js";
import { loadConfig, maxConfigBytes, nginxFailureLine, readConfigText } from "./config-loader.js";
import { atomicReplace } from "./safe-write.js";

/** Reads a configuration file as a binary string: a regular file (not through a symlink's target check), capped. */
export function readConfigBytes(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${path} is not a regular file`);
    if (st.size > maxConfigBytes()) throw new Error(`${path} is larger than ${maxConfigBytes()} bytes`);
    return readFileSync(fd).toString("latin1");
  } finally {
    closeSync(fd);
  }
}

/** The nginx binary on PATH (or in the usual sbin directories), or null. */
export function findNginx(): string | null {
  const dirs = [...(process.env["PATH"] ?? "").split(":"), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  for (const d of dirs) {
    if (!d) continue;
    const p = join(d, "nginx");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** This host's name servers (`nameserver` lines of /etc/resolv.conf), for a `resolver` line. */
export function systemResolvers(file = "/etc/resolv.conf"): string[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((x): x is string => Boolean(x))
      .slice(0, 3);
  } catch {
    return [];
  }
}

const CA_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
  "/etc/ssl/ca-bundle.pem",
];

/** The system's CA bundle, when one of the usual files exists. */
export function systemCaBundle(): string | null {
  for (const f of CA_BUNDLES)
    try {
      if (lstatSync(f).size > 0) return f;
    } catch {
      /* not here */
    }
  return null;
}

export interface NginxCheck {
  ok: boolean;
  /** nginx's failure line ([emerg] …) or its last line. */
  message: string;
}

export interface NginxRun {
  binary: string;
  /** -p: the prefix for relative paths (logs, pid). */
  prefix?: string;
}

/** Runs `nginx -t` (no shell, 20 s timeout). Null when the binary cannot be started. */
export function nginxTest(run: NginxRun, conf: string, extra: string[] = []): Promise<NginxCheck | null> {
  const args = ["-t", ...(run.prefix ? ["-p", run.prefix] : []), "-c", conf, ...extra];
  return new Promise((done) => {
    execFile(
      run.binary,
      args,
      {
        timeout: 20_000,
        env: { ...process.env, PATH: `${process.env["PATH"] ?? ""}:/usr/sbin:/usr/local/sbin:/sbin` },
      },
      (err, _stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        if (e && (e.code === "ENOENT" || e.code === "EACCES")) return done(null);
        const line = nginxFailureLine(String(stderr)) ?? "";
        const msg = line.replace(/^nginx: /, "");
        if (e) done({ ok: false, message: e.killed ? "nginx -t timed out after 20 s" : msg || e.message });
        else done({ ok: true, message: msg });
      },
    );
  });
}

/**
 * A temporary copy of a configuration tree for `nginx -t`. Every file is written at `<tmp>/root/<its absolute
 * path>`, so relative includes (resolved against the main file's directory) land in the copy by themselves;
 * absolute include paths are rewritten to point into the copy (with the byte-preserving writer). Files the
 * configuration names but that are not configuration (certificates, htpasswd, mime types…) stay where they
 * are: with `linkSiblings` (the files are on this host), every other entry of each configuration directory is
 * linked into the copy, so relative paths to them resolve; absolute paths are read from the real place. nginx -t
 * also opens log files it may not be allowed to write, which is why every change is judged against the
 * unchanged copy's own result.
 */
export class Sandbox {
  readonly dir: string;
  readonly root: string;
  private readonly files: string[];

  constructor(
    private readonly texts: Map<string, string>,
    private readonly main: string,
    private readonly run: NginxRun,
    private readonly linkSiblings = false,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), "badgateway-fix-"));
    this.root = join(this.dir, "root");
    this.files = [...texts.keys()];
  }

  private inside(p: string): string {
    return join(this.root, resolve(p));
  }

  /** Writes the tree with `changed` texts in place of the originals and runs nginx -t on it. */
  async check(changed: Map<string, string> = new Map()): Promise<NginxCheck | null> {
    rmSync(this.root, { recursive: true, force: true });
    const known = new Set(this.files.map((f) => resolve(f)));
    for (const f of this.files) {
      const text = changed.get(f) ?? (this.texts.get(f) as string);
      const ed = new EditableConfig(f, text);
      for (const n of ed.all()) {
        const a = n.args[0];
        if (n.directive !== "include" || n.args.length !== 1 || !a || !isAbsolute(a)) continue;
        // Globs and files of the tree move into the copy; an absolute path outside it stays as it is.
        const moved = /[*?[]/.test(a) || known.has(resolve(a));
        if (moved) ed.setArgs(n, [join(this.root, a)]);
      }
      const dest = this.inside(f);
      mkdirSync(dirname(dest), { recursive: true });
      const fd = openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        writeSync(fd, Buffer.from(ed.text(), "latin1"));
      } finally {
        closeSync(fd);
      }
    }
    if (this.linkSiblings)
      for (const d of new Set(this.files.map((f) => dirname(resolve(f))))) {
        let names: string[];
        try {
          names = readdirSync(d);
        } catch {
          continue;
        }
        for (const n of names) {
          const at = join(this.inside(d), n);
          if (!existsSync(at)) symlinkSync(join(d, n), at);
        }
      }
    const prefix = this.inside(this.run.prefix ?? dirname(this.main));
    mkdirSync(join(prefix, "logs"), { recursive: true });
    const r = await nginxTest({ binary: this.run.binary, prefix: `${prefix}/` }, this.inside(this.main), [
      "-e",
      join(this.dir, "error.log"),
    ]);
    // Say where the problem is in the operator's terms: the original paths, not the copy's.
    return r && { ...r, message: r.message.split(this.root).join("") };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface ApplyResult {
  ok: boolean;
  /** Backups made, original path → backup path (kept after a successful apply). */
  backups: Map<string, string>;
  /** Why the apply failed (nothing was changed, or everything was restored). */
  error?: string;
  /** True when files were written, nginx -t failed, and the originals were put back. */
  restored?: boolean;
}

function stamp(): string {
  return new Date()
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Writes `text` (a binary string) over the regular file `path` with atomicReplace, keeping the original's mode
 * and owner (`like`).
 */
export function atomicWrite(
  path: string,
  text: string,
  like: { mode: number; uid: number; gid: number },
): void {
  atomicReplace(path, Buffer.from(text, "latin1"), {
    mode: like.mode,
    owner: { uid: like.uid, gid: like.gid },
    replace: "regular-file",
  });
}

/**
 * Applies new texts to the real files: each file is checked (a regular file — a symbolic link is followed to its
 * real path once, and the target is edited there, never written through — still holding the text the change
 * was planned on), backed up next to itself (`.<name>.badgateway-<time>.bak`, same mode), then replaced
 * atomically. Then `nginx -t` runs on the real configuration; when it fails every file is put back
 * from its backup (byte for byte) and the result says why.
 */
export async function applyChanges(
  originals: Map<string, string>,
  changedIn: Map<string, string>,
  main: string,
  run: NginxRun,
): Promise<ApplyResult> {
  const originalsAt = new Map<string, string>();
  const backups = new Map<string, string>();
  const stats = new Map<string, { mode: number; uid: number; gid: number }>();
  const when = stamp();
  // A configuration file that is a symbolic link (Debian's sites-enabled/) is edited at its target: the new
  // file is renamed over the target's real path, and the link stays as it is.
  const real = new Map<string, string>();
  for (const [file, text] of changedIn) {
    let target: string;
    try {
      target = realpathSync(file);
    } catch (e) {
      return { ok: false, backups, error: `${file}: ${(e as Error).message}` };
    }
    real.set(target, text);
    originalsAt.set(target, originals.get(file) as string);
  }
  const changed = real;
  for (const file of changed.keys()) {
    let st: ReturnType<typeof lstatSync>;
    try {
      st = lstatSync(file);
    } catch (e) {
      return { ok: false, backups, error: `${file}: ${(e as Error).message}` };
    }
    if (!st.isFile()) return { ok: false, backups, error: `${file} is not a regular file` };
    if (readConfigBytes(file) !== originalsAt.get(file))
      return { ok: false, backups, error: `${file} changed since it was read: run badgateway fix again` };
    stats.set(file, { mode: Number(st.mode), uid: Number(st.uid), gid: Number(st.gid) });
  }
  // Backups first, all of them, before any file changes.
  try {
    for (const file of changed.keys()) {
      // A dot name: nginx's include globs (glob(3)) never match it, so `include conf.d/*;` does not load it.
      const bak = join(dirname(file), `.${basename(file)}.badgateway-${when}.bak`);
      const st = stats.get(file) as { mode: number; uid: number; gid: number };
      const fd = openSync(
        bak,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        st.mode & 0o777,
      );
      try {
        writeSync(fd, Buffer.from(originalsAt.get(file) as string, "latin1"));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      backups.set(file, bak);
    }
  } catch (e) {
    for (const b of backups.values()) rmSync(b, { force: true });
    return { ok: false, backups: new Map(), error: `cannot write a backup: ${(e as Error).message}` };
  }
  const written: string[] = [];
  const restore = () => {
    for (const f of written)
      atomicWrite(
        f,
        originalsAt.get(f) as string,
        stats.get(f) as { mode: number; uid: number; gid: number },
      );
  };
  try {
    for (const [file, text] of changed) {
      atomicWrite(file, text, stats.get(file) as { mode: number; uid: number; gid: number });
      written.push(file);
    }
  } catch (e) {
    restore();
    return {
      ok: false,
      backups,
      restored: true,
      error: `writing failed, originals restored: ${(e as Error).message}`,
    };
  }
  const t = await nginxTest(run, main);
  if (!t?.ok) {
    restore();
    return {
      ok: false,
      backups,
      restored: true,
      error: `nginx -t failed on the changed configuration${t ? `: ${t.message}` : " (nginx could not be run)"}; the original files were restored`,
    };
  }
  return { ok: true, backups };
}

/** Runs `nginx -s reload` for the configuration. */
export function nginxReload(run: NginxRun, conf: string): Promise<NginxCheck> {
  const args = [...(run.prefix ? ["-p", run.prefix] : []), "-c", conf, "-s", "reload"];
  return new Promise((done) => {
    execFile(run.binary, args, { timeout: 20_000 }, (err, _o, stderr) =>
      done(
        err
          ? { ok: false, message: nginxFailureLine(String(stderr)) ?? err.message }
          : { ok: true, message: "" },
      ),
    );
  });
}

/** A binary string (one character per byte) shown as UTF-8 text. */
export const display = (s: string) => Buffer.from(s, "latin1").toString("utf8");

export function configTexts(
  opts: { nginxT?: string; bundle?: string; config?: string; limits?: Partial<BundleLimits> },
  model: ConfigModel,
): { texts: Map<string, string>; onDisk: boolean; main: string | null; payload: ConfigPayload | null } {
  let dump: string | null = null;
  if (opts.nginxT) dump = readConfigBytes(opts.nginxT);
  else if (opts.bundle && !opts.config) {
    const b = readBundleDir(opts.bundle, { ...DEFAULT_BUNDLE_LIMITS, ...opts.limits });
    if (b.nginxT)
      dump = Buffer.from(
        readBundleText(b.nginxT, DEFAULT_BUNDLE_LIMITS.maxConfigSize, "--max-config-size", "nginx-T.txt"),
        "utf8",
      ).toString("latin1");
  }
  const texts = new Map<string, string>();
  if (dump !== null) for (const [f, t] of splitNginxT(dump)) texts.set(f, t);
  else for (const f of model.files) texts.set(f, readConfigBytes(f));
  const main = model.files[0] ?? null;
  // The same files again with comments, for the `# badgateway-disable-next-line` suppressions of lint.
  let payload: ConfigPayload | null = null;
  if (main && dump === null) payload = loadConfig(main, { comments: true });
  else if (main) {
    const shown = new Map([...texts].map(([f, t]) => [f, display(t)]));
    payload = loadPayload(main, nginxTSource(shown), { comments: true });
  }
  // A bundle is evidence, never the configuration to change: its files are only shown as diffs.
  return { texts, onDisk: dump === null && !opts.bundle, main, payload };
}

/**
 * A `nginx -T` dump named `-` (stdin) or a pipe can be read only once; it is copied into a private temporary
 * file (mode 0600, in a new 0700 directory) that both the diagnosis and the diffs read. Null for a regular file.
 */
export function spoolDump(nginxT: string): { path: string; cleanup: () => void } | null {
  if (nginxT !== "-" && isRegularFile(nginxT)) return null;
  const r = readConfigText(nginxT === "-" ? 0 : nginxT, { allowPipe: true });
  if ("error" in r) throw new Error(`cannot read ${nginxT === "-" ? "stdin" : nginxT}: ${r.error}`);
  const dir = mkdtempSync(join(tmpdir(), "badgateway-fix-dump-"));
  const path = join(dir, "nginx-T.txt");
  writeFileSync(path, r.text, { mode: 0o600, flag: "wx" });
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function isRegularFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return true; // let the reader report why it cannot be read
  }
}
