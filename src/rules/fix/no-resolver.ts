/** no-resolver (cause) and pass-variable-no-resolver (lint): add a `resolver` where the variable proxy_pass is. */
import type { PassTarget } from "../../nginx/config/model.js";
import { resolverAt } from "../lint/util.js";
import type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";
import { plan, refsOf } from "./util.js";

/** The resolver line for this host: its own name servers (resolv.conf), answers cached 30 s, no IPv6 lookups when none is IPv6. */
export function resolverArgs(ctx: FixContext): string[] | null {
  const servers = ctx.resolvers ?? [];
  if (servers.length === 0) return null;
  // More than one colon: an IPv6 address, which nginx wants in brackets.
  const isV6 = (s: string) => s.split(":").length > 2;
  const v6 = servers.some(isV6);
  const written = servers.map((s) => (isV6(s) && !s.startsWith("[") ? `[${s}]` : s));
  return [...written, "valid=30s", ...(v6 ? [] : ["ipv6=off"])];
}

export function resolverPlan(rule: string, p: PassTarget, ctx: FixContext): FixPlan | null {
  if (resolverAt(ctx.model, p.scope)) return null;
  const args = resolverArgs(ctx);
  const scope = p.server?.scope ?? ctx.model.http;
  if (!scope) return null;
  if (!args)
    return plan(rule, p.directive, {
      title: `add a resolver for ${p.raw}`,
      explanation:
        "The name in this proxy_pass is resolved at request time and needs a `resolver`, but this host's name servers are not known (no /etc/resolv.conf here); add `resolver <your DNS server> valid=30s;` to the server block.",
      edits: [],
    });
  return plan(rule, p.directive, {
    title: `resolver ${args.join(" ")} in the server block`,
    explanation:
      "A proxy_pass whose host comes from a variable is resolved per request with nginx's own resolver; without one every request fails (502). The name servers are this host's own (/etc/resolv.conf), answers are cached 30 s.",
    edits: [{ op: "insert", scope, directive: { name: "resolver", args } }],
  });
}

export const noResolverFix: CauseFix = {
  rule: "no-resolver",
  plan(finding, ctx) {
    const out: FixPlan[] = [];
    for (const p of refsOf(finding, ctx.model).passes.filter((x) => x.hasVariables)) {
      const r = resolverPlan("no-resolver", p, ctx);
      if (r) out.push(r);
    }
    return out;
  },
};

export const passVariableNoResolverFix: LintFix = {
  rule: "pass-variable-no-resolver",
  plan(report, ctx) {
    const p = ctx.model.passes.find((x) => x.directive === report.directive);
    return p ? resolverPlan("pass-variable-no-resolver", p, ctx) : null;
  },
};
