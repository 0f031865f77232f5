import { formatDuration } from "../../../nginx/config/units.js";
import type { LintReport, LintRule } from "../types.js";

/** One failure takes a server out for a long time: a blip empties the pool ("no live upstreams"). */
export const maxFailsLongFailTimeout: LintRule = {
  meta: {
    id: "max-fails-long-fail-timeout",
    title: "One failure disables a server for a long time",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      'With max_fails=1 (the default) a single failed request marks the server unavailable for fail_timeout. With a long fail_timeout, one short blip on every server removes them all for that long, and nginx answers 502 "no live upstreams" without trying.',
    why: "A short glitch takes servers out of rotation for a long time.",
    fix: "Tolerate a few failures and recover quickly: `server … max_fails=3 fail_timeout=10s;`.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
      for (const s of u.servers)
        if (s.maxFails === 1 && s.failTimeout >= 30)
          out.push({
            directive: s.directive,
            message: `server ${s.address} in upstream ${u.name}: one failure disables it for ${formatDuration(s.failTimeout)}`,
          });
    return out;
  },
};
