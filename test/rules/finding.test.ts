import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { modelFromText } from "../../src/nginx/config/model.js";
import { CAUSE_RULES } from "../../src/rules/causes/index.js";
import { docsFor, finding, where } from "../../src/rules/finding.js";
import { LINT_RULES } from "../../src/rules/lint/index.js";
import { lintModel } from "../../src/rules/lint/run.js";

describe("finding() and where()", () => {
  it("where writes file:line, or the file alone without a line", () => {
    expect(where({ file: "/etc/nginx/nginx.conf", line: 12 })).toBe("/etc/nginx/nginx.conf:12");
    expect(where({ file: "a.conf" })).toBe("a.conf");
    expect(where({ file: "a.conf", line: null })).toBe("a.conf");
  });

  it("finding takes id, title, severity, status and the docs page from the meta; status can be overridden", () => {
    const meta = {
      id: "upstream-down",
      title: "Upstream down",
      severity: "error" as const,
      status: 502 as const,
    };
    const base = { confidence: 0.9, message: "m", evidence: [], fix: "f", locations: [] };
    expect(finding(meta, base)).toMatchObject({ ...meta, docs: "docs/rules/upstream-down.md", message: "m" });
    expect(finding(meta, { ...base, status: 504 }).status).toBe(504);
    expect(finding({ ...meta, status: undefined }, base).status).toBeNull();
  });

  it("every rule's docs page exists where finding() points", () => {
    for (const r of [...CAUSE_RULES, ...LINT_RULES])
      expect(existsSync(docsFor(r.meta.id)), r.meta.id).toBe(true);
  });

  it("lint findings point at their docs page through finding()", () => {
    const { model } = modelFromText(
      "http { server { location / { proxy_pass http://nosuch_pool; } } }",
      "t.conf",
    );
    const f = lintModel(model).find((x) => x.id === "unknown-upstream");
    expect(f?.docs).toBe("docs/rules/unknown-upstream.md");
    expect(f?.locations[0]).toEqual({ file: "t.conf", line: 1 });
  });
});
