/**
 * Host discovery and evidence bundles: find the running nginx (master process, binary, -c/-p), get its
 * configuration with `nginx -T`, find its logs from that configuration, and write a bundle directory that
 * `diagnose --bundle` reads elsewhere. Client addresses and query strings are redacted by default.
 */
import { spawnSync } from "node:child_process";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";
import { accessLogs, errorLogs } from "../nginx/config/logs.js";
import { buildModel, type ConfigModel } from "../nginx/config/model.js";
import { loadNginxT, runNginxT } from "./config-loader.js";
import { isGzipFile, orderRotated } from "./input.js";

export interface NginxInstance {
  pid: number;
  binary: string;
  conf: string | null;
  prefix: string | null;
  version: string | null;
  /** Paths compiled into the binary (nginx -V). */
  built: {
    prefix: string | null;
    confPath: string | null;
    errorLog: string | null;
    accessLog: string | null;
  };
}

function arg(argv: string[], flag: string): string | null {
  const i = argv.indexOf(flag);
  return i >= 0 ? (argv[i + 1] ?? null) : null;
}

/** Finds the running nginx master (or the given pid) from /proc. */
export function discoverNginx(pid?: number, procRoot = "/proc"): NginxInstance | null {
  let master = pid ?? null;
  if (master === null) {
    for (const d of readdirSync(procRoot).filter((x) => /^\d+$/.test(x))) {
      try {
        if (readFileSync(`${procRoot}/${d}/cmdline`, "utf8").startsWith("nginx: master process")) {
          master = Number(d);
          break;
        }
      } catch {
        /* gone */
      }
    }
  }
  if (master === null) return null;
  let cmd: string;
  let binary: string;
  try {
    cmd = readFileSync(`${procRoot}/${master}/cmdline`, "utf8").replace(/\0/g, " ").trim();
    binary = readlinkSync(`${procRoot}/${master}/exe`);
  } catch {
    return null;
  }
  // "nginx: master process /usr/sbin/nginx -p /tmp/x -c /tmp/x/nginx.conf -g daemon off;"
  const argv = cmd.replace(/^nginx: master process\s*/, "").split(/\s+/);
  // nginx -V writes to stderr
  const vr = spawnSync(binary, ["-V"], { encoding: "utf8", timeout: 5000 });
  const v = `${vr.stdout ?? ""}${vr.stderr ?? ""}`;
  const opt = (name: string) => new RegExp(`--${name}=(\\S+)`).exec(v)?.[1] ?? null;
  return {
    pid: master,
    binary,
    conf: arg(argv, "-c"),
    prefix: arg(argv, "-p"),
    version: /nginx\/(\S+)/.exec(v)?.[1] ?? null,
    built: {
      prefix: opt("prefix"),
      confPath: opt("conf-path"),
      errorLog: opt("error-log-path"),
      accessLog: opt("http-log-path"),
    },
  };
}

