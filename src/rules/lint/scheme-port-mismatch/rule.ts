import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

const TLS_PORTS = new Set([443, 8443, 9443]);
const PLAIN_PORTS = new Set([80, 8080, 8000, 3000, 5000, 8081, 9000]);

/** https:// to a port that usually speaks plain HTTP, or http:// to a TLS port. */
export const schemePortMismatch: LintRule = {
  meta: {
    id: "scheme-port-mismatch",
    title: "proxy_pass scheme does not fit the port",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      '`http://` to port 443 sends plain HTTP to a TLS server (the reply is not HTTP: 502 or garbage), and `https://` to a plain-HTTP port fails the TLS handshake ("wrong version number", 502).',
    why: "One side speaks TLS and the other plain HTTP.",
    fix: "Use `https://` for TLS ports (443, 8443) and `http://` for plain ports, or point at the port that matches the scheme.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy", "grpc"])) {
      const tls = p.scheme === "https" || p.scheme === "grpcs";
      const ports = p.upstream
        ? p.upstream.servers.map((s) => ({ port: s.port, d: s.directive }))
        : [{ port: p.portIsDefault ? null : p.port, d: p.directive }];
      for (const { port, d } of ports) {
        if (port === null) continue;
        if (!tls && TLS_PORTS.has(port))
          out.push({
            directive: d,
            related: d === p.directive ? [] : [p.directive],
            message: `\`${p.raw}\` speaks plain HTTP to port ${port}, which normally expects TLS; use https://`,
          });
        else if (tls && PLAIN_PORTS.has(port))
          out.push({
            directive: d,
            related: d === p.directive ? [] : [p.directive],
            message: `\`${p.raw}\` starts TLS on port ${port}, which normally serves plain HTTP; use http:// or the TLS port`,
          });
      }
    }
    return out;
  },
};
