// What the error-log reader and the rules learn about a line beyond its class (src/nginx/errorlog/facts.ts),
// and that the summary carries those facts into its groups on both reading paths.
import { describe, expect, it } from "vitest";
import { ErrorLogAccumulator } from "../../../src/evidence/error-log.js";
import {
  detailOf,
  hasNoPeer,
  isFailure,
  mayConcernUpstream,
  peerSpeaksPlain,
  unresolvedName,
} from "../../../src/nginx/errorlog/facts.js";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify } from "../../../src/nginx/errorlog/taxonomy.js";

const ctx = ', client: 10.0.0.1, server: shop, request: "GET /a HTTP/1.1"';

function classOf(line: string) {
  const l = parseErrorLine(line);
  if (!l) throw new Error(`not an error line: ${line}`);
  return { l, c: classify(l) };
}

describe("error-line facts", () => {
  it("names the host a resolver failure is about, with the port when nginx wrote one", () => {
    expect(unresolvedName("orders.svc.cluster.local could not be resolved (3: Host not found)")).toBe(
      "orders.svc.cluster.local",
    );
    expect(
      unresolvedName('host not found in upstream "api.internal:8080" in /etc/nginx/conf.d/a.conf:3'),
    ).toBe("api.internal:8080");
    expect(unresolvedName("no resolver defined to resolve backend.local")).toBeNull();
    expect(unresolvedName(" could not be resolved (2: Server failure)")).toBeNull();
  });

  it("tells OpenSSL's 'not TLS' wordings from other handshake failures, and the classifier uses it", () => {
    for (const w of [
      "wrong version number",
      "unknown protocol",
      "packet length too long",
      "http request",
      "record layer failure",
    ])
      expect(peerSpeaksPlain(`SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::${w})`)).toBe(
        true,
      );
    expect(
      peerSpeaksPlain(
        "SSL_do_handshake() failed (SSL: error:0A000086:SSL routines::certificate verify failed)",
      ),
    ).toBe(false);
    const { c } = classOf(
      `2026/11/24 10:00:00 [error] 1#1: *1 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::record layer failure) while SSL handshaking to upstream${ctx}, upstream: "https://10.0.0.2:80/"`,
    );
    expect(c.class).toBe("tls-handshake");
    expect(c.detail).toBe("wrong-version-number");
  });

  it("failures, notes, peerless classes and kept details", () => {
    const refused = classOf(
      `2026/11/24 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to upstream${ctx}, upstream: "http://10.0.0.2:80/"`,
    ).c;
    expect(isFailure(refused)).toBe(true);
    const disabled = classOf(
      `2026/11/24 10:00:00 [warn] 1#1: *1 upstream server temporarily disabled while connecting to upstream${ctx}, upstream: "http://10.0.0.2:80/"`,
    ).c;
    expect(isFailure(disabled)).toBe(false);
    expect(hasNoPeer("dns-failure")).toBe(true);
    expect(hasNoPeer("no-live-upstreams")).toBe(true);
    expect(hasNoPeer("connection-refused")).toBe(false);
    const stderr = classOf(
      `2026/11/24 10:00:00 [error] 1#1: *1 FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream${ctx}, upstream: "fastcgi://unix:/run/php.sock:"`,
    );
    expect(detailOf(stderr.c, stderr.l.message)).toMatch(/^FastCGI sent in stderr: "Primary script unknown"/);
    expect(detailOf(refused, "anything")).toBeNull();
    expect(mayConcernUpstream("2026/11/24 10:00:00 [notice] 1#1: signal process started")).toBe(false);
    expect(mayConcernUpstream("… while connecting to upstream …")).toBe(true);
  });

  it("groups carry the unresolved names on both reading paths", () => {
    const lines = [
      `2026/11/24 10:00:00 [error] 1#1: *1 orders.internal could not be resolved (3: Host not found)${ctx}, upstream: "http://orders.internal/", host: "shop"`,
      `2026/11/24 10:00:01 [error] 1#1: *2 billing.internal could not be resolved (2: Server failure)${ctx}, upstream: "http://billing.internal/", host: "shop"`,
      `2026/11/24 10:00:02 [error] 1#1: *3 orders.internal could not be resolved (3: Host not found)${ctx}, upstream: "http://orders.internal/", host: "shop"`,
    ];
    for (const core of [true, false]) {
      const acc = new ErrorLogAccumulator({ core });
      acc.addBytes(Buffer.from(`${lines.join("\n")}\n`), "e.log", 0);
      const groups = acc.result(["e.log"], []).groups;
      expect(groups.map((g) => [g.class, g.names])).toEqual([
        ["dns-failure", ["orders.internal", "billing.internal"]],
      ]);
    }
  });
});
