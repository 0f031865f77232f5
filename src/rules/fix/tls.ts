/**
 * TLS to the upstream: https-upstream-no-sni (proxy_ssl_server_name on), ssl-verify-without-trusted-cert
 * (proxy_ssl_trusted_certificate with this host's CA bundle) and tls-upstream (the same, when verification is
 * on without a trusted certificate; a backend with a private CA needs that CA's file instead, which only the
 * operator knows — then the plan says so and edits nothing).
 */
import { effective, type PassTarget } from "../../nginx/config/model.js";
import { isOn } from "../lint/util.js";
import type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";
import { plan, refsOf, setOrInsert } from "./util.js";

function trustPlan(rule: string, p: PassTarget, ctx: FixContext): FixPlan | null {
  const mod = p.module === "stream-proxy" ? "proxy" : p.module;
  const name = `${mod}_ssl_trusted_certificate`;
  if (effective(ctx.model, p.scope, name).directives.length) return null;
  const verify = effective(ctx.model, p.scope, `${mod}_ssl_verify`);
  const scope = verify.from ?? p.scope;
  if (!ctx.caBundle)
    return plan(rule, p.directive, {
      title: `${name} for ${p.raw}`,
      explanation: `${mod}_ssl_verify is on but nothing says which CAs to trust; no system CA bundle was found here, so name the file with the backend's CA: \`${name} /path/to/ca.pem;\`.`,
      edits: [],
    });
  return plan(rule, p.directive, {
    title: `${name} ${ctx.caBundle}`,
    explanation: `${mod}_ssl_verify is on but no trusted CA file is set, so every certificate fails verification. ${ctx.caBundle} is this host's CA bundle (public CAs); a backend with a private or self-signed certificate needs its own CA file instead.`,
    edits: [setOrInsert(scope, name, [ctx.caBundle])],
  });
}

export const sslVerifyWithoutTrustedCertFix: LintFix = {
  rule: "ssl-verify-without-trusted-cert",
  plan(report, ctx) {
    const p = ctx.model.passes.find(
      (x) => report.related?.includes(x.directive) || x.directive === report.directive,
    );
    return p ? trustPlan("ssl-verify-without-trusted-cert", p, ctx) : null;
  },
};

export const httpsUpstreamNoSniFix: LintFix = {
  rule: "https-upstream-no-sni",
  plan(report, ctx) {
    const p = ctx.model.passes.find((x) => x.directive === report.directive);
    if (!p) return null;
    const mod = p.module === "grpc" ? "grpc" : "proxy";
    return plan("https-upstream-no-sni", p.directive, {
      title: `${mod}_ssl_server_name on for ${p.raw}`,
      explanation: `Without SNI a backend that serves several names (or a CDN) cannot pick its certificate and fails or answers with the wrong one. nginx sends the proxy_pass host as the name (${mod}_ssl_name).`,
      edits: [setOrInsert(p.scope, `${mod}_ssl_server_name`, ["on"])],
    });
  },
};

export const tlsUpstreamFix: CauseFix = {
  rule: "tls-upstream",
  plan(finding, ctx) {
    const out: FixPlan[] = [];
    for (const p of refsOf(finding, ctx.model).passes) {
      const mod = p.module === "stream-proxy" ? "proxy" : p.module;
      if (!isOn(ctx.model, p.scope, `${mod}_ssl_verify`)) continue;
      const f = trustPlan("tls-upstream", p, ctx);
      if (f && /self[- ]signed|unable to get local issuer/i.test(finding.message))
        out.push({
          ...f,
          edits: [],
          explanation: `${f.explanation} The error says the certificate is not signed by a public CA: point ${mod}_ssl_trusted_certificate at the backend's CA (or certificate) file.`,
        });
      else if (f) out.push(f);
    }
    if (out.length === 0) {
      const peer = finding.evidence.find((e) => typeof e.data?.["peer"] === "string")?.data?.["peer"] as
        | string
        | undefined;
      out.push({
        rule: "tls-upstream",
        id: finding.locations[0]?.line
          ? `tls-upstream@${finding.locations[0].file}:${finding.locations[0].line}`
          : "tls-upstream",
        title: "check the backend's certificate against the trusted CA file",
        explanation:
          "A trusted CA file is already configured, so which file or name is right depends on the backend's certificate: compare its issuer and names with the CA file and proxy_ssl_name, then fix whichever side is wrong.",
        edits: [],
        commands: [
          `openssl s_client -connect ${peer ?? "HOST:PORT"} -showcerts </dev/null | openssl x509 -noout -issuer -subject -ext subjectAltName`,
        ],
      });
    }
    return out;
  },
};
