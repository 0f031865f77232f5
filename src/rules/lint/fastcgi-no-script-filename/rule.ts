import { effective, type Scope } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

const PROVIDES = /(^|\/)(fastcgi\.conf|fastcgi-php\.conf)$/;

function includesProvider(scope: Scope): boolean {
  for (let s: Scope | null = scope; s; s = s.parent)
    if (s.directives.some((d) => d.name === "include" && d.args.some((a) => PROVIDES.test(a)))) return true;
  return false;
}

/** fastcgi_pass without SCRIPT_FILENAME: PHP-FPM answers "Primary script unknown". */
export const fastcgiNoScriptFilename: LintRule = {
  meta: {
    id: "fastcgi-no-script-filename",
    title: "fastcgi_pass without SCRIPT_FILENAME",
    kind: "lint",
    severity: "error",
    status: null,
    description:
      'PHP-FPM runs the file named by the SCRIPT_FILENAME parameter. Debian\'s `fastcgi_params` does not set it (`fastcgi.conf` does); without it FPM answers "Primary script unknown" — blank pages, 404, or 502 when the app misbehaves.',
    why: "PHP-FPM does not know which script to run.",
    fix: "Use `include fastcgi.conf;` (or `include snippets/fastcgi-php.conf;`), or add `fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;` after `include fastcgi_params;`.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["fastcgi"])) {
      const params = effective(model, p.scope, "fastcgi_param").directives;
      if (params.some((d) => d.args[0] === "SCRIPT_FILENAME")) continue;
      if (includesProvider(p.scope)) continue;
      out.push({
        directive: p.directive,
        message: `no fastcgi_param SCRIPT_FILENAME is in effect for \`fastcgi_pass ${p.raw}\``,
      });
    }
    return out;
  },
};
