import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkTextfileDir, parseListen, TEXTFILE_NAME, writeTextfile } from "../../src/evidence/exporter.js";
import { OVERFLOW, WatchMetrics } from "../../src/report/metrics.js";

const value = (text: string, series: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe("WatchMetrics", () => {
  it("counts failures, responses, times and lines in the Prometheus text format", async () => {
    const m = new WatchMetrics({ version: "9.9.9" });
    m.failure({ class: "connection-refused", peer: "10.0.0.1:80", upstream: "app", server: "shop" });
    m.failure({ class: "connection-refused", peer: "10.0.0.1:80", upstream: "app", server: "shop" });
    m.failure({ class: "read-timeout", peer: null, upstream: null, server: null });
    m.response(502, "app", 0.2);
    m.response(200, "app", 3);
    m.response(200, "app", Number.NaN);
    m.lines("access", 4, 1);
    m.lines("error", 3, 0);
    m.stubStatus({ active: 7, reading: 1, writing: 2, waiting: 4 });
    const t = await m.text();
    expect(
      value(
        t,
        'badgateway_upstream_failures_total{class="connection-refused",peer="10.0.0.1:80",upstream="app",server="shop"}',
      ),
    ).toBe(2);
    expect(
      value(t, 'badgateway_upstream_failures_total{class="read-timeout",peer="-",upstream="-",server="-"}'),
    ).toBe(1);
    expect(value(t, 'badgateway_responses_total{status="200",upstream="app"}')).toBe(2);
    expect(value(t, 'badgateway_responses_total{status="502",upstream="app"}')).toBe(1);
    expect(value(t, 'badgateway_upstream_response_seconds_count{upstream="app"}')).toBe(2);
    expect(value(t, 'badgateway_upstream_response_seconds_sum{upstream="app"}')).toBeCloseTo(3.2, 9);
    expect(value(t, 'badgateway_upstream_response_seconds_bucket{le="0.25",upstream="app"}')).toBe(1);
    expect(value(t, 'badgateway_upstream_response_seconds_bucket{le="5",upstream="app"}')).toBe(2);
    expect(value(t, 'badgateway_log_lines_total{log="access"}')).toBe(4);
    expect(value(t, 'badgateway_unparsed_lines_total{log="access"}')).toBe(1);
    expect(value(t, 'badgateway_nginx_connections{state="waiting"}')).toBe(4);
    expect(value(t, 'badgateway_build_info{version="9.9.9"}')).toBe(1);
  });

  it("bounds label sets per metric: new ones fold into 'overflow' and are counted", async () => {
    const m = new WatchMetrics({ maxSeries: 3 });
    for (let i = 0; i < 10; i++) {
      m.failure({ class: "connection-refused", peer: `10.0.0.${i}:80`, upstream: "app", server: "shop" });
      m.response(502, `10.0.0.${i}:80`, 0.1);
    }
    const t = await m.text();
    const failureSeries = t.split("\n").filter((l) => l.startsWith("badgateway_upstream_failures_total{"));
    expect(failureSeries.length).toBe(4);
    expect(
      value(
        t,
        `badgateway_upstream_failures_total{class="connection-refused",peer="${OVERFLOW}",upstream="${OVERFLOW}",server="${OVERFLOW}"}`,
      ),
    ).toBe(7);
    expect(value(t, `badgateway_responses_total{status="502",upstream="${OVERFLOW}"}`)).toBe(7);
    expect(value(t, `badgateway_upstream_response_seconds_count{upstream="${OVERFLOW}"}`)).toBe(7);
    expect(value(t, 'badgateway_series_overflow_total{metric="badgateway_upstream_failures_total"}')).toBe(7);
    // Total counts are kept whatever the folding.
    const sum = failureSeries.reduce((s, l) => s + Number(l.split(" ").pop()), 0);
    expect(sum).toBe(10);
  });
});

describe("textfile and listen address", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "bgw-textfile-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes badgateway.prom by rename, replacing a planted symlink instead of writing through it", () => {
    const victim = join(dir, "victim");
    writeFileSync(victim, "precious\n");
    symlinkSync(victim, join(dir, TEXTFILE_NAME));
    const out = writeTextfile(dir, "badgateway_log_lines_total 1\n");
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(lstatSync(out).isFile()).toBe(true);
    expect(readFileSync(out, "utf8")).toBe("badgateway_log_lines_total 1\n");
    // A temporary file left by a crashed run (or planted as a symlink) is removed, not followed.
    symlinkSync(victim, join(dir, `.${TEXTFILE_NAME}.${process.pid}.tmp`));
    writeTextfile(dir, "x 2\n");
    expect(readFileSync(victim, "utf8")).toBe("precious\n");
    expect(readFileSync(out, "utf8")).toBe("x 2\n");
  });

  it("refuses a textfile directory that is a symlink or missing", () => {
    mkdirSync(join(dir, "real"));
    symlinkSync(join(dir, "real"), join(dir, "link"));
    expect(() => checkTextfileDir(join(dir, "link"))).toThrow(/symbolic link/);
    expect(() => checkTextfileDir(join(dir, "nope"))).toThrow(/no such directory/);
    expect(() => checkTextfileDir(join(dir, "real"))).not.toThrow();
  });

  it("parses --listen", () => {
    expect(parseListen("127.0.0.1:9145")).toEqual({ host: "127.0.0.1", port: 9145 });
    expect(parseListen("[::1]:9145")).toEqual({ host: "::1", port: 9145 });
    expect(parseListen(":9145")).toEqual({ host: "0.0.0.0", port: 9145 });
    expect(() => parseListen("9145")).toThrow(/HOST:PORT/);
    expect(() => parseListen("127.0.0.1:99999")).toThrow(/HOST:PORT/);
  });
});

