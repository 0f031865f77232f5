/**
 * Host discovery and evidence bundles: find the running nginx (master process, binary, -c/-p), get its
 * configuration with `nginx -T`, find its logs from that configuration, and write a bundle directory that
 * `diagnose --bundle` reads elsewhere. Written safely (safe-write.ts), streamed, and redacted by default
 * (src/nginx/redact.ts; docs/security.md).
 */
import { spawnSync } from "node:child_process";
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { accessLogs, errorLogs, type LogFormatDef, logFormats } from "../nginx/config/logs.js";
import { buildModel, type ConfigModel, isIpAddress } from "../nginx/config/model.js";
import { compileLogFormat, parseTimeLocal } from "../nginx/logformat.js";
import {
  AccessLineRedactor,
  Pseudonyms,
  type RedactionCounts,
  redactErrorLine,
  redactNginxT,
  scrub,
} from "../nginx/redact.js";
import { loadNginxT, maxConfigBytes, runNginxT } from "./config-loader.js";
import { errorEvidence, summarizeErrorLogs } from "./error-log.js";
import { type InputWarning, isGzipFile, lineBlocks, orderRotated } from "./input.js";
import { BundleFile, checkOutDir, createOutDir } from "./safe-write.js";
import { type BackendOptions, backendStories, incidentPeers } from "./systemd.js";

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
  const src = logSourcesOf(model, inst);
  return { error: src.error, access: src.access.map((a) => a.path) };
}

/** Rotated siblings of a log file (`error.log.1`, `error.log.2.gz`, `error.log-20260101`), oldest first. */
function withRotated(file: string): string[] {
  if (file.includes("$")) return [];
  let names: string[] = [];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  const base = basename(file);
  const out: string[] = [];
  for (const n of names)
    if (n === base || (n.startsWith(base) && /^[.-]\d{1,8}(\.gz)?$/.test(n.slice(base.length))))
      out.push(join(dirname(file), n));
  return orderRotated(out);
}

/** Like logFilesOf, with the log_format each access log is written with. */
export function logSourcesOf(
  model: ConfigModel,
  inst: NginxInstance | null,
): { error: string[]; access: Array<{ path: string; format: LogFormatDef }> } {
  const prefix = inst?.prefix ?? inst?.built.prefix ?? "/etc/nginx";
  const abs = (p: string) => (isAbsolute(p) ? p : join(prefix, p));
  const formats = logFormats(model);
  const combined = formats.get("combined") as LogFormatDef;
  const errors = errorLogs(model).map((e) => abs(e.path));
  const access = accessLogs(model).map((a) => ({
    path: abs(a.path),
    format: formats.get(a.formatName) ?? combined,
  }));
  if (errors.length === 0 && inst?.built.errorLog) errors.push(abs(inst.built.errorLog));
  if (access.length === 0 && inst?.built.accessLog)
    access.push({ path: abs(inst.built.accessLog), format: combined });
  const errorFiles: string[] = [];
  for (const f of new Set(errors))
    for (const r of withRotated(f)) if (!errorFiles.includes(r)) errorFiles.push(r);
  const accessFiles: Array<{ path: string; format: LogFormatDef }> = [];
  const seen = new Set<string>();
  for (const a of access)
    for (const r of withRotated(a.path))
      if (!seen.has(r)) {
        seen.add(r);
        accessFiles.push({ path: r, format: a.format });
      }
  return { error: errorFiles, access: accessFiles };
}

export interface CollectOptions {
  out: string;
  pid?: number;
  redact?: boolean;
  /** Only lines at or after this time (epoch ms); lines without a readable time are kept. */
  since?: number;
  /** Most bytes of one log copied into the bundle (its newest part is kept). Default 2 GiB. */
  maxFileSize?: number;
  /** Largest `nginx -T` output accepted. Default BADGATEWAY_MAX_CONFIG_BYTES or 64 MiB. */
  maxConfigSize?: number;
  /** Told about each file skipped or cut, as it happens. */
  onNotice?: (msg: string) => void;
  /**
   * Add backends.json: the systemd unit behind each failing local peer of the copied error logs and its journal
   * over the incident window (messages redacted like log lines). Default true.
   */
  systemd?: boolean;
  systemdOptions?: BackendOptions;
}

export interface CollectedFile {
  name: string;
  /** The log it was copied from. */
  source: string | null;
  kind: "config" | "error" | "access" | "meta" | "backends";
  lines?: number;
  bytes: number;
  /** Access logs: the log_format they are written with. */
  format?: string;
}

