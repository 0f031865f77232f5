import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { STALE_ADDRESS_CLASSES } from "../../nginx/errorlog/class-sets.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import type { ServiceRef } from "../../nginx/ingress.js";
import { finding } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import {
  clusterItem,
  endpointOf,
  ipOf,
  kubectlEndpoints,
  podOf,
  readyText,
  refOf,
  serviceOf,
  serviceText,
  upstreamOfPeer,
} from "./ingress-util.js";
import type { CauseRule } from "./types.js";
import { claim, confidence, errorItem, failureTotal, total } from "./util.js";

const CLASSES: ErrorClass[] = [...STALE_ADDRESS_CLASSES];

/**
 * ingress-nginx sent requests to a pod address that is not a ready endpoint of its Service now: the pod was
 * deleted, rescheduled (new IP) or is terminating. The Kubernetes form of a stale upstream address.
 */
export const ingressStaleEndpoint: CauseRule = {
  meta: {
    id: "ingress-stale-endpoint",
    title: "ingress-nginx used a pod address that is no longer a ready endpoint of its Service",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "The controller's Lua balancer picks pod addresses from the Service's endpoints. When a pod is deleted or rescheduled, requests still sent to its old IP are refused or time out until the controller has the new endpoint list: clients get 502 (or 504).",
    nginxVersions: "ingress-nginx 0.18+ (dynamic Lua balancer)",
    classes: CLASSES,
    uses: "The ingress access log ($proxy_upstream_name ↔ $upstream_addr) and, from kubectl, the Service's EndpointSlices and the namespace's pods.",
  },
  diagnose(ev: Evidence, ctx): Finding[] {
    const ing = ev.ingress;
    if (!ing?.access || ing.services.length === 0) return [];
    // Failing addresses: from error lines, and from tries the access log records as failed.
    const peers = new Map<string, { name: string; groups: ErrorGroup[]; tries: number }>();
    for (const g of ev.errorLog?.groups ?? []) {
      if (!CLASSES.includes(g.class) || !g.peer || ctx.claimed.has(g)) continue;
      const name = upstreamOfPeer(ing, g.peer);
      if (!name) continue;
      const e = peers.get(g.peer) ?? { name, groups: [], tries: 0 };
      e.groups.push(g);
      peers.set(g.peer, e);
    }
    for (const u of Object.values(ing.access.upstreams))
      for (const [addr, p] of Object.entries(u.peers)) {
        // Only tries that got nothing back: a 502 the application wrote itself says nothing about the address.
        const bad = p.noResponse;
        if (bad === 0) continue;
        const e = peers.get(addr) ?? { name: u.name, groups: [], tries: 0 };
        e.tries += bad;
        peers.set(addr, e);
      }
    const bySvc = new Map<
      string,
      { ref: ServiceRef; addrs: string[]; groups: ErrorGroup[]; tries: number }
    >();
    for (const [addr, e] of peers) {
      const ref = refOf(ing, e.name);
      if (!ref) continue;
      const svc = serviceOf(ing, ref);
      if (!svc) continue;
      const ep = endpointOf(svc, ipOf(addr));
      if (ep?.ready) continue;
      const k = `${ref.namespace}/${ref.service}`;
      const cur = bySvc.get(k) ?? { ref, addrs: [], groups: [], tries: 0 };
      cur.addrs.push(addr);
      cur.groups.push(...e.groups);
      cur.tries += e.tries;
      bySvc.set(k, cur);
    }
    const out: Finding[] = [];
    for (const { ref, addrs, groups, tries } of bySvc.values()) {
      claim(ctx, groups);
      const svc = serviceOf(ing, ref);
      if (!svc) continue;
      const what = addrs.slice(0, 5).map((a) => {
        const ip = ipOf(a);
        const ep = endpointOf(svc, ip);
        const pod = podOf(ing, ref.namespace, ip);
        if (ep?.terminating || pod?.deleting)
          return `${a} belongs to pod ${ep?.pod ?? pod?.name}, which is terminating`;
        if (ep) return `${a} is listed but not ready (pod ${ep.pod ?? pod?.name ?? "unknown"})`;
        if (pod)
          return `${a} is pod ${pod.name} (${pod.phase ?? "unknown phase"}${pod.ready ? "" : ", not ready"}), no endpoint of the Service`;
        return `no pod has ${ip} any more (deleted or rescheduled to a new IP)`;
      });
      const failures = total(groups) || tries;
      const items: EvidenceItem[] = [
        ...groups
          .slice(0, 3)
          .map((g) => errorItem(g, "failed tries on an address that is no longer a ready endpoint")),
        {
          source: "access-log",
          summary: `${tries} tr${tries === 1 ? "y" : "ies"} answered 502/504 at ${addrs.slice(0, 5).join(", ")} for upstream ${ref.namespace}-${ref.service}-${ref.port}`,
          data: { count: groups.length ? 0 : tries, addresses: addrs },
        },
        clusterItem(svc, ing),
      ];
      out.push(
        finding(this.meta, {
          confidence: confidence(0.95, failures, failureTotal(ev) || failures),
          message: `${serviceText(ref)}: the controller sent requests to ${addrs.length === 1 ? "an address" : "addresses"} that ${addrs.length === 1 ? "is" : "are"} not a ready endpoint now — ${what.join("; ")}. Ready endpoints now: ${readyText(svc)}. This is the Kubernetes form of a stale upstream address: the pod moved, and until the controller's endpoint list caught up (or while the old pod was still listed) tries went to the old IP.`,
          evidence: items,
          fix: `Make pod moves invisible to clients: give the pods of ${ref.namespace}/${ref.service} a readinessProbe and a preStop pause (e.g. \`sleep 10\`) so they leave the endpoints before they stop listening, keep \`proxy-next-upstream error timeout\` with at least 2 tries so a refused try moves on, and check the controller's log for "Dynamic reconfiguration failed" or API errors if the old address stayed in use for long.`,
          verify: `\`${kubectlEndpoints(ref)}\` lists only running pods, \`kubectl -n ${ing.controller?.namespace ?? "ingress-nginx"} exec <controller-pod> -- /dbg backends get ${ref.namespace}-${ref.service}-${ref.port}\` shows the same addresses, and new access lines for [${ref.namespace}-${ref.service}-${ref.port}] show no 502.`,
          locations: [],
        }),
      );
    }
    return out;
  },
};
