/**
 * intercepted-status: `error_page CODE =502 …` (with *_intercept_errors on) turns a backend's own answer into
 * a 502. The fix drops the `=502`/`=504` response-code override, so clients get the backend's status with the
 * same error page; why the backend answers that status is the operator's to look at.
 */

import { where } from "../finding.js";
import type { CauseFix, FixPlan } from "./types.js";
import { plan } from "./util.js";

export const interceptedStatusFix: CauseFix = {
  rule: "intercepted-status",
  plan(finding, { model }) {
    const at = new Set(finding.locations.map((l) => where(l)));
    const out: FixPlan[] = [];
    for (const { directive: d } of model.all) {
      if (d.name !== "error_page" || !at.has(where(d))) continue;
      const args = d.args.filter((a) => !/^=50[24]$/.test(a));
      if (args.length === d.args.length) continue;
      out.push(
        plan("intercepted-status", d, {
          title: `error_page ${args.join(" ")} (no =${d.args.find((a) => /^=50[24]$/.test(a))?.slice(1)} override)`,
          explanation:
            "The backend answered with its own status and this error_page rewrote it into a gateway error; without the override clients get the backend's status (with the same page), and monitoring stops counting 502s that nginx did not cause.",
          edits: [{ op: "set", directive: d, args }],
        }),
      );
    }
    return out;
  },
};
