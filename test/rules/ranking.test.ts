/**
 * The whole order of findings, not only the top: ties built on purpose at every level of the ranking key
 * (catch-all last, unrounded score, evidence lines, registry priority, id), and real rules with three causes
 * at once. Reversing any level of the key breaks one of these.
 */
import { describe, expect, it } from "vitest";
import { type ErrorGroup, type Evidence, emptyEvidence } from "../../src/evidence/types.js";
import { modelFromText } from "../../src/nginx/config/model.js";
import type { ErrorClass } from "../../src/nginx/errorlog/taxonomy.js";
import { CAUSE_RULES } from "../../src/rules/causes/index.js";
import type { CauseRule } from "../../src/rules/causes/types.js";
import { confidence } from "../../src/rules/causes/util.js";
import { diagnose, rank } from "../../src/rules/diagnose.js";
import type { Finding } from "../../src/rules/types.js";

const CONF = `events {}
http {
  server {
    listen 80;
    server_name shop.test;
    location / { proxy_pass http://127.0.0.1:8081; }
    location /secure/ { proxy_pass https://10.0.0.7:8443; }
    location /api/ { proxy_pass http://127.0.0.1:9000; }
    location /img/ { proxy_pass http://127.0.0.1:9100; }
  }
}
`;

function group(cls: ErrorClass, peer: string, count: number, details: string[] = []): ErrorGroup {
  return {
    class: cls,
    peer,
    upstream: `http://${peer}/`,
    group: null,
    server: "shop.test",
    host: "shop.test",
    count,
    first: "2026-11-24T10:00:00",
    last: "2026-11-24T10:05:00",
    samples: [{ text: `2026/11/24 10:00:00 [error] 1#1: *1 ${cls}`, file: "error.log", line: 1 }],
    uris: ["/"],
    details,
  };
}

function evidence(groups: ErrorGroup[]): Evidence {
  const ev = emptyEvidence("files");
  ev.config = { model: modelFromText(CONF, "/etc/nginx/nginx.conf").model, source: "test", errors: [] };
  ev.errorLog = { files: ["error.log"], lines: 100, byClass: {}, groups, first: null, last: null };
  return ev;
}

/** A finding as a rule would produce it: chosen confidence and lines behind it. */
function f(id: string, conf: number, lines: number): Finding {
  return {
    id,
    title: id,
    severity: "error",
    confidence: conf,
    status: 502,
    message: id,
    evidence: [{ source: "error-log", summary: `${lines} lines`, data: { count: lines } }],
    fix: "fix",
    locations: [],
    docs: "",
  };
}

/** Rules that return fixed findings, registered in the given order (their place is their priority). */
function rules(...out: Finding[][]): CauseRule[] {
  return out.map((fs, i) => ({
    meta: {
      id: fs[0]?.id ?? `r${i}`,
      title: "t",
      kind: "cause",
      severity: "error",
      status: 502,
      description: "d",
    },
    diagnose: () => fs,
  }));
}

const ids = (fs: Finding[]) => fs.map((x) => x.id);

describe("ranking key, level by level", () => {
  it("1. the catch-all is last even when its score is higher", () => {
    const r = diagnose(
      evidence([]),
      rules([f("upstream-errors-unexplained", 0.9, 50)], [f("a-cause", 0.4, 1)]),
    );
    expect(ids(r.findings)).toEqual(["a-cause", "upstream-errors-unexplained"]);
  });

  it("2. the unrounded score decides where the printed confidence ties (0.774 vs 0.7728, both 0.77)", () => {
    const r = diagnose(evidence([]), rules([f("fewer-lines", 0.7728, 7)], [f("more-lines", 0.774, 1)]));
    expect(ids(r.findings)).toEqual(["more-lines", "fewer-lines"]);
    expect(r.findings.map((x) => x.confidence)).toEqual([0.77, 0.77]);
  });

  it("3. equal scores: more log lines first", () => {
    const r = diagnose(evidence([]), rules([f("seven", 0.8, 7)], [f("eight", 0.8, 8)]));
    expect(ids(r.findings)).toEqual(["eight", "seven"]);
  });

  it("4. equal scores and lines: the rule registered first (the more specific) first", () => {
    const r = diagnose(evidence([]), rules([f("zeta", 0.8, 5)], [f("alpha", 0.8, 5)]));
    expect(ids(r.findings)).toEqual(["zeta", "alpha"]);
  });

  it("5. equal score, lines and priority (both outside the registry): by id, then the order given", () => {
    const one: Finding[] = [f("b", 0.8, 5), f("a", 0.8, 5), { ...f("a", 0.8, 5), message: "second a" }];
    const ranked = rank(one, []);
    expect(ranked.map((x) => `${x.id}:${x.message}`)).toEqual(["a:a", "a:second a", "b:b"]);
  });

  it("the same findings in any input order come out in the same order", () => {
    const fs = [f("x", 0.8, 5), f("y", 0.8, 9), f("z", 0.81, 1), f("upstream-errors-unexplained", 0.99, 99)];
    const reg = rules([f("y", 0, 0)], [f("x", 0, 0)], [f("z", 0, 0)]);
    const want = ["z", "y", "x", "upstream-errors-unexplained"];
    expect(ids(rank(fs, reg))).toEqual(want);
    expect(ids(rank([...fs].reverse(), reg))).toEqual(want);
    expect(ids(rank([fs[2], fs[0], fs[3], fs[1]] as Finding[], reg))).toEqual(want);
  });
});

