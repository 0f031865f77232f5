import { where } from "../../finding.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

const LOCAL = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/** Static hostnames are resolved once, at start or reload: a DNS change leaves nginx on the old address. */
export const proxyPassHostnameNoResolver: LintRule = {
  meta: {
    id: "proxy-pass-hostname-no-resolver",
    title: "Upstream hostname resolved only at start-up",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "A hostname written literally in proxy_pass (or in an upstream server without `resolve`) is looked up once, when nginx starts or reloads. If the service moves to another IP, nginx keeps connecting to the old one — refused connections or timeouts, so 502/504 — until someone reloads it.",
    why: "nginx keeps the address it resolved at start-up; after a DNS change it connects to the old IP.",
    fix: 'Re-resolve at run time: add `resolver <dns-ip> valid=30s;` and put the name in a variable (`set $backend "http://name:port"; proxy_pass $backend;`), or on nginx ≥ 1.27.3 use `server name:port resolve;` in an upstream with a `zone`.',
    nginxVersions: "all; `server … resolve` in open-source nginx since 1.27.3",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model)) {
      if (!p.isHostname || !p.host || LOCAL.test(p.host)) continue;
      out.push({
        directive: p.directive,
        message: `${p.host} in \`${p.directive.name} ${p.raw}\` is resolved once at start-up; a DNS change will not be seen until nginx reloads`,
      });
    }
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
      for (const s of u.servers) {
        if (s.isIp || !s.host || s.unixPath || s.resolve || LOCAL.test(s.host)) continue;
        out.push({
          directive: s.directive,
          message: `server ${s.address} in upstream ${u.name} (${where(u.directive)}) is resolved once at start-up; add \`resolve\` (nginx ≥ 1.27.3) or reload on DNS changes`,
        });
      }
    return out;
  },
};
