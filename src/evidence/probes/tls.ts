/** TLS handshake the way nginx would do it toward an upstream (SNI rules, CA file, verify depth). */
import { readFileSync } from "node:fs";
import type net from "node:net";
import tls from "node:tls";
import { stoppedStep } from "./tcp.js";
import type { ProbeStep, ProbeTarget } from "./types.js";

const PLAIN =
  /wrong version number|packet length too long|unknown protocol|http request|record layer failure/i;

export function tlsConnect(
  socket: net.Socket,
  t: ProbeTarget,
  signal?: AbortSignal,
): Promise<{ socket: tls.TLSSocket; step: ProbeStep } | { step: ProbeStep }> {
  const s = t.settings;
  const name = s.sslName ?? t.host ?? "";
  let ca: Buffer | undefined;
  if (s.trustedCertificate) {
    try {
      ca = readFileSync(s.trustedCertificate);
    } catch (e) {
      return Promise.resolve({
        step: {
          check: "tls",
          ok: false,
          problem: "trusted-certificate-unreadable",
          summary: `cannot read ${s.trustedCertificate}: ${(e as Error).message}`,
        },
      });
    }
  }
  const t0 = performance.now();
  return new Promise((resolve) => {
    const isIp = /^[\d.]+$|:/.test(name);
    const sock = tls.connect({
      socket,
      ...(s.sslServerName && name && !isIp ? { servername: name } : {}),
      rejectUnauthorized: false,
      // The name is checked below against proxy_ssl_name, the way nginx does (X509_check_host/ip).
      checkServerIdentity: () => undefined,
      ...(ca ? { ca } : {}),
    });
    const onAbort = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ step: stoppedStep("tls", "no TLS handshake", performance.now() - t0) });
    };
    if (signal?.aborted) queueMicrotask(onAbort);
    else signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      sock.destroy();
      resolve({
        step: {
          check: "tls",
          ok: false,
          problem: "tls-timeout",
          summary: `no TLS handshake within ${s.connectTimeoutMs} ms`,
        },
      });
    }, s.connectTimeoutMs);
    sock.once("secureConnect", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      const cert = sock.getPeerCertificate(true);
      let depth = 0;
      for (
        let c: tls.DetailedPeerCertificate | undefined = cert;
        c?.issuerCertificate && c.issuerCertificate !== c;
        c = c.issuerCertificate
      )
        depth++;
      const authorized = sock.authorized;
      const nameError = name ? tls.checkServerIdentity(name.replace(/^\[|\]$/g, ""), cert) : undefined;
      const data = {
        subject: cert.subject?.CN,
        issuer: cert.issuer?.CN,
        validTo: cert.valid_to,
        chainDepth: depth,
        authorizationError: sock.authorizationError ? String(sock.authorizationError) : null,
        verifiedAgainst: s.trustedCertificate ?? "system CAs",
        protocol: sock.getProtocol(),
      };
      const expired = cert.valid_to ? Date.parse(cert.valid_to) < Date.now() : false;
      let step: ProbeStep;
      if (!authorized || nameError || expired) {
        const why = expired
          ? "certificate expired"
          : !authorized
            ? String(sock.authorizationError)
            : `name mismatch: ${nameError?.message}`;
        step = {
          check: "tls",
          ok: !s.sslVerify,
          problem: s.sslVerify ? "tls-verify-failed" : null,
          summary: s.sslVerify
            ? `nginx would reject this certificate (${why}); proxy_ssl_verify is on`
            : `certificate would not verify (${why}); nginx does not check it (proxy_ssl_verify off) — advisory`,
          data,
        };
      } else if (s.sslVerify && depth > s.verifyDepth) {
        step = {
          check: "tls",
          ok: false,
          problem: "tls-verify-depth",
          summary: `chain depth ${depth} exceeds proxy_ssl_verify_depth ${s.verifyDepth}`,
          data,
        };
      } else
        step = {
          check: "tls",
          ok: true,
          problem: null,
          summary: `TLS ok (${cert.subject?.CN ?? "no CN"}, issued by ${cert.issuer?.CN ?? "?"})`,
          data,
        };
      resolve({ socket: sock, step: { ...step, ms: performance.now() - t0 } });
    });
    sock.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      sock.destroy();
      const plain =
        PLAIN.test(e.message) ||
        e.code === "ERR_SSL_WRONG_VERSION_NUMBER" ||
        e.code === "ERR_SSL_PACKET_LENGTH_TOO_LONG";
      resolve({
        step: {
          check: "tls",
          ok: false,
          problem: plain ? "scheme-mismatch-plain-http-on-tls" : "tls-handshake-failed",
          summary: plain
            ? `the port answers in plain HTTP, not TLS (${e.message})`
            : `TLS handshake failed: ${e.message}`,
          ms: performance.now() - t0,
        },
      });
    });
  });
}
