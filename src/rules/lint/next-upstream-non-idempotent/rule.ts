import { effective } from "../../../nginx/config/model.js";
import { where } from "../../finding.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

/** Retrying POST/PATCH on another peer duplicates side effects; `off` on a pool gives up on the first error. */
export const nextUpstreamNonIdempotent: LintRule = {
  meta: {
    id: "next-upstream-non-idempotent",
    title: "Risky proxy_next_upstream setting",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "`non_idempotent` lets nginx resend POST, LOCK and PATCH requests to another server after a failure, which can charge a card or create an order twice. `off` on a group of several servers throws away the retry that would have hidden a single failing peer, so clients see its 502s.",
    why: "Retries either duplicate side effects or are switched off where they would help.",
    fix: "Keep the default `proxy_next_upstream error timeout;` (add `http_502 http_503` if safe), without `non_idempotent`, and bound retries with `proxy_next_upstream_tries 2;`.",
    nginxVersions: ">= 1.9.13 (non_idempotent)",
  },
  check(model) {
    const out: LintReport[] = [];
    const seen = new Set<string>();
    for (const p of httpPasses(model)) {
      const mod = p.module;
      const e = effective(model, p.scope, `${mod}_next_upstream`);
      const d = e.directives[0];
      if (!d) continue;
      const key = `${where(d)}`;
      if (d.args.includes("non_idempotent") && !seen.has(key)) {
        seen.add(key);
        out.push({
          directive: d,
          message: `${d.name} … non_idempotent resends POST/PATCH/LOCK to another server after a failure`,
        });
      }
      const peers = p.upstream ? p.upstream.servers.length : 1;
      if (d.args[0] === "off" && peers > 1 && !seen.has(`${key}off`)) {
        seen.add(`${key}off`);
        out.push({
          directive: d,
          related: [p.directive],
          message: `${d.name} off: with ${peers} servers behind \`${p.raw}\`, one failing peer's errors reach clients instead of being retried`,
        });
      }
    }
    return out;
  },
};
