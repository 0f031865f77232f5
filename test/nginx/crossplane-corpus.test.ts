/**
 * The loader + parser produce the same JSON as crossplane 0.5.7 (`crossplane parse <main>`, includes followed)
 * on a corpus of 28 configurations written for this suite in the style of real deployments (distro defaults,
 * PHP-FPM/WordPress/Laravel/Nextcloud, Node, Django, Rails, Kubernetes ingress, OpenResty, stream, mail…).
 * The expected JSON was produced by running crossplane from a copy outside the repository.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/evidence/config-loader.js";
import type { ConfNode } from "../../src/nginx/config/parser.js";

const root = join(import.meta.dirname, "../..");
const dir = join(import.meta.dirname, "../fixtures/configs/corpus");
const names = readdirSync(dir)
  .filter((n) => n.endsWith(".crossplane.json"))
  .map((n) => n.replace(/\.crossplane\.json$/, ""));

const toJson = (nodes: ConfNode[]): unknown[] =>
  nodes.map((n) => ({
    directive: n.directive,
    line: n.line,
    args: n.args,
    ...(n.includes ? { includes: n.includes } : {}),
    ...(n.block ? { block: toJson(n.block) } : {}),
  }));

describe("crossplane corpus", () => {
  it("has at least 28 configurations (30 with the two single-file fixtures)", () => {
    expect(names.length).toBeGreaterThanOrEqual(28);
  });
  for (const name of names) {
    it(`${name}: same JSON as crossplane`, () => {
      const expected = JSON.parse(readFileSync(join(dir, `${name}.crossplane.json`), "utf8"));
      const main = relative(root, join(dir, name, "nginx.conf"));
      const cwd = process.cwd();
      process.chdir(root);
      try {
        const p = loadConfig(main);
        const got = {
          status: p.status,
          errors: p.errors.map((e) => ({ file: e.file, error: e.error, line: e.line })),
          config: p.config.map((c) => ({
            file: c.file,
            status: c.status,
            errors: c.errors,
            parsed: toJson(c.parsed),
          })),
        };
        expect(got).toEqual(expected);
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
