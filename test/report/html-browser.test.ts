/**
 * The HTML report opened in a real browser: headless Chromium (Debian's `chromium`, installed by .ci/run)
 * driven by playwright-core. Reports are made by the built CLI from the examples/ incidents, the recorded
 * bundles, and a copy of an incident with hostile lines (markup, event handlers, javascript: URLs, </script>
 * inside the embedded JSON). Each page must: run no script from the data (no dialog, no console output, no
 * window flag), send no request but the file itself, break no CSP rule (so our own inline style and script
 * ran by hash), draw its charts, and show the same findings as `diagnose --json`. Screenshots go to
 * test-output/ (not committed).
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { findProgram, systemDescribe } from "../helpers/system.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const OUT = join(ROOT, "test-output");

/** Text planted in the logs and the configuration; each payload would set window.__pwned or make a request. */
const ERROR_LINES = [
  '2026/11/20 03:14:50 [error] 2214#2214: *4001 connect() failed (111: Connection refused) while connecting to upstream, client: 198.51.100.66, server: <script>window.__pwned=1</script>, request: "GET /x?q="><img src=x onerror=window.__pwned=2> HTTP/1.1", upstream: "http://10.0.4.12:8080/</script><script>window.__pwned=3</script>", host: "javascript:window.__pwned=4"',
  '2026/11/20 03:14:51 [error] 2214#2214: *4002 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 198.51.100.67, server: shop.example.com, request: "GET /<svg/onload=fetch(\'http://127.0.0.1:9/leak\')> HTTP/1.1", upstream: "http://10.0.4.12:8080/<!--", host: "shop.example.com"',
  '2026/11/20 03:14:52 [error] 2214#2214: *4003 connect() failed (111: Connection refused) while connecting to upstream, client: 198.51.100.68, server: <script>window.__pwned=1</script>, request: "GET /x?q=\u2028</script>\u2029 HTTP/1.1", upstream: "http://<img/src=x/onerror=window.__pwned=2>:8080/javascript:window.__pwned=3", host: "javascript:window.__pwned=4"',
];
const ACCESS_LINES = [
  '198.51.100.9 - - [20/Nov/2026:03:14:50 +0000] "GET /<script>window.__pwned=6</script> HTTP/1.1" 502 0 "javascript:alert(7)" "x" ua="</script><img src=x onerror=window.__pwned=8>" us="502" urt="0.001" rt=0.002',
  '198.51.100.9 - - [20/Nov/2026:03:14:51 +0000] "GET /a\u2028b HTTP/1.1" 502 0 "-" "x" ua="javascript:window.__pwned=9" us="502" urt="0.001" rt=0.002',
];
const HOSTILE_LOCATION = `        location "/</script><svg onload=window.__pwned=5>" {\n            proxy_pass http://shop_app;\n        }\n\n`;

// Code run inside the page is given as text: the project's TypeScript has no DOM types.
/** Records CSP violations from before the page's own script runs (the browser injects it; the CSP does not apply). */
const INIT = `window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => { window.__violations.push(e.violatedDirective + " " + e.blockedURI); });`;

interface PageState {
  pwned: unknown;
  violations: string[];
  scripts: number;
  images: number;
  iframes: number;
  handlers: string[];
  links: Array<string | null>;
  border: string;
  filters: number;
  tables: number;
}
/** What ran and what is in the page: the flag the payloads set, elements, event-handler attributes, links. */
const STATE = `(() => {
  const handlers = [];
  for (const el of document.querySelectorAll("*"))
    for (const a of el.attributes) if (/^on/i.test(a.name)) handlers.push(el.tagName + " " + a.name);
  return {
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    violations: window.__violations,
    scripts: document.scripts.length,
    images: document.images.length,
    iframes: document.querySelectorAll("iframe, object, embed").length,
    handlers,
    links: Array.from(document.querySelectorAll("a[href]"), (a) => a.getAttribute("href")),
    // Our style sheet applied (its hash accepted): the verdict box has its 6px border.
    border: getComputedStyle(document.querySelector(".verdict")).borderLeftWidth,
    // Our script ran (its hash accepted): it shows the filter boxes it drives.
    filters: Array.from(document.querySelectorAll(".filter")).filter((f) => !f.hidden).length,
    tables: document.querySelectorAll("table[id^='table-']").length,
  };
})()`;
/** The cells of the findings table, row by row. */
const FINDING_ROWS = `Array.from(document.querySelectorAll("#findings-table tbody tr"), (tr) =>
  Array.from(tr.cells, (c) => c.textContent.trim()))`;

