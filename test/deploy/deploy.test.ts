/**
 * The files under deploy/: the Grafana dashboard and the alert rules only use metric names `watch` exports (and
 * their PromQL is valid, checked by promtool), each alert has a promtool unit test that passes, and the systemd
 * unit is accepted by systemd-analyze without a warning.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { METRIC_NAMES, WatchMetrics } from "../../src/report/metrics.js";
import { cliPath } from "../helpers/cli.js";
import { findProgram, systemDescribe } from "../helpers/system.js";

const root = new URL("../../", import.meta.url).pathname;
const dashboard = JSON.parse(readFileSync(join(root, "deploy/grafana/badgateway.json"), "utf8")) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ query: { query: string } }> };
};
const alertsText = readFileSync(join(root, "deploy/prometheus/alerts.yml"), "utf8");
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

/** What a query may name: the exported metrics, the histogram's series, and Prometheus's own `up`. */
async function exported(): Promise<Set<string>> {
  const m = new WatchMetrics();
  m.failure({ class: "read-timeout", peer: "10.0.0.1:80", upstream: "app", server: "shop" });
  m.response(502, "app", 0.5);
  m.stubStatus({ active: 1, reading: 0, writing: 1, waiting: 0 });
  const names = new Set<string>();
  for (const line of (await m.text()).split("\n")) {
    const declared = /^# TYPE ([a-z_]+) (counter|gauge|histogram)$/.exec(line);
    if (declared?.[2] === "histogram")
      for (const s of ["_bucket", "_sum", "_count"]) names.add(`${declared[1]}${s}`);
    else if (declared?.[1]) names.add(declared[1]);
  }
  return names;
}

const used = (text: string) => new Set(text.match(/\bbadgateway_[a-z_]+/g) ?? []);

describe("deploy/: metric names", () => {
  it("METRIC_NAMES is exactly what WatchMetrics exports", async () => {
    const names = await exported();
    const base = [...names].map((n) =>
      n.replace(/_(bucket|sum|count)$/, (s, _k, off: number, whole: string) =>
        whole.startsWith("badgateway_upstream_response_seconds") ? "" : s,
      ),
    );
    expect(new Set(base)).toEqual(new Set(METRIC_NAMES));
  });

  it("the Grafana dashboard queries only exported metrics, and every panel has a query", async () => {
    const names = await exported();
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const p of dashboard.panels) expect(p.targets.length, p.title).toBeGreaterThan(0);
    const all = [...exprs, ...dashboard.templating.list.map((t) => t.query.query)].join("\n");
    const unknown = [...used(all)].filter((n) => !names.has(n));
    expect(unknown).toEqual([]);
    // Every exported family is on the dashboard somewhere.
    const missing = METRIC_NAMES.filter((n) => ![...used(all)].some((u) => u.startsWith(n)));
    expect(missing).toEqual([]);
  });

  it("the alert rules query only exported metrics", async () => {
    const names = await exported();
    expect([...used(alertsText)].filter((n) => !names.has(n))).toEqual([]);
    expect(used(alertsText).size).toBeGreaterThan(2);
  });
});

systemDescribe(["promtool"], "deploy/prometheus with promtool", () => {
  it("alerts.yml passes promtool check rules", () => {
    const r = spawnSync(
      findProgram("promtool") as string,
      ["check", "rules", join(root, "deploy/prometheus/alerts.yml")],
      {
        encoding: "utf8",
      },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("every alert has a promtool unit test, and they pass", () => {
    const alerts = [...alertsText.matchAll(/^\s*- alert: (\w+)/gm)].map((m) => m[1]);
    const tests = readFileSync(join(root, "deploy/prometheus/alerts.test.yml"), "utf8");
    const tested = new Set([...tests.matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    expect(alerts.filter((a) => !tested.has(a))).toEqual([]);
    const r = spawnSync(findProgram("promtool") as string, ["test", "rules", "alerts.test.yml"], {
      cwd: join(root, "deploy/prometheus"),
      encoding: "utf8",
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it("every dashboard query is valid PromQL (as recording rules, checked by promtool)", () => {
    const dir = mkdtempSync(join(tmpdir(), "bgw-dash-"));
    try {
      const rules = exprs
        .map(
          (e, i) =>
            `      - record: dashboard_query_${i}\n        expr: ${JSON.stringify(e.replaceAll("$instance", ".*"))}\n`,
        )
        .join("");
      const file = join(dir, "dashboard-rules.yml");
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules}`);
      const r = spawnSync(findProgram("promtool") as string, ["check", "rules", file], { encoding: "utf8" });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

systemDescribe(["systemd-analyze"], "deploy/systemd unit", () => {
  it("systemd-analyze verify accepts it without a warning, and its command line parses", () => {
    const dir = mkdtempSync(join(tmpdir(), "bgw-unit-"));
    try {
      const unit = readFileSync(join(root, "deploy/systemd/badgateway-watch.service"), "utf8");
      const exec = /^ExecStart=\/usr\/local\/bin\/badgateway (.*)$/m.exec(unit);
      expect(exec).not.toBeNull();
      // The binary is not installed here: run the unit's command line through the built CLI instead.
      const local = unit.replace(
        /^ExecStart=\/usr\/local\/bin\/badgateway /m,
        `ExecStart=${process.execPath} ${cliPath} `,
      );
      writeFileSync(join(dir, "badgateway-watch.service"), local);
      const r = spawnSync("systemd-analyze", ["verify", join(dir, "badgateway-watch.service")], {
        encoding: "utf8",
        timeout: 30_000,
      });
      expect(r.stderr.trim()).toBe("");
      // The options the unit passes exist (--help lists them).
      const help = execFileSync(process.execPath, [cliPath, "watch", "--help"], { encoding: "utf8" });
      for (const opt of (exec?.[1] ?? "").match(/--[a-z-]+/g) ?? []) expect(help).toContain(opt);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
