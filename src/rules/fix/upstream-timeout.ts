/**
 * upstream-timeout: when the evidence says the timeout is below the backend's real response time (the rule's
 * fix then says "Raise"), raise the read/send timeout in the location of the slow endpoint only — the other
 * locations keep failing fast. A connect timeout is not raised: a backend that does not accept in time is down
 * or overloaded, which no timeout fixes.
 */
import { passSeconds } from "../lint/util.js";
import type { CauseFix, FixPlan } from "./types.js";
import { plan, refsOf, setOrInsert } from "./util.js";

export const upstreamTimeoutFix: CauseFix = {
  rule: "upstream-timeout",
  plan(finding, { model }) {
    const phase = /(read|send)_timeout/.exec(finding.fix)?.[1];
    if (!/^Raise /.test(finding.fix) || !phase) {
      const at = finding.locations[0];
      return [
        {
          rule: "upstream-timeout",
          id: at?.line ? `upstream-timeout@${at.file}:${at.line}` : "upstream-timeout",
          title: "make the backend answer in time (no configuration change)",
          explanation: `The evidence does not show a timeout below the backend's normal response time, so raising it would only make clients wait longer: ${finding.fix}`,
          edits: [],
        },
      ];
    }
    const out: FixPlan[] = [];
    for (const p of refsOf(finding, model).passes) {
      if (!p.location) continue;
      const t = passSeconds(model, p, `${phase}_timeout`);
      const now = t.seconds ?? 60;
      const want = Math.max(120, now * 2);
      out.push(
        plan("upstream-timeout", p.directive, {
          title: `${t.name} ${want}s in location ${p.location.path} only`,
          explanation: `Requests here outlast ${t.name} ${t.directive?.args[0] ?? "60s (default)"}; the new value is max(120s, 2 × current) = ${want}s, set in this location so other paths keep their limit.`,
          edits: [setOrInsert(p.scope, t.name, [`${want}s`])],
        }),
      );
    }
    return out;
  },
};
