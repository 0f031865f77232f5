/**
 * Which files `watch` (and `logs --follow`/`access --follow`) follow, from the same inputs as `diagnose`:
 * explicit `--error-log`/`--access-log`, the logs named by `--config`/`--nginx-t`, or, with none of these, the
 * running nginx found on this host (`nginx -T`). Only live logs are followed: rotated siblings and `.gz` files
 * are not.
 */
import { isAbsolute, join } from "node:path";
import {
  accessLogs,
  errorLogs,
  formatForAccessLog,
  type LogFormatDef,
  resolveLogFormat,
} from "../nginx/config/logs.js";
import { buildModel, type ConfigModel } from "../nginx/config/model.js";
import { stubStatusUrl } from "../nginx/config/stub-status.js";
import { COMBINED_FORMAT } from "../nginx/logformat.js";
import { discoverNginx } from "./collect.js";
import { loadConfig, loadNginxT, readConfigText, runNginxT } from "./config-loader.js";

export interface WatchSourceOptions {
  config?: string;
  nginxT?: string;
  errorLogs?: string[];
  accessLogs?: string[];
  /** A log_format name or a format string (resolveLogFormat). */
  logFormat?: string;
  pid?: number;
}

export interface WatchSources {
  model: ConfigModel | null;
  /** Where the configuration came from, for the diagnosis. */
  configSource: string | null;
  errorLogs: string[];
  accessLogs: Array<{ path: string; format: LogFormatDef }>;
  /** The configuration's stub_status URL (null when it has none, or without a configuration). */
  stubStatus: string | null;
  /** Why something named could not be followed (variables in paths, an unreadable configuration…). */
  notes: string[];
}

const COMBINED: LogFormatDef = {
  name: "combined",
  format: COMBINED_FORMAT,
  escape: "default",
  directive: null,
};

/** Resolves the inputs; throws a one-line reason when nothing can be watched. */
export async function watchSources(opts: WatchSourceOptions): Promise<WatchSources> {
  const notes: string[] = [];
  let model: ConfigModel | null = null;
  let configSource: string | null = null;
  let prefix = "/etc/nginx";
  const explicit = Boolean(opts.config || opts.nginxT || opts.errorLogs?.length || opts.accessLogs?.length);
  if (opts.config || opts.nginxT) {
    const payload = opts.nginxT
      ? (() => {
          const r = readConfigText(opts.nginxT === "-" ? 0 : (opts.nginxT as string), { allowPipe: true });
          if ("error" in r) throw new Error(`cannot read ${opts.nginxT}: ${r.error}`);
          return loadNginxT(r.text);
        })()
      : loadConfig(opts.config as string);
    configSource = opts.nginxT ? `${opts.nginxT} (nginx -T)` : (opts.config as string);
    if (payload.config.length === 0)
      throw new Error(
        `cannot read the configuration ${configSource}: ${payload.errors[0]?.error ?? "unreadable"}`,
      );
    model = buildModel(payload);
  } else if (!explicit) {
    const inst = discoverNginx(opts.pid);
    if (!inst)
      throw new Error(
        "no running nginx found on this host: give --config FILE, or --error-log/--access-log files",
      );
    const text = await runNginxT({
      binary: inst.binary,
      ...(inst.conf ? { conf: inst.conf } : {}),
      ...(inst.prefix ? { prefix: inst.prefix } : {}),
    });
    model = buildModel(loadNginxT(text));
    configSource = "nginx -T (running nginx)";
    prefix = inst.prefix ?? inst.built.prefix ?? prefix;
  }
  // A --log-format naming no format is a usage error before anything is followed (UnknownLogFormatError).
  const named = opts.logFormat ? resolveLogFormat(opts.logFormat, model) : null;
  const abs = (p: string) => (isAbsolute(p) ? p : join(prefix, p));
  const live = (p: string, kind: string) => {
    if (p.includes("$")) {
      notes.push(`${kind} ${p}: the path has variables; give the files with --${kind}`);
      return false;
    }
    return true;
  };
  let errs = opts.errorLogs?.length ? [...opts.errorLogs] : [];
  let acc: Array<{ path: string; format: LogFormatDef }> = (opts.accessLogs ?? []).map((path) => ({
    path,
    format: named ?? (model ? formatForAccessLog(model, path) : COMBINED),
  }));
  if (model && !opts.errorLogs?.length && !opts.accessLogs?.length) {
    errs = errorLogs(model)
      .map((e) => e.path)
      .filter((p) => live(p, "error-log"))
      .map(abs);
    acc = accessLogs(model)
      .filter((a) => live(a.path, "access-log"))
      .map((a) => ({ path: abs(a.path), format: named ?? formatForAccessLog(model as ConfigModel, a.path) }));
  }
  const errorFiles = [...new Set(errs)];
  const seen = new Set<string>();
  const accessFiles = acc.filter((a) => !seen.has(a.path) && seen.add(a.path));
  if (errorFiles.length === 0 && accessFiles.length === 0)
    throw new Error(
      `no log to follow${configSource ? ` in ${configSource}` : ""}: give --error-log and/or --access-log`,
    );
  return {
    model,
    configSource,
    errorLogs: errorFiles,
    accessLogs: accessFiles,
    stubStatus: model ? stubStatusUrl(model) : null,
    notes,
  };
}
