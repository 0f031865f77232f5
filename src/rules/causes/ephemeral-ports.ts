import { where } from "../finding.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** EADDRNOTAVAIL on connect: no free local port toward that upstream (TIME_WAIT pile-up). */
export const ephemeralPorts: CauseRule = classRule({
  meta: {
    id: "ephemeral-ports",
    title: "Local ephemeral ports exhausted toward the upstream",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      'Without upstream keepalive every request opens a new connection; closed ones linger in TIME_WAIT. When all local ports for that destination are used, connect() fails with "Cannot assign requested address" and clients get 502.',
    nginxVersions: "all (upstream keepalive is on by default from 1.29.7)",
  },
  classes: ["address-not-available"],
  base: 0.93,
  what: '"Cannot assign requested address"',
  message: (gs, refs) =>
    `nginx cannot get a free local port to connect to ${peersText(gs)}${atConfig(refs)}: the ephemeral port range is used up, usually by thousands of TIME_WAIT connections from short-lived upstream connections. Clients got 502.`,
  fix: (_gs, refs) => {
    const u = refs.passes.find((p) => p.upstream)?.upstream;
    return `Reuse upstream connections: in ${u ? `upstream ${u.name} (${where(u.directive)})` : "an upstream{} block for this backend"} add \`keepalive 32;\`, and in the location \`proxy_http_version 1.1; proxy_set_header Connection "";\`. Widening \`net.ipv4.ip_local_port_range\` or adding backend addresses also helps.`;
  },
  verify: (gs) =>
    `\`ss -tan state time-wait dst ${(gs[0]?.peer ?? "IP:PORT").replace(/:\d+$/, "")} | wc -l\` drops far below the size of \`cat /proc/sys/net/ipv4/ip_local_port_range\`, and the error stops.`,
});
