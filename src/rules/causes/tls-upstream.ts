import { effective } from "../../nginx/config/model.js";
import { where } from "../finding.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** TLS to the upstream fails: certificate verification or a handshake problem that is not a plain-HTTP port. */
export const tlsUpstream: CauseRule = classRule({
  meta: {
    id: "tls-upstream",
    title: "TLS to the upstream fails (certificate verification or handshake)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "With proxy_ssl_verify on, nginx rejects an upstream certificate it cannot verify (self-signed, unknown CA, wrong name, expired); handshakes also fail on protocol/cipher mismatches or missing SNI. Either way the request fails with 502.",
    nginxVersions: "all (messages differ between OpenSSL 1.1 and 3.x)",
  },
  classes: ["tls-verify", "tls-handshake"],
  base: 0.92,
  what: "TLS failures toward the upstream",
  message: (gs, refs, ev) => {
    const verify = gs.some((g) => g.class === "tls-verify");
    const p = refs.passes[0];
    const ca = p && ev.config ? effective(ev.config.model, p.scope, "proxy_ssl_trusted_certificate") : null;
    if (verify)
      return `nginx cannot verify the certificate of ${peersText(gs)}${atConfig(refs)}${ca?.args ? ` against ${ca.args[0]}` : " (no proxy_ssl_trusted_certificate set)"}. Clients got 502. The backend's certificate is self-signed, issued by a CA nginx does not trust, expired, or does not carry the name nginx checks.`;
    return `The TLS handshake with ${peersText(gs)}${atConfig(refs)} fails before any HTTP is exchanged (protocol or cipher mismatch, missing SNI, or the backend rejects nginx's client certificate). Clients got 502.`;
  },
  fix: (gs, refs) => {
    const p = refs.passes[0];
    const at = p ? ` in the block of ${where(p.directive)}` : "";
    return gs.some((g) => g.class === "tls-verify")
      ? `Point \`proxy_ssl_trusted_certificate\` at the CA bundle that signed the backend's certificate${at}, make \`proxy_ssl_name\` match a name in the certificate and set \`proxy_ssl_server_name on;\`; or fix the backend's certificate (renew, include the chain). Only as a stop-gap: \`proxy_ssl_verify off;\`.`
      : `Turn on SNI (\`proxy_ssl_server_name on;\`)${at}, align \`proxy_ssl_protocols\`/\`proxy_ssl_ciphers\` with what the backend supports, and provide \`proxy_ssl_certificate\`/\`proxy_ssl_certificate_key\` if the backend requires client certificates.`;
  },
  verify: (gs) =>
    `\`openssl s_client -connect ${gs[0]?.peer ?? "HOST:443"} -servername <name> -CAfile <ca.pem> </dev/null\` ends with "Verify return code: 0 (ok)", and SSL errors stop in the error log after reload.`,
});
