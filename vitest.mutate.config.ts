/**
 * Vitest configuration for mutation runs (`npm run mutate`, stryker.config.mjs).
 *
 * Same as vitest.config.ts, but without the suites that cannot kill a mutant in the mutated modules and only
 * cost time: the ones that run the bundled CLI (dist/cli.js is built before Stryker mutates the sources, so it
 * never contains a mutant) or exercise real nginx for code outside the mutated set. Every unit test that imports
 * the mutated modules in-process stays, including the real-nginx error-line test and the realworld corpora.
 */
import { defineConfig } from "vitest/config";

// The differential suites feed generated lines through the WebAssembly scanner and the JavaScript parsers and
// compare the summaries. They kill mutants in grammar.ts and logformat.ts, but both paths classify with the same
// taxonomy.ts, so for the taxonomy and the rules they only cost time (about 20 s per surviving mutant here).
// BADGATEWAY_MUTATE_DIFFERENTIAL=0 leaves them out for those per-module runs (see docs/testing.md).
const differential =
  process.env.BADGATEWAY_MUTATE_DIFFERENTIAL === "0"
    ? ["test/evidence/error-log-core.test.ts", "test/evidence/access-log-core.test.ts"]
    : [];

// BADGATEWAY_MUTATE_FAST=1: only the in-process unit suites of the error-log classifier and the rules (no real nginx,
// no fixture bundles, no evidence readers). Fewer tests can only kill fewer mutants, so a score measured this way
// is a lower bound of the full suite's score; it takes a fraction of the time on a busy machine.
const fast = process.env.BADGATEWAY_MUTATE_FAST === "1";
const fastInclude = [
  "test/nginx/errorlog/*.test.ts",
  "test/realworld/*.test.ts",
  "test/rules/*.test.ts",
  "test/nginx/*.test.ts",
];
const slowInFast = [
  "test/nginx/errorlog/real-nginx.test.ts",
  "test/rules/causes.test.ts",
  "test/nginx/parser.test.ts",
  "test/nginx/payload.test.ts",
];

export default defineConfig({
  define: { __BADGATEWAY_VERSION__: JSON.stringify("0.0.0-test") },
  test: {
    include: fast ? fastInclude : ["test/**/*.test.ts", "src/**/*.test.ts"],
    exclude: [
      "**/node_modules/**",
      // real nginx + the built CLI, scenario by scenario
      "test/lab/**",
      // the built CLI only
      "test/cli/**",
      "test/examples.test.ts",
      "test/evidence/probes/nginx-probe.test.ts",
      "test/evidence/access-log.nginx.test.ts",
      "test/evidence/collect.test.ts",
      // the nginx test helper itself, the config parser and the access-log sketch (not mutated)
      "test/foundation/**",
      "test/nginx/crossplane.test.ts",
      "test/nginx/crossplane-corpus.test.ts",
      "test/nginx/sketch.test.ts",
      ...differential,
      ...(fast ? ["test/evidence/**", ...slowInFast] : []),
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
