/**
 * The explanation catalogue is what `badgateway explain` prints for each class: every class must have all its
 * parts, name only cause rules that exist, and use only the placeholders explain fills in. Written to kill
 * mutants Stryker left alive in src/nginx/errorlog/catalogue.ts (an emptied text or list went unnoticed).
 */
import { describe, expect, it } from "vitest";
import { CLASS_INFO } from "../../../src/nginx/errorlog/catalogue.js";
import { ERROR_CLASSES } from "../../../src/nginx/errorlog/taxonomy.js";
import { CAUSE_RULES } from "../../../src/rules/causes/index.js";

const ruleIds = new Set(CAUSE_RULES.map((r) => r.meta.id));

describe("CLASS_INFO", () => {
  it("has one entry per class and nothing else", () => {
    expect(Object.keys(CLASS_INFO).sort()).toEqual([...ERROR_CLASSES].sort());
  });

  it.each([...ERROR_CLASSES])(
    "%s: title, meaning, fix and status reason are sentences; failures have check commands",
    (cls) => {
      const info = CLASS_INFO[cls];
      for (const text of [info.title, info.meaning, info.fix, info.statusWhy])
        expect(text.length, cls).toBeGreaterThan(10);
      // A line that is not an upstream failure has nothing to check; every failure has at least one command.
      expect(info.checks.length > 0, cls).toBe(cls !== "not-upstream");
      for (const c of info.checks) expect(c.trim().length, cls).toBeGreaterThan(5);
    },
  );

  it.each([...ERROR_CLASSES].filter((c) => c !== "not-upstream"))(
    "%s names cause rules that exist",
    (cls) => {
      const causes = CLASS_INFO[cls].causes;
      expect(causes.length, cls).toBeGreaterThan(0);
      for (const id of causes) expect(ruleIds.has(id), `${cls} → ${id}`).toBe(true);
    },
  );

  it("the status reason agrees with the status the taxonomy gives", () => {
    for (const cls of ["connect-timeout", "read-timeout", "send-timeout"] as const)
      expect(CLASS_INFO[cls].statusWhy, cls).toContain("504");
    for (const cls of ["connection-refused", "host-unreachable", "premature-close", "tls-handshake"] as const)
      expect(CLASS_INFO[cls].statusWhy, cls).toContain("502");
    expect(CLASS_INFO["worker-connections"].statusWhy).toContain("500");
  });
});
