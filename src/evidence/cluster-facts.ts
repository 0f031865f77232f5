/**
 * Cluster facts of an ingress-nginx bundle (kubernetes.json, recorded by `diagnose --kubectl`), merged into the
 * evidence. The file is untrusted: entries of the wrong shape are dropped.
 */
import { ingressRoutes } from "../nginx/ingress.js";
import { BundleError, readBundleText } from "./bundle.js";
import type { Evidence } from "./types.js";

/** Reads a bundle's kubernetes.json into the evidence; a file that is not JSON is a warning, never fatal. */
export function addBundleClusterFacts(ev: Evidence, file: string, cap: number): void {
  try {
    addClusterFacts(ev, JSON.parse(readBundleText(file, cap, "--max-config-size", "kubernetes.json")));
  } catch (e) {
    if (e instanceof BundleError) throw e;
    ev.warnings.push(`kubernetes.json: ${(e as Error).message}`);
  }
}

/**
 * Cluster facts recorded in a bundle's kubernetes.json (`{services, pods, noEndpointWarnings}`, the shape of
 * `basis.kubernetes` in `diagnose --json`), merged into the ingress evidence. Entries of the wrong shape are
 * dropped.
 */
export function addClusterFacts(ev: Evidence, data: unknown): void {
  const o = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const list = (k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]) : []);
  const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
  const services = list("services")
    .filter(isObj)
    .filter(
      (s) =>
        typeof s["namespace"] === "string" && typeof s["name"] === "string" && Array.isArray(s["endpoints"]),
    )
    .map((s) => ({
      namespace: s["namespace"] as string,
      name: s["name"] as string,
      source: (s["source"] === "endpoints" ? "endpoints" : "endpointslices") as
        | "endpoints"
        | "endpointslices",
      endpoints: (s["endpoints"] as unknown[])
        .filter(isObj)
        .filter((e) => typeof e["ip"] === "string")
        .map((e) => ({
          ip: e["ip"] as string,
          ready: e["ready"] !== false,
          terminating: e["terminating"] === true,
          pod: typeof e["pod"] === "string" ? e["pod"] : null,
          node: typeof e["node"] === "string" ? e["node"] : null,
        })),
    }));
  const pods = list("pods")
    .filter(isObj)
    .filter((p) => typeof p["namespace"] === "string" && typeof p["name"] === "string")
    .map((p) => ({
      namespace: p["namespace"] as string,
      name: p["name"] as string,
      ip: typeof p["ip"] === "string" ? p["ip"] : null,
      phase: typeof p["phase"] === "string" ? p["phase"] : null,
      ready: p["ready"] === true,
      deleting: p["deleting"] === true,
      node: typeof p["node"] === "string" ? p["node"] : null,
      restarts: typeof p["restarts"] === "number" ? p["restarts"] : 0,
    }));
  const warnings = list("noEndpointWarnings")
    .filter(isObj)
    .filter((w) => typeof w["namespace"] === "string" && typeof w["service"] === "string")
    .map((w) => ({
      namespace: w["namespace"] as string,
      service: w["service"] as string,
      count: typeof w["count"] === "number" ? w["count"] : 1,
      sample: typeof w["sample"] === "string" ? w["sample"] : "",
    }));
  ev.ingress ??= {
    source: "access-log",
    context: null,
    controller: null,
    access: null,
    routes: ev.config ? [...ingressRoutes(ev.config.model).values()] : [],
    services: [],
    pods: [],
    noEndpointWarnings: [],
  };
  ev.ingress.services.push(...services);
  ev.ingress.pods.push(...pods);
  ev.ingress.noEndpointWarnings.push(...warnings);
}
