import { where } from "../../finding.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses, passSeconds } from "../util.js";

/** A connect timeout under a second turns ordinary latency spikes into 504s. */
export const connectTimeoutTooLow: LintRule = {
  meta: {
    id: "connect-timeout-too-low",
    title: "Upstream connect timeout below one second",
    kind: "lint",
    severity: "warning",
    status: 504,
    description:
      "proxy_connect_timeout (fastcgi_…, grpc_…) bounds the TCP handshake. Below a second, a SYN retransmit (1 s on Linux) or a short backend pause already exceeds it, and clients get 504 even though the backend is fine.",
    why: "Normal handshake delays exceed the limit and become 504s.",
    fix: "Use 2–5 s (`proxy_connect_timeout 3s;`): short enough to fail over quickly, long enough for one SYN retransmit.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    const seen = new Set<string>();
    for (const p of httpPasses(model)) {
      const t = passSeconds(model, p, "connect_timeout");
      if (!t.directive || t.seconds === null || t.seconds >= 1) continue;
      const key = `${where(t.directive)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        directive: t.directive,
        related: [p.directive],
        message: `${t.name} ${t.directive.args[0]} is below one second`,
      });
    }
    return out;
  },
};
