/**
 * proxy-pass-uri-prefix: make the location prefix and the proxy_pass URI agree on the trailing slash (nginx
 * replaces one with the other character for character), or drop the URI part inside a regex/named location,
 * where nginx refuses it.
 */
import type { LintFix } from "./types.js";
import { passArgument, plan } from "./util.js";

export const proxyPassUriPrefixFix: LintFix = {
  rule: "proxy-pass-uri-prefix",
  plan(report, { model }) {
    const p = model.passes.find((x) => x.directive === report.directive);
    const l = p?.location;
    if (!p || !l || p.uri === null) return null;
    let uri: string | null;
    let why: string;
    if (l.modifier === "~" || l.modifier === "~*" || l.modifier === "@") {
      uri = null;
      why = `inside location ${l.modifier} ${l.path} nginx refuses a URI part; without it the request URI is passed unchanged`;
    } else if (p.uri.endsWith("/") && !l.path.endsWith("/")) {
      uri = p.uri.replace(/\/+$/, "");
      why = `location ${l.path} has no trailing slash, so \`${p.uri}\` doubles the slash (/x → ${p.uri}/x); \`${uri}\` keeps one`;
    } else if (!p.uri.endsWith("/") && l.path.endsWith("/")) {
      uri = `${p.uri}/`;
      why = `location ${l.path} ends with a slash that the URI \`${p.uri}\` replaces without one (${l.path}x → ${p.uri}x); \`${uri}\` keeps the separator`;
    } else {
      uri = null;
      why = `the URI part \`${p.uri}\` repeats the location prefix ${l.path}; without it the request URI is passed unchanged`;
    }
    return plan("proxy-pass-uri-prefix", p.directive, {
      title: `${p.directive.name} ${p.raw} → ${passArgument(p, { uri })}`,
      explanation: why,
      edits: [{ op: "set", directive: p.directive, args: [passArgument(p, { uri })] }],
    });
  },
};
