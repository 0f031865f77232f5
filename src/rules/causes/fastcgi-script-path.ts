import { effective } from "../../nginx/config/model.js";
import { where } from "../finding.js";
import { atConfig, classRule } from "./simple.js";
import type { CauseRule } from "./types.js";
import { configItem, mentions } from "./util.js";

/** PHP-FPM cannot find the script nginx names in SCRIPT_FILENAME. */
export const fastcgiScriptPath: CauseRule = classRule({
  meta: {
    id: "fastcgi-script-path",
    title: "PHP-FPM cannot find the script (SCRIPT_FILENAME is wrong)",
    kind: "cause",
    severity: "error",
    status: null,
    description:
      'nginx passes the script path to PHP-FPM in the SCRIPT_FILENAME parameter. When it is missing or points at the wrong root (or the file is outside what FPM may read), FPM answers "Primary script unknown" / "File not found."; clients see 404, an empty page or 502 depending on setup.',
    nginxVersions: "all",
    uses: "The effective fastcgi_param SCRIPT_FILENAME at the PHP location.",
  },
  classes: ["fastcgi-stderr"],
  accept: (g) => mentions(g, /Primary script unknown|No input file specified|Unable to open primary script/i),
  base: 0.94,
  what: 'FastCGI "Primary script unknown"',
  message: (_gs, refs, ev) => {
    const p = refs.passes[0];
    const params = p && ev.config ? effective(ev.config.model, p.scope, "fastcgi_param").directives : [];
    const sf = params.find((d) => d.args[0] === "SCRIPT_FILENAME");
    return `PHP-FPM reports that the script it was asked to run does not exist${atConfig(refs)}. ${sf ? `SCRIPT_FILENAME is set to \`${sf.args.slice(1).join(" ")}\` (${where(sf)}) — that path does not match where the files are (root/alias, or FPM's chroot/container view).` : "No SCRIPT_FILENAME fastcgi_param is in effect for that location (Debian's fastcgi_params does not set it; fastcgi.conf does)."}`;
  },
  fix: (_gs, refs) => {
    const p = refs.passes[0];
    return `In the PHP location${p ? ` (${where(p.directive)})` : ""} use \`include fastcgi.conf;\` (or \`fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;\` after \`include fastcgi_params;\`), make \`root\` point at the PHP files as FPM sees them, and check the file is readable by the pool user.`;
  },
  verify: () =>
    'Request a known PHP page: it returns the page (200), and "Primary script unknown" lines stop; `SCRIPT_FILENAME` can be confirmed by temporarily logging `$document_root$fastcgi_script_name` in a log_format.',
  extra: (_gs, refs, ev) => {
    const p = refs.passes[0];
    if (!p || !ev.config) return [];
    const sf = effective(ev.config.model, p.scope, "fastcgi_param").directives.find(
      (d) => d.args[0] === "SCRIPT_FILENAME",
    );
    return sf ? [configItem(sf)] : [];
  },
});
