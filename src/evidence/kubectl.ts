/**
 * Evidence from a Kubernetes cluster running ingress-nginx, through `kubectl` (the only program run here:
 * `execFile` with argument arrays, never a shell; every call has a timeout and an output cap; read-only verbs
 * only — get, logs, exec … nginx -T).
 *
 * 1. the controller pods (`get pods -l <selector>`), 2. their logs (`logs --limit-bytes`), split into nginx
 * error lines, access lines and the controller's own klog lines, 3. the generated configuration
 * (`exec … -- nginx -T`), 4. for each Service behind a failing upstream name: its EndpointSlices (Endpoints on
 * clusters without them) and the pods of its namespace, so a failing pod address can be named — or found to
 * belong to no pod any more.
 */
import { execFile, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { logFormats } from "../nginx/config/logs.js";
import { buildModel } from "../nginx/config/model.js";
import {
  detectIngressFormat,
  INGRESS_VARIABLES,
  ingressRoutes,
  isKlogLine,
  noEndpointWarning,
  parseUpstreamName,
} from "../nginx/ingress.js";
import { summarizeAccessLogs } from "./access-log.js";
import { loadNginxT } from "./config-loader.js";
import { errorEvidence, summarizeErrorLogs } from "./error-log.js";
import { summarizeIngressAccess } from "./ingress.js";
import { lines } from "./input.js";
import type { Evidence, IngressEvidence, K8sEndpoint, K8sPod, K8sService } from "./types.js";

export interface KubectlOptions {
  /** Namespace of the controller pods (default: all namespaces). */
  namespace?: string;
  context?: string;
  /** Label selector of the controller pods. */
  selector?: string;
  /** Epoch ms: logs since then (`--since-time`). */
  since?: number;
  until?: number;
  /** Per call, ms (default 20 s). */
  timeoutMs?: number;
  /** Log bytes read per controller pod (default 64 MiB). */
  maxLogBytes?: number;
  /** Without `since`: the newest lines read per controller pod (default 200 000). */
  tailLines?: number;
  onProgress?: (msg: string) => void;
}

/** A DNS-1123 name, as a namespace given on the command line must be. */
export function isK8sName(s: string): boolean {
  return K8S_NAME.test(s);
}

export const DEFAULT_SELECTOR = "app.kubernetes.io/name=ingress-nginx,app.kubernetes.io/component=controller";
const MAX_PODS = 5;
const DEFAULT_TAIL_LINES = 200_000;
/** Addresses kept per Service (a failing address is looked up among them). */
const MAX_ENDPOINTS = 5000;
const MAX_SERVICES = 20;
const MAX_NAMESPACES = 10;
/** JSON answers (pod lists, EndpointSlices) are capped too. */
const MAX_JSON_BYTES = 64 << 20;

/** The head of a line nginx writes to its error log. */
const ERROR_HEAD = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/;

/** A DNS-1123 name as Kubernetes allows for namespaces, Services and pods (never an option to kubectl). */
const K8S_NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;

export class KubectlError extends Error {}

/** "get pods", "logs POD", "exec POD": the verb and its object, for messages. */
function describeCall(args: string[]): string {
  return args
    .filter((a) => !a.startsWith("-"))
    .slice(0, 2)
    .join(" ");
}

interface Run {
  stdout: string;
  stderr: string;
}

/** Runs kubectl with `args` (after the global options); rejects with a one-line KubectlError. */
export function runKubectl(args: string[], opts: KubectlOptions, maxBytes = MAX_JSON_BYTES): Promise<Run> {
  const global = [...(opts.context ? ["--context", opts.context] : [])];
  const timeout = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    execFile(
      process.env["BADGATEWAY_KUBECTL"] ?? "kubectl",
      [...global, ...args],
      { timeout, maxBuffer: maxBytes, encoding: "utf8", windowsHide: true },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null };
        const what = `kubectl ${describeCall(args)}`;
        if (e.code === "ENOENT")
          return reject(
            new KubectlError(
              "kubectl not found on PATH (install it, or give the logs with --access-log/--error-log)",
            ),
          );
        if (e.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER")
          return reject(new KubectlError(`${what}: more than ${maxBytes} bytes of output`));
        if (e.killed || e.signal === "SIGTERM")
          return reject(new KubectlError(`${what}: no answer within ${Math.round(timeout / 1000)} s`));
        const line = stderr.split("\n").find((l) => l.trim() !== "") ?? e.message.split("\n")[0] ?? "failed";
        reject(new KubectlError(`${what}: ${line.trim()}`));
      },
    );
  });
}