describe("watch renderers", () => {
  it("never pass a control character from a log line to the terminal", async () => {
    const { failureLine, topCauseLine, watchScreen } = await import("../../src/report/watch.js");
    const evil = "10.0.0.1:80\x1b]0;owned\x07";
    const line = failureLine({
      type: "failure",
      at: "2026-12-06T08:00:00.000Z",
      time: null,
      class: "connection-refused",
      status: 502,
      peer: evil,
      upstream: evil,
      server: "shop\x1b[2J",
      host: null,
      request: "GET /\x1b[31m HTTP/1.1",
      file: "e",
      line: "x",
    });
    const top = topCauseLine({
      type: "top-cause",
      at: "2026-12-06T08:00:00.000Z",
      id: "upstream-down",
      title: "down",
      fix: `restart ${evil}`,
      confidence: 0.9,
      previous: null,
      failures: 1,
    });
    const screen = watchScreen(
      {
        minutes: 5,
        failures: 1,
        byClass: [["connection-refused", 1]],
        byPeer: [[evil, 1]],
        responses: 0,
        s502: 0,
        s504: 0,
        perMinute: [],
      },
      {
        files: [{ path: `/tmp/${evil}`, lines: 1 }],
        top: {
          type: "top-cause",
          at: "2026-12-06T08:00:00.000Z",
          id: "upstream-down",
          title: `down ${evil}`,
          fix: `restart ${evil} ${"and check it again ".repeat(20)}`,
          confidence: 0.9,
          previous: null,
          failures: 1,
        },
        now: 0,
        cols: 60,
      },
    );
    for (const s of [line, top]) expect(s.slice(0, -1)).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(line).toContain("\\x1b]0;owned\\x07");
    // The screen's own escapes (cursor home, clear) are the only ones left.
    expect(screen.replace(/\x1b\[(H|K|J)/g, "").replace(/\n/g, "")).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
    // The fix is wrapped to the terminal's width (at most four lines), not cut after a few words.
    const fix = screen
      .split("\n")
      .filter((l) => l.startsWith("  fix: ") || /^ {2}(and|check|it|again)/.test(l));
    expect(fix.length).toBe(4);
    for (const l of screen.split("\n"))
      expect(l.replace(/\x1b\[(H|K|J)/g, "").length).toBeLessThanOrEqual(60);
  });
});
