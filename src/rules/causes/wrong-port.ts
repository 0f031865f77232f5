import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { curlFor, probesFor, splitPeer } from "./util.js";

/** A listener nearby (from probes: /proc/net/tcp) that the refused peer is probably meant to be. */
export function nearbyListener(ev: Evidence, g: ErrorGroup): number | null {
  const port = Number(g.peer?.split(":").pop());
  for (const p of probesFor(ev, g.peer)) {
    const near = p.data?.["nearbyListeners"];
    if (!Array.isArray(near)) continue;
    for (const n of near as Array<{ port?: number } | number>) {
      const candidate = typeof n === "number" ? n : n.port;
      if (typeof candidate !== "number") continue;
      // Only a listener that looks like the intended one: a few ports away, or a classic alternative port.
      const close = Number.isFinite(port) && Math.abs(candidate - port) <= 10;
      const classic = [80, 443, 3000, 5000, 8000, 8008, 8080, 8081, 8443, 8888, 9000].includes(candidate);
      if (close || classic) return candidate;
    }
  }
  return null;
}

/** Refused on one port while the same host has a listener on another likely port. */
export const wrongPort: CauseRule = classRule({
  meta: {
    id: "wrong-port",
    title: "proxy_pass points at the wrong port",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "The upstream host refuses connections on the configured port while a service listens on another port of the same host: the configuration (or the app's port) changed on one side only.",
    nginxVersions: "all",
    uses: "Probe results: a TCP check of the refused peer that found another port listening on the same host (from /proc/net/tcp).",
  },
  classes: ["connection-refused"],
  accept: (g, ev) => nearbyListener(ev, g) !== null,
  base: 0.93,
  what: "connect() refused",
  message: (gs, refs, ev) => {
    const g = gs[0] as ErrorGroup;
    return `nginx connects to ${peersText(gs)}${atConfig(refs)} but nothing listens there, while port ${nearbyListener(ev, g)} on the same host is listening. The configured port is most likely wrong; clients got 502.`;
  },
  fix: (gs, refs, ev) => {
    const g = gs[0] as ErrorGroup;
    const right = nearbyListener(ev, g);
    const d = refs.servers[0]?.server.directive ?? refs.passes[0]?.directive;
    const at = d ? ` at ${d.file}:${d.line}` : "";
    return `Change the port of ${g.peer} to ${right}${at} (or make the backend listen on the configured port), then \`nginx -t && nginx -s reload\`.`;
  },
  verify: (gs, _r, ev) => {
    const g = gs[0] as ErrorGroup;
    const { host } = splitPeer(g.peer ?? "");
    return `\`${curlFor(`${host}:${nearbyListener(ev, g)}`)}\` answers with an HTTP status, and after the reload requests through nginx no longer return 502.`;
  },
});
