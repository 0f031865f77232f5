import type { LintReport, LintRule } from "../types.js";

/** Every server of an upstream is marked down: every request is an immediate 502. */
export const upstreamAllDown: LintRule = {
  meta: {
    id: "upstream-all-down",
    title: "Every server of an upstream is marked down",
    kind: "lint",
    severity: "error",
    status: 502,
    description:
      'Servers marked `down` never get traffic. When all primary servers are down and there is no backup, nginx answers every request for the group with 502 "no live upstreams" at once.',
    why: "There is no server left to send requests to.",
    fix: "Remove `down` from at least one server (or add a working `backup`), then reload.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()]) {
      if (u.servers.length === 0) continue;
      const live = u.servers.filter((s) => !s.down);
      if (live.length === 0)
        out.push({
          directive: u.directive,
          message: `all ${u.servers.length} server(s) of upstream ${u.name} are marked down`,
        });
    }
    return out;
  },
};
