/**
 * Shared reading of ingress-nginx evidence for the ingress-* cause rules: which Service an address or an
 * upstream name stands for, what the cluster lists for that Service now, and which pod had an address.
 */
import type {
  ErrorGroup,
  Evidence,
  IngressEvidence,
  K8sEndpoint,
  K8sPod,
  K8sService,
} from "../../evidence/types.js";
import { parseUpstreamName, type ServiceRef } from "../../nginx/ingress.js";
import type { EvidenceItem } from "../types.js";

/** The address part of "10.1.2.3:80" / "[fd00::1]:80". */
export function ipOf(peer: string): string {
  return peer.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
}

/** (namespace, service) pairs known for certain: from the configuration and from the Services fetched. */
function knownPairs(ing: IngressEvidence): Array<{ namespace: string; service: string }> {
  const out: Array<{ namespace: string; service: string }> = [];
  for (const r of ing.routes)
    if (r.namespace && r.service) out.push({ namespace: r.namespace, service: r.service });
  for (const s of ing.services) out.push({ namespace: s.namespace, service: s.name });
  // Longer names first, so "shop-web-api" is tried before "shop-web".
  return out.sort((a, b) => b.namespace.length + b.service.length - a.namespace.length - a.service.length);
}

export function refOf(ing: IngressEvidence, upstreamName: string): ServiceRef | null {
  return parseUpstreamName(upstreamName, knownPairs(ing));
}

/** The upstream name an address was used for (the first one the access log shows), or null. */
export function upstreamOfPeer(ing: IngressEvidence, peer: string): string | null {
  return ing.access?.peerUpstreams[peer]?.[0] ?? null;
}

export function serviceOf(ing: IngressEvidence, ref: ServiceRef): K8sService | undefined {
  return ing.services.find(
    (s) => s.namespace === ref.namespace && s.name === ref.service && s.source !== null,
  );
}

export function endpointOf(svc: K8sService | undefined, ip: string): K8sEndpoint | undefined {
  return svc?.endpoints.find((e) => e.ip === ip);
}

/** The pod that has `ip` now in `namespace` (a running one before one being deleted), or undefined. */
export function podOf(ing: IngressEvidence, namespace: string, ip: string): K8sPod | undefined {
  const hits = ing.pods.filter((p) => p.namespace === namespace && p.ip === ip);
  return hits.find((p) => !p.deleting && p.phase === "Running") ?? hits[0];
}

export function serviceText(ref: ServiceRef): string {
  return `Service ${ref.namespace}/${ref.service} (port ${ref.port})${ref.certain ? "" : " [split of the upstream name guessed]"}`;
}

/** "10.1.2.3 (web-7d9f-abcde)" for the ready endpoints of a Service, at most five. */
export function readyText(svc: K8sService): string {
  const ready = svc.endpoints.filter((e) => e.ready);
  if (ready.length === 0) return "none";
  const list = ready.slice(0, 5).map((e) => (e.pod ? `${e.ip} (${e.pod})` : e.ip));
  return `${list.join(", ")}${ready.length > 5 ? `, … ${ready.length} in all` : ""}`;
}

/** Error groups whose peer the access log ties to an upstream name (or whose peer is in `peers`). */
export function groupsOfPeers(ev: Evidence, classes: string[], claimed: Set<ErrorGroup>): ErrorGroup[] {
  return (ev.errorLog?.groups ?? []).filter((g) => classes.includes(g.class) && g.peer && !claimed.has(g));
}

export function clusterItem(svc: K8sService, ing: IngressEvidence): EvidenceItem {
  const ready = svc.endpoints.filter((e) => e.ready).length;
  return {
    source: "kubernetes",
    summary: `${svc.source === "endpoints" ? "Endpoints" : "EndpointSlices"} of ${svc.namespace}/${svc.name} now: ${ready} ready of ${svc.endpoints.length} — ${readyText(svc)}`,
    data: {
      namespace: svc.namespace,
      service: svc.name,
      context: ing.context,
      endpoints: svc.endpoints.slice(0, 20),
    },
  };
}

export function kubectlEndpoints(ref: { namespace: string; service: string }): string {
  return `kubectl get endpointslices -n ${ref.namespace} -l kubernetes.io/service-name=${ref.service} -o wide`;
}
