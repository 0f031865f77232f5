/**
 * Reads nginx configurations from disk (main file + includes), from saved `nginx -T` output, or by running
 * `nginx -T` on this host (the only program badgateway ever executes for configuration).
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import {
  type ConfigPayload,
  type FileSource,
  globToRegExp,
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

/** Expands a glob on disk one path segment at a time, sorted like nginx (ngx_read_glob uses sorted glob()). */
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
      const re = globToRegExp(seg);
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        names = [];
      }
      for (const n of names.sort()) if (!n.startsWith(".") && re.test(n)) next.push(join(n));
    }
    current = next;
  }
  return current.filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
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

/** Runs `nginx -T` (binary from PATH or /usr/sbin) and returns its output. Never runs anything else. */
export function runNginxT(
  opts: { binary?: string; timeoutMs?: number; conf?: string; prefix?: string } = {},
): Promise<string> {
  const bin = opts.binary ?? "nginx";
  const args = ["-T", ...(opts.prefix ? ["-p", opts.prefix] : []), ...(opts.conf ? ["-c", opts.conf] : [])];
  return new Promise((resolve, reject) => {
    execFile(
      bin,
      args,
      {
        timeout: opts.timeoutMs ?? 15_000,
        maxBuffer: 256 << 20,
        env: { ...process.env, PATH: `${process.env["PATH"] ?? ""}:/usr/sbin:/usr/local/sbin:/sbin` },
      },
      (err, stdout, stderr) => {
        if (err) {
          const e = err as NodeJS.ErrnoException;
          reject(
            new Error(
              e.code === "ENOENT"
                ? `cannot run ${bin} -T: nginx is not installed or not on PATH`
                : `${bin} -T failed: ${String(stderr).trim().split("\n").pop() ?? e.message}`,
            ),
          );
          return;
        }
        resolve(stdout);
      },
    );
  });
}
