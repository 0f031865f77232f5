import type { ErrorGroup } from "../../evidence/types.js";
import { atConfig, classRule } from "./simple.js";
import type { CauseRule } from "./types.js";

/** The host names the lines say could not be resolved (parsed by the error-line reader), or a placeholder. */
function names(gs: ErrorGroup[]): string {
  const found = new Set<string>();
  for (const g of gs) for (const n of g.names ?? []) found.add(n);
  return found.size ? [...found].join(", ") : "the upstream name";
}

/** The resolver (or start-up resolution) cannot find the upstream's name. */
export const dnsUnresolvable: CauseRule = classRule({
  meta: {
    id: "dns-unresolvable",
    title: "Upstream hostname does not resolve",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "nginx asked DNS for the upstream's name and got no address (NXDOMAIN, SERVFAIL or timeout). With a variable proxy_pass every request fails with 502; with a static name nginx refuses to start or reload.",
    nginxVersions: "all",
  },
  classes: ["dns-failure"],
  base: 0.92,
  what: "name resolution failures",
  message: (gs, refs) =>
    `${names(gs)} cannot be resolved${atConfig(refs)}. Requests that need it fail with 502; a reload with a static hostname would fail with "host not found in upstream".`,
  fix: (gs) =>
    `Fix the name or its DNS record (typo? deleted service? wrong search domain?), or the resolver address if the DNS server itself is unreachable. Check with \`dig +short ${names(gs).split(",")[0]}\` against the resolver nginx uses.`,
  verify: (gs) =>
    `\`dig +short ${names(gs).split(",")[0]} @<resolver-ip>\` returns an address; "could not be resolved" lines stop, and \`nginx -t\` passes.`,
});
