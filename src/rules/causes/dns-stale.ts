import type { Evidence } from "../../evidence/types.js";
import { STALE_ADDRESS_CLASSES } from "../../nginx/errorlog/class-sets.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { finding, where } from "../finding.js";
import type { Finding } from "../types.js";
import type { CauseRule } from "./types.js";
import { claim, confidence, configItem, errorItem, failureTotal, loc, probeItem, total } from "./util.js";

const CLASSES: ErrorClass[] = [...STALE_ADDRESS_CLASSES];

/**
 * A hostname target was resolved when nginx started; the name now points elsewhere (probe: dns-stale),
 * and nginx keeps failing on the old address.
 */
export const dnsStale: CauseRule = {
  meta: {
    id: "dns-stale",
    title: "nginx uses a stale IP address for an upstream hostname",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "Hostnames in proxy_pass or upstream servers are resolved once, at start or reload. When the service moves to a new IP, nginx keeps connecting to the old one until it is reloaded.",
    nginxVersions: "all (upstream `server … resolve` re-resolves since 1.27.3)",
    classes: [
      "connection-refused",
      "connect-timeout",
      "host-unreachable",
      "network-unreachable",
      "read-timeout",
    ],
    uses: "Probe results: a DNS check that resolves the configured hostname now and finds the address nginx is using (seen in the logs) is no longer among the answers.",
  },
  diagnose(ev: Evidence, ctx): Finding[] {
    const stale = (ev.probes ?? []).filter((p) => p.problem === "dns-stale");
    if (stale.length === 0) return [];
    const staleIps = new Set(
      stale.flatMap((p) => (Array.isArray(p.data?.["seen"]) ? (p.data?.["seen"] as string[]) : [])),
    );
    const groups = (ev.errorLog?.groups ?? []).filter(
      (g) =>
        CLASSES.includes(g.class) &&
        !ctx.claimed.has(g) &&
        g.peer &&
        [...staleIps].some((ip) => g.peer?.startsWith(`${ip}:`) || g.peer?.startsWith(`[${ip}]:`)),
    );
    claim(ctx, groups);
    const names = [...new Set(stale.map((p) => p.target))];
    const model = ev.config?.model;
    const passes = (model?.passes ?? []).filter(
      (p) => p.isHostname && names.some((n) => n.includes(p.host ?? "\0")),
    );
    const servers = [...(model?.upstreams.values() ?? [])].flatMap((u) =>
      u.servers.filter((s) => !s.isIp && s.host && names.some((n) => n.includes(s.host ?? "\0"))),
    );
    const directives = [...passes.map((p) => p.directive), ...servers.map((s) => s.directive)];
    return [
      finding(this.meta, {
        confidence: groups.length ? confidence(0.95, total(groups), failureTotal(ev)) : 0.7,
        message: `${names.join(", ")} now resolve${names.length === 1 ? "s" : ""} to a different address than the one nginx is using${groups.length ? ` (${total(groups)} failed connections to the old address)` : ""}. nginx resolved the name at start-up and never looked again; clients got 502/504.`,
        evidence: [
          ...stale.map(probeItem),
          ...groups.slice(0, 3).map((g) => errorItem(g, "failures on the old address")),
          ...directives.slice(0, 3).map((d) => configItem(d)),
        ],
        fix: `Reload nginx now (\`nginx -t && nginx -s reload\`) so it resolves the names again. For good: add \`resolver <dns-ip> valid=30s;\` and either use a variable in proxy_pass (\`set $backend http://name:port; proxy_pass $backend;\`) or, on nginx ≥ 1.27.3, \`server name:port resolve;\` in a zone'd upstream${directives[0] ? ` (${where(directives[0])})` : ""}.`,
        verify: `\`getent hosts ${(names[0] ?? "NAME").replace(/^\w+:\/\//, "").replace(/[:/].*$/, "")}\` matches the peer address in new error/access log lines ($upstream_addr), and the old address no longer appears.`,
        locations: directives.map(loc),
      }),
    ];
  },
};
