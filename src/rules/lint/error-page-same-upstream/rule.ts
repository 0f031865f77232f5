import {
  effective,
  type LocationBlock,
  matchLocation,
  type PassTarget,
} from "../../../nginx/config/model.js";
import { where } from "../../finding.js";
import type { LintReport, LintRule } from "../types.js";

function sameTarget(a: PassTarget, b: PassTarget): boolean {
  if (a.upstream && b.upstream) return a.upstream === b.upstream;
  return a.host === b.host && a.port === b.port && a.unixPath === b.unixPath && a.host !== null;
}

/** An error page for 502/504 that is served by the same upstream that just failed. */
export const errorPageSameUpstream: LintRule = {
  meta: {
    id: "error-page-same-upstream",
    title: "502/504 error page served by the failing upstream",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "error_page 502/504 sends the client to another URI. If the location handling that URI proxies to the same upstream, it fails the same way at the same moment, and clients get nginx's bare error page (or a second error) instead of the friendly one.",
    why: "The error page depends on the backend that is down.",
    fix: "Serve error pages as static files from nginx itself (`location = /50x.html { root /usr/share/nginx/html; internal; }`).",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of model.passes) {
      if (!p.location || !p.server) continue;
      for (const ep of effective(model, p.scope, "error_page").directives) {
        const codes = ep.args.filter((a) => /^\d{3}$/.test(a));
        if (!codes.some((c) => c === "502" || c === "504")) continue;
        const target = ep.args[ep.args.length - 1] ?? "";
        let loc: LocationBlock | null = null;
        if (target.startsWith("@"))
          loc = p.server.locations.find((l) => l.modifier === "@" && l.path === target) ?? null;
        else if (target.startsWith("/")) loc = matchLocation(p.server, target);
        if (!loc) continue;
        const other = model.passes.find((q) => q.location === loc);
        if (other && sameTarget(p, other))
          out.push({
            directive: ep,
            related: [other.directive],
            message: `error_page ${codes.join(" ")} → ${target} is proxied to the same upstream (${other.raw}) that is failing`,
          });
      }
    }
    const seen = new Set<string>();
    return out.filter((r) => {
      const k = `${where(r.directive)}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
};
