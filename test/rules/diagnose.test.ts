import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import { diagnoseMarkdown, diagnoseText } from "../../src/report/diagnose.js";
import { diagnose } from "../../src/rules/diagnose.js";

const CONF = `http {
  upstream shop {
    server 127.0.0.1:8081;
    server 127.0.0.1:8082;
  }
  server {
    listen 80;
    server_name shop.test;
    location / { proxy_pass http://shop; }
    location /api/ { proxy_pass http://127.0.0.1:9000/; }
    location /secure/ { proxy_pass https://127.0.0.1:9443; }
  }
}
`;

function group(
  cls: ErrorClass,
  peer: string | null,
  count: number,
  extra: Partial<ErrorGroup> = {},
): ErrorGroup {
  return {
    class: cls,
    peer,
    upstream: peer ? `http://${peer}/` : null,
    group: null,
    server: "shop.test",
    host: "shop.test",
    count,
    first: "2026-11-24T10:00:00Z",
    last: "2026-11-24T10:05:00Z",
    samples: [{ text: `2026/11/24 10:00:00 [error] 1#1: *1 ${cls} sample`, file: "error.log", line: 1 }],
    uris: ["/"],
    details: [],
    ...extra,
  };
}

function evidence(groups: ErrorGroup[], probes: Evidence["probes"] = null): Evidence {
  const ev = emptyEvidence("files");
  ev.config = { model: modelFromText(CONF, "/etc/nginx/nginx.conf").model, source: "test", errors: [] };
  ev.errorLog = { files: ["error.log"], lines: 100, byClass: {}, groups, first: null, last: null };
  ev.probes = probes;
  return ev;
}

describe("diagnose engine", () => {
  it("names a refused peer upstream-down and points at its upstream server line", () => {
    const r = diagnose(evidence([group("connection-refused", "127.0.0.1:8081", 40)]));
    expect(r.exitCode).toBe(1);
    expect(r.findings[0]).toMatchObject({ id: "upstream-down", status: 502 });
    expect(r.findings[0]?.locations).toContainEqual({ file: "/etc/nginx/nginx.conf", line: 3 });
    expect(r.findings[0]?.message).toContain("127.0.0.1:8081");
  });

  it("prefers wrong-port when a probe saw a listener on a nearby port", () => {
    const probes = [
      {
        target: "http://127.0.0.1:8081",
        peer: "127.0.0.1:8081",
        check: "tcp",
        ok: false,
        problem: "connection-refused",
        summary: "refused; 127.0.0.1:8083 is listening",
        data: { nearbyListeners: [{ port: 8083 }] },
      },
    ];
    const r = diagnose(evidence([group("connection-refused", "127.0.0.1:8081", 40)], probes));
    expect(r.findings.map((f) => f.id)).toEqual(["wrong-port"]);
    expect(r.findings[0]?.fix).toContain("8083");
  });

  it("tells scheme mismatch from other TLS failures", () => {
    const wrongVersion = group("tls-handshake", "127.0.0.1:9443", 10, {
      details: ["wrong-version-number"],
    });
    const verify = group("tls-verify", "127.0.0.1:9443", 3);
    const ids = diagnose(evidence([wrongVersion, verify])).findings.map((f) => f.id);
    expect(ids).toContain("scheme-mismatch");
    expect(ids).toContain("tls-upstream");
  });

  it("ranks the peers' own cause above no live upstreams, which cites it", () => {
    const r = diagnose(
      evidence([
        group("connection-refused", "127.0.0.1:8081", 5),
        group("connection-refused", "127.0.0.1:8082", 5),
        group("no-live-upstreams", null, 30, { group: "shop", upstream: "http://shop/" }),
      ]),
    );
    expect(r.findings.map((f) => f.id)).toEqual(["upstream-down", "no-live-upstreams"]);
    expect(r.findings[1]?.message).toContain("upstream-down");
    expect(r.findings[1]?.message).toContain("max_fails=1");
  });

  it("reports timeouts as 504 and names the directive and its default", () => {
    const r = diagnose(evidence([group("read-timeout", "127.0.0.1:9000", 12, { uris: ["/api/report"] })]));
    expect(r.findings[0]).toMatchObject({ id: "upstream-timeout", status: 504 });
    expect(r.findings[0]?.message).toContain("proxy_read_timeout");
    expect(r.findings[0]?.message).toContain("1m");
  });

  it("finds a prefix stripped by the proxy_pass URI from 404s in the access log", () => {
    const ev = evidence([]);
    ev.errorLog = null;
    ev.accessLog = {
      byLocation: { "/api/": { requests: 50, s404: 40, s502: 0, s504: 0, s5xx: 0 } },
      totals: { requests: 50, s502: 0, s504: 0, s5xx: 0, s404: 40 },
      matched: 50,
    } as unknown as Evidence["accessLog"];
    const r = diagnose(ev);
    expect(r.findings[0]?.id).toBe("uri-rewrite");
    expect(r.findings[0]?.message).toContain("/api/items is sent upstream as /items");
  });

  it("says it cannot diagnose without evidence, and renders all formats", () => {
    const ev = emptyEvidence("files");
    ev.missing.push("error log (give --error-log)");
    const r = diagnose(ev);
    expect(r.exitCode).toBe(2);
    expect(diagnoseText(r, { color: false })).toContain("Could not diagnose");
    const ok = diagnose(evidence([group("connection-refused", "127.0.0.1:8081", 4)]));
    expect(diagnoseText(ok, { color: false })).toMatch(/^Root cause: Upstream is not running/);
    expect(diagnoseMarkdown(ok)).toContain("| 1 | Upstream is not running");
  });
});
