/**
 * Root-cause rules: each reads Evidence (error-log groups, access-log statistics, the configuration
 * model, probe facts) and returns Findings with a confidence, the evidence behind them, the fix and the
 * verify step. Rules run in registry order; a rule may "claim" error groups so that less specific rules
 * after it (e.g. upstream-down after wrong-port) do not explain the same lines twice.
 */
import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import type { Finding, RuleMeta } from "../types.js";

export interface CauseMeta extends RuleMeta {
  kind: "cause";
  /** What clients typically get for this cause. */
  status: 502 | 503 | 504 | 500 | null;
  /** Error-log classes the rule reads (filled in by classRule). */
  classes?: ErrorClass[];
  /** Other evidence it uses, in words (config, access log, probes). */
  uses?: string;
}

export interface CauseContext {
  /** Error groups already explained by an earlier (more specific) rule. */
  claimed: Set<ErrorGroup>;
  /** Findings produced so far (e.g. no-live-upstreams cites the cause of its peers' failures). */
  findings: Finding[];
}

export interface CauseRule {
  meta: CauseMeta;
  diagnose(ev: Evidence, ctx: CauseContext): Finding[];
}