export interface CollectResult {
  out: string;
  nginx: NginxInstance;
  files: string[];
  lines: Record<string, number>;
  /** Logs that were not copied, and why (symbolic link, not a regular file, unreadable). */
  skipped: Array<{ source: string; reason: string }>;
  /** Logs over the size cap: only their newest `keptBytes` were copied. */
  truncated: Array<{ file: string; source: string; keptBytes: number; totalBytes: number }>;
  /** Problems met while reading (damaged gzip…). */
  warnings: string[];
  missing: string[];
  redaction: BundleRedaction | null;
}

export interface BundleRedaction {
  redacted: RedactionCounts;
  distinct: { clientAddress: number; userName: number };
  /** Occurrences named by keyed hash (`ip-h…`) once 100 000 distinct values had numbers. */
  hashedUses: { clientAddress: number; userName: number };
  pseudonyms: string;
  kept: string[];
}

export const DEFAULT_MAX_LOG_BYTES = 2 * 1024 ** 3;

/** What redaction deliberately keeps (bundle.json `redaction.kept`, docs/security.md). */
export const REDACTION_KEEPS = [
  "upstream peer addresses ($upstream_addr, upstream: in error lines, peers written in the configuration): the diagnosis is about them",
  "server names, Host headers and the server's own addresses",
  "URI paths (query-string values are removed, names kept)",
  "auth_basic_user_file and key file paths (their contents are never read)",
  "times, status codes, sizes and timings",
];

/** Time of an error-log line (nginx local time) or of the first `[time_local]` in an access-log line. */
function lineTime(line: string): number | null {
  const e = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) /.exec(line);
  if (e) return new Date(+e[1]!, +e[2]! - 1, +e[3]!, +e[4]!, +e[5]!, +e[6]!).getTime();
  const open = line.indexOf("[");
  if (open < 0 || line[open + 27] !== "]") return null;
  const t = parseTimeLocal(line.slice(open + 1, open + 27));
  return Number.isNaN(t) ? null : t;
}

/** Addresses the configuration names as peers (kept in logs: they are in nginx-T.txt anyway). */
function configPeers(model: ConfigModel): Set<string> {
  const out = new Set<string>();
  const add = (h: string | null) => {
    if (h && isIpAddress(h)) out.add(h.replace(/^\[|\]$/g, "").toLowerCase());
  };
  for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
    for (const s of u.servers) add(s.host);
  for (const p of model.passes) add(p.host);
  return out;
}

interface OpenedSource {
  fd: number;
  size: number;
}

/**
 * Opens a log for reading without following a symlink at its name and without blocking on a FIFO; only a
 * regular file is accepted. Returns the reason otherwise.
 */
function openSource(path: string): OpenedSource | { reason: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") {
      let target = "";
      try {
        target = ` (to ${readlinkSync(path)})`;
      } catch {
        /* gone */
      }
      return { reason: `is a symbolic link${target}; not followed` };
    }
    if (code === "ENOENT") return { reason: "does not exist" };
    if (code === "EACCES" || code === "EPERM") return { reason: "permission denied" };
    return { reason: (e as Error).message };
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    return { reason: st.isFIFO() ? "is a FIFO, not a regular file" : "is not a regular file" };
  }
  if (st.nlink > 1) {
    // Like a symlink, a hard link planted among the logs could be any file of the same filesystem.
    closeSync(fd);
    return { reason: `has ${st.nlink} hard links (could be any file); not copied` };
  }
  return { fd, size: st.size };
}

const PIECE = 64 * 1024;

interface CopyResult {
  lines: number;
  /** Uncompressed bytes of the source. */
  total: number;
  kept: number;
}

/**
 * Streams one log into `dst`: lines in the --since window, redacted, at most the newest `cap` bytes of the
 * source. Memory stays bounded by the reader's block size whatever the size of the log.
 */
