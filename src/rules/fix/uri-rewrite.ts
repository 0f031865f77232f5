/**
 * uri-rewrite: the proxy_pass URI part replaces the location prefix the app routes on. The fix drops the URI
 * part, so nginx passes the request URI unchanged (the app sees `/api/users` again, not `/users`).
 */
import type { CauseFix } from "./types.js";
import { passArgument, plan, refsOf } from "./util.js";

export const uriRewriteFix: CauseFix = {
  rule: "uri-rewrite",
  plan(finding, { model }) {
    return refsOf(finding, model)
      .passes.filter((p) => p.uri !== null && !p.hasVariables && p.location)
      .map((p) =>
        plan("uri-rewrite", p.directive, {
          title: `${p.directive.name} ${p.raw} → ${passArgument(p, { uri: null })} (pass the URI unchanged)`,
          explanation: `With the URI part "${p.uri}", nginx replaces the matched prefix "${p.location?.path}" with it, and the backend answers the rewritten paths with errors; without it the backend gets the original path.`,
          edits: [{ op: "set", directive: p.directive, args: [passArgument(p, { uri: null })] }],
        }),
      );
  },
};
