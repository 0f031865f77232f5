/**
 * proxy-pass-hostname-no-resolver: a name in proxy_pass is resolved once at start-up. Putting the name in a
 * variable makes nginx resolve it per request (cached by `resolver … valid=`), so DNS changes are followed:
 *
 *   set $upstream_api_example_com "api.example.com";
 *   proxy_pass http://$upstream_api_example_com:8080;
 *
 * Only for a proxy_pass without a URI part: with a variable, a URI part stops replacing the location prefix
 * and would change which path the backend gets. Upstream `server` lines need `resolve` (nginx ≥ 1.27.3, with a
 * zone), which is only offered when the configuration's nginx version is known to have it.
 */
import type { Edit } from "../../nginx/config/edits.js";
import { resolverAt } from "../lint/util.js";
import { resolverArgs } from "./no-resolver.js";
import type { LintFix } from "./types.js";
import { passArgument, plan, withParam } from "./util.js";

function atLeast(v: string | undefined, want: number[]): boolean {
  if (!v) return false;
  const have = v.split(".").map(Number);
  for (let i = 0; i < want.length; i++) {
    const a = have[i] ?? 0;
    const b = want[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

export const proxyPassHostnameNoResolverFix: LintFix = {
  rule: "proxy-pass-hostname-no-resolver",
  plan(report, ctx) {
    const { model } = ctx;
    const resolver = resolverArgs(ctx);
    const p = model.passes.find((x) => x.directive === report.directive);
    if (p) {
      if (!p.host || !p.location || p.uri !== null) {
        return plan("proxy-pass-hostname-no-resolver", report.directive, {
          title: `resolve ${p.host ?? p.raw} per request`,
          explanation: `This proxy_pass has a URI part (${p.uri ?? ""}); with a variable host the URI would no longer replace the location prefix, so move the name into an upstream block with \`server ${p.host} resolve;\` (nginx ≥ 1.27.3) or reload nginx when DNS changes.`,
          edits: [],
        });
      }
      const v = `upstream_${p.host.toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
      const edits: Edit[] = [
        {
          op: "insert",
          scope: p.scope,
          before: p.directive,
          directive: { name: "set", args: [`$${v}`, p.host] },
        },
        { op: "set", directive: p.directive, args: [passArgument(p, { host: `$${v}` })] },
      ];
      if (!resolverAt(model, p.scope)) {
        if (!resolver || !p.server) return null;
        edits.push({ op: "insert", scope: p.server.scope, directive: { name: "resolver", args: resolver } });
      }
      return plan("proxy-pass-hostname-no-resolver", p.directive, {
        title: `resolve ${p.host} per request: set $${v}, proxy_pass through it${resolverAt(model, p.scope) ? "" : ", resolver"}`,
        explanation: `nginx resolves a name written in proxy_pass once, at start-up, and keeps the address until a reload. Through a variable it asks the resolver${resolverAt(model, p.scope) ? "" : " (this host's name servers, cached 30 s)"} per request and follows DNS changes.`,
        edits,
      });
    }
    // An upstream server line.
    const d = report.directive;
    if (!atLeast(model.version, [1, 27, 3]))
      return plan("proxy-pass-hostname-no-resolver", d, {
        title: `server ${d.args[0]} resolve`,
        explanation: `\`server ${d.args[0]} resolve;\` (with a \`zone\` in the upstream and a resolver) follows DNS changes from nginx 1.27.3 on; ${model.version ? `this is ${model.version}` : "the nginx version is not known"}, so reload nginx after DNS changes instead.`,
        edits: [],
      });
    const u = [...model.upstreams.values()].find((x) => x.servers.some((s) => s.directive === d));
    if (!u) return null;
    const edits: Edit[] = [{ op: "set", directive: d, args: withParam(d.args, "resolve", null) }];
    if (!u.zone)
      edits.push({
        op: "insert",
        scope: u.scope,
        directive: { name: "zone", args: [`${u.name}_zone`, "64k"] },
      });
    if (!u.resolver && !(model.http && resolverAt(model, model.http))) {
      if (!resolver) return null;
      edits.push({ op: "insert", scope: u.scope, directive: { name: "resolver", args: resolver } });
    }
    return plan("proxy-pass-hostname-no-resolver", d, {
      title: `server ${d.args[0]} resolve (upstream ${u.name})`,
      explanation:
        "With `resolve` nginx re-resolves the name while running (it needs a shared-memory zone and a resolver).",
      edits,
    });
  },
};
