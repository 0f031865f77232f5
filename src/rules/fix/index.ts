/**
 * Registry of fix planners and `planFixes`: findings of `diagnose` (cause rules) and of `lint` in, fix plans
 * out — configuration edits to validate and offer, or commands to print. Pure.
 */
import { editFile } from "../../nginx/config/edits.js";
import { where } from "../finding.js";
import { LINT_RULES } from "../lint/index.js";
import type { Finding } from "../types.js";
import { accessLogNoUpstreamFieldsFix } from "./access-log-no-upstream-fields.js";
import { fastcgiNoScriptFilenameFix, fastcgiScriptPathFix } from "./fastcgi-script-filename.js";
import { interceptedStatusFix } from "./intercepted-status.js";
import {
  singleServerNoBackupFix,
  unixSocketMissingFix,
  unixSocketPermissionFix,
  upstreamDownFix,
} from "./manual.js";
import { maxFailsLongFailTimeoutFix } from "./max-fails-long-fail-timeout.js";
import { noResolverFix, passVariableNoResolverFix } from "./no-resolver.js";
import { proxyPassHostnameNoResolverFix } from "./proxy-pass-hostname-no-resolver.js";
import { proxyPassUriPrefixFix } from "./proxy-pass-uri-prefix.js";
import { reloadChangedUpstreamFix } from "./reload-changed-upstream.js";
import { schemeMismatchFix } from "./scheme-mismatch.js";
import { connectTimeoutTooLowFix, proxyReadTimeoutLowFix } from "./timeouts.js";
import { httpsUpstreamNoSniFix, sslVerifyWithoutTrustedCertFix, tlsUpstreamFix } from "./tls.js";
import { proxyBufferSizeSmallFix, tooBigHeaderFix } from "./too-big-header.js";
import type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";
import { upstreamKeepaliveHttp10Fix } from "./upstream-keepalive-http10.js";
import { upstreamTimeoutFix } from "./upstream-timeout.js";
import { uriRewriteFix } from "./uri-rewrite.js";
import {
  connectionLimitFix,
  fdLimitFix,
  rlimitNofileLowFix,
  workerConnectionsSmallFix,
} from "./worker-limits.js";
import { wrongPortFix } from "./wrong-port.js";

export type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";

export const CAUSE_FIXES: CauseFix[] = [
  reloadChangedUpstreamFix,
  interceptedStatusFix,
  wrongPortFix,
  schemeMismatchFix,
  uriRewriteFix,
  noResolverFix,
  tooBigHeaderFix,
  upstreamTimeoutFix,
  connectionLimitFix,
  fdLimitFix,
  fastcgiScriptPathFix,
  tlsUpstreamFix,
  upstreamDownFix,
  unixSocketMissingFix,
  unixSocketPermissionFix,
];

export const LINT_FIXES: LintFix[] = [
  passVariableNoResolverFix,
  proxyPassHostnameNoResolverFix,
  httpsUpstreamNoSniFix,
  sslVerifyWithoutTrustedCertFix,
  upstreamKeepaliveHttp10Fix,
  workerConnectionsSmallFix,
  rlimitNofileLowFix,
  maxFailsLongFailTimeoutFix,
  accessLogNoUpstreamFieldsFix,
  fastcgiNoScriptFilenameFix,
  proxyPassUriPrefixFix,
  proxyReadTimeoutLowFix,
  connectTimeoutTooLowFix,
  proxyBufferSizeSmallFix,
  singleServerNoBackupFix,
];

/** A plan's edits as text, to drop a second plan that would make the same change (a cause and its lint twin). */
function signature(p: FixPlan, ctx: FixContext): string {
  return p.edits
    .map((e) =>
      e.op === "insert"
        ? `insert ${editFile(ctx.model, e)} ${e.scope.block ? where(e.scope.block) : "main"} ${e.directive.name} ${e.directive.args.join(" ")}`
        : `${e.op} ${where(e.directive)} ${e.op === "set" ? e.args.join(" ") : ""}`,
    )
    .sort()
    .join("\n");
}

/**
 * Fix plans for the findings of `diagnose` (`causes`) and of `lint` (`lint`, after suppressions and
 * --enable/--disable), causes first. A lint finding is matched back to its rule's report by rule id and place.
 */
export function planFixes(causes: Finding[], lint: Finding[], ctx: FixContext): FixPlan[] {
  const out: FixPlan[] = [];
  const seen = new Set<string>();
  const add = (p: FixPlan) => {
    const sig = p.edits.length ? signature(p, ctx) : `manual ${p.id} ${p.title}`;
    if (seen.has(sig)) return;
    seen.add(sig);
    out.push(p);
  };
  for (const f of causes) {
    const fixer = CAUSE_FIXES.find((x) => x.rule === f.id);
    if (fixer) for (const p of fixer.plan(f, ctx)) add(p);
  }
  const wanted = new Set(lint.map((f) => `${f.id}@${f.locations[0] ? where(f.locations[0]) : ""}`));
  for (const fixer of LINT_FIXES) {
    const rule = LINT_RULES.find((r) => r.meta.id === fixer.rule);
    if (!rule) continue;
    for (const report of rule.check(ctx.model)) {
      if (!wanted.has(`${fixer.rule}@${where(report.directive)}`)) continue;
      const p = fixer.plan(report, ctx);
      if (p) add(p);
    }
  }
  return out;
}
