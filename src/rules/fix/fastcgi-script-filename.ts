/**
 * fastcgi-script-path (cause) and fastcgi-no-script-filename (lint): SCRIPT_FILENAME built from the location's
 * own root, `$document_root$fastcgi_script_name`. An existing SCRIPT_FILENAME line is changed in place; a new
 * one goes to the level the other fastcgi_param lines come from (one written deeper would drop them all).
 */
import type { Edit } from "../../nginx/config/edits.js";
import { effective, type PassTarget } from "../../nginx/config/model.js";
import type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";
import { arrayLevel, plan, refsOf } from "./util.js";

const VALUE = "$document_root$fastcgi_script_name";

export function scriptFilenamePlan(rule: string, p: PassTarget, ctx: FixContext): FixPlan | null {
  if (p.module !== "fastcgi") return null;
  const cur = effective(ctx.model, p.scope, "fastcgi_param").directives.find(
    (d) => d.args[0] === "SCRIPT_FILENAME",
  );
  let edit: Edit;
  if (cur) {
    if (cur.args[1] === VALUE) return null;
    edit = { op: "set", directive: cur, args: ["SCRIPT_FILENAME", VALUE, ...cur.args.slice(2)] };
  } else
    edit = {
      op: "insert",
      scope: arrayLevel(ctx.model, p.scope, "fastcgi_param"),
      directive: { name: "fastcgi_param", args: ["SCRIPT_FILENAME", VALUE] },
    };
  return plan(rule, p.directive, {
    title: `fastcgi_param SCRIPT_FILENAME ${VALUE}`,
    explanation: cur
      ? `SCRIPT_FILENAME was \`${cur.args[1]}\`, a path where PHP-FPM finds no script ("Primary script unknown"); the document root nginx serves this location from is where the files are.`
      : "No SCRIPT_FILENAME is passed, so PHP-FPM does not know which script to run; Debian's fastcgi_params does not set it (fastcgi.conf does).",
    edits: [edit],
  });
}

export const fastcgiScriptPathFix: CauseFix = {
  rule: "fastcgi-script-path",
  plan(finding, ctx) {
    let passes = refsOf(finding, ctx.model).passes;
    if (passes.length === 0) passes = ctx.model.passes.filter((p) => p.module === "fastcgi");
    return passes
      .map((p) => scriptFilenamePlan("fastcgi-script-path", p, ctx))
      .filter((x): x is FixPlan => x !== null);
  },
};

export const fastcgiNoScriptFilenameFix: LintFix = {
  rule: "fastcgi-no-script-filename",
  plan(report, ctx) {
    const p = ctx.model.passes.find((x) => x.directive === report.directive);
    return p ? scriptFilenamePlan("fastcgi-no-script-filename", p, ctx) : null;
  },
};
