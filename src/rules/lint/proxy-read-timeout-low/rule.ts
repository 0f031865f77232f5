import type { LintReport, LintRule } from "../types.js";
import { shortPassTimeouts } from "../util.js";

/** Read/send timeouts of a few seconds cut off ordinary slow requests with 504. */
export const proxyReadTimeoutLow: LintRule = {
  meta: {
    id: "proxy-read-timeout-low",
    title: "Upstream read or send timeout of only a few seconds",
    kind: "lint",
    severity: "warning",
    status: 504,
    description:
      "proxy_read_timeout is the longest pause allowed between two reads from the upstream (proxy_send_timeout between two writes). Values of a few seconds end slow but healthy requests — reports, uploads, cold caches — with 504 Gateway Timeout.",
    why: "Slow but healthy responses are cut off with 504.",
    fix: "Keep the default 60s (or what the slowest endpoint needs), and lower it only in locations whose responses are known to be fast.",
    nginxVersions: "all",
  },
  check: (model) =>
    shortPassTimeouts(
      model,
      ["read_timeout", "send_timeout"],
      3,
      (name, value) => `${name} ${value} ends any response that pauses longer than that with 504`,
    ),
};
