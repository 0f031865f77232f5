/**
 * `badgateway fix` in the lab: for every scenario whose fix is a configuration change, reproduce the failure
 * with a real nginx and real upstreams, let `fix --apply --reload` change the configuration (validated with
 * nginx -t on a copy first, then on the real file) and reload nginx, replay the same traffic and require that the 502/504s
 * (and the 500s of the worker-limit scenarios) are gone. Scenarios whose fix is outside nginx (the backend is
 * down, hangs, or the name does not exist) are listed in docs/lab.md and docs/fix.md with why.
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { requireSystem, systemDescribe } from "../helpers/system.js";
import {
  type LabRun,
  runScenario,
  type Scenario,
  sendRequests,
  waitForNewWorkers,
  workersStarted,
} from "./harness.js";
import { phpFpmBinary, phpScenario, SCENARIOS } from "./scenarios.js";

/** Scenario → the fix that must be offered (its rule) and what the changed configuration must then contain. */
const FIXABLE: Record<string, { rule: string; contains: RegExp; allOk?: boolean }> = {
  "wrong-port": { rule: "wrong-port", contains: /proxy_pass http:\/\/127\.0\.0\.1:\d+;/ },
  "https-to-plain-port": { rule: "scheme-mismatch", contains: /proxy_pass http:\/\// },
  "http-to-tls-port": { rule: "scheme-mismatch", contains: /proxy_pass https:\/\//, allOk: true },
  "oversized-headers": { rule: "too-big-header", contains: /proxy_buffer_size 16k;/, allOk: true },
  "prefix-stripped": { rule: "uri-rewrite", contains: /proxy_pass http:\/\/127\.0\.0\.1:\d+;/, allOk: true },
  "tiny-worker-connections": { rule: "connection-limit", contains: /worker_connections 1024;/, allOk: true },
  "low-worker-rlimit-nofile": { rule: "fd-limit", contains: /worker_rlimit_nofile 1024;/, allOk: true },
  "reload-changed-port": {
    rule: "reload-changed-upstream",
    contains: /proxy_pass http:\/\/127\.0\.0\.1:\d+;/,
    allOk: true,
  },
  "intercepted-404": { rule: "intercepted-status", contains: /error_page 404 \/sorry\.html;/ },
  "php-fpm-wrong-script-filename": {
    rule: "fastcgi-script-path",
    contains: /fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;/,
    allOk: true,
  },
};

interface FixJson {
  fixes: Array<{
    id: string;
    rule: string;
    offered: boolean;
    validation: { status: string };
    files: Array<{ diff: string }>;
  }>;
  applied?: { files: Array<{ file: string; backup: string }>; reloaded: boolean };
}

systemDescribe(["nginx", "openssl", "python3"], "lab: fix --apply makes the 502/504s go away", () => {
  const runs: LabRun[] = [];
  afterAll(async () => {
    for (const r of runs) {
      await r.cleanup();
      rmSync(r.bundle, { recursive: true, force: true });
    }
  });
  const php = phpFpmBinary();
  const all: Scenario[] = [...SCENARIOS, ...(php ? [phpScenario(php)] : [])].filter((s) => FIXABLE[s.id]);
  if (!php) {
    const reason = "php-fpm is not installed (install php-fpm; .ci/run does)";
    if (requireSystem)
      it("php-fpm-wrong-script-filename: fix", () => {
        throw new Error(`BADGATEWAY_REQUIRE_SYSTEM=1 but ${reason}`);
      });
    else it.skip(`php-fpm-wrong-script-filename: fix [skipped: ${reason}]`, () => undefined);
  }

  it("covers every scenario listed as fixable", () => {
    expect(all.map((s) => s.id).sort()).toEqual(
      Object.keys(FIXABLE)
        .filter((id) => php || id !== "php-fpm-wrong-script-filename")
        .sort(),
    );
  });

  for (const s of all) {
    const want = FIXABLE[s.id] as (typeof FIXABLE)[string];
    it(`${s.id}: fix --apply (${want.rule}), reload, replay → no 502/504`, async () => {
      const run = await runScenario(s);
      runs.push(run);
      const before = await sendRequests(run.ngx.port, s.requests, s.concurrency ?? 1);
      expect(
        before.some((st) => st >= 500 || st === 404 || st === 0),
        `the failure is reproduced first: ${before}`,
      ).toBe(true);
      const original = readFileSync(run.ngx.confPath, "utf8");
      const workers = workersStarted(run.ngx);
      const r = await runCliAsync([
        "fix",
        "--config",
        run.ngx.confPath,
        "--error-log",
        run.ngx.errorLogPath,
        "--access-log",
        run.ngx.accessLogPath,
        "--finding",
        want.rule,
        "--apply",
        "--yes",
        "--reload",
        "--json",
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as FixJson;
      const mine = out.fixes.filter((f) => f.rule === want.rule);
      expect(mine.length, r.stdout).toBeGreaterThan(0);
      for (const f of mine) {
        expect(f.offered).toBe(true);
        expect(f.validation.status).toBe("valid");
      }
      expect(out.applied?.files.map((f) => f.file)).toEqual([run.ngx.confPath]);
      const changed = readFileSync(run.ngx.confPath, "utf8");
      expect(changed).toMatch(want.contains);
      // Only the lines the fix needs changed: every other line is still there, in order.
      const kept = original.split("\n").filter((l) => changed.split("\n").includes(l));
      expect(original.split("\n").length - kept.length).toBeLessThanOrEqual(2);
      // The backup holds the original bytes.
      expect(readFileSync(out.applied?.files[0]?.backup as string, "utf8")).toBe(original);

      expect(out.applied?.reloaded).toBe(true);
      await waitForNewWorkers(run.ngx, workers);
      const after = await sendRequests(run.ngx.port, s.requests, s.concurrency ?? 1);
      expect(after.length).toBe(s.requests.length);
      for (const st of after) expect([0, 500, 502, 504], `after the fix: ${after}`).not.toContain(st);
      if (want.allOk)
        expect(
          after.every((st) => st === 200),
          `after the fix: ${after}`,
        ).toBe(true);
    }, 60_000);
  }
});
