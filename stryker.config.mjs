// Mutation testing (issue 18): `npm run mutate`, or one module at a time with
// `npx stryker run --mutate src/nginx/errorlog/taxonomy.ts`. Not part of `npm test` or CI. See docs/testing.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts", related: true },
  plugins: ["@stryker-mutator/vitest-runner"],
  // The modules that decide answers: error-line grammar and taxonomy, the log_format splitter, the config model,
  // the ranking, every cause rule, and the verdict parts of the live probes (line ranges: the code that turns
  // what came back into ok/problem, not the socket plumbing).
  mutate: [
    "src/nginx/errorlog/**/*.ts",
    "src/nginx/logformat.ts",
    "src/nginx/config/model.ts",
    "src/rules/diagnose.ts",
    "src/rules/causes/**/*.ts",
    "src/evidence/probes/http.ts:19-288",
    "src/evidence/probes/tcp.ts:5-30",
    "src/evidence/probes/tls.ts:7-8",
    "src/evidence/probes/tls.ts:56-126",
    "src/evidence/probes/unix.ts:36-87",
  ],
  coverageAnalysis: "perTest",
  // Incremental: only mutants whose code or covering tests changed since the last run are tested again. The file
  // is a local cache (gitignored with the rest of reports/): a fresh checkout does one full run to build it.
  incremental: true,
  incrementalFile: "reports/stryker-incremental.json",
  // The machine is small and shared: one test runner, generous timeouts.
  concurrency: 1,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  // dist/ is needed in the sandbox: the differential tests compare the JS parsers with dist/core.wasm.
  ignorePatterns: ["bench/out", "coverage", ".stryker-tmp", "reports"],
  reporters: ["clear-text", "progress-append-only", "json", "html"],
  jsonReporter: { fileName: process.env.MUTATE_JSON ?? "reports/mutation/mutation.json" },
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