interface Opened {
  page: Page;
  requests: string[];
  dialogs: string[];
  console: string[];
  errors: string[];
}

systemDescribe(["chromium"], "HTML report in headless Chromium", () => {
  let ctx: BrowserContext;
  let profile: string;
  let work: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    work = mkdtempSync(join(tmpdir(), "bg-html-"));
    profile = mkdtempSync(join(tmpdir(), "bg-chromium-"));
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: findProgram("chromium") ?? "/usr/bin/chromium",
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1200, height: 900 },
    });
    // Runs before the page's own script (injected by the browser, not subject to the page's CSP).
    await ctx.addInitScript(INIT);
  }, 60_000);

  afterAll(async () => {
    await ctx?.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  /** Makes the report and the JSON of one bundle with the built CLI. */
  function report(bundle: string, name: string): { html: string; json: Record<string, unknown> } {
    const html = join(work, `${name}.html`);
    const made = runCli(["diagnose", "--bundle", bundle, "--html", html]);
    expect(made.code === 0 || made.code === 1, made.stderr).toBe(true);
    expect(made.stderr).toContain(`wrote the HTML report to ${html}`);
    const j = runCli(["diagnose", "--bundle", bundle, "--json"]);
    expect(j.code).toBe(made.code);
    return { html, json: JSON.parse(j.stdout) as Record<string, unknown> };
  }

  async function open(file: string): Promise<Opened> {
    const page = await ctx.newPage();
    const o: Opened = { page, requests: [], dialogs: [], console: [], errors: [] };
    page.on("request", (r) => o.requests.push(r.url()));
    page.on("dialog", (d) => {
      o.dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("console", (m) => o.console.push(m.text()));
    page.on("pageerror", (e) => o.errors.push(e.message));
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    return o;
  }

  /** What every report must satisfy in the browser; returns the page for more checks. */
  async function checkPage(
    name: string,
    r: { html: string; json: Record<string, unknown> },
  ): Promise<Opened> {
    const o = await open(r.html);
    const { page } = o;
    await page.screenshot({ path: join(OUT, `html-report-${name}.png`), fullPage: true });
    // Nothing left the page, nothing ran but our own script, the CSP blocked nothing.
    expect(o.requests).toEqual([pathToFileURL(r.html).href]);
    expect(o.dialogs).toEqual([]);
    expect(o.console).toEqual([]);
    expect(o.errors).toEqual([]);
    const state = (await page.evaluate(STATE)) as PageState;
    expect(state.pwned).toBeNull();
    expect(state.violations).toEqual([]);
    expect(state.scripts).toBe(2);
    expect(state.images).toBe(0);
    expect(state.iframes).toBe(0);
    expect(state.handlers).toEqual([]);
    for (const l of state.links) expect(l).toMatch(/^#finding-\d+$/);
    expect(state.border).toBe("6px");
    expect(state.filters).toBe(state.tables);

    // The findings table shows exactly the findings of `diagnose --json`, in its order.
    const rows = (await page.evaluate(FINDING_ROWS)) as string[][];
    const findings = r.json["findings"] as Array<{
      id: string;
      title: string;
      severity: string;
      confidence: number;
      status?: number | null;
    }>;
    expect(rows).toEqual(
      findings.map((f, i) => [
        String(i + 1),
        f.title,
        f.id,
        f.severity,
        `${Math.round(f.confidence * 100)}%`,
        f.status === undefined || f.status === null ? "—" : String(f.status),
      ]),
    );
    // The embedded document is the --json document.
    const embedded = await page.$eval("#badgateway-diagnosis", (el) => el.textContent ?? "");
    expect(JSON.parse(embedded)).toEqual(r.json);
    return o;
  }

  /** Each chart that should be there is an SVG with marks and a real size on the page. */
  async function expectCharts(page: Page, ids: string[]): Promise<void> {
    for (const id of ids) {
      const c = await page.$eval(`svg#${id}`, (svg) => {
        const box = svg.getBoundingClientRect();
        return { marks: svg.querySelectorAll("rect").length, w: box.width, h: box.height };
      });
      expect(c.marks, id).toBeGreaterThan(0);
      expect(c.w, id).toBeGreaterThan(300);
      expect(c.h, id).toBeGreaterThan(40);
    }
  }

  it("hostile log lines and configuration: shown as text, nothing runs, nothing is fetched", async () => {
    const bundle = join(work, "hostile");
    cpSync(join(ROOT, "examples/checkout-outage"), bundle, { recursive: true });
    writeFileSync(
      join(bundle, "error.log"),
      `${readFileSync(join(bundle, "error.log"), "utf8")}${ERROR_LINES.join("\n")}\n`,
    );
    writeFileSync(
      join(bundle, "access.log"),
      `${readFileSync(join(bundle, "access.log"), "utf8")}${ACCESS_LINES.join("\n")}\n`,
    );
    const conf = readFileSync(join(bundle, "nginx.conf"), "utf8");
    writeFileSync(
      join(bundle, "nginx.conf"),
      conf.replace("        location /api/ {", `${HOSTILE_LOCATION}        location /api/ {`),
    );
    const r = report(bundle, "hostile");
    const raw = readFileSync(r.html, "utf8");
    // The payloads did reach the report (else this test would prove nothing) …
    for (const n of [1, 2, 3, 4, 5, 6, 8, 9]) expect(raw).toContain(`window.__pwned=${n}`);
    expect(JSON.stringify(r.json)).toContain("</script>");
    const o = await checkPage("hostile", r);
    // … and the browser shows them as text.
    const text = await o.page.textContent("body");
    expect(text).toContain("<script>window.__pwned=1</script>");
    expect(text).toContain("<img/src=x/onerror=window.__pwned=2>");
    expect(text).toContain("</script><img src=x onerror=window.__pwned=8>");
    await expectCharts(o.page, ["chart-502", "chart-504", "chart-latency", "chart-classes"]);

    // The filter (our script) narrows the error table to matching rows and says how many.
    const total = await o.page.$$eval("#table-errors tbody tr", (t) => t.length);
    expect(total).toBeGreaterThan(2);
    await o.page.fill("#table-errors-q", "<script>window.__pwned=1");
    const shown = await o.page.$$eval("#table-errors tbody tr:not([hidden])", (t) =>
      t.map((r) => r.textContent ?? ""),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.length).toBeLessThan(total);
    for (const s of shown) expect(s).toContain("<script>window.__pwned=1");
    expect(await o.page.textContent("#table-errors-n")).toBe(`${shown.length} of ${total} rows`);
    await o.page.fill("#table-errors-q", "");
    expect(await o.page.$$eval("#table-errors tbody tr:not([hidden])", (t) => t.length)).toBe(total);
    // Printing: the page's print style hides the filter boxes.
    await o.page.emulateMedia({ media: "print" });
    expect(await o.page.isVisible("#table-errors-q")).toBe(false);
    await o.page.close();
  }, 120_000);

  const bundles = [
    ...readdirSync(join(ROOT, "examples"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({ name: d.name, dir: join(ROOT, "examples", d.name) })),
    ...readdirSync(join(ROOT, "test/fixtures/bundles"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => ({ name: d.name, dir: join(ROOT, "test/fixtures/bundles", d.name) })),
  ];

  it("an incident with an error log only: failures per minute per peer from the error log", async () => {
    const bundle = join(work, "error-log-only");
    cpSync(join(ROOT, "examples/checkout-outage"), bundle, { recursive: true });
    rmSync(join(bundle, "access.log"));
    const r = report(bundle, "error-log-only");
    const o = await checkPage("error-log-only", r);
    await expectCharts(o.page, ["chart-errors", "chart-classes"]);
    // Every failure line is drawn, all at the one failing peer.
    const tips = await o.page.$$eval("#chart-errors rect title", (ts) => ts.map((t) => t.textContent ?? ""));
    const sum = tips.reduce((n, t) => n + Number(/· (\d+) failure lines$/.exec(t)?.[1] ?? 0), 0);
    expect(sum).toBe((r.json["basis"] as { errorLog: { upstreamErrors: number } }).errorLog.upstreamErrors);
    expect(tips.length).toBeGreaterThan(0);
    expect(tips.every((t) => t.includes("10.0.4.12:8080"))).toBe(true);
    await o.page.close();
  }, 60_000);

  it.each(bundles)(
    "$name: findings equal the JSON report, charts drawn, nothing fetched",
    async ({ name, dir }) => {
      const r = report(dir, name);
      const o = await checkPage(name, r);
      const charts = await o.page.$$eval("svg.chart", (s) => s.map((x) => x.id));
      expect(charts.length).toBeGreaterThan(0);
      await expectCharts(o.page, charts);
      await o.page.close();
    },
    60_000,
  );
});
