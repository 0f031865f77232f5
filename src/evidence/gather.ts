/**
 * Gathers Evidence for `diagnose` from a bundle directory or from explicit files. Host discovery
 * (running nginx, `nginx -T`, its logs, probes) builds on the same functions.
 */
import { existsSync, readFileSync } from "node:fs";
import { listenPorts } from "../nginx/config/listen.js";
import { formatForAccessLog, logFormats, resolveLogFormat } from "../nginx/config/logs.js";
import { buildModel, type ConfigModel, matchLocation, matchServer } from "../nginx/config/model.js";
import { INGRESS_VARIABLES, ingressRoutes, isIngressConfig } from "../nginx/ingress.js";
import { configVariables } from "../nginx/variables.js";
import { type FormatChoice, summarizeAccessLogs } from "./access-log.js";
import { addBundleBackends, addSystemdBackends } from "./backends.js";
import {
  BundleError,
  type BundleLimits,
  DEFAULT_BUNDLE_LIMITS,
  loadBundleConfig,
  readBundleText,
} from "./bundle.js";
import { type BundleFiles, readBundleDir } from "./bundle-dir.js";
import { addBundleClusterFacts } from "./cluster-facts.js";
import { discoverNginx, logFilesOf } from "./collect.js";
import { loadConfig, loadNginxT, maxConfigBytes, readConfigText, runNginxT } from "./config-loader.js";
import { errorEvidence, summarizeErrorLogs } from "./error-log.js";
import { sniffIngressFormatOf } from "./ingress.js";
import { losesInput } from "./input.js";
import { gatherKubectl, type KubectlOptions } from "./kubectl.js";
import { probeFacts } from "./probes/facts.js";
import { runProbes } from "./probes/run.js";
import { targetsFromModel, workerUserOf } from "./probes/targets.js";
import type { BackendOptions } from "./systemd.js";
import { type Evidence, emptyEvidence, type ProbeFact } from "./types.js";

export interface GatherOptions {
  bundle?: string;
  config?: string;
  nginxT?: string;
  errorLogs?: string[];
  accessLogs?: string[];
  /** A log_format name from the config, or a format string. */
  logFormat?: string;
  /** Epoch ms window. */
  since?: number;
  until?: number;
  probeFile?: string;
  /** Discover the running nginx on this host (nginx -T, its logs) when no inputs are given. */
  host?: boolean;
  pid?: number;
  /** Run live probes against the configuration's upstreams (never for bundles). */
  probe?: boolean;
  /**
   * Look up the systemd unit behind each failing local peer and read its journal over the incident window
   * (default: on in host mode, off otherwise; never for bundles, which carry backends.json instead).
   */
  systemd?: boolean;
  /** Options of the systemd lookup (test roots, timeouts). */
  systemdOptions?: BackendOptions;
  /** Overall deadline of the live probes (default 10 s, see runProbes). */
  probeDeadlineMs?: number;
  onProgress?: (msg: string) => void;
  /** Size caps for files read from a bundle (defaults: DEFAULT_BUNDLE_LIMITS). */
  limits?: Partial<BundleLimits>;
  /** Gather from a Kubernetes cluster running ingress-nginx, through kubectl (see src/evidence/kubectl.ts). */
  kubectl?: KubectlOptions;
}

/** Saved `nginx -T` text (a file, a pipe or `-` for stdin) with the configuration size cap; throws the reason. */
function readSavedNginxT(file: string): string {
  const r = readConfigText(file === "-" ? 0 : file, { allowPipe: true });
  if ("error" in r) throw new Error(`cannot read ${file === "-" ? "stdin" : file}: ${r.error}`);
  return r.text;
}

/** Reads probe facts saved in a bundle (an array of ProbeFact, or `{facts: [...]}`). */
export function readProbeFacts(file: string, cap?: number): ProbeFact[] {
  const text =
    cap === undefined ? readFileSync(file, "utf8") : readBundleText(file, cap, "--max-config-size");
  const data = JSON.parse(text) as unknown;
  const arr = Array.isArray(data) ? data : (data as { facts?: unknown }).facts;
  if (!Array.isArray(arr)) throw new Error(`${file}: expected an array of probe facts`);
  return arr as ProbeFact[];
}

