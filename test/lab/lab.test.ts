/**
 * Every lab scenario reproduces a runbook cause with a real nginx and real upstreams; `diagnose` on the live
 * state must rank the expected cause first (with evidence, a fix and a verify step), and `diagnose --bundle`
 * on the saved evidence must agree.
 */
import { cpSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";
import { type LabRun, runScenario } from "./harness.js";
import { phpFpmBinary, phpScenario, SCENARIOS } from "./scenarios.js";

/** Scenarios whose bundles are kept in examples/ (regenerate: BADGATEWAY_SAVE_EXAMPLES=$PWD/examples npx vitest run test/lab). */
const EXAMPLES = [
  "wrong-port",
  "no-live-upstreams",
  "tls-verify-self-signed",
  "php-fpm-wrong-script-filename",
  "prefix-stripped",
];

interface Report {
  findings: Array<{
    id: string;
    evidence: Array<{ source: string }>;
    fix: string;
    verify?: string;
    locations: unknown[];
  }>;
}

systemDescribe(
  ["nginx", "openssl", "python3"],
  "lab: real nginx, real failures, diagnose finds the cause",
  () => {
    const runs: LabRun[] = [];
    afterAll(async () => {
      for (const r of runs) {
        await r.cleanup();
        rmSync(r.bundle, { recursive: true, force: true });
      }
    });
    const php = phpFpmBinary();
    const all = [...SCENARIOS, ...(php ? [phpScenario(php)] : [])];
    it("has PHP-FPM for the FastCGI scenario (install php-fpm; .ci/run does)", () => {
      if (!php && process.env["BADGATEWAY_REQUIRE_SYSTEM"] === "1")
        throw new Error("php-fpm is not installed");
      if (!php) process.stderr.write("[skip] lab php-fpm scenario: php-fpm not installed\n");
    });
    for (const s of all) {
      it(`${s.id} → ${s.expected}`, async () => {
        const run = await runScenario(s);
        runs.push(run);
        const live = await runCliAsync([
          "diagnose",
          "--config",
          run.ngx.confPath,
          "--error-log",
          run.ngx.errorLogPath,
          "--access-log",
          run.ngx.accessLogPath,
          "--json",
        ]);
        const report = JSON.parse(live.stdout) as Report;
        const top = report.findings[0];
        expect(top?.id, JSON.stringify(report.findings.map((f) => f.id))).toBe(s.expected);
        expect(top?.evidence.length).toBeGreaterThan(0);
        expect(top?.fix.length).toBeGreaterThan(20);
        expect(top?.verify?.length ?? 0).toBeGreaterThan(10);
        const save = process.env["BADGATEWAY_SAVE_EXAMPLES"];
        if (save && EXAMPLES.includes(s.id)) {
          const dest = join(save, s.id);
          rmSync(dest, { recursive: true, force: true });
          cpSync(run.bundle, dest, { recursive: true });
        }
        const fromBundle = JSON.parse(
          (await runCliAsync(["diagnose", "--bundle", run.bundle, "--json"])).stdout,
        ) as Report;
        expect(fromBundle.findings[0]?.id).toBe(s.expected);
      }, 30_000);
    }
  },
);

it("dns-stale → dns-stale (built from recorded evidence: a static name is resolved by the system resolver at start-up, which a test cannot redirect)", async () => {
  const dir = new URL("../fixtures/bundles/dns-stale-recorded", import.meta.url).pathname;
  const r = JSON.parse((await runCliAsync(["diagnose", "--bundle", dir, "--json"])).stdout) as Report;
  expect(r.findings[0]?.id).toBe("dns-stale");
  expect(r.findings[0]?.fix).toContain("resolver");
  expect(JSON.stringify(r.findings[0]?.evidence)).toContain("10.20.0.7");
});
