/**
 * Runs lint rules over a configuration model and turns their reports into Findings.
 * Inline suppression: a comment `# badgateway-disable-next-line <id> [<id>…]` (no ids = all rules)
 * silences reports on the next line of the same file; `# badgateway-disable <id>` on the same line too.
 */

import type { ConfigModel, ModelInput } from "../../nginx/config/model.js";
import type { ConfNode } from "../../nginx/config/parser.js";
import { finding } from "../finding.js";
import type { Finding, Severity } from "../types.js";
import { LINT_RULES } from "./index.js";
import type { LintRule } from "./types.js";

export interface LintOptions {
  rules?: LintRule[];
  /** Only these rule ids. */
  enable?: string[];
  /** Skip these rule ids. */
  disable?: string[];
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** `file\0line` → ids suppressed there ("*" = all). */
export function collectSuppressions(input: ModelInput): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (file: string, line: number, ids: string[]) => {
    const key = `${file}\0${line}`;
    const set = out.get(key) ?? new Set<string>();
    for (const id of ids.length ? ids : ["*"]) set.add(id);
    out.set(key, set);
  };
  const visit = (nodes: ConfNode[]) => {
    for (const n of nodes) {
      if (n.directive === "#" && n.comment !== undefined) {
        const words = n.comment.trim().split(/\s+/);
        if (words[0] === "badgateway-disable-next-line") add(n.file, n.line + 1, words.slice(1));
        else if (words[0] === "badgateway-disable") add(n.file, n.line, words.slice(1));
      }
      if (n.block) visit(n.block);
    }
  };
  for (const f of input.config) visit(f.parsed);
  return out;
}

export function lintModel(
  model: ConfigModel,
  opts: LintOptions & { suppressions?: Map<string, Set<string>> } = {},
): Finding[] {
  const rules = (opts.rules ?? LINT_RULES).filter(
    (r) => (!opts.enable?.length || opts.enable.includes(r.meta.id)) && !opts.disable?.includes(r.meta.id),
  );
  const findings: Finding[] = [];
  for (const rule of rules) {
    for (const rep of rule.check(model)) {
      const d = rep.directive;
      const sup = opts.suppressions?.get(`${d.file}\0${d.line}`);
      if (sup && (sup.has("*") || sup.has(rule.meta.id))) continue;
      const locations = [d, ...(rep.related ?? [])].map((x) => ({ file: x.file, line: x.line }));
      findings.push(
        finding(rule.meta, {
          confidence: 1,
          message: rep.message,
          evidence: [
            {
              source: "config",
              summary: `${d.name} ${d.args.join(" ")}`.trim(),
              location: { file: d.file, line: d.line },
              ...(rep.data ? { data: rep.data } : {}),
            },
          ],
          fix: rep.fix ?? rule.meta.fix,
          locations,
        }),
      );
    }
  }
  findings.sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
      (a.locations[0]?.file ?? "").localeCompare(b.locations[0]?.file ?? "") ||
      (a.locations[0]?.line ?? 0) - (b.locations[0]?.line ?? 0) ||
      a.id.localeCompare(b.id),
  );
  return findings;
}
