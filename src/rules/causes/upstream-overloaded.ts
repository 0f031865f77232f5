import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** EAGAIN on a unix-socket connect: the backend's listen backlog is full (e.g. every PHP-FPM child busy). */
export const upstreamOverloaded: CauseRule = classRule({
  meta: {
    id: "upstream-overloaded",
    title: "Upstream's listen queue is full (backend saturated)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "For unix sockets connect() fails at once with EAGAIN when the listener's backlog is full: all backend workers are busy and the queue overflowed. nginx returns 502.",
    nginxVersions: "all",
  },
  classes: ["unix-socket-busy"],
  base: 0.92,
  what: '"Resource temporarily unavailable" connecting to a unix socket',
  message: (gs, refs) =>
    `${peersText(gs)}${atConfig(refs)} is not accepting connections fast enough: its listen queue is full because every worker is busy. Clients got 502.`,
  fix: () =>
    "Give the backend more capacity (PHP-FPM: raise `pm.max_children`, check `pm.status_path` for 'max children reached'), speed up slow requests, and raise the backlog (`listen.backlog`, `net.core.somaxconn`).",
  verify: () =>
    'The backend\'s status page shows idle workers under load and "Resource temporarily unavailable" lines stop.',
});
