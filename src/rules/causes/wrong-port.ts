import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { listenPorts } from "../../nginx/config/listen.js";
import { where } from "../finding.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { curlFor, probesFor, splitPeer } from "./util.js";

/** A listener this many ports away from the refused one (either side, inclusive) counts as nearby. */
export const WRONG_PORT_WINDOW = 10;
/** Ports apps commonly listen on: a listener there counts even outside the window (not 80/443: nginx's own). */
const USUAL_APP_PORTS = [3000, 5000, 8000, 8008, 8080, 8081, 8443, 8888, 9000];

/** Process names of nginx builds (their listeners are nginx's own). */
const NGINX_PROCESSES = ["nginx", "openresty", "angie"];

function bare(h: string): string {
  return h.replace(/^\[|\]$/g, "").toLowerCase();
}
function loopback(h: string): boolean {
  return h === "localhost" || h.startsWith("127.") || h === "::1";
}
/** Two upstream hosts that reach the same machine as far as the config tells: equal, or both loopback. */
function sameMachine(a: string, b: string): boolean {
  const x = bare(a);
  const y = bare(b);
  return x === y || (loopback(x) && loopback(y));
}

/** Ports that some proxy_pass/upstream server of the configuration already uses as a backend on `host`. */
function backendPorts(ev: Evidence, host: string, except: number | null): Set<number> {
  const out = new Set<number>();
  const model = ev.config?.model;
  if (!model) return out;
  for (const p of model.passes)
    if (!p.upstream && p.host && p.port !== null && p.port !== except && sameMachine(p.host, host))
      out.add(p.port);
  for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
    for (const s of u.servers)
      if (s.host && s.port !== null && s.port !== except && sameMachine(s.host, host)) out.add(s.port);
  return out;
}

/**
 * The port the refused peer was probably meant to use: a listener the probe found on the peer's own address
 * (see nearbyListeners) that is not nginx itself (owned by an nginx process, or a port of its `listen`
 * directives), that no other location already uses as its backend, and that is within WRONG_PORT_WINDOW
 * ports or on a usual app port. Null when there is none.
 */
export function nearbyListener(ev: Evidence, g: ErrorGroup): number | null {
  if (!g.peer) return null;
  const { host, port } = splitPeer(g.peer);
  if (host === null) return null;
  const own = new Set(ev.config ? listenPorts(ev.config.model) : []);
  const used = backendPorts(ev, host, port);
  for (const p of probesFor(ev, g.peer)) {
    const near = p.data?.["nearbyListeners"];
    if (!Array.isArray(near)) continue;
    for (const n of near as Array<{ port?: number; process?: string | null } | number>) {
      const candidate = typeof n === "number" ? n : n.port;
      if (typeof candidate !== "number" || candidate === port) continue;
      const proc = typeof n === "number" ? null : (n.process ?? null);
      if (own.has(candidate) || NGINX_PROCESSES.includes(proc ?? "") || used.has(candidate)) continue;
      const close = port !== null && Math.abs(candidate - port) <= WRONG_PORT_WINDOW;
      if (close || USUAL_APP_PORTS.includes(candidate)) return candidate;
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
    uses: "Probe results: a TCP check of the refused peer that found another port listening on the peer's own address (a wildcard 0.0.0.0/:: listener only when the peer is local: loopback or an address of this host), within 10 ports of it or on a usual app port (3000, 5000, 8000, 8008, 8080, 8081, 8443, 8888, 9000). Never a port nginx itself listens on (its `listen` directives, or a listener owned by an nginx process), and never a port another proxy_pass/upstream server of the configuration already uses as its backend on that host.",
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
    const at = d ? ` at ${where(d)}` : "";
    return `Change the port of ${g.peer} to ${right}${at} (or make the backend listen on the configured port), then \`nginx -t && nginx -s reload\`.`;
  },
  verify: (gs, _r, ev) => {
    const g = gs[0] as ErrorGroup;
    const { host } = splitPeer(g.peer ?? "");
    return `\`${curlFor(`${host}:${nearbyListener(ev, g)}`)}\` answers with an HTTP status, and after the reload requests through nginx no longer return 502.`;
  },
});
