import { globalValue } from "../../nginx/config/model.js";
import { where } from "../finding.js";
import { classRule } from "./simple.js";
import type { CauseRule } from "./types.js";
import { configItem, loc } from "./util.js";

/** worker_connections exhausted: nginx cannot open the upstream connection (or accept clients). */
export const connectionLimit: CauseRule = classRule({
  meta: {
    id: "connection-limit",
    title: "nginx ran out of worker_connections",
    kind: "cause",
    severity: "error",
    status: 500,
    description:
      'Each worker may hold at most worker_connections connections, and a proxied request needs two (client + upstream). When they run out nginx logs "worker_connections are not enough"; the client gets 500 (not 502) or the connection is dropped.',
    nginxVersions: "all",
  },
  classes: ["worker-connections"],
  base: 0.95,
  what: '"worker_connections are not enough"',
  message: (_gs, _r, ev) => {
    const m = ev.config?.model;
    const wc = m ? globalValue(m, "worker_connections") : null;
    const wp = m ? globalValue(m, "worker_processes") : null;
    return `Workers hit their connection limit (worker_connections ${wc?.args?.[0] ?? "?"}${wc?.source === "default" ? " — the default" : ""} × worker_processes ${wp?.args?.[0] ?? "?"}). With two connections per proxied request that caps concurrent requests at about half. Affected clients got 500 Internal Server Error or a dropped connection, not 502.`;
  },
  fix: (_gs, _r, ev) => {
    const wc = ev.config ? globalValue(ev.config.model, "worker_connections").directives[0] : undefined;
    return `Raise \`worker_connections\` (e.g. 4096)${wc ? ` at ${where(wc)}` : " in the events block"}, keep \`worker_rlimit_nofile\` at least twice that, and use \`worker_processes auto;\`. Enable upstream keepalive to reuse connections.`;
  },
  verify: () =>
    "`nginx -T | grep -E 'worker_(connections|processes|rlimit_nofile)'` shows the new values; under the same load stub_status 'Active connections' stays below worker_processes × worker_connections and the alert disappears.",
  locations: (_gs, _r, ev) => {
    const d = ev.config ? globalValue(ev.config.model, "worker_connections").directives[0] : undefined;
    return d ? [loc(d)] : [];
  },
  extra: (_gs, _r, ev) => {
    const d = ev.config ? globalValue(ev.config.model, "worker_connections").directives[0] : undefined;
    return d ? [configItem(d)] : [];
  },
});
