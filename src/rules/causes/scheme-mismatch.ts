import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { where } from "../finding.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { configRefs, probesFor } from "./util.js";

/**
 * The classifier's details for a peer that does not speak TLS: OpenSSL's "wrong version number" family
 * (`peerSpeaksPlain` in src/nginx/errorlog/facts.ts) and nginx ≥ 1.29.5's "upstream prematurely sent response".
 */
function plainPeer(g: ErrorGroup): boolean {
  return g.details.includes("wrong-version-number") || g.details.includes("plain-response-on-tls");
}

function httpToTls(g: ErrorGroup, ev: Evidence): boolean {
  if (probesFor(ev, g.peer).some((p) => p.data?.["tls"] === true || /tls/i.test(p.problem ?? "")))
    return true;
  const refs = configRefs(ev.config?.model, g);
  const port = Number(g.peer?.split(":").pop());
  // No configuration at hand (a paste): the line's own `upstream: "http://…:8443/…"` shows the scheme nginx used.
  if (refs.passes.length === 0)
    return g.upstream !== null && /^http:\/\//i.test(g.upstream) && (port === 443 || port === 8443);
  return (
    refs.passes.some((p) => p.scheme === "http") &&
    (port === 443 ||
      port === 8443 ||
      refs.passes.some((p) => p.scheme === "http" && (p.port === 443 || p.port === 8443)))
  );
}

/** http:// to a TLS port, or https:// to a plain-HTTP port. */
export const schemeMismatch: CauseRule = classRule({
  meta: {
    id: "scheme-mismatch",
    title: "proxy_pass scheme does not match the upstream (http vs https)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "One side speaks TLS and the other plain HTTP: an https:// proxy_pass to a plain port fails the TLS handshake, and an http:// proxy_pass to a TLS port gets bytes that are not an HTTP response. Both give 502.",
    nginxVersions: "all",
  },
  classes: ["tls-handshake", "invalid-response", "premature-close", "connection-reset"],
  accept: (g, ev) => (g.class === "tls-handshake" ? plainPeer(g) : httpToTls(g, ev)),
  base: 0.92,
  what: "protocol mismatch with the upstream",
  message: (gs, refs) => {
    const tlsToPlain = gs.some((g) => g.class === "tls-handshake");
    return tlsToPlain
      ? `nginx starts a TLS handshake with ${peersText(gs)}${atConfig(refs)}, but the upstream answers in plain HTTP (OpenSSL reports a wrong version number / unknown protocol). The proxy_pass says https:// while the backend port serves http. Clients got 502.`
      : `nginx sends plain HTTP to ${peersText(gs)}${atConfig(refs)}, which is a TLS port, so the reply is not an HTTP response. The proxy_pass says http:// while the backend expects https. Clients got 502.`;
  },
  fix: (gs, refs) => {
    const tlsToPlain = gs.some((g) => g.class === "tls-handshake");
    const p = refs.passes[0];
    const at = p ? ` at ${where(p.directive)}` : "";
    return tlsToPlain
      ? `Change \`https://\` to \`http://\` in the proxy_pass${at} (or enable TLS on the backend), then \`nginx -t && nginx -s reload\`.`
      : `Change \`http://\` to \`https://\` in the proxy_pass${at} (and set \`proxy_ssl_server_name on;\` when the backend needs SNI), or point it at the backend's plain-HTTP port; then \`nginx -t && nginx -s reload\`.`;
  },
  verify: (gs) => {
    const peer = gs[0]?.peer ?? "HOST:PORT";
    return `\`openssl s_client -connect ${peer} </dev/null\` shows a certificate only if the port speaks TLS; \`curl -sv http://${peer}/\` answers only if it speaks plain HTTP. Pick the scheme that works, reload, and the 502s stop.`;
  },
});
