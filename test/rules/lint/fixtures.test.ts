/**
 * Every lint rule's folder src/rules/lint/<id>/ holds at least one bad*.conf and one good*.conf. Each bad case must
 * produce a finding of that id (on every line marked `# expect: <id>` when there are markers); each good case must
 * produce none of that id and be accepted by a real `nginx -t`. `__PREFIX__` in a fixture is replaced by the temp
 * prefix for nginx -t.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { modelFromText } from "../../../src/nginx/config/model.js";
import { LINT_RULES } from "../../../src/rules/lint/index.js";
import { lintModel } from "../../../src/rules/lint/run.js";
import { nginxTest } from "../../helpers/nginx-t.js";
import { systemDescribe } from "../../helpers/system.js";

const lintDir = join(import.meta.dirname, "../../../src/rules/lint");
const dir = (id: string) => join(lintDir, id);
const cases = (id: string, kind: "bad" | "good") =>
  readdirSync(dir(id))
    .filter((f) => f.startsWith(kind) && f.endsWith(".conf"))
    .sort();
const lintText = (text: string, id: string) =>
  lintModel(modelFromText(text, "nginx.conf").model, { enable: [id] });

describe("lint rule fixtures", () => {
  it("has rules with unique ids, a folder with rule.ts and docs pages", () => {
    const ids = LINT_RULES.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(existsSync(join(dir(id), "rule.ts")), id).toBe(true);
      expect(existsSync(join(import.meta.dirname, "../../../docs/rules", `${id}.md`)), id).toBe(true);
    }
    // No folder without a registered rule (a rule written but not added to index.ts).
    const folders = readdirSync(lintDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.sort()).toEqual([...ids].sort());
  });
  for (const rule of LINT_RULES) {
    const id = rule.meta.id;
    it(`${id}: has bad and good cases`, () => {
      expect(cases(id, "bad").length, `${id}: no bad*.conf`).toBeGreaterThan(0);
      expect(cases(id, "good").length, `${id}: no good*.conf`).toBeGreaterThan(0);
    });
    for (const bad of cases(id, "bad"))
      it(`${id}: ${bad} is reported where marked`, () => {
        const text = readFileSync(join(dir(id), bad), "utf8");
        const found = lintText(text, id);
        expect(found.length, `${id} found nothing in ${bad}`).toBeGreaterThan(0);
        const marked = text.split("\n").flatMap((l, i) => (l.includes(`# expect: ${id}`) ? [i + 1] : []));
        for (const line of marked) expect(found.map((f) => f.locations[0]?.line)).toContain(line);
      });
    for (const good of cases(id, "good"))
      it(`${id}: ${good} is clean`, () => {
        const text = readFileSync(join(dir(id), good), "utf8");
        expect(lintText(text, id)).toEqual([]);
      });
  }
});

systemDescribe(["nginx"], "good lint fixtures pass a real nginx -t", () => {
  for (const rule of LINT_RULES) {
    const id = rule.meta.id;
    for (const good of cases(id, "good"))
      it(`${id}: nginx -t accepts ${good}`, () => {
        const r = nginxTest(readFileSync(join(dir(id), good), "utf8"));
        expect(r.output).toMatch(/test is successful/);
        expect(r.ok).toBe(true);
      });
  }
});
