/**
 * proxy-read-timeout-low and connect-timeout-too-low: put the timeout back to a value that lets normal
 * responses through, in the same place (the directive the rule points at, so its scope does not change).
 * Read/send: nginx's default 60s. Connect: 5s (the default 60s hides a dead backend for a minute).
 */
import type { LintFix } from "./types.js";
import { plan } from "./util.js";

export const proxyReadTimeoutLowFix: LintFix = {
  rule: "proxy-read-timeout-low",
  plan(report) {
    const d = report.directive;
    return plan("proxy-read-timeout-low", d, {
      title: `${d.name} 60s`,
      explanation: `${d.name} ${d.args[0]} ends every response that pauses that long with 504; 60s is nginx's default, kept at the same level so only the places that set it change.`,
      edits: [{ op: "set", directive: d, args: ["60s"] }],
    });
  },
};

export const connectTimeoutTooLowFix: LintFix = {
  rule: "connect-timeout-too-low",
  plan(report) {
    const d = report.directive;
    return plan("connect-timeout-too-low", d, {
      title: `${d.name} 5s`,
      explanation: `${d.name} ${d.args[0]} fails connections that need one extra round trip or a SYN retry; 5s tolerates that and still gives up on a dead backend quickly.`,
      edits: [{ op: "set", directive: d, args: ["5s"] }],
    });
  },
};
