import type { Evidence } from "../../evidence/types.js";
import { finding } from "../finding.js";
import type { Finding } from "../types.js";
import type { CauseContext, CauseRule } from "./types.js";
import { errorItem } from "./util.js";

/**
 * Upstream failures that no specific rule explained: error-log lines of unclaimed classes, or 502/504
 * in the access log with no error log to explain them. Low confidence; says what evidence is missing.
 */
export const unexplained: CauseRule = {
  meta: {
    id: "upstream-errors-unexplained",
    title: "Upstream failures without an identified cause",
    kind: "cause",
    severity: "warning",
    status: null,
    uses: "Whatever is left: upstream error lines no other rule claimed, or 502/504 in the access log with no error log.",
    description:
      "badgateway saw 502/504 responses or upstream errors but no rule could name the cause from the evidence given. Usually more evidence (the error log, the configuration, live probes) settles it.",
  },
  diagnose(ev: Evidence, ctx: CauseContext): Finding[] {
    const left = (ev.errorLog?.groups ?? []).filter((g) => g.class !== "not-upstream" && !ctx.claimed.has(g));
    const acc = ev.accessLog;
    const failed = acc ? acc.totals.s502 + acc.totals.s504 : 0;
    if (left.length === 0 && (ctx.findings.length > 0 || failed === 0)) return [];
    const missing = [
      !ev.errorLog && "the error log",
      !ev.config && "the configuration (nginx -T)",
      !ev.probes && "live probes",
    ].filter(Boolean) as string[];
    const parts: string[] = [];
    if (left.length)
      parts.push(
        `${left.reduce((n, g) => n + g.count, 0)} upstream error lines of classes ${[...new Set(left.map((g) => g.class))].join(", ")}`,
      );
    if (failed && ctx.findings.length === 0)
      parts.push(`${acc?.totals.s502 ?? 0} × 502 and ${acc?.totals.s504 ?? 0} × 504 in the access log`);
    return [
      finding(this.meta, {
        confidence: 0.3,
        message: `Found ${parts.join(" and ")} that no specific cause explains.${missing.length ? ` Missing evidence: ${missing.join(", ")}.` : ""}`,
        evidence: [
          ...left.slice(0, 5).map((g) => errorItem(g, g.class)),
          ...(failed && acc
            ? [
                {
                  source: "access-log",
                  summary: `${acc.totals.s502} × 502, ${acc.totals.s504} × 504 of ${acc.totals.requests} requests`,
                },
              ]
            : []),
        ],
        fix: `Give badgateway ${missing.length ? missing.join(", ") : "the time window around the failures"} and run diagnose again; read the sample lines above with \`badgateway explain\`.`,
        verify: "`badgateway diagnose` then names a specific cause.",
        locations: [],
      }),
    ];
  },
};
