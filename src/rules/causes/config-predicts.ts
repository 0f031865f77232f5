import type { Evidence } from "../../evidence/types.js";
import { docsFor } from "../finding.js";
import { lintModel } from "../lint/run.js";
import type { Finding } from "../types.js";
import type { CauseContext, CauseRule } from "./types.js";

/** Lint rules whose finding, alone, names the cause of a 502/504 — and that cause's id. */
const PREDICTS: Record<string, string> = {
  "upstream-all-down": "no-live-upstreams",
  "pass-variable-no-resolver": "no-resolver",
  "proxy-pass-hostname-no-resolver": "dns-stale",
  "scheme-port-mismatch": "scheme-mismatch",
  "proxy-pass-uri-prefix": "uri-rewrite",
  "worker-connections-small": "connection-limit",
  "rlimit-nofile-low": "fd-limit",
  "fastcgi-no-script-filename": "fastcgi-script-path",
  "proxy-buffer-size-small": "too-big-header",
  "ssl-verify-without-trusted-cert": "tls-upstream",
  "https-upstream-no-sni": "tls-upstream",
  "unix-socket-in-tmp": "unix-socket-missing",
  "unknown-upstream": "dns-unresolvable",
};

/** Lint rules whose severity makes the prediction stronger (an error, not a risk). */
const STRONG = new Set([
  "upstream-all-down",
  "unknown-upstream",
  "scheme-port-mismatch",
  "pass-variable-no-resolver",
]);

/**
 * With no error lines at all (a paste of the configuration, a bundle without logs), the configuration can still
 * name the likely cause: the lint rules that predict a 502/504 are reported under the cause they predict, with
 * low confidence and the evidence that would confirm them.
 */
export const configPredicts: CauseRule = {
  meta: {
    id: "config-predicts",
    title: "The configuration alone predicts the failure",
    kind: "cause",
    severity: "warning",
    status: null,
    uses: "The configuration only (lint rules that predict 502/504), when no error-log line is available.",
    description:
      "No error-log line was given, but a configuration rule that predicts a 502/504 fires: that cause is reported with low confidence until the error log confirms it.",
  },
  diagnose(ev: Evidence, ctx: CauseContext): Finding[] {
    const model = ev.config?.model;
    if (!model || ctx.findings.length > 0) return [];
    const failures = (ev.errorLog?.groups ?? []).some((g) => g.class !== "not-upstream");
    if (failures) return [];
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const f of lintModel(model)) {
      const cause = PREDICTS[f.id];
      if (!cause || seen.has(cause)) continue;
      seen.add(cause);
      out.push({
        ...f,
        id: cause,
        title: `${f.title} (predicted from the configuration)`,
        confidence: STRONG.has(f.id) ? 0.6 : 0.45,
        status: f.status ?? null,
        severity: "warning",
        message: `${f.message.replace(/\.?\s*$/, ".")} No error-log line shows it yet: the configuration alone predicts this cause (lint rule ${f.id}).`,
        verify: `The error log confirms it: \`tail -n 200 /var/log/nginx/error.log | badgateway explain -\`.`,
        docs: docsFor(cause),
      });
    }
    return out.sort((a, b) => b.confidence - a.confidence);
  },
};
