import { globalValue } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";

/** Total connection capacity (processes × connections) too small for a proxy. */
export const workerConnectionsSmall: LintRule = {
  meta: {
    id: "worker-connections-small",
    title: "Too few worker connections for a reverse proxy",
    kind: "lint",
    severity: "warning",
    status: 500,
    description:
      'Every proxied request holds two connections (client and upstream) in one worker. With worker_processes × worker_connections below about a thousand, a modest burst exhausts them: nginx logs "worker_connections are not enough" and answers 500 or drops connections.',
    why: "A burst of proxied requests runs out of connection slots.",
    fix: "Set `worker_processes auto;` and `worker_connections 4096;` (raise worker_rlimit_nofile to at least twice that).",
    nginxVersions: "all (default worker_connections 512)",
  },
  check(model) {
    if (model.passes.length === 0) return [];
    const wc = globalValue(model, "worker_connections");
    const wp = globalValue(model, "worker_processes");
    const conns = Number(wc.args?.[0] ?? 512);
    const procsRaw = wp.args?.[0] ?? "1";
    const procs = procsRaw === "auto" ? 2 : Number(procsRaw);
    if (!Number.isFinite(conns) || !Number.isFinite(procs) || procs * conns >= 1024) return [];
    const d = wc.directives[0] ?? model.events?.block ?? model.passes[0]?.directive;
    if (!d) return [];
    const out: LintReport[] = [
      {
        directive: d,
        message: `worker_connections ${conns}${wc.source === "default" ? " (default)" : ""} × worker_processes ${procsRaw}${procsRaw === "auto" ? " (assumed 2)" : ""} = ${procs * conns} connections, about ${Math.floor((procs * conns) / 2)} proxied requests at once`,
      },
    ];
    return out;
  },
};
