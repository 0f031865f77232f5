/**
 * Failures after the response header ("while reading upstream") did not give clients a 502/504: findings made
 * of them say so, report status null, rank below real 502/504 causes and cite the access log's record of the
 * peer as proof. Real error lines go through the real accumulator (summarizeErrorLogs), so the group's
 * afterHeaders count is the one the collector computes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AccessSummary } from "../../src/evidence/access-log.js";
import { errorEvidence, summarizeErrorLogs } from "../../src/evidence/error-log.js";
import { type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import { diagnose } from "../../src/rules/diagnose.js";

const dir = mkdtempSync(join(tmpdir(), "bg-after-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONF = `events {}
http { server { listen 80; server_name shop.test;
  location / { proxy_pass http://127.0.0.1:9000; }
  location /api/ { proxy_pass http://127.0.0.1:8081; } } }
`;

const line = (n: number, msg: string, peer: string, uri = "/report") =>
  `2026/11/24 10:00:${String(n % 60).padStart(2, "0")} [error] 11#11: *${n} ${msg}, client: 10.0.0.1, server: shop.test, request: "GET ${uri} HTTP/1.1", upstream: "http://${peer}${uri}", host: "shop.test"`;
const BODY_TIMEOUT = "upstream timed out (110: Connection timed out) while reading upstream";
const HEADER_TIMEOUT =
  "upstream timed out (110: Connection timed out) while reading response header from upstream";
const REFUSED = "connect() failed (111: Connection refused) while connecting to upstream";

async function evidence(lines: string[], access?: Partial<AccessSummary>): Promise<Evidence> {
  const file = join(dir, `e${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(file, `${lines.join("\n")}\n`);
  const ev = emptyEvidence("files");
  ev.config = { model: modelFromText(CONF, "/etc/nginx/nginx.conf").model, source: "t", errors: [] };
  ev.errorLog = errorEvidence(await summarizeErrorLogs([file]));
  if (access) {
    const P = { count: 0, p50: null, p95: null, p99: null, max: null };
    ev.accessLog = {
      files: ["access.log"],
      lines: 5,
      matched: 5,
      unmatched: 0,
      totals: {
        requests: 5,
        s502: 0,
        s504: 0,
        s5xx: 0,
        s404: 0,
        upstreamed: 5,
        latency: { request: P, upstream: P },
      },
      byHost: {},
      byLocation: {},
      byMinute: {},
      byPeer: {},
      ...access,
    } as AccessSummary;
  }
  return ev;
}

const peerStats = (requests: number, s504: number) => ({
  requests,
  s502: 0,
  s504,
  s5xx: 0,
  s404: 0,
  failedInChain: 0,
  servedAfterRetry: 0,
  latency: {
    response: { count: 0, p50: null, p95: null, p99: null, max: null },
    header: { count: 0, p50: null, p95: null, p99: null, max: null },
    connect: { count: 0, p50: null, p95: null, p99: null, max: null },
  },
});

describe("after-header failures", () => {
  it("the collector counts them per group", async () => {
    const ev = await evidence([
      ...Array.from({ length: 6 }, (_, i) => line(i, BODY_TIMEOUT, "127.0.0.1:9000")),
      ...Array.from({ length: 2 }, (_, i) => line(10 + i, HEADER_TIMEOUT, "127.0.0.1:9000")),
    ]);
    const g = ev.errorLog?.groups.find((x) => x.class === "read-timeout");
    expect(g).toMatchObject({ count: 8, afterHeaders: 6 });
  });

  it("only after-header timeouts: status null, no 504 claimed, the access log as proof", async () => {
    const ev = await evidence(
      Array.from({ length: 5 }, (_, i) => line(i, BODY_TIMEOUT, "127.0.0.1:9000")),
      {
        fields: { upstreamAddr: true, upstreamStatus: true } as AccessSummary["fields"],
        byPeer: { "127.0.0.1:9000": peerStats(5, 0) },
      },
    );
    const f = diagnose(ev).findings[0];
    expect(f?.id).toBe("upstream-timeout");
    expect(f?.status).toBeNull();
    expect(f?.message).toContain("after nginx had already sent the response header");
    expect(f?.message).not.toContain("Clients got 504");
    const proof = f?.evidence.find((e) => e.source === "access-log");
    expect(proof?.summary).toBe(
      "5 tries at 127.0.0.1:9000 in the access log: 0 × 502, 0 × 504, 5 with another status (after-header failures keep the upstream's status)",
    );
  });

  it("mixed: the 504s stay, and the message says how many lines came after the header", async () => {
    const ev = await evidence([
      ...Array.from({ length: 3 }, (_, i) => line(i, BODY_TIMEOUT, "127.0.0.1:9000")),
      ...Array.from({ length: 4 }, (_, i) => line(10 + i, HEADER_TIMEOUT, "127.0.0.1:9000")),
    ]);
    const f = diagnose(ev).findings[0];
    expect(f?.status).toBe(504);
    expect(f?.message).toContain("3 of these 7 lines came after nginx had sent the response header");
  });

  it("a refused backend (real 502s) ranks above a bigger after-header problem", async () => {
    const ev = await evidence([
      ...Array.from({ length: 12 }, (_, i) => line(i, BODY_TIMEOUT, "127.0.0.1:9000")),
      ...Array.from({ length: 6 }, (_, i) => line(20 + i, REFUSED, "127.0.0.1:8081", "/api/x")),
    ]);
    expect(diagnose(ev).findings.map((f) => [f.id, f.status ?? null])).toEqual([
      ["upstream-down", 502],
      ["upstream-timeout", null],
    ]);
  });
});
