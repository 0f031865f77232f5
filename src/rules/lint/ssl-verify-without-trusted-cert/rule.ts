import { effective } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses, isOn } from "../util.js";

/** proxy_ssl_verify on needs proxy_ssl_trusted_certificate: without it nginx refuses the configuration. */
export const sslVerifyWithoutTrustedCert: LintRule = {
  meta: {
    id: "ssl-verify-without-trusted-cert",
    title: "Upstream TLS verification without a trusted CA file",
    kind: "lint",
    severity: "error",
    status: 502,
    description:
      'With `proxy_ssl_verify on` nginx needs `proxy_ssl_trusted_certificate` to know which CAs to trust; without it the configuration is rejected ("no proxy_ssl_trusted_certificate for proxy_ssl_verify"), and with the wrong bundle every handshake fails with 502.',
    why: "nginx has no CA to verify the upstream's certificate against.",
    fix: "Add `proxy_ssl_trusted_certificate /etc/ssl/certs/ca-certificates.crt;` (or your internal CA) next to `proxy_ssl_verify on;` (grpc: `grpc_ssl_trusted_certificate`).",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy", "grpc", "uwsgi"])) {
      const mod = p.module;
      if (!isOn(model, p.scope, `${mod}_ssl_verify`)) continue;
      if (effective(model, p.scope, `${mod}_ssl_trusted_certificate`).directives.length) continue;
      const v = effective(model, p.scope, `${mod}_ssl_verify`).directives[0];
      out.push({
        directive: v ?? p.directive,
        related: [p.directive],
        message: `${mod}_ssl_verify is on for \`${p.raw}\` but no ${mod}_ssl_trusted_certificate is in effect`,
      });
    }
    return out;
  },
};
