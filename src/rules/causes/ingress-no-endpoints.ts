import type { Evidence } from "../../evidence/types.js";
import type { ServiceRef } from "../../nginx/ingress.js";
import { finding } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import { clusterItem, kubectlEndpoints, refOf, serviceOf, serviceText } from "./ingress-util.js";
import type { CauseRule } from "./types.js";

/**
 * A Service behind an Ingress has no ready endpoint: ingress-nginx answers 503 itself, without trying any pod
 * (its Lua balancer has no backend for the upstream name), and logs "does not have any active Endpoint".
 */
export const ingressNoEndpoints: CauseRule = {
  meta: {
    id: "ingress-no-endpoints",
    title: "A Service behind the Ingress has no ready endpoints (the controller answers 503)",
    kind: "cause",
    severity: "error",
    status: 503,
    description:
      "With no ready pod behind a Service, ingress-nginx has nowhere to send the request and answers 503 Service Unavailable itself — not 502: no pod was tried, $upstream_addr is empty.",
    nginxVersions: "ingress-nginx 0.18+ (dynamic Lua balancer)",
    uses: "The ingress access log (503 with no $upstream_addr, by $proxy_upstream_name), the controller's own warnings, and the Service's EndpointSlices from kubectl.",
  },
  diagnose(ev: Evidence): Finding[] {
    const ing = ev.ingress;
    if (!ing) return [];
    const hits = new Map<
      string,
      { ref: ServiceRef; n503: number; warned: number; sample: string | null; lines: string[] }
    >();
    for (const u of Object.values(ing.access?.upstreams ?? {})) {
      const n = u.noTry["503"] ?? 0;
      if (n === 0) continue;
      const ref = refOf(ing, u.name);
      if (!ref) continue;
      hits.set(`${ref.namespace}/${ref.service}`, {
        ref,
        n503: n,
        warned: 0,
        sample: null,
        lines: u.samples.filter((s) => / 503 /.test(s)).slice(0, 3),
      });
    }
    for (const w of ing.noEndpointWarnings) {
      const k = `${w.namespace}/${w.service}`;
      const cur = hits.get(k);
      if (cur) {
        cur.warned = w.count;
        cur.sample = w.sample;
      } else if (ing.access)
        hits.set(k, {
          ref: { namespace: w.namespace, service: w.service, port: "?", certain: true },
          n503: 0,
          warned: w.count,
          sample: w.sample,
          lines: [],
        });
    }
    const out: Finding[] = [];
    for (const { ref, n503, warned, sample, lines } of hits.values()) {
      const svc = serviceOf(ing, ref);
      const readyNow = svc ? svc.endpoints.filter((e) => e.ready).length : null;
      // The cluster says the Service has ready pods and the log shows no 503 for it: nothing to explain.
      if (n503 === 0 && readyNow !== null && readyNow > 0) continue;
      const items: EvidenceItem[] = [];
      if (n503)
        items.push({
          source: "access-log",
          summary: `${n503} × 503 for upstream ${ref.namespace}-${ref.service}-${ref.port} with no pod tried ($upstream_addr "-")`,
          samples: lines,
          data: { count: n503, upstream: `${ref.namespace}-${ref.service}-${ref.port}` },
        });
      if (warned)
        items.push({
          source: "controller-log",
          summary: `${warned} × controller warning: Service "${ref.namespace}/${ref.service}" does not have any active Endpoint`,
          samples: sample ? [sample] : [],
          data: { count: n503 ? 0 : warned },
        });
      if (svc) items.push(clusterItem(svc, ing));
      const now =
        readyNow === null
          ? ""
          : readyNow === 0
            ? ` The cluster lists ${svc?.endpoints.length ? `${svc.endpoints.length} address(es), none ready` : "no address at all"} for it now.`
            : ` It has ${readyNow} ready endpoint(s) now: the outage is over, or the controller has not caught up.`;
      out.push(
        finding(this.meta, {
          confidence: n503 && readyNow === 0 ? 0.97 : n503 ? 0.9 : 0.75,
          status: 503,
          message: `${serviceText(ref)} had no ready endpoints${n503 ? `: ${n503} request(s) got 503 Service Unavailable from the controller itself` : ""}. This is a 503, not a 502: no pod was tried (the access log's $upstream_addr is "-"), because the Lua balancer had no backend for the upstream name.${now}`,
          evidence: items,
          fix: `Find why no pod of ${ref.namespace}/${ref.service} is ready: \`kubectl -n ${ref.namespace} get pods -o wide\` (crash loops, failing readinessProbe, a selector that matches no pod, or a targetPort/port name the pods do not expose). Keep at least one ready replica during rollouts (maxUnavailable 0, a PodDisruptionBudget).`,
          verify: `\`${kubectlEndpoints(ref)}\` shows ready addresses, the controller stops logging "does not have any active Endpoint" for ${ref.namespace}/${ref.service}, and new access lines for [${ref.namespace}-${ref.service}-${ref.port}] carry a pod address instead of "-".`,
          locations: [],
        }),
      );
    }
    return out;
  },
};
