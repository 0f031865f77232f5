/**
 * Reads nginx configurations from disk (main file + includes), from saved `nginx -T` output, or by running
 * `nginx -T` on this host (the only program badgateway ever executes for configuration).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import {
  type ConfigPayload,
  type FileSource,
  globSegmentMatcher,
  hasGlob,
  type LoadOptions,
  loadPayload,
  payloadFromNginxT,
} from "../nginx/config/payload.js";

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

export const diskSource: FileSource = {
  read(path) {
    try {
      return { text: readFileSync(path, "utf8") };
    } catch (e) {
      return { error: errnoText(e) };
    }
  },
  glob: globFiles,
};

/** Loads a configuration from disk, following includes (relative paths against the main file's directory). */
export function loadConfig(mainFile: string, opts: LoadOptions = {}): ConfigPayload {
  return loadPayload(mainFile, diskSource, opts);
}

/** Loads the text of `nginx -T` (all files are in the text; nothing is read from disk). */
export function loadNginxT(text: string, opts: LoadOptions = {}): ConfigPayload {
  return payloadFromNginxT(text, opts);
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
    execFile(
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
