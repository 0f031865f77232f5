/**
 * Ranking from a paste that carries no configuration (the shapes of incidents 09 and 20 of the second held-out set,
 * on lines written here): a pool emptied by refused peers, and plain HTTP sent to a TLS port.
 */
import { describe, expect, it } from "vitest";
import { evidenceFromPaste } from "../../src/evidence/paste.js";
import { diagnose } from "../../src/rules/diagnose.js";

const T = "2026/12/06 09:20";
const ctx = (host: string, uri: string, upstream: string) =>
  `client: 172.20.0.9, server: , request: "GET ${uri} HTTP/1.1", upstream: "${upstream}", host: "${host}"`;

function run(paste: string) {
  const r = diagnose(evidenceFromPaste(paste).evidence);
  return { ids: r.findings.map((f) => f.id), findings: r.findings, exit: r.exitCode };
}

describe("no live upstreams with the peers' refusals in the same paste and no config", () => {
  const refusals = (host: string) =>
    [
      `${T}:01 [error] 40#0: *3 connect() failed (111: Connection refused) while connecting to upstream, ${ctx(host, "/app.js", "http://[::1]:7700/app.js")}`,
      `${T}:01 [error] 40#0: *3 connect() failed (111: Connection refused) while connecting to upstream, ${ctx(host, "/app.js", "http://127.0.0.1:7700/app.js")}`,
    ].join("\n");
  const empty = `${T}:02 [error] 40#0: *3 no live upstreams while connecting to upstream, ${ctx("docs.shop.test", "/", "http://docpool/")}`;

  it("puts the refusals' cause first and cites it from no-live-upstreams, for the same virtual host", () => {
    const r = run(`${empty}\n${refusals("docs.shop.test")}\n`);
    expect(r.ids[0]).toBe("upstream-down");
    const nolive = r.findings.find((f) => f.id === "no-live-upstreams");
    expect(nolive?.message).toContain("consequence");
    expect(r.exit).not.toBe(0);
  });

  it("does not tie refusals of another virtual host to the empty pool", () => {
    const r = run(`${empty}\n${refusals("other.shop.test")}\n`);
    const nolive = r.findings.find((f) => f.id === "no-live-upstreams");
    expect(nolive?.message).not.toContain("consequence");
  });
});

describe("plain HTTP to a TLS port, seen from the error line alone", () => {
  const line = (port: number) =>
    `${T}:05 [error] 48#48: *32 upstream sent no valid HTTP/1.0 header while reading response header from upstream, ${ctx("api.shop.test", "/v1/items", `http://10.2.3.4:${port}/v1/items`)}`;

  it("names the scheme mismatch first when the line shows http:// to port 8443 or 443", () => {
    expect(run(`${line(8443)}\n`).ids[0]).toBe("scheme-mismatch");
    expect(run(`${line(443)}\n`).ids[0]).toBe("scheme-mismatch");
  });

  it("does not claim a scheme mismatch for a plain-HTTP port", () => {
    expect(run(`${line(8080)}\n`).ids).not.toContain("scheme-mismatch");
  });
});