/** Log files of a configuration (relative paths against the prefix), with their rotated siblings. */
export function logFilesOf(
  model: ConfigModel,
  inst: NginxInstance | null,
): { error: string[]; access: string[] } {
  const prefix = inst?.prefix ?? inst?.built.prefix ?? "/etc/nginx";
  const abs = (p: string) => (isAbsolute(p) ? p : join(prefix, p));
  const errors = errorLogs(model).map((e) => abs(e.path));
  const access = accessLogs(model).map((a) => abs(a.path));
  if (errors.length === 0 && inst?.built.errorLog) errors.push(abs(inst.built.errorLog));
  if (access.length === 0 && inst?.built.accessLog) access.push(abs(inst.built.accessLog));
  const withRotated = (files: string[]) => {
    const out = new Set<string>();
    for (const f of files) {
      if (f.includes("$")) continue;
      let names: string[] = [];
      try {
        names = readdirSync(dirname(f));
      } catch {
        continue;
      }
      const base = basename(f);
      for (const n of names)
        if (
          n === base ||
          new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[.-]\\d{1,8}(\\.gz)?$`).test(n)
        )
          out.add(join(dirname(f), n));
    }
    return orderRotated([...out]);
  };
  return { error: withRotated([...new Set(errors)]), access: withRotated([...new Set(access)]) };
}

/** Consistent pseudonyms for client addresses. */
export class Redactor {
  private readonly map = new Map<string, string>();
  client(addr: string): string {
    let v = this.map.get(addr);
    if (!v) {
      const n = this.map.size + 1;
      v = addr.includes(":") ? `fd00::c:${n.toString(16)}` : `10.255.${(n >> 8) & 255}.${n & 255}`;
      this.map.set(addr, v);
    }
    return v;
  }
  /** Error-log line: `client: ADDR` and query strings in `request:`/`upstream:`/`referrer:`. */
  errorLine(line: string): string {
    return line
      .replace(/, client: ([0-9a-fA-F:.]{2,45})/, (_m, a: string) => `, client: ${this.client(a)}`)
      .replace(/(\?)[^\s"]{1,4096}/g, "$1REDACTED");
  }
  /** Access-log line: a leading client address, and query strings. */
  accessLine(line: string): string {
    return line
      .replace(/^([0-9a-fA-F:.]{2,45})(?= )/, (a) => this.client(a))
      .replace(/(\?)[^\s"]{1,4096}/g, "$1REDACTED");
  }
}

export interface CollectOptions {
  out: string;
  pid?: number;
  redact?: boolean;
  /** Only lines at or after this time (epoch ms); lines without a readable time are kept. */
  since?: number;
}

export interface CollectResult {
  out: string;
  nginx: NginxInstance;
  files: string[];
  lines: Record<string, number>;
  missing: string[];
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
function lineTime(line: string): number | null {
  const e = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) /.exec(line);
  if (e) return new Date(+e[1]!, +e[2]! - 1, +e[3]!, +e[4]!, +e[5]!, +e[6]!).getTime();
  const a = /\[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\]/.exec(line);
  if (a) {
    const utc = Date.UTC(+a[3]!, MONTHS[a[2]!] ?? 0, +a[1]!, +a[4]!, +a[5]!, +a[6]!);
    const off = (+a[8]! * 60 + +a[9]!) * (a[7] === "-" ? -1 : 1);
    return utc - off * 60000;
  }
  return null;
}

async function copyLog(
  src: string,
  dst: string,
  kind: "error" | "access",
  r: Redactor | null,
  since?: number,
): Promise<number> {
  const input = isGzipFile(src) ? createReadStream(src).pipe(createGunzip()) : createReadStream(src);
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const out: string[] = [];
  let n = 0;
  try {
    for await (const line of rl) {
      if (since !== undefined) {
        const t = lineTime(line);
        if (t !== null && t < since) continue;
      }
      out.push(r ? (kind === "error" ? r.errorLine(line) : r.accessLine(line)) : line);
      n++;
    }
  } catch {
    /* truncated gzip: keep what was read */
  }
  writeFileSync(dst, out.length ? `${out.join("\n")}\n` : "");
  return n;
}

/** Writes a bundle (nginx-T.txt, error.log*, access.log*, bundle.json) into an empty or new directory. */
export async function collectBundle(opts: CollectOptions): Promise<CollectResult> {
  if (existsSync(opts.out) && readdirSync(opts.out).length > 0)
    throw new Error(`${opts.out} exists and is not empty`);
  const inst = discoverNginx(opts.pid);
  if (!inst)
    throw new Error(
      opts.pid ? `no nginx master process with pid ${opts.pid}` : "no running nginx master process found",
    );
  const t = await runNginxT({
    binary: inst.binary,
    ...(inst.conf ? { conf: inst.conf } : {}),
    ...(inst.prefix ? { prefix: inst.prefix } : {}),
  });
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "nginx-T.txt"), t);
  const model = buildModel(loadNginxT(t), inst.version ? { version: inst.version } : {});
  const logs = logFilesOf(model, inst);
  const redactor = opts.redact === false ? null : new Redactor();
  const files = ["nginx-T.txt"];
  const lines: Record<string, number> = {};
  const missing: string[] = [];
  for (const [kind, list] of [
    ["error", logs.error],
    ["access", logs.access],
  ] as const) {
    if (list.length === 0) missing.push(`no ${kind} log found in the configuration`);
    // newest first gets the plain name, older ones .1, .2 … (read in that order by diagnose)
    const newestFirst = [...list].reverse();
    for (const [i, src] of newestFirst.entries()) {
      const name = `${kind}.log${i === 0 ? "" : `.${i}`}`;
      try {
        lines[name] = await copyLog(src, join(opts.out, name), kind, redactor, opts.since);
        files.push(name);
      } catch (e) {
        missing.push(`${src}: ${(e as Error).message}`);
      }
    }
  }
  writeFileSync(
    join(opts.out, "bundle.json"),
    `${JSON.stringify({ collectedAt: new Date().toISOString(), nginxVersion: inst.version, binary: inst.binary, conf: inst.conf, prefix: inst.prefix, redacted: redactor !== null, since: opts.since ? new Date(opts.since).toISOString() : null, sources: logs, missing }, null, 2)}\n`,
  );
  files.push("bundle.json");
  return { out: opts.out, nginx: inst, files, lines, missing };
}
