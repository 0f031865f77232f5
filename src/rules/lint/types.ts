/**
 * Lint rules inspect the configuration model (src/nginx/config/model.ts) for settings that lead to
 * 502/504. Modelled on ESLint's rule modules: static `meta` plus a `check` function. Each rule has its own
 * folder `src/rules/lint/<id>/`: `rule.ts`, one or more `bad*.conf` and `good*.conf` fixtures
 * (test/rules/lint/fixtures.test.ts), and a docs page `docs/rules/<id>.md` generated from them.
 */
import type { ConfigModel, Directive } from "../../nginx/config/model.js";
import type { RuleMeta } from "../types.js";

export interface LintMeta extends RuleMeta {
  kind: "lint";
  /** The default fix advice (a report may give a more specific one). */
  fix: string;
  /** Short "why this causes 502/504" (shown under the message). */
  why: string;
  /** Client-visible status this risk leads to. */
  status?: 502 | 504 | 500 | null;
}

/** One problem found by a rule. */
export interface LintReport {
  message: string;
  /** The directive to point at (its file:line becomes the finding's location). */
  directive: Directive;
  /** Other relevant directives (shown as extra locations). */
  related?: Directive[];
  /** Overrides meta.fix with a concrete change. */
  fix?: string;
  data?: Record<string, unknown>;
}

export interface LintRule {
  meta: LintMeta;
  check(model: ConfigModel): LintReport[];
}
