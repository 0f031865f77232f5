import { isIpAddress } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses, resolverAt } from "../util.js";

/** A variable host in *_pass needs nginx's resolver at request time. */
export const passVariableNoResolver: LintRule = {
  meta: {
    id: "pass-variable-no-resolver",
    title: "Variable in proxy_pass host without a resolver",
    kind: "lint",
    severity: "error",
    status: 502,
    description:
      'With a variable in the host part of proxy_pass (fastcgi_pass, grpc_pass…), nginx resolves the name for every request with its own resolver, unless the value names an upstream{} block. Without a `resolver` directive in effect each such request fails with 502 and the error log says "no resolver defined to resolve …".',
    why: "nginx cannot resolve a run-time hostname without a `resolver`: every request gets 502.",
    fix: "Add `resolver <dns-ip> valid=30s;` (e.g. 127.0.0.53, the VPC resolver, or 127.0.0.11 in Docker) in the http, server or location block, or make the variable name an upstream{} block.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model)) {
      if (!p.hasVariables || p.unixPath || !p.host || !p.host.includes("$")) continue;
      const literal = p.host.slice(0, p.host.indexOf("$"));
      if (
        literal !== "" &&
        (isIpAddress(literal.replace(/:$/, "")) || model.upstreams.has(literal.toLowerCase()))
      )
        continue;
      if (resolverAt(model, p.scope)) continue;
      out.push({
        directive: p.directive,
        message: `\`${p.directive.name} ${p.raw}\` takes its host from a variable, but no resolver is in effect here: requests fail with "no resolver defined to resolve"`,
      });
    }
    return out;
  },
};
