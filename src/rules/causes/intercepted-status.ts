import type { Evidence } from "../../evidence/types.js";
import { type Directive, findDirectives } from "../../nginx/config/model.js";
import { finding, where } from "../finding.js";
import type { EvidenceItem, Finding } from "../types.js";
import type { CauseContext, CauseRule } from "./types.js";
import { configItem, loc } from "./util.js";

/** `error_page 404 =502 /x` → the codes it catches and the status it answers with (null: keeps the code). */
function rewriteOf(d: Directive): { codes: number[]; to: number | null } {
  const codes: number[] = [];
  let to: number | null = null;
  for (const a of d.args) {
    if (/^\d{3}$/.test(a)) codes.push(Number(a));
    else if (/^=\d{3}$/.test(a)) to = Number(a.slice(1));
  }
  return { codes, to };
}

/**
 * A 502/504 in the access log that no upstream failure explains: the upstream answered (e.g. 404) and nginx
 * replaced the answer, through `*_intercept_errors on` and an `error_page … =502`.
 */
export const interceptedStatus: CauseRule = {
  meta: {
    id: "intercepted-status",
    title: "nginx turned the backend's answer into a 502/504 (error_page with intercept_errors)",
    kind: "cause",
    severity: "error",
    status: 502,
    uses: "Access log with $upstream_status (502/504 sent while the upstream answered something else); the configuration's error_page and *_intercept_errors lines.",
    description:
      "The backend did answer, with another status such as 404 or 500; `proxy_intercept_errors on` (or fastcgi_/uwsgi_/scgi_/grpc_intercept_errors) handed that answer to an `error_page` that changes the code to 502 or 504. No error-log line is written because nothing failed between nginx and the backend.",
    nginxVersions: "all",
  },
  diagnose(ev: Evidence, _ctx: CauseContext): Finding[] {
    const acc = ev.accessLog;
    if (!acc || !acc.fields.upstreamStatus || !acc.rewritten?.length) return [];
    const rows = acc.rewritten.filter((r) => r.status === 502 || r.status === 504);
    if (rows.length === 0) return [];
    const n = rows.reduce((s, r) => s + r.count, 0);
    const failed = acc.totals.s502 + acc.totals.s504;
    const model = ev.config?.model;
    const pages: Directive[] = [];
    const intercepts: Directive[] = [];
    if (model) {
      for (const { directive: d } of findDirectives(model, "error_page")) {
        const r = rewriteOf(d);
        if (r.to !== null && rows.some((x) => x.status === r.to && r.codes.includes(x.upstreamStatus)))
          pages.push(d);
      }
      for (const m of ["proxy", "fastcgi", "uwsgi", "scgi", "grpc"])
        for (const { directive: d } of findDirectives(model, `${m}_intercept_errors`))
          if (d.args[0] === "on") intercepts.push(d);
    }
    const top = rows[0] as (typeof rows)[number];
    const what = rows
      .slice(0, 3)
      .map(
        (r) =>
          `${r.count} × ${r.status} where the backend answered ${r.upstreamStatus}${r.location ? ` under ${r.location}` : ""}`,
      )
      .join("; ");
    const cfg = [...intercepts.slice(0, 2), ...pages.slice(0, 2)];
    const evidence: EvidenceItem[] = [
      {
        source: "access-log",
        summary: `${what} ($status vs $upstream_status)`,
        data: { rewritten: rows.slice(0, 10), count: n },
      },
      ...cfg.map((d) => configItem(d)),
    ];
    const made = pages.length
      ? ` ${intercepts.length ? `${intercepts.map((d) => `${d.name} on (${where(d)})`).join(", ")} and ` : ""}${pages.map((d) => `error_page ${d.args.join(" ")} (${where(d)})`).join(", ")} made them.`
      : " No error_page that rewrites to that status was found in the configuration given; look for `error_page … =502` and `*_intercept_errors on` in `nginx -T`.";
    return [
      finding(this.meta, {
        confidence: Math.round(Math.min(0.97, 0.75 + 0.2 * (failed > 0 ? n / failed : 1)) * 100) / 100,
        status: top.status === 504 ? 504 : 502,
        message: `${n} of the ${failed} 502/504 answers in the access log did not come from a failed upstream: the backend answered ${[...new Set(rows.map((r) => r.upstreamStatus))].join("/")} and nginx sent ${[...new Set(rows.map((r) => r.status))].join("/")} instead.${made}`,
        evidence,
        fix: pages.length
          ? `Either fix why the backend answers ${top.upstreamStatus}${top.location ? ` for ${top.location}` : ""} (a proxy_pass URI that strips or doubles the prefix is a common reason for 404), or stop rewriting it: remove \`=${top.status}\` from ${pages.map((d) => `\`error_page ${d.args.join(" ")}\` at ${where(d)}`).join(", ")} (or turn \`*_intercept_errors\` off there), then \`nginx -t && nginx -s reload\`.`
          : `Find the \`error_page … =${top.status}\` that catches ${top.upstreamStatus} (\`nginx -T | grep -nE 'error_page|intercept_errors'\`) and remove the rewrite, or fix why the backend answers ${top.upstreamStatus}.`,
        verify: `New access-log lines show the backend's own status (or 200) where they showed ${top.status} with upstream status ${top.upstreamStatus}: \`awk '$9 == ${top.status}' access.log\` stays empty for those URIs.`,
        locations: cfg.map(loc),
      }),
    ];
  },
};