/**
 * Runs kubectl with its stdout written straight into `file` (created 0600, never through an existing path):
 * for logs, which may be large. The output is capped by the command's own `--limit-bytes`.
 */
export function kubectlToFile(args: string[], file: string, opts: KubectlOptions): Promise<void> {
  const global = [...(opts.context ? ["--context", opts.context] : [])];
  const timeout = opts.timeoutMs ?? 20_000;
  const what = `kubectl ${describeCall(args)}`;
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(file, "wx", 0o600);
    } catch (e) {
      reject(new KubectlError(`${what}: cannot write a temporary file: ${(e as Error).message}`));
      return;
    }
    const child = spawn(process.env["BADGATEWAY_KUBECTL"] ?? "kubectl", [...global, ...args], {
      stdio: ["ignore", fd, "pipe"],
      windowsHide: true,
    });
    let stderr = "";
    let timedOut = false;
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 65536) stderr += d.toString("utf8");
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
    }, timeout);
    const done = (err: KubectlError | null) => {
      clearTimeout(timer);
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      if (err) reject(err);
      else resolve();
    };
    child.once("error", (e: NodeJS.ErrnoException) =>
      done(
        new KubectlError(
          e.code === "ENOENT"
            ? "kubectl not found on PATH (install it, or give the logs with --access-log/--error-log)"
            : `${what}: ${e.message}`,
        ),
      ),
    );
    child.once("close", (code) => {
      if (timedOut)
        return done(new KubectlError(`${what}: no answer within ${Math.round(timeout / 1000)} s`));
      if (code === 0) return done(null);
      const line = stderr.split("\n").find((l) => l.trim() !== "") ?? `exit code ${code}`;
      done(new KubectlError(`${what}: ${line.trim()}`));
    });
  });
}