describe("real rules, ties and three causes at once", () => {
  it("8 refused lines vs 7 TLS-verify lines: both print 0.77, refused ranks first on its exact score", () => {
    const r = diagnose(
      evidence([group("connection-refused", "127.0.0.1:8081", 8), group("tls-verify", "10.0.0.7:8443", 7)]),
    );
    expect(ids(r.findings)).toEqual(["upstream-down", "tls-upstream"]);
    expect(r.findings.map((x) => x.confidence)).toEqual([0.77, 0.77]);
    // the exact scores differ, and that (not the line count) is what decides
    expect(confidence(0.9, 8, 15)).toBeGreaterThan(confidence(0.92, 7, 15));
  });

  it("7 refused lines vs 8 TLS-verify lines: TLS first (the score, not the registry, decides)", () => {
    const r = diagnose(
      evidence([group("connection-refused", "127.0.0.1:8081", 7), group("tls-verify", "10.0.0.7:8443", 8)]),
    );
    expect(ids(r.findings)).toEqual(["tls-upstream", "upstream-down"]);
  });

  it("refused and read timeouts with equal counts and equal bases tie exactly: registry order decides", () => {
    const r = diagnose(
      evidence([
        group("connection-refused", "127.0.0.1:8081", 6),
        group("read-timeout", "127.0.0.1:9000", 6),
      ]),
    );
    const reg = CAUSE_RULES.map((x) => x.meta.id);
    expect(reg.indexOf("upstream-timeout")).toBeLessThan(reg.indexOf("upstream-down"));
    expect(ids(r.findings)).toEqual(["upstream-timeout", "upstream-down"]);
  });

  it("three causes at once: the whole order is pinned", () => {
    const r = diagnose(
      evidence([
        group("read-timeout", "127.0.0.1:9000", 12),
        group("connection-refused", "127.0.0.1:8081", 8),
        group("tls-verify", "10.0.0.7:8443", 7),
        group("premature-close", "127.0.0.1:9100", 3),
      ]),
    );
    // scores over 30 lines: timeout 0.9×0.82, tls 0.92×0.77, refused 0.9×0.78, invalid 0.85×0.73
    expect(ids(r.findings)).toEqual([
      "upstream-timeout",
      "tls-upstream",
      "upstream-down",
      "invalid-response",
    ]);
    expect(r.findings.map((x) => x.confidence)).toEqual([0.74, 0.71, 0.7, 0.62]);
  });

  it("after-header failures rank below the causes of real 502/504s", () => {
    const after = { ...group("read-timeout", "127.0.0.1:9000", 20), afterHeaders: 20 };
    const r = diagnose(evidence([after, group("connection-refused", "127.0.0.1:8081", 10)]));
    expect(ids(r.findings)).toEqual(["upstream-down", "upstream-timeout"]);
    expect(r.findings[1]?.status).toBeNull();
    expect(r.findings[1]?.message).toContain("after nginx had already sent the response header");
  });

  it("unclaimed lines never put upstream-errors-unexplained first", () => {
    const r = diagnose(
      evidence([group("send-timeout", "127.0.0.1:9000", 1), group("fastcgi-stderr", "127.0.0.1:9000", 90)]),
    );
    expect(r.findings[0]?.id).toBe("upstream-timeout");
    expect(ids(r.findings).at(-1)).toBe("upstream-errors-unexplained");
  });
});