export async function gatherAccess(
  ev: Evidence,
  files: string[],
  opts: GatherOptions,
  /** Format names recorded per file (a bundle's bundle.json), used before guessing from the file name. */
  recorded?: ReadonlyMap<string, string>,
): Promise<void> {
  const present = files.filter((f) => f === "-" || existsSync(f));
  for (const f of files) if (!present.includes(f)) ev.missing.push(`access log ${f} does not exist`);
  if (present.length === 0) return;
  const model = ev.config?.model;
  // Each file is read with the format of the access_log line that writes it (or the one named on the
  // command line): two logs written with different formats are both read in full.
  let formatFor: ((file: string) => FormatChoice) | undefined;
  let defined = model ? configVariables(model) : undefined;
  let sniffedIngress = false;
  // ingress-nginx declares some of its variables from Lua (lua_add_variable, ngx.var): known to its nginx.
  if (model && defined && isIngressConfig(model)) for (const v of INGRESS_VARIABLES) defined.add(v);
  if (opts.logFormat?.includes("$proxy_upstream_name"))
    defined = new Set([...(defined ?? []), ...INGRESS_VARIABLES]);
  if (opts.logFormat?.includes("$")) formatFor = () => ({ format: opts.logFormat as string });
  else if (model) {
    const named = opts.logFormat ? formatForAccessLogNamed(model, opts.logFormat) : null;
    const formats = logFormats(model);
    formatFor = (file) => {
      const rec = recorded?.get(file);
      const def = named ?? (rec ? formats.get(rec) : undefined) ?? formatForAccessLog(model, file);
      return { format: def.format, escape: def.escape, name: def.name };
    };
  } else if (opts.logFormat) formatFor = () => ({ format: opts.logFormat as string });
  else {
    // No format given and none in a configuration: an ingress-nginx log is recognised from its lines.
    const ing = await sniffIngressFormatOf(present);
    sniffedIngress = ing !== null;
    if (ing) {
      formatFor = () => ({ format: ing.format, name: `upstreaminfo (ingress-nginx ${ing.versions})` });
      defined = new Set([...(defined ?? []), ...INGRESS_VARIABLES]);
      ev.warnings.push(
        `read the access log as ingress-nginx's upstreaminfo format (controller ${ing.versions}), recognised from its lines`,
      );
    }
  }
  opts.onProgress?.(`reading access log ${present.join(", ")}`);
  const controllerLog = (opts.logFormat ?? "").includes("$proxy_upstream_name") || sniffedIngress;
  const { ingress: perUpstream, ...summary } = await summarizeAccessLogs(present, {
    ...(formatFor ? { formatFor } : {}),
    // ingress-nginx's per-upstream table, kept in the same read when the format has $proxy_upstream_name
    ingress: "",
    ...(controllerLog || (model && isIngressConfig(model)) ? { controllerLog: true } : {}),
    ...(defined ? { definedVariables: defined } : {}),
    ...(opts.since !== undefined ? { since: opts.since } : {}),
    ...(opts.until !== undefined ? { until: opts.until } : {}),
    onWarning: (w) => {
      ev.warnings.push(w.message);
      if (losesInput(w)) unread(ev, w.message);
    },
  });
  ev.accessLog = summary;
  if (perUpstream && ev.accessLog.format.includes("$proxy_upstream_name") && ev.accessLog.matched > 0) {
    ev.ingress = {
      source: "access-log",
      context: null,
      controller: null,
      access: perUpstream,
      routes: model ? [...ingressRoutes(model).values()] : [],
      services: [],
      pods: [],
      noEndpointWarnings: [],
    };
  }
  if (ev.accessLog.matched === 0 && ev.accessLog.lines > 0)
    ev.warnings.push(
      `none of the ${ev.accessLog.lines} access-log lines matched the log format; pass --log-format NAME or the format string`,
    );
}

/** Notes an input that could not be read in full (diagnose exits 2 for it). */
function unread(ev: Evidence, message: string): void {
  if (ev.unread) ev.unread.push(message);
  else ev.unread = [message];
}

function formatForAccessLogNamed(model: ConfigModel, name: string) {
  return logFormats(model).get(name) ?? null;
}

export { emptyEvidence };

