import type { LintReport, LintRule } from "../types.js";
import { shortPassTimeouts } from "../util.js";

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
  check: (model) =>
    shortPassTimeouts(model, ["connect_timeout"], 1, (name, value) => `${name} ${value} is below one second`),
};