async function getJson(args: string[], opts: KubectlOptions): Promise<Record<string, unknown>> {
  const r = await runKubectl([...args, "-o", "json"], opts);
  try {
    return JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new KubectlError(`kubectl ${describeCall(args)}: the answer is not JSON`);
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

/** Pods of a `kubectl get pods -o json` answer. */
export function podsFromJson(data: unknown): K8sPod[] {
  return arr(obj(data)["items"]).map((it) => {
    const md = obj(obj(it)["metadata"]);
    const st = obj(obj(it)["status"]);
    const ready = arr(st["conditions"]).some(
      (c) => obj(c)["type"] === "Ready" && obj(c)["status"] === "True",
    );
    return {
      namespace: str(md["namespace"]) ?? "",
      name: str(md["name"]) ?? "",
      ip: str(st["podIP"]),
      phase: str(st["phase"]),
      ready,
      deleting: str(md["deletionTimestamp"]) !== null,
      node: str(obj(obj(it)["spec"])["nodeName"]),
      restarts: arr(st["containerStatuses"]).reduce<number>(
        (n, c) => n + (typeof obj(c)["restartCount"] === "number" ? (obj(c)["restartCount"] as number) : 0),
        0,
      ),
    };
  });
}

/** Addresses of an EndpointSlice list (`conditions.ready` absent counts as ready, as the API defines it). */
export function endpointsFromSlices(data: unknown): K8sEndpoint[] {
  const out: K8sEndpoint[] = [];
  for (const slice of arr(obj(data)["items"]))
    for (const e of arr(obj(slice)["endpoints"])) {
      const c = obj(obj(e)["conditions"]);
      const ref = obj(obj(e)["targetRef"]);
      for (const a of arr(obj(e)["addresses"])) {
        if (typeof a !== "string") continue;
        out.push({
          ip: a,
          ready: c["ready"] !== false,
          terminating: c["terminating"] === true,
          pod: ref["kind"] === "Pod" ? str(ref["name"]) : null,
          node: str(obj(e)["nodeName"]),
        });
      }
    }
  return out;
}

/** Addresses of a core/v1 Endpoints object (addresses are ready, notReadyAddresses are not). */
export function endpointsFromEndpoints(data: unknown): K8sEndpoint[] {
  const out: K8sEndpoint[] = [];
  for (const s of arr(obj(data)["subsets"]))
    for (const [key, ready] of [
      ["addresses", true],
      ["notReadyAddresses", false],
    ] as const)
      for (const a of arr(obj(s)[key])) {
        const ip = str(obj(a)["ip"]);
        if (!ip) continue;
        const ref = obj(obj(a)["targetRef"]);
        out.push({
          ip,
          ready,
          terminating: false,
          pod: ref["kind"] === "Pod" ? str(ref["name"]) : null,
          node: str(obj(a)["nodeName"]),
        });
      }
  return out;
}

/** Every (namespace, Service) split of `namespace-service-port`, the first-segment namespace first. */
export function splitsOf(name: string): Array<{ namespace: string; service: string }> {
  const parts = name.split("-");
  const out: Array<{ namespace: string; service: string }> = [];
  for (let k = 1; k <= parts.length - 2; k++)
    out.push({ namespace: parts.slice(0, k).join("-"), service: parts.slice(k, -1).join("-") });
  return out;
}

/**
 * A Service's addresses now: its EndpointSlices, else (clusters without them, or no permission) its Endpoints.
 * `exists` is false when the cluster does not know the Service (no slice, Endpoints not found).
 */
async function lookupService(
  namespace: string,
  service: string,
  opts: KubectlOptions,
): Promise<{ svc: K8sService; exists: boolean }> {
  const svc: K8sService = { namespace, name: service, source: null, endpoints: [] };
  let first: Error;
  try {
    const data = await getJson(
      ["get", "endpointslices", "-n", namespace, "-l", `kubernetes.io/service-name=${service}`],
      opts,
    );
    svc.source = "endpointslices";
    svc.endpoints = endpointsFromSlices(data).slice(0, MAX_ENDPOINTS);
    return { svc, exists: arr(obj(data)["items"]).length > 0 };
  } catch (e) {
    first = e as Error;
  }
  try {
    const data = await getJson(["get", "endpoints", service, "-n", namespace], opts);
    svc.source = "endpoints";
    svc.endpoints = endpointsFromEndpoints(data).slice(0, MAX_ENDPOINTS);
    return { svc, exists: true };
  } catch (e2) {
    svc.error = `${first.message}; ${(e2 as Error).message}`;
    return { svc, exists: false };
  }
}

/** Fills `ev` (configuration, error log, access log, ingress) from the cluster. Problems go to ev.missing. */
export async function gatherKubectl(ev: Evidence, opts: KubectlOptions): Promise<void> {
  const ing: IngressEvidence = {
    source: "kubectl",
    context: opts.context ?? null,
    controller: null,
    access: null,
    routes: [],
    services: [],
    pods: [],
    noEndpointWarnings: [],
  };
  ev.ingress = ing;
  const selector = opts.selector ?? DEFAULT_SELECTOR;
  opts.onProgress?.("kubectl: looking for the ingress-nginx controller pods");
  let pods: K8sPod[];
  let podJson: Obj;
  try {
    podJson = await getJson(
      ["get", "pods", ...(opts.namespace ? ["-n", opts.namespace] : ["-A"]), "-l", selector],
      opts,
    );
    pods = podsFromJson(podJson);
  } catch (e) {
    ev.missing.push((e as Error).message);
    return;
  }
  const running = pods.filter(
    (p) => p.phase === "Running" && K8S_NAME.test(p.name) && K8S_NAME.test(p.namespace),
  );
  if (running.length === 0) {
    ev.missing.push(
      `no running ingress-nginx controller pod matches -l ${selector}${opts.namespace ? ` in namespace ${opts.namespace}` : ""} (give --selector or --namespace)`,
    );
    return;
  }
  const chosen = running.slice(0, MAX_PODS);
  const ns = (chosen[0] as K8sPod).namespace;
  ing.controller = { namespace: ns, pods: chosen.map((p) => p.name) };
  const containerOf = (name: string): string[] => {
    const item = arr(podJson["items"]).find((it) => obj(obj(it)["metadata"])["name"] === name);
    const names = arr(obj(obj(item)["spec"])["containers"])
      .map((c) => str(obj(c)["name"]))
      .filter((n): n is string => n !== null);
    const c = names.includes("controller") ? "controller" : names[0];
    return c && names.length > 1 ? ["-c", c] : [];
  };

  // The generated configuration, from the first pod that answers.
  for (const p of chosen) {
    opts.onProgress?.(`kubectl: nginx -T in ${p.namespace}/${p.name}`);
    try {
      const r = await runKubectl(
        ["exec", p.name, "-n", p.namespace, ...containerOf(p.name), "--", "nginx", "-T"],
        opts,
      );
      const payload = loadNginxT(`${r.stdout}${r.stdout.includes("# configuration file") ? "" : r.stderr}`);
      if (payload.config.length === 0) continue;
      const model = buildModel(payload);
      ev.config = {
        model,
        source: `kubectl exec ${p.namespace}/${p.name} -- nginx -T`,
        errors: payload.errors.map((e) => ({ file: e.file, line: e.line, message: e.message ?? e.error })),
      };
      ing.routes = [...ingressRoutes(model).values()];
      break;
    } catch (e) {
      ev.warnings.push((e as Error).message);
    }
  }
  if (!ev.config) ev.missing.push("configuration: `nginx -T` could not be run in any controller pod");

  // Logs of every chosen pod, streamed to a private temporary file, then split by kind into two more (nginx's
  // error lines, the access lines) line by line: memory stays bounded whatever the size of the logs.
  const warned = new Map<string, { namespace: string; service: string; count: number; sample: string }>();
  const dir = mkdtempSync(join(tmpdir(), "badgateway-kubectl-"));
  try {
    const errorFile = join(dir, "error.log");
    const accessFile = join(dir, "access.log");
    const errOut = openSync(errorFile, "wx", 0o600);
    const accOut = openSync(accessFile, "wx", 0o600);
    let errorLines = 0;
    let accessLines = 0;
    const head: string[] = [];
    try {
      for (const [i, p] of chosen.entries()) {
        opts.onProgress?.(`kubectl: logs of ${p.namespace}/${p.name}`);
        const raw = join(dir, `pod-${i}.log`);
        try {
          await kubectlToFile(
            [
              "logs",
              p.name,
              "-n",
              p.namespace,
              ...containerOf(p.name),
              `--limit-bytes=${opts.maxLogBytes ?? 64 << 20}`,
              // --limit-bytes counts from where the output starts: without a start time, start from the newest
              // lines so a long-running controller's recent incident is what gets read.
              ...(opts.since !== undefined
                ? [`--since-time=${new Date(opts.since).toISOString()}`]
                : [`--tail=${opts.tailLines ?? DEFAULT_TAIL_LINES}`]),
            ],
            raw,
            opts,
          );
        } catch (e) {
          ev.missing.push((e as Error).message);
          continue;
        }
        for await (const line of lines(raw)) {
          if (line === "") continue;
          if (isKlogLine(line)) {
            const w = noEndpointWarning(line);
            if (w) {
              const k = `${w.namespace}/${w.service}`;
              const cur = warned.get(k);
              if (cur) cur.count++;
              else if (warned.size < 1000) warned.set(k, { ...w, count: 1, sample: line.slice(0, 500) });
            }
          } else if (ERROR_HEAD.test(line)) {
            writeSync(errOut, `${line}\n`);
            errorLines++;
          } else {
            writeSync(accOut, `${line}\n`);
            if (head.length < 200) head.push(line);
            accessLines++;
          }
        }
        rmSync(raw, { force: true });
      }
    } finally {
      closeSync(errOut);
      closeSync(accOut);
    }
    ing.noEndpointWarnings = [...warned.values()];
    const sources = ing.controller.pods.map((n) => `kubectl logs ${ns}/${n}`);
    if (errorLines) {
      const s = await summarizeErrorLogs([errorFile], {
        // --since was applied by the kubelet (--since-time, on its own timestamps): not again here, where the
        // lines' times would be read in this machine's time zone rather than the container's.
        ...(opts.until !== undefined ? { until: opts.until } : {}),
      });
      const e = errorEvidence(s);
      e.files = sources;
      // The samples' file:line would point into the deleted temporary file.
      for (const g of e.groups)
        for (const smp of g.samples) {
          delete smp.file;
          delete smp.line;
        }
      ev.errorLog = e;
    } else ev.errorLog = { files: sources, lines: 0, byClass: {}, groups: [], first: null, last: null };

    // Access lines: the configuration's upstreaminfo format, else the one the lines show.
    const fromConfig = ev.config ? logFormats(ev.config.model).get("upstreaminfo") : undefined;
    const detected = detectIngressFormat(head);
    const format = fromConfig?.format ?? detected?.format ?? null;
    if (accessLines && format) {
      const { ingress: perUpstream, ...s } = await summarizeAccessLogs([accessFile], {
        format,
        escape: fromConfig?.escape ?? "default",
        // the per-upstream table in the same read (named by the upstreaminfo version recognised)
        ingress: !fromConfig && detected ? detected.id : "",
        definedVariables: new Set(INGRESS_VARIABLES),
        ...(opts.until !== undefined ? { until: opts.until } : {}),
        onWarning: (w) => {
          if (w.code !== "low-match")
            ev.warnings.push(w.message.replaceAll(accessFile, "the controller's access lines"));
        },
      });
      s.files = sources;
      s.perFile = s.perFile.map((f) => ({ ...f, file: sources.join(", ") }));
      s.warnings = [];
      ev.accessLog = s;
      ing.access =
        perUpstream ??
        (await summarizeIngressAccess(
          [accessFile],
          fromConfig ? fromConfig.format : (detected ?? format),
          {
            ...(opts.until !== undefined ? { until: opts.until } : {}),
          },
          fromConfig?.escape ?? "default",
        ));
    } else if (accessLines)
      ev.warnings.push(
        "the controller's access lines are not in a known upstreaminfo format and the configuration has none: per-Service statistics are missing",
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The Services behind failing upstream names, and what the cluster says about them now. A name the
  // configuration does not split for certain is tried split by split (namespace and Service names may both
  // contain hyphens) until the cluster knows the Service.
  const known = ing.routes
    .filter((r) => r.namespace && r.service)
    .map((r) => ({ namespace: r.namespace as string, service: r.service as string }));
  const wanted = new Map<string, Array<{ namespace: string; service: string }>>();
  for (const w of ing.noEndpointWarnings) wanted.set(`${w.namespace}/${w.service}`, [w]);
  for (const u of Object.values(ing.access?.upstreams ?? {})) {
    const failing = u.s502 + u.s503 + u.s504 > 0 || Object.values(u.peers).some((p) => p.s502 + p.s504 > 0);
    if (!failing) continue;
    const ref = parseUpstreamName(u.name, known);
    if (!ref) continue;
    const cands = ref.certain ? [ref] : splitsOf(u.name);
    const first = cands[0];
    if (
      first &&
      ![...wanted.values()].some((c) =>
        c.some((x) => cands.some((y) => x.namespace === y.namespace && x.service === y.service)),
      )
    )
      wanted.set(`${first.namespace}/${first.service}`, cands);
  }
  const services: K8sService[] = [];
  for (const cands of [...wanted.values()].slice(0, MAX_SERVICES)) {
    let chosen: K8sService | null = null;
    for (const c of cands.filter((x) => K8S_NAME.test(x.namespace) && K8S_NAME.test(x.service)).slice(0, 6)) {
      opts.onProgress?.(`kubectl: endpoints of ${c.namespace}/${c.service}`);
      const r = await lookupService(c.namespace, c.service, opts);
      if (r.exists || cands.length === 1) {
        chosen = r.svc;
        break;
      }
    }
    const guess = cands[0];
    if (!chosen && guess)
      // No split names a Service the cluster knows: say so, and give the rules no addresses to compare with.
      chosen = {
        namespace: guess.namespace,
        name: guess.service,
        source: null,
        endpoints: [],
        error: `no Service found for any split of the upstream name (tried ${cands
          .slice(0, 6)
          .map((c) => `${c.namespace}/${c.service}`)
          .join(", ")})`,
      };
    if (!chosen) continue;
    if (chosen.error) ev.warnings.push(`Service ${chosen.namespace}/${chosen.name}: ${chosen.error}`);
    services.push(chosen);
  }
  ing.services.push(...services);
  for (const n of [...new Set(services.filter((s) => s.source).map((s) => s.namespace))].slice(
    0,
    MAX_NAMESPACES,
  )) {
    try {
      ing.pods.push(...podsFromJson(await getJson(["get", "pods", "-n", n], opts)));
    } catch (e) {
      ev.warnings.push((e as Error).message);
    }
  }
}
