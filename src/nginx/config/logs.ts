/**
 * Where a configuration writes its logs and in which format: `log_format` definitions and the
 * `access_log` / `error_log` directives in effect (pure; paths are returned as written).
 */
import { COMBINED_FORMAT, type LogEscape } from "../logformat.js";
import { type ConfigModel, type Directive, findDirectives } from "./model.js";

export interface LogFormatDef {
  name: string;
  format: string;
  escape: LogEscape;
  directive: Directive | null;
}

export interface AccessLogDef {
  path: string;
  formatName: string;
  directive: Directive;
}

/** nginx unescapes \n, \t, \r and \\ inside quoted arguments; the parser keeps them as written. */
function unescapeConfString(s: string): string {
  return s.replace(/\\([ntr\\])/g, (_, c: string) =>
    c === "n" ? "\n" : c === "t" ? "\t" : c === "r" ? "\r" : "\\",
  );
}

/** Every log_format of the configuration by name, plus the built-in `combined`. */
export function logFormats(model: ConfigModel): Map<string, LogFormatDef> {
  const out = new Map<string, LogFormatDef>([
    ["combined", { name: "combined", format: COMBINED_FORMAT, escape: "default", directive: null }],
  ]);
  for (const { directive: d } of findDirectives(model, "log_format")) {
    const words = [...d.args];
    const name = words.shift();
    if (!name) continue;
    let esc: LogEscape = "default";
    if (words[0]?.startsWith("escape=")) esc = (words.shift() as string).slice(7) as LogEscape;
    out.set(name, { name, format: words.map(unescapeConfString).join(""), escape: esc, directive: d });
  }
  return out;
}

/** access_log directives that write a file (not `off`, not syslog:). */
export function accessLogs(model: ConfigModel): AccessLogDef[] {
  const out: AccessLogDef[] = [];
  for (const { directive: d } of findDirectives(model, "access_log")) {
    const path = d.args[0];
    if (!path || path === "off" || path.startsWith("syslog:")) continue;
    out.push({
      path,
      formatName: d.args[1] && !d.args[1].includes("=") ? d.args[1] : "combined",
      directive: d,
    });
  }
  return out;
}

/** error_log files (not syslog:, not stderr, not memory:). */
export function errorLogs(
  model: ConfigModel,
): Array<{ path: string; level: string | null; directive: Directive }> {
  const out: Array<{ path: string; level: string | null; directive: Directive }> = [];
  for (const { directive: d } of findDirectives(model, "error_log")) {
    const path = d.args[0];
    if (!path || path.startsWith("syslog:") || path === "stderr" || path.startsWith("memory:")) continue;
    out.push({ path, level: d.args[1] ?? null, directive: d });
  }
  return out;
}

/**
 * The format to read an access log with: the format of the access_log whose file name matches,
 * else the first access_log format that records $upstream_addr, else combined.
 */
export function formatForAccessLog(model: ConfigModel, file: string): LogFormatDef {
  const formats = logFormats(model);
  const logs = accessLogs(model);
  const base = (p: string) => p.slice(p.lastIndexOf("/") + 1).replace(/(\.\d+)?(\.gz)?$/, "");
  const byName =
    logs.find((l) => base(l.path) === base(file)) ??
    logs.find((l) => formats.get(l.formatName)?.format.includes("$upstream_addr"));
  const upstreamFormat = [...formats.values()].find((f) => f.format.includes("$upstream_addr"));
  return (
    (byName && formats.get(byName.formatName)) ?? upstreamFormat ?? (formats.get("combined") as LogFormatDef)
  );
}

/** A `--log-format` value that names no format the configuration (or the command line) defines. */
export class UnknownLogFormatError extends Error {
  constructor(
    readonly spec: string,
    readonly known: string[],
  ) {
    super(
      `unknown log format '${spec}' (known: ${known.join(", ")}); give a log_format name or the format string itself`,
    );
    this.name = "UnknownLogFormatError";
  }
}

/**
 * What a `--log-format` value means, the same for every command: a value containing `$` is the format itself
 * (escape=default); otherwise it names a format — `combined`, a `log_format` of `model`, or one of `extra`
 * (e.g. `--define-format NAME=FORMAT`, which wins over the configuration). A name defined nowhere throws
 * UnknownLogFormatError naming the known ones.
 */
export function resolveLogFormat(
  spec: string,
  model: ConfigModel | null,
  extra: Iterable<[string, { format: string; escape: LogEscape }]> = [],
): LogFormatDef {
  if (spec.includes("$")) return { name: "", format: spec, escape: "default", directive: null };
  const formats = model
    ? logFormats(model)
    : new Map<string, LogFormatDef>([
        ["combined", { name: "combined", format: COMBINED_FORMAT, escape: "default", directive: null }],
      ]);
  for (const [name, def] of extra) formats.set(name, { name, ...def, directive: null });
  const hit = formats.get(spec);
  if (!hit) throw new UnknownLogFormatError(spec, [...formats.keys()]);
  return hit;
}
