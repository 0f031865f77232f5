import { where } from "../finding.js";
import { atConfig, classRule } from "./simple.js";
import type { CauseRule } from "./types.js";

/** A variable in *_pass needs run-time DNS, but no `resolver` is configured. */
export const noResolver: CauseRule = classRule({
  meta: {
    id: "no-resolver",
    title: "Variable proxy_pass with no resolver configured",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "When proxy_pass contains a variable, nginx resolves the host name per request with its own resolver. Without a `resolver` directive it cannot, and every such request fails with 502.",
    nginxVersions: "all",
  },
  classes: ["no-resolver"],
  base: 0.97,
  what: '"no resolver defined to resolve"',
  message: (_gs, refs) =>
    `A proxy_pass with a variable${atConfig(refs)} needs a DNS lookup at request time, but no \`resolver\` is set in that context. Each of these requests ended in 502.`,
  fix: (_gs, refs) => {
    const p = refs.passes[0];
    return `Add \`resolver <dns-server-ip> valid=30s;\` (e.g. 127.0.0.53 with systemd-resolved, the VPC/cluster DNS, or 127.0.0.11 in Docker) in the http, server or location block${p ? ` that holds ${where(p.directive)}` : ""}; or use an upstream{} name / literal address instead of the variable.`;
  },
  verify: () =>
    '`nginx -T | grep -n resolver` shows the resolver in effect; after `nginx -t && nginx -s reload`, requests succeed and no "no resolver defined" lines appear.',
});
