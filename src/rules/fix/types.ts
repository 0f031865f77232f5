/**
 * Fix planning: turning a finding into a configuration change (or, when the fix is not in nginx's
 * configuration, into commands for the operator to run). One module per rule in this folder; each exports a
 * `RuleFix` whose `plan` is pure: it reads the finding, the configuration model and the evidence, and returns
 * edits (src/nginx/config/edits.ts) that the CLI validates with nginx -t before offering them.
 */
import type { Evidence } from "../../evidence/types.js";
import type { Edit } from "../../nginx/config/edits.js";
import type { ConfigModel } from "../../nginx/config/model.js";
import type { LintReport } from "../lint/types.js";
import type { Finding } from "../types.js";

export interface FixContext {
  model: ConfigModel;
  evidence: Evidence | null;
  /** Name servers of this host (from /etc/resolv.conf) for `resolver`, when known. */
  resolvers?: string[];
  /** A CA bundle that exists on this host, for `proxy_ssl_trusted_certificate`. */
  caBundle?: string | null;
}

export interface FixPlan {
  /** The rule id. */
  rule: string;
  /** Stable id of this fix: `<rule>@<file>:<line>` of the directive it is about. */
  id: string;
  /** One line: what changes. */
  title: string;
  /** Why this change, with the numbers and the formula behind any value chosen. */
  explanation: string;
  /** Configuration edits (empty when the fix is outside nginx's configuration). */
  edits: Edit[];
  /** Commands for the operator (never run by badgateway): restarts, FPM pool or systemd changes. */
  commands?: string[];
}

export interface CauseFix {
  rule: string;
  plan(finding: Finding, ctx: FixContext): FixPlan[];
}

export interface LintFix {
  rule: string;
  plan(report: LintReport, ctx: FixContext): FixPlan | null;
}

export type ValidationStatus = "valid" | "invalid" | "not-validated" | "manual";

/** A plan made concrete for the files at hand: new texts, diffs, and what nginx -t said (src/cli/commands/fix-session.ts). */
export interface FixOffer {
  plan: FixPlan;
  /** New text per touched file (binary strings). */
  changed: Map<string, string>;
  /** Unified diff per touched file (display text). */
  diffs: Array<{ file: string; diff: string }>;
  validation: { status: ValidationStatus; message: string };
  /** Shown and applicable: valid, or not validated because nginx -t could not judge here. */
  offered: boolean;
}
