/** scheme-mismatch: swap http:// and https:// in the proxy_pass that speaks the wrong protocol. */
import type { CauseFix } from "./types.js";
import { passArgument, plan, refsOf } from "./util.js";

export const schemeMismatchFix: CauseFix = {
  rule: "scheme-mismatch",
  plan(finding, { model }) {
    const tlsToPlain = /answers in plain HTTP/.test(finding.message);
    return refsOf(finding, model)
      .passes.filter((p) => p.scheme === (tlsToPlain ? "https" : "http"))
      .map((p) => {
        const scheme = tlsToPlain ? "http" : "https";
        return plan("scheme-mismatch", p.directive, {
          title: `${p.directive.name} ${p.raw} → ${scheme}://`,
          explanation: tlsToPlain
            ? "nginx starts TLS but the backend port answers in plain HTTP (OpenSSL: wrong version number): talk plain HTTP to it."
            : "nginx sends plain HTTP to a port that speaks TLS: talk TLS to it (add proxy_ssl_server_name on; if the backend needs SNI).",
          edits: [{ op: "set", directive: p.directive, args: [passArgument(p, { scheme })] }],
        });
      });
  },
};
