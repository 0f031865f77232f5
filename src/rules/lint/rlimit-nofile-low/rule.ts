import { globalValue } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";

/** worker_rlimit_nofile below 2 × worker_connections: descriptors run out before connection slots do. */
export const rlimitNofileLow: LintRule = {
  meta: {
    id: "rlimit-nofile-low",
    title: "worker_rlimit_nofile below twice worker_connections",
    kind: "lint",
    severity: "warning",
    status: 500,
    description:
      'Each connection is a file descriptor, and a proxied request needs two, plus files and logs. When worker_rlimit_nofile is lower than 2 × worker_connections, workers hit "Too many open files" under load: upstream connections fail with 500 and accepting stops.',
    why: "Workers run out of file descriptors before they run out of connections.",
    fix: "Set `worker_rlimit_nofile` to at least 2 × worker_connections (e.g. 65535) and the service's LimitNOFILE to match.",
    nginxVersions: "all",
  },
  check(model) {
    const n = globalValue(model, "worker_rlimit_nofile");
    const d = n.directives[0];
    if (!d) return [];
    const limit = Number(d.args[0]);
    const conns = Number(globalValue(model, "worker_connections").args?.[0] ?? 512);
    if (!Number.isFinite(limit) || limit >= 2 * conns) return [];
    const out: LintReport[] = [
      {
        directive: d,
        message: `worker_rlimit_nofile ${limit} is below 2 × worker_connections (${2 * conns})`,
      },
    ];
    return out;
  },
};
