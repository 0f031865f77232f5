import { isIpAddress } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses, isOn } from "../util.js";

/** https to a named upstream without SNI: many TLS backends (CDNs, ingresses) reject or misroute the handshake. */
export const httpsUpstreamNoSni: LintRule = {
  meta: {
    id: "https-upstream-no-sni",
    title: "HTTPS upstream by name without SNI",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "nginx does not send SNI to upstreams unless `proxy_ssl_server_name on;`. Backends that host several names on one address (CDNs, load balancers, Kubernetes ingresses) then fail the handshake or present the wrong certificate: 502.",
    why: "Without SNI the TLS backend may not know which certificate to use.",
    fix: "Add `proxy_ssl_server_name on;` (and `proxy_ssl_name <name>;` when the name differs from the proxy_pass host).",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy", "grpc"])) {
      if (p.scheme !== "https" && p.scheme !== "grpcs") continue;
      const named = p.upstream
        ? p.upstream.servers.some((s) => s.host !== null && !s.isIp)
        : p.host !== null && !p.hasVariables && !isIpAddress(p.host);
      if (!named) continue;
      const mod = p.module === "grpc" ? "grpc" : "proxy";
      if (isOn(model, p.scope, `${mod}_ssl_server_name`)) continue;
      out.push({
        directive: p.directive,
        message: `\`${p.raw}\` connects over TLS by name without ${mod}_ssl_server_name on; the backend gets no SNI`,
      });
    }
    return out;
  },
};
