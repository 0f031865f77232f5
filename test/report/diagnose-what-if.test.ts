import { describe, expect, it } from "vitest";
import type { TimeoutCell } from "../../src/evidence/access-log.js";
import { QuantileSketch } from "../../src/nginx/sketch.js";
import { diagnoseJson, diagnoseMarkdown, diagnoseText } from "../../src/report/diagnose.js";
import type { DiagnoseResult } from "../../src/rules/diagnose.js";
import { timeoutWhatIf } from "../../src/rules/what-if.js";

function result(peer: string): DiagnoseResult {
  const completed = new QuantileSketch();
  let timedOut = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const u = (i + 0.5) / n;
    const t = u < 0.8 ? 0.01 + u * 0.2 : 0.1 - 0.3 * Math.log(1 - (u - 0.8) / 0.2);
    if (t > 1) timedOut++;
    else completed.add(t);
  }
  const cell: TimeoutCell = {
    location: "/reports/",
    peer,
    tries: n,
    timedOut,
    responseSum: 400,
    timedOutSum: timedOut,
    completed: completed.toJSON(),
    connect: new QuantileSketch().toJSON(),
    timedOutTimes: new QuantileSketch().toJSON(),
  };
  const w = timeoutWhatIf({
    cell,
    phase: "read",
    directive: "proxy_read_timeout",
    timeout: 1,
    timeoutFrom: "/etc/nginx/nginx.conf:40",
    spanSeconds: 600,
    peakTimedOutRate: 0.5,
    workerConnections: 1024,
  });
  return {
    findings: [
      {
        id: "upstream-timeout",
        title: "Upstream timed out (504 Gateway Timeout)",
        severity: "error",
        confidence: 0.9,
        status: 504,
        message: "Requests timed out.",
        evidence: [],
        fix: "Raise it.",
        verify: "curl it.",
        locations: [],
        docs: "docs/rules/upstream-timeout.md",
        whatIf: [w],
      },
    ],
    basis: { mode: "files", nginxVersion: null, config: null, errorLog: null, accessLog: null, probes: null },
    missing: [],
    warnings: [],
    exitCode: 1,
  } as DiagnoseResult;
}

describe("what-if in the diagnose renderers", () => {
  it("text: a headed block under the finding with the candidates and the assumption", () => {
    const out = diagnoseText(result("10.0.0.5:8080"), { color: false });
    expect(out).toContain(
      "What if proxy_read_timeout were different — location /reports/, peer 10.0.0.5:8080:",
    );
    expect(out).toMatch(
      /\n {7}×2 = 2\.000s: ≈\d+ of \d+ timed-out tries would have completed \(\d+\.\d%; \d+\.\d% with a Pareto tail\); \+\d+\.\d\d requests held at once on average, \+\d+\.\d\d at the busiest minute \(\d+\.\d% of worker_connections 1024, 2 connections each\)/,
    );
    expect(out).toMatch(/\n {7}×4 = 4\.000s: /);
    expect(out).toMatch(/\n {7}p99\.9 = /);
    expect(out).toContain("Assumption: latency beyond the timeout is not observed");
  });

  it("markdown and JSON carry the same", () => {
    const r = result("10.0.0.5:8080");
    const md = diagnoseMarkdown(r);
    expect(md).toContain("**What if proxy_read_timeout were different — location /reports/");
    expect(md).toMatch(/\n- ×2 = 2\.000s: /);
    const j = JSON.parse(diagnoseJson(r, "0.0.0"));
    expect(j.findings[0].whatIf[0].candidates.map((c: { label: string }) => c.label)).toEqual([
      "×2",
      "×4",
      "p99.9",
    ]);
    expect(j.findings[0].whatIf[0].fit.kind).toBe("exponential");
  });

  it("text output escapes control characters in outside data", () => {
    const out = diagnoseText(result("10.0.0.5:8080\u001b[31m"), { color: false });
    expect(out).not.toContain("\u001b[31m");
    expect(out).toContain("\\x1b[31m");
  });
});
