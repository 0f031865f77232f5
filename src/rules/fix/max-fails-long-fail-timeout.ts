/**
 * max-fails-long-fail-timeout: one failure takes the server out for fail_timeout; tolerate a few failures
 * (max_fails=3) and come back sooner (fail_timeout=10s).
 */
import type { LintFix } from "./types.js";
import { plan, withParam } from "./util.js";

export const maxFailsLongFailTimeoutFix: LintFix = {
  rule: "max-fails-long-fail-timeout",
  plan(report) {
    const d = report.directive;
    const args = withParam(withParam(d.args, "max_fails", "3"), "fail_timeout", "10s");
    return plan("max-fails-long-fail-timeout", d, {
      title: `server ${d.args[0]} max_fails=3 fail_timeout=10s`,
      explanation:
        "With max_fails=1 a single failed request marks the server down for the whole fail_timeout; three failures within 10s, then a 10s pause, rides out a blip without long outages.",
      edits: [{ op: "set", directive: d, args }],
    });
  },
};
