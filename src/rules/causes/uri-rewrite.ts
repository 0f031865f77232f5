import type { Evidence } from "../../evidence/types.js";
import type { PassTarget } from "../../nginx/config/model.js";
import { rewriteExample, uriJoinProblem } from "../../nginx/config/uri.js";
import { finding, where } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import type { CauseRule } from "./types.js";
import { configItem, loc } from "./util.js";

function candidates(ev: Evidence): PassTarget[] {
  return (ev.config?.model.passes ?? []).filter(
    (p) =>
      p.module === "proxy" &&
      p.uri !== null &&
      !p.hasVariables &&
      p.location !== null &&
      (p.location.modifier === "" || p.location.modifier === "^~") &&
      p.uri !== p.location.path,
  );
}

/** A proxy_pass URI part that strips, doubles or mangles the location prefix, seen as 404s from the upstream. */
export const uriRewrite: CauseRule = {
  meta: {
    id: "uri-rewrite",
    title: "proxy_pass URI rewrites the request path the backend expects",
    kind: "cause",
    severity: "error",
    status: null,
    description:
      "When proxy_pass has a URI part (even a lone '/'), nginx replaces the matched location prefix with it. A trailing slash too many or too few strips the prefix the backend routes on or produces '//' and glued paths; the backend answers 404 (or errors), not the page.",
    nginxVersions: "all",
    uses: "The configuration (a prefix location whose proxy_pass has a URI part) and the access log (the share of 404s under that location).",
  },
  diagnose(ev: Evidence): Finding[] {
    const out: Finding[] = [];
    for (const p of candidates(ev)) {
      const l = p.location;
      if (!l || p.uri === null) continue;
      const ex = rewriteExample(l.path, p.uri);
      const join = uriJoinProblem(l.path, p.uri);
      const byLoc = ev.accessLog?.byLocation ?? {};
      const key = Object.keys(byLoc).find(
        (k) => k === l.path || k.startsWith(l.path) || l.path.startsWith(k),
      );
      const g = key ? byLoc[key] : undefined;
      const share = g && g.requests > 0 ? (g.s404 ?? 0) / g.requests : 0;
      const seen404 = g !== undefined && g.requests >= 5 && share >= 0.2;
      if (!seen404 && !join) continue;
      const evidence: EvidenceItem[] = [
        configItem(
          p.directive,
          `location ${l.path} → a request for ${ex.from} reaches the backend as ${ex.to}`,
        ),
      ];
      if (l.scope.block) evidence.push(configItem(l.scope.block));
      if (g && key)
        evidence.push({
          source: "access-log",
          summary: `${g.s404 ?? 0} of ${g.requests} requests under ${key} got 404 (${Math.round(share * 100)}%)`,
          data: { location: key, requests: g.requests, s404: g.s404 ?? 0 },
        });
      out.push(
        finding(this.meta, {
          confidence: seen404 ? (join ? 0.9 : 0.8) : 0.55,
          message: `In location ${l.path} (${l.scope.block ? `${where(l.scope.block)}` : ""}), \`proxy_pass ${p.raw}\` replaces the prefix ${l.path} with ${p.uri}: a request for ${ex.from} is sent upstream as ${ex.to}${join ? ` (${join})` : ""}.${seen404 ? ` The backend answers 404 for ${Math.round(share * 100)}% of these requests, so it expects the original path.` : ""}`,
          evidence,
          fix: join
            ? `Make the slashes agree at ${where(p.directive)}: either \`location ${l.path.endsWith("/") ? l.path : `${l.path}/`}\` with \`proxy_pass ${p.raw.endsWith("/") ? p.raw : `${p.raw}/`}\`, or drop the URI part (\`proxy_pass ${p.raw.slice(0, p.raw.length - p.uri.length)};\`) to pass the path unchanged.`
            : `If the backend routes on the full path, drop the URI part at ${where(p.directive)}: \`proxy_pass ${p.raw.slice(0, p.raw.length - p.uri.length)};\` (no trailing slash) passes ${ex.from} unchanged. Keep the URI only if the backend really serves the stripped path.`,
          verify: `\`curl -s -o /dev/null -w '%{http_code}\\n' http://<server>${ex.from}\` returns the backend's page instead of 404; the backend's access log shows the path you expect.`,
          locations: [loc(p.directive)],
        }),
      );
    }
    return out;
  },
};
