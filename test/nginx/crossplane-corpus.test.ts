/**
 * The loader + parser produce the same JSON as crossplane 0.5.7 (`crossplane parse <main>`, includes followed;
 * `--include-comments` where `<name>.crossplane-comments.json` exists) on a corpus of configurations written for
 * this suite in the style of real deployments (distro defaults, PHP-FPM/WordPress/Laravel/Nextcloud, Node,
 * Django, Rails, Kubernetes ingress, OpenResty, stream, mail, include globs…). The expected JSON was produced by
 * running crossplane from a copy outside the repository. One documented difference (corpus README): without
 * --include-comments crossplane still prints comments found between a directive's arguments; we do not, so
 * those entries are removed from crossplane's output before comparing.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/evidence/config-loader.js";
import { CrossplaneJsonWriter, toCrossplaneJson } from "../../src/nginx/config/payload.js";

const root = join(import.meta.dirname, "../..");
const dir = join(import.meta.dirname, "../fixtures/configs/corpus");
type Directive = { directive: string; block?: Directive[] };
const withoutComments = (nodes: Directive[]): Directive[] =>
  nodes
    .filter((n) => n.directive !== "#")
    .map((n) => (n.block ? { ...n, block: withoutComments(n.block) } : n));

const names = readdirSync(dir)
  .filter((n) => n.endsWith(".crossplane.json"))
  .map((n) => n.replace(/\.crossplane\.json$/, ""));

describe("crossplane corpus", () => {
  it("has its 33 configurations (35 with the two single-file fixtures)", () => {
    expect(names.length).toBe(33);
  });
  for (const name of names) {
    it(`${name}: same JSON as crossplane`, () => {
      const expected = JSON.parse(readFileSync(join(dir, `${name}.crossplane.json`), "utf8"));
      for (const c of expected.config) c.parsed = withoutComments(c.parsed);
      const main = relative(root, join(dir, name, "nginx.conf"));
      const cwd = process.cwd();
      process.chdir(root);
      try {
        expect(toCrossplaneJson(loadConfig(main))).toEqual(expected);
        const withComments = join(dir, `${name}.crossplane-comments.json`);
        if (existsSync(withComments))
          expect(toCrossplaneJson(loadConfig(main, { comments: true }))).toEqual(
            JSON.parse(readFileSync(withComments, "utf8")),
          );
      } finally {
        process.chdir(cwd);
      }
    });
  }
});

describe("crossplane corpus through the streaming writer (config parse --json)", () => {
  for (const name of names) {
    it(`${name}: the bytes of JSON.stringify(toCrossplaneJson(…)), with and without comments, without keeping a tree`, () => {
      const main = relative(root, join(dir, name, "nginx.conf"));
      const cwd = process.cwd();
      process.chdir(root);
      try {
        for (const comments of [false, true]) {
          const want = JSON.stringify(toCrossplaneJson(loadConfig(main, { comments })));
          const writer = new CrossplaneJsonWriter();
          const payload = loadConfig(main, {
            comments,
            onDirective: writer.directive,
            onBlockClosed: writer.blockClosed,
            tree: false,
          });
          expect(payload.config.every((c) => c.parsed.length === 0)).toBe(true);
          const pieces: Uint8Array[] = [];
          writer.write(payload, (p) => pieces.push(p));
          expect(Buffer.concat(pieces).toString("utf8")).toBe(want);
        }
      } finally {
        process.chdir(cwd);
      }
    });
  }
});