async function copyLog(
  spec: string,
  size: number,
  dst: BundleFile,
  redactLine: ((line: string) => string) | null,
  cap: number,
  since: number | undefined,
  warn: (msg: string) => void,
): Promise<CopyResult> {
  const gz = isGzipFile(spec);
  const pass = async (skip: number, limit: number | null): Promise<CopyResult> => {
    let consumed = 0;
    let lines = 0;
    let kept = 0;
    let counting = false;
    const opts = {
      onWarning: (w: InputWarning) => warn(w.message),
      ...(!gz && skip > 0 ? { start: skip } : {}),
    };
    for await (const block of lineBlocks(spec, opts)) {
      const blockStart = consumed;
      consumed += block.length;
      if (counting) continue;
      let i = 0;
      if (gz && skip > 0) {
        if (consumed <= skip) continue;
        if (blockStart < skip) {
          // the first whole line at or after the cut
          const nl = block.indexOf(0x0a, skip - blockStart - 1);
          if (nl < 0) continue;
          i = nl + 1;
        }
      }
      if (limit !== null && consumed > limit) {
        // over the cap: count the rest, then copy again from the right place
        counting = true;
        continue;
      }
      kept += block.length - i;
      if (!redactLine && since === undefined) {
        // nothing to change: copy the bytes as they are
        const body = i > 0 ? block.subarray(i) : block;
        dst.write(body);
        if (body[body.length - 1] !== 0x0a) dst.write("\n");
        for (let k = body.indexOf(0x0a); k >= 0; k = body.indexOf(0x0a, k + 1)) lines++;
        if (body.length > 0 && body[body.length - 1] !== 0x0a) lines++;
        continue;
      }
      // Pieces of about 64 KiB, each decoded once as latin1 (every byte maps to one char and back, so nothing
      // is altered) and written once: little garbage survives a collection, so memory stays flat.
      while (i < block.length) {
        let end = i + PIECE < block.length ? block.indexOf(0x0a, i + PIECE) : block.length;
        end = end < 0 ? block.length : end + 1;
        const text = block.toString("latin1", i, end);
        i = end;
        const out: string[] = [];
        let a = 0;
        while (a < text.length) {
          let b = text.indexOf("\n", a);
          if (b < 0) b = text.length;
          let line = text.slice(a, b);
          a = b + 1;
          if (since !== undefined) {
            const t = lineTime(line);
            if (t !== null && t < since) continue;
          }
          if (redactLine) line = redactLine(line);
          out.push(line);
          lines++;
        }
        if (out.length > 0) dst.write(`${out.join("\n")}\n`);
      }
    }
    return { lines, total: gz ? consumed : size, kept: counting ? -1 : kept };
  };
  if (!gz) {
    const skip = size > cap ? size - cap : 0;
    const r = await pass(skip, null);
    return { lines: r.lines, total: size, kept: r.kept };
  }
  const first = await pass(0, cap);
  if (first.kept >= 0) return first;
  // A compressed log over the cap: start again and keep its newest part.
  dst.reset();
  const total = first.total;
  const second = await pass(total - cap, null);
  return { lines: second.lines, total, kept: second.kept };
}

/**
 * Writes a bundle (nginx-T.txt, error.log*, access.log*, bundle.json) into a new directory, safely: see
 * safe-write.ts. Logs are streamed and redacted line by line; nothing is dropped without a note.
 */
export async function collectBundle(opts: CollectOptions): Promise<CollectResult> {
  const state: { created: string | null } = { created: null };
  try {
    return await writeBundle(opts, state);
  } catch (e) {
    const msg = (e as Error).message;
    if (state.created && !msg.includes("incomplete"))
      throw new Error(`${msg}; the bundle in ${state.created} is incomplete`);
    throw e;
  }
}

