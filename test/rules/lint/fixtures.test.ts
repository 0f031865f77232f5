/**
 * Every lint rule has test/fixtures/lint/<id>/bad.conf (must produce at least one finding of that id,
 * on the line marked `# expect: <id>` when such a marker is present) and good.conf (must produce none
 * of that id, and must be accepted by a real `nginx -t`). `__PREFIX__` in a fixture is replaced by the
 * temp prefix for nginx -t.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelFromText } from "../../../src/nginx/config/model.js";
import { LINT_RULES } from "../../../src/rules/lint/index.js";
import { lintModel } from "../../../src/rules/lint/run.js";
import { nginxTest } from "../../helpers/nginx-t.js";
import { systemDescribe } from "../../helpers/system.js";

const dir = (id: string) => join(import.meta.dirname, "../../fixtures/lint", id);
const lintText = (text: string, id: string) =>
  lintModel(modelFromText(text, "nginx.conf").model, { enable: [id] });

describe("lint rule fixtures", () => {
  it("has rules with unique ids and docs pages", () => {
    const ids = LINT_RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids)
      expect(existsSync(join(import.meta.dirname, "../../../docs/rules", `${id}.md`)), id).toBe(true);
  });
  for (const rule of LINT_RULES) {
    const id = rule.meta.id;
    it(`${id}: bad.conf is reported where marked`, () => {
      const text = readFileSync(join(dir(id), "bad.conf"), "utf8");
      const found = lintText(text, id);
      expect(found.length, `${id} found nothing in bad.conf`).toBeGreaterThan(0);
      const marked = text.split("\n").flatMap((l, i) => (l.includes(`# expect: ${id}`) ? [i + 1] : []));
      for (const line of marked) expect(found.map((f) => f.locations[0]?.line)).toContain(line);
    });
    it(`${id}: good.conf is clean`, () => {
      const text = readFileSync(join(dir(id), "good.conf"), "utf8");
      expect(lintText(text, id)).toEqual([]);
    });
  }
});

systemDescribe(["nginx"], "good lint fixtures pass a real nginx -t", () => {
  for (const rule of LINT_RULES) {
    const id = rule.meta.id;
    it(`${id}: nginx -t accepts good.conf`, () => {
      const r = nginxTest(readFileSync(join(dir(id), "good.conf"), "utf8"));
      expect(r.output).toMatch(/test is successful/);
      expect(r.ok).toBe(true);
    });
  }
});