/**
 * For every literal hostname in a *_pass, the peer addresses the error log shows for requests that location
 * handled (nginx logs the address it connected to, not the name).
 */
export function seenAddresses(ev: Evidence): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const model = ev.config?.model;
  if (!model || !ev.errorLog) return out;
  for (const g of ev.errorLog.groups) {
    if (!g.peer || g.peer.startsWith("unix:") || !g.uris[0]) continue;
    const srv = matchServer(model, g.host ?? g.server ?? "");
    const loc = srv ? matchLocation(srv, g.uris[0]) : null;
    if (!loc) continue;
    const ip = g.peer.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
    for (const p of model.passes)
      if (p.location === loc && p.isHostname && p.host) {
        const key = `${p.host.toLowerCase()}:${p.port}`;
        const set = out.get(key) ?? new Set<string>();
        set.add(ip);
        out.set(key, set);
      }
  }
  return out;
}

/** Collects everything the options point at into one Evidence object. Missing pieces are listed, not fatal. */
export async function gatherEvidence(opts: GatherOptions): Promise<Evidence> {
  if (opts.kubectl) {
    const ev = emptyEvidence("kubectl");
    await gatherKubectl(ev, {
      ...opts.kubectl,
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    return ev;
  }
  const ev = emptyEvidence(opts.bundle ? "bundle" : opts.host ? "host" : "files");
  let errorLogs = [...(opts.errorLogs ?? [])];
  let accessLogs = [...(opts.accessLogs ?? [])];
  let configFile = opts.config ?? null;
  let nginxT = opts.nginxT ?? null;
  let probeFile = opts.probeFile ?? null;
  let hostText: string | null = null;
  if (opts.host) {
    opts.onProgress?.("looking for a running nginx");
    const inst = discoverNginx(opts.pid);
    if (!inst) {
      ev.missing.push(
        "no running nginx master process found on this host (give --bundle DIR or --config/--error-log/--access-log)",
      );
      return ev;
    }
    ev.nginxVersion = inst.version;
    try {
      hostText = await runNginxT({
        binary: inst.binary,
        ...(inst.conf ? { conf: inst.conf } : {}),
        ...(inst.prefix ? { prefix: inst.prefix } : {}),
      });
    } catch (e) {
      ev.missing.push(`nginx -T: ${(e as Error).message}`);
      return ev;
    }
    const logs = logFilesOf(buildModel(loadNginxT(hostText)), inst);
    if (errorLogs.length === 0) errorLogs = logs.error;
    if (accessLogs.length === 0) accessLogs = logs.access;
  }
  const limits: BundleLimits = { ...DEFAULT_BUNDLE_LIMITS, maxConfigSize: maxConfigBytes(), ...opts.limits };
  let bundle: BundleFiles | null = null;
  if (opts.bundle) {
    const b = readBundleDir(opts.bundle, limits);
    bundle = b;
    if (errorLogs.length === 0) errorLogs = b.errorLogs;
    if (accessLogs.length === 0) accessLogs = b.accessLogs;
    configFile ??= b.config;
    nginxT ??= b.nginxT;
    probeFile ??= b.probe;
    const v = b.meta?.["nginxVersion"];
    if (typeof v === "string") ev.nginxVersion = v.replace(/^nginx\//, "");
    if (!b.nginxT && !b.config) ev.missing.push(`no nginx-T.txt or nginx.conf in ${opts.bundle}`);
    if (b.errorLogs.length === 0) ev.missing.push(`no error.log in ${opts.bundle}`);
    if (b.accessLogs.length === 0) ev.missing.push(`no access.log in ${opts.bundle}`);
  }
  if (nginxT || configFile || hostText !== null) {
    const what = hostText !== null ? "nginx -T (running nginx)" : (nginxT ?? (configFile as string));
    opts.onProgress?.(`reading configuration ${what}`);
    try {
      // Files that came from the bundle are read under the bundle's rules; files named on the command line are not.
      const bundleT = bundle?.nginxT && nginxT === bundle.nginxT ? bundle.nginxT : null;
      const bundleConf = bundle?.config && configFile === bundle.config ? bundle : null;
      const payload =
        hostText !== null
          ? loadNginxT(hostText)
          : nginxT
            ? loadNginxT(
                bundleT
                  ? readBundleText(bundleT, limits.maxConfigSize, "--max-config-size", "nginx-T.txt")
                  : readSavedNginxT(nginxT),
              )
            : bundleConf
              ? loadBundleConfig(bundleConf.root, what, limits.maxConfigSize)
              : loadConfig(what);
      if (payload.config.length === 0)
        ev.missing.push(`configuration ${what}: ${payload.errors[0]?.error ?? "unreadable"}`);
      else {
        const model = buildModel(payload, ev.nginxVersion ? { version: ev.nginxVersion } : {});
        ev.config = {
          model,
          source: hostText !== null ? what : nginxT ? `${nginxT} (nginx -T)` : what,
          errors: payload.errors.map((e) => ({ file: e.file, line: e.line, message: e.message ?? e.error })),
        };
        ev.warnings.push(...payload.errors.map((e) => e.error));
      }
    } catch (e) {
      if (e instanceof BundleError) throw e;
      ev.missing.push(`configuration ${what}: ${(e as Error).message}`);
    }
  }
  if (!configFile && !nginxT && hostText === null)
    ev.missing.push("configuration (give --config or --nginx-t)");
  // A --log-format naming no format is a usage error before any log is read (UnknownLogFormatError).
  if (opts.logFormat) resolveLogFormat(opts.logFormat, ev.config?.model ?? null);
  if (errorLogs.length) {
    opts.onProgress?.(`reading error log ${errorLogs.join(", ")}`);
    const s = await summarizeErrorLogs(errorLogs, {
      ...(opts.since !== undefined ? { since: opts.since } : {}),
      ...(opts.until !== undefined ? { until: opts.until } : {}),
      onWarning: (w) => {
        ev.warnings.push(w.message);
        if (losesInput(w)) unread(ev, w.message);
      },
    });
    if (s.lines === 0 && s.warnings.length > 0)
      ev.missing.push(`error log ${errorLogs.join(", ")}: nothing could be read`);
    else ev.errorLog = errorEvidence(s);
  } else ev.missing.push("error log (give --error-log)");
  if (accessLogs.length) await gatherAccess(ev, accessLogs, opts, bundle?.accessFormats);
  if (bundle?.kubernetes) addBundleClusterFacts(ev, bundle.kubernetes, limits.maxConfigSize);
  if (opts.probe && !opts.bundle && ev.config) {
    const targets = targetsFromModel(ev.config.model, { capMs: 3000 });
    // Addresses nginx was seen using for hostname targets (from the error log), for the stale-DNS check.
    const seen = seenAddresses(ev);
    for (const t of targets) {
      const ips = t.host ? seen.get(`${t.host.toLowerCase()}:${t.port}`) : undefined;
      if (ips) t.seenAddresses = [...ips];
    }
    if (targets.length) {
      opts.onProgress?.(`probing ${targets.length} upstream(s)`);
      const report = await runProbes(targets, {
        concurrency: 8,
        workerUser: workerUserOf(ev.config.model),
        ownPorts: listenPorts(ev.config.model),
        ...(opts.probeDeadlineMs !== undefined ? { deadlineMs: opts.probeDeadlineMs } : {}),
        onProgress: (done, total) => opts.onProgress?.(`probing upstreams: ${done}/${total} done`),
      });
      ev.probes = probeFacts(report);
      if (report.skipped || report.unfinished)
        ev.warnings.push(
          `live probes stopped at their ${report.deadlineMs} ms deadline: ${report.skipped ?? 0} of ${targets.length} upstream(s) not probed, ${report.unfinished ?? 0} not finished`,
        );
      ev.mode = "host";
    }
  }
  if (bundle?.backends) addBundleBackends(ev, bundle.backends, limits.maxConfigSize);
  else if (!opts.bundle && (opts.systemd ?? opts.host === true))
    await addSystemdBackends(ev, opts.systemdOptions, opts.onProgress);
  if (probeFile) {
    try {
      ev.probes = readProbeFacts(probeFile, bundle?.probe === probeFile ? limits.maxConfigSize : undefined);
    } catch (e) {
      if (e instanceof BundleError) throw e;
      ev.warnings.push((e as Error).message);
    }
  }
  return ev;
}
