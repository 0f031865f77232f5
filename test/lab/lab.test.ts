/**
 * Every lab scenario reproduces a runbook cause with a real nginx and real upstreams; `diagnose` on the live
 * state must rank the expected cause first (with evidence, a fix and a verify step), and `diagnose --bundle`
 * on the saved evidence must agree.
 */
import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parseErrorLine } from "../../src/nginx/errorlog/grammar.js";
import { classify } from "../../src/nginx/errorlog/taxonomy.js";
import { runCliAsync } from "../helpers/cli.js";
import { requireSystem, systemDescribe } from "../helpers/system.js";
import { type LabRun, runScenario, type Scenario } from "./harness.js";
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
    status?: number | null;
    message: string;
    evidence: Array<{ source: string; summary: string }>;
    fix: string;
    verify?: string;
    locations: unknown[];
  }>;
}

/** What every scenario declares about the top finding, checked on the live run and on the saved bundle. */
function checkTop(s: Scenario, report: Report, where: string): void {
  const top = report.findings[0];
  expect(top?.id, `${where}: ${JSON.stringify(report.findings.map((f) => f.id))}`).toBe(s.expected);
  expect(top?.fix, `${where}: fix`).toContain(s.fixIncludes);
  expect(
    top?.evidence.map((e) => e.source),
    `${where}: evidence sources`,
  ).toContain(s.evidenceFrom);
  if (s.status !== undefined) expect(top?.status, `${where}: status`).toBe(s.status);
  if (s.evidenceIncludes)
    expect(top?.evidence.map((e) => e.summary).join("\n"), `${where}: evidence`).toContain(
      s.evidenceIncludes,
    );
  for (const f of report.findings)
    for (const bad of s.neverSays ?? [])
      expect(`${f.message}\n${f.fix}\n${f.verify ?? ""}`, `${where}: ${f.id} says "${bad}"`).not.toContain(
        bad,
      );
}

/** Every access-log line has the status clients really got; every upstream failure line the declared class. */
function checkLogs(s: Scenario, run: LabRun): void {
  if (s.accessStatus !== undefined) {
    const access = readFileSync(run.ngx.accessLogPath, "utf8").trim().split("\n");
    expect(access.length).toBe(s.requests.length);
    for (const l of access) expect(/" (\d{3}) /.exec(l)?.[1], l).toBe(String(s.accessStatus));
  }
  if (s.lines) {
    const failures = run.ngx
      .errorLog()
      .split("\n")
      .filter((l) => l.includes("[error]") && l.includes("upstream"));
    expect(failures.length).toBeGreaterThan(0);
    for (const text of failures) {
      const line = parseErrorLine(text);
      const c = classify(line as NonNullable<typeof line>);
      expect({ class: c.class, status: c.status, afterHeaders: c.afterHeaders }, text).toEqual({
        class: s.lines.class,
        status: s.lines.status,
        afterHeaders: s.lines.afterHeaders,
      });
      if (s.lines.detail !== undefined) expect(c.detail, text).toBe(s.lines.detail);
    }
  }
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
    if (!php) {
      const reason = "php-fpm is not installed (install php-fpm; .ci/run does)";
      if (requireSystem)
        it("php-fpm-wrong-script-filename → fastcgi-script-path", () => {
          throw new Error(`BADGATEWAY_REQUIRE_SYSTEM=1 but ${reason}`);
        });
      else {
        process.stderr.write(`[skip] lab php-fpm scenario: ${reason}\n`);
        it.skip(`php-fpm-wrong-script-filename → fastcgi-script-path [skipped: ${reason}]`, () => undefined);
      }
    }
    for (const s of all) {
      const blocked = s.skip?.() ?? null;
      if (blocked) {
        process.stderr.write(`[skip] lab ${s.id}: ${blocked}\n`);
        it.skip(`${s.id} → ${s.expected} [skipped: ${blocked}]`, () => undefined);
        continue;
      }
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
        checkTop(s, report, "live");
        checkLogs(s, run);
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
        checkTop(s, fromBundle, "bundle");
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
