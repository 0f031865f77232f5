import type { LintReport, LintRule } from "../types.js";

/** One server, no backup: any failure of it is a 502 for everyone. */
export const singleServerNoBackup: LintRule = {
  meta: {
    id: "single-server-no-backup",
    title: "Upstream with a single server and no backup",
    kind: "lint",
    severity: "info",
    status: 502,
    description:
      "An upstream group with one server has nowhere to retry: a restart, crash or deploy of that one backend is a 502 for every client until it is back.",
    why: "There is no other peer to retry on.",
    fix: "Add a second server or a `backup` server, and deploy with draining.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const u of model.upstreams.values()) {
      const active = u.servers.filter((s) => !s.backup && !s.down);
      const backups = u.servers.filter((s) => s.backup);
      if (active.length === 1 && backups.length === 0 && !(active[0]?.resolve ?? false))
        out.push({
          directive: u.directive,
          message: `upstream ${u.name} has one server (${active[0]?.address}) and no backup`,
        });
    }
    return out;
  },
};
