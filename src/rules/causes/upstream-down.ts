import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { curlFor } from "./util.js";

/** Connection refused on a TCP peer with no sign that the service moved to another port. */
export const upstreamDown: CauseRule = classRule({
  meta: {
    id: "upstream-down",
    title: "Upstream is not running (connection refused)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "nginx reached the upstream host but nothing accepted the connection on that port, so every request routed there fails with 502 (or moves to the next peer).",
    nginxVersions: "all",
  },
  classes: ["connection-refused", "host-unreachable", "network-unreachable"],
  accept: (g) => !g.peer?.startsWith("unix:"),
  base: 0.9,
  what: "connect() failed",
  message: (gs, refs) =>
    gs.every((g) => g.class === "connection-refused")
      ? `Connections to ${peersText(gs)} are refused${atConfig(refs)}: the backend process is down, crashed, or not yet listening. Each refused try is a 502 unless nginx can retry it on another peer.`
      : `${peersText(gs)}${atConfig(refs)} cannot be reached (refused, or no route to the host/network): the backend host is down or the network path to it is broken. Clients got 502 Bad Gateway.`,
  fix: (gs) =>
    `Start or restart the backend behind ${peersText(gs)} (e.g. \`systemctl status <service>\` then \`systemctl restart <service>\`, or check its container), and look at its own logs for why it stopped. If it runs but listens elsewhere, point proxy_pass/upstream at the right address.`,
  verify: (gs) => {
    const p = gs[0]?.peer ?? null;
    const port = p?.split(":").pop();
    return `\`ss -tlnp | grep ':${port ?? "PORT"} '\` shows a listener, and \`${curlFor(p)}\` prints an HTTP status instead of "Connection refused"; new "connect() failed (111" lines stop appearing in the error log.`;
  },
});
