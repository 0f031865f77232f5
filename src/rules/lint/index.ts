/** Registry of lint rules, in id order. Add one import and one array entry per rule. */
import type { LintRule } from "./types.js";

export const LINT_RULES: LintRule[] = [];