async function writeBundle(opts: CollectOptions, state: { created: string | null }): Promise<CollectResult> {
  const cap = opts.maxFileSize ?? DEFAULT_MAX_LOG_BYTES;
  const configCap = opts.maxConfigSize ?? maxConfigBytes();
  const out = checkOutDir(opts.out);
  const inst = discoverNginx(opts.pid);
  if (!inst)
    throw new Error(
      opts.pid ? `no nginx master process with pid ${opts.pid}` : "no running nginx master process found",
    );
  const t = await runNginxT({
    binary: inst.binary,
    ...(inst.conf ? { conf: inst.conf } : {}),
    ...(inst.prefix ? { prefix: inst.prefix } : {}),
    maxBytes: configCap,
  });
  const model = buildModel(loadNginxT(t), inst.version ? { version: inst.version } : {});
  const logs = logSourcesOf(model, inst);
  const p = opts.redact === false ? null : new Pseudonyms();
  const keep = configPeers(model);
  createOutDir(out);
  state.created = out;

  const written: CollectedFile[] = [];
  const lines: Record<string, number> = {};
  const skipped: CollectResult["skipped"] = [];
  const truncated: CollectResult["truncated"] = [];
  const warnings: string[] = [];
  const missing: string[] = [];
  const notice = (m: string) => opts.onNotice?.(m);

  const conf = new BundleFile(out, "nginx-T.txt");
  try {
    conf.write(Buffer.from(p ? redactNginxT(t, p) : t, "utf8"));
  } finally {
    conf.close();
  }
  written.push({ name: "nginx-T.txt", source: null, kind: "config", bytes: conf.bytes });

  const plan: Array<{ kind: "error" | "access"; path: string; format?: LogFormatDef }> = [
    ...logs.error.map((path) => ({ kind: "error" as const, path })),
    ...logs.access.map((a) => ({ kind: "access" as const, path: a.path, format: a.format })),
  ];
  if (logs.error.length === 0) missing.push("no error log found in the configuration");
  if (logs.access.length === 0) missing.push("no access log found in the configuration");
  const counters = { error: 0, access: 0 };
  // Newest first gets the plain name, older ones .1, .2 … (diagnose reads them oldest first).
  for (const item of [
    ...plan.filter((x) => x.kind === "error").reverse(),
    ...plan.filter((x) => x.kind === "access").reverse(),
  ]) {
    const src = openSource(item.path);
    if ("reason" in src) {
      skipped.push({ source: item.path, reason: src.reason });
      notice(`skipped ${item.path}: ${src.reason}`);
      continue;
    }
    const i = counters[item.kind]++;
    const name = `${item.kind}.log${i === 0 ? "" : `.${i}`}`;
    let dst: BundleFile | null = null;
    try {
      dst = new BundleFile(out, name);
      let redactLine: ((l: string) => string) | null = null;
      if (p && item.kind === "error") redactLine = (l) => redactErrorLine(l, p, keep);
      else if (p && item.format) {
        const r = new AccessLineRedactor(
          compileLogFormat({ format: item.format.format, escape: item.format.escape }),
          p,
          keep,
        );
        redactLine = (l) => r.line(l);
      }
      const spec = `/proc/self/fd/${src.fd}`;
      const r = await copyLog(spec, src.size, dst, redactLine, cap, opts.since, (m) => {
        const msg = m.split(spec).join(item.path);
        warnings.push(msg);
        notice(msg);
      });
      dst.close();
      lines[name] = r.lines;
      written.push({
        name,
        source: item.path,
        kind: item.kind,
        lines: r.lines,
        bytes: dst.bytes,
        ...(item.format ? { format: item.format.name } : {}),
      });
      if (r.total > cap) {
        truncated.push({ file: name, source: item.path, keptBytes: r.kept, totalBytes: r.total });
        notice(
          `${item.path} is ${r.total} bytes, over the ${cap}-byte cap (--max-file-size): only its newest ${r.kept} bytes were copied to ${name}`,
        );
      }
    } catch (e) {
      if (dst) {
        try {
          dst.close();
        } catch {
          /* already reported */
        }
      }
      throw e;
    } finally {
      closeSync(src.fd);
    }
  }
  if (opts.systemd !== false && lines["error.log"] !== undefined) {
    const copied = written.filter((f) => f.kind === "error").map((f) => join(out, f.name));
    const summary = await summarizeErrorLogs(copied, {});
    const w = incidentPeers(errorEvidence(summary).groups);
    if (w.peers.length) {
      const found = await backendStories(w.peers, w.sinceMs, w.untilMs, opts.systemdOptions);
      for (const b of found) {
        for (const e of b.journal?.events ?? []) if (p) e.message = scrub(e.message, p, keep);
        for (const q of b.problems) missing.push(`${b.peer}: ${q}`);
      }
      const f = new BundleFile(out, "backends.json");
      try {
        f.writeText(`${JSON.stringify(found, null, 2)}\n`);
      } finally {
        f.close();
      }
      written.push({ name: "backends.json", source: null, kind: "backends", bytes: f.bytes });
    }
  }
  for (const m of missing) notice(m);
  const redaction: BundleRedaction | null = p
    ? {
        redacted: p.counts,
        distinct: p.distinct,
        hashedUses: p.hashedUses,
        pseudonyms:
          "client addresses → ip-N, user names → user-N (stable within this bundle; after 100000 distinct values, ip-h/user-h and a keyed hash); credentials and query-string values → REDACTED",
        kept: REDACTION_KEEPS,
      }
    : null;
  const meta = new BundleFile(out, "bundle.json");
  try {
    meta.writeText(
      `${JSON.stringify(
        {
          collectedAt: new Date().toISOString(),
          nginxVersion: inst.version,
          binary: inst.binary,
          conf: inst.conf,
          prefix: inst.prefix,
          redacted: p !== null,
          redaction,
          since: opts.since ? new Date(opts.since).toISOString() : null,
          maxFileSize: cap,
          sources: { error: logs.error, access: logs.access.map((a) => a.path) },
          files: written,
          skipped,
          truncated,
          warnings,
          missing,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    meta.close();
  }
  written.push({ name: "bundle.json", source: null, kind: "meta", bytes: meta.bytes });
  return {
    out,
    nginx: inst,
    files: written.map((f) => f.name),
    lines,
    skipped,
    truncated,
    warnings,
    missing,
    redaction,
  };
}
