import { rewriteExample, uriJoinProblem } from "../../../nginx/config/uri.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

/** location/proxy_pass URI combinations that double or glue path segments. */
export const proxyPassUriPrefix: LintRule = {
  meta: {
    id: "proxy-pass-uri-prefix",
    title: "proxy_pass URI mangles the location prefix",
    kind: "lint",
    severity: "warning",
    status: null,
    description:
      "When proxy_pass carries a URI part, nginx swaps the matched location prefix for it. If only one of the two ends with a slash, paths come out as `/api//items` or `/v1items`, which backends answer with 404, redirects or errors. In a regex location a URI part is not allowed at all and nginx refuses the configuration.",
    why: "The backend receives a doubled or glued path and cannot route it.",
    fix: "Make both end with `/` (`location /api/ { proxy_pass http://b/v1/; }`) or neither; or drop the URI part to pass the request path unchanged.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy", "grpc"])) {
      const l = p.location;
      if (!l || p.uri === null || p.hasVariables) continue;
      if (l.modifier === "~" || l.modifier === "~*" || l.modifier === "@") {
        out.push({
          directive: p.directive,
          message: `\`proxy_pass ${p.raw}\` has a URI part inside location ${l.modifier} ${l.path}; nginx rejects this ("cannot have URI part")`,
        });
        continue;
      }
      if (l.modifier === "=") continue;
      const problem = uriJoinProblem(l.path, p.uri);
      if (!problem) continue;
      const ex = rewriteExample(l.path, p.uri);
      out.push({
        directive: p.directive,
        related: l.scope.block ? [l.scope.block] : [],
        message: `location ${l.path} with \`proxy_pass ${p.raw}\` sends ${ex.from} upstream as ${ex.to} (${problem})`,
      });
    }
    return out;
  },
};
