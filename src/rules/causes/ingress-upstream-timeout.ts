import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import type { ServiceRef } from "../../nginx/ingress.js";
import { finding } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import {
  clusterItem,
  endpointOf,
  ipOf,
  podOf,
  refOf,
  serviceOf,
  serviceText,
  upstreamOfPeer,
} from "./ingress-util.js";
import type { CauseRule } from "./types.js";
import { claim, confidence, errorItem, failureTotal, total } from "./util.js";

const CLASSES: ErrorClass[] = ["read-timeout", "connect-timeout"];

/** ingress-nginx timed out on a pod of a Service: the Service (and pod) named, with the timeout in force. */
export const ingressUpstreamTimeout: CauseRule = {
  meta: {
    id: "ingress-upstream-timeout",
    title: "A Service behind the Ingress did not answer in time (504)",
    kind: "cause",
    severity: "error",
    status: 504,
    description:
      "A pod of the Service accepted the request (or never completed the TCP handshake) and did not answer within the controller's proxy-read-timeout / proxy-connect-timeout: ingress-nginx gave up and answered 504.",
    nginxVersions: "ingress-nginx, all versions",
    classes: CLASSES,
    uses: "Error lines (upstream timed out) and the access log's 504 tries, tied to a Service by $proxy_upstream_name; timeouts from the generated nginx.conf; pod names from kubectl.",
  },
  diagnose(ev: Evidence, ctx): Finding[] {
    const ing = ev.ingress;
    if (!ing?.access) return [];
    const bySvc = new Map<
      string,
      {
        ref: ServiceRef;
        name: string;
        addrs: Set<string>;
        groups: ErrorGroup[];
        tries: number;
        maxTime: number | null;
      }
    >();
    const entry = (name: string) => {
      const ref = refOf(ing, name);
      if (!ref) return null;
      const k = `${ref.namespace}/${ref.service}`;
      let e = bySvc.get(k);
      if (!e) {
        e = { ref, name, addrs: new Set(), groups: [], tries: 0, maxTime: null };
        bySvc.set(k, e);
      }
      return e;
    };
    /** An address the cluster no longer lists as ready is ingress-stale-endpoint's, not a slow pod. */
    const stale = (ref: ServiceRef, addr: string) => {
      const svc = serviceOf(ing, ref);
      return svc !== undefined && endpointOf(svc, ipOf(addr))?.ready !== true;
    };
    for (const g of ev.errorLog?.groups ?? []) {
      if (!CLASSES.includes(g.class) || !g.peer || ctx.claimed.has(g)) continue;
      const name = upstreamOfPeer(ing, g.peer);
      const ref = name ? refOf(ing, name) : null;
      if (!name || !ref || stale(ref, g.peer)) continue;
      const e = entry(name);
      if (!e) continue;
      e.groups.push(g);
      e.addrs.add(g.peer);
    }
    for (const u of Object.values(ing.access.upstreams))
      for (const [addr, p] of Object.entries(u.peers)) {
        if (p.s504 === 0) continue;
        const ref = refOf(ing, u.name);
        if (!ref || stale(ref, addr)) continue;
        const e = entry(u.name);
        if (!e) continue;
        e.tries += p.s504;
        e.addrs.add(addr);
        if (p.maxFailedTime !== null) e.maxTime = Math.max(e.maxTime ?? 0, p.maxFailedTime);
      }
    const out: Finding[] = [];
    for (const e of bySvc.values()) {
      if (e.groups.length === 0 && e.tries === 0) continue;
      claim(ctx, e.groups);
      const { ref } = e;
      const svc = serviceOf(ing, ref);
      const route = ing.routes.find((r) => r.upstreamName === e.name);
      const connect = e.groups.length > 0 && e.groups.every((g) => g.class === "connect-timeout");
      const limit = connect ? route?.connectTimeout : route?.readTimeout;
      const pods = [...e.addrs].slice(0, 5).map((a) => {
        const ip = ipOf(a);
        const name = endpointOf(svc, ip)?.pod ?? podOf(ing, ref.namespace, ip)?.name;
        return name ? `${a} (pod ${name})` : a;
      });
      const items: EvidenceItem[] = [
        ...e.groups.slice(0, 3).map((g) => errorItem(g, connect ? "connect timeouts" : "upstream timeouts")),
        {
          source: "access-log",
          summary: `${e.tries} tr${e.tries === 1 ? "y" : "ies"} of upstream ${e.name} ended in 504${e.maxTime !== null ? ` (longest ${e.maxTime.toFixed(3)} s)` : ""}`,
          data: {
            count: e.groups.length ? 0 : e.tries,
            upstream: e.name,
            addresses: [...e.addrs].slice(0, 20),
          },
        },
        ...(svc ? [clusterItem(svc, ing)] : []),
      ];
      const failures = total(e.groups) || e.tries;
      const annotation = connect ? "proxy-connect-timeout" : "proxy-read-timeout";
      out.push(
        finding(this.meta, {
          confidence: confidence(0.9, failures, failureTotal(ev) || failures),
          message: `${serviceText(ref)} did not ${connect ? "accept connections" : "answer"} in time at ${pods.join(", ")}${limit ? `: the controller's ${connect ? "proxy_connect_timeout" : "proxy_read_timeout"} there is ${limit} s` : ""}${route?.hosts.length ? ` (host ${route.hosts.slice(0, 3).join(", ")})` : ""}. ingress-nginx gave up and answered 504 Gateway Timeout.${connect ? " A connect timeout usually means the pod address is unreachable (network policy, a node gone, a pod that is not listening yet)." : ""}`,
          evidence: items,
          fix: connect
            ? `Check that the controller can reach the pods of ${ref.namespace}/${ref.service} (NetworkPolicy, node health, the pod's listening port) — \`kubectl -n ${ref.namespace} get pods -o wide\`.`
            : `Find why ${ref.namespace}/${ref.service} is slow (its logs, CPU throttling, a dependency). If the requests are legitimately long, raise the limit for this Ingress only with the annotation \`nginx.ingress.kubernetes.io/${annotation}: "<seconds>"\` rather than globally in the controller's ConfigMap.`,
          verify: `New access lines for [${e.name}] show $upstream_status 200 with $upstream_response_time below the limit, and no "upstream timed out" lines for ${[...e.addrs][0] ?? "its pods"} in \`kubectl logs\` of the controller.`,
          locations: route ? [{ file: route.file, line: route.line }] : [],
        }),
      );
    }
    return out;
  },
};
