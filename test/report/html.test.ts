/**
 * The HTML report without a browser: escaping, the embedded JSON, the CSP hashes of the inline texts, the chart
 * data, and hostile evidence turned into a page. The browser test (html-browser.test.ts) opens real pages.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AccessSummary } from "../../src/evidence/access-log.js";
import { gatherEvidence } from "../../src/evidence/gather.js";
import { emptyEvidence } from "../../src/evidence/types.js";
import { diagnoseJson } from "../../src/report/diagnose.js";
import { REPORT_CSS, REPORT_JS } from "../../src/report/html/assets.js";
import { fmt, niceScale } from "../../src/report/html/charts.js";
import { axisPosition, bucketLabels, peerColours, timeline } from "../../src/report/html/data.js";
import { cspHash, esc, scriptJson } from "../../src/report/html/escape.js";
import { diagnoseHtml, HTML_DATA_ID, reportCsp } from "../../src/report/html.js";
import { diagnose } from "../../src/rules/diagnose.js";

const HOSTILE = [
  "<script>window.__pwned=1</script>",
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(2)>",
  "javascript:alert(3)",
  "</script><script>alert(4)</script>",
  "<!--",
  "a\u2028b\u2029c",
  "`$" + "{x}`",
];

describe("esc", () => {
  it("leaves no markup character and no quote in text or attribute values", () => {
    for (const h of HOSTILE) {
      const out = esc(h);
      expect(out).not.toMatch(/[<>"'`]/);
    }
    expect(esc('<a href="x">&</a>')).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    expect(esc(null)).toBe("");
    expect(esc(42)).toBe("42");
    expect(esc("a\x1b[2Jb\x00")).toBe("a\\x1b[2Jb\\x00");
  });

  it("decodes back to the input (controls aside) for any string", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        fc.pre(!/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(s));
        const back = esc(s)
          .replace(/&lt;/g, "<")
          .replace(/&gt;/g, ">")
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&#96;/g, "`")
          .replace(/&amp;/g, "&");
        expect(back).toBe(s);
        expect(esc(s)).not.toMatch(/[<>"'`]/);
      }),
    );
  });
});

describe("scriptJson", () => {
  it("cannot close or comment out its script element, and parses back to the same value", () => {
    const value = { lines: HOSTILE, nested: { "</script>": "<!-- x -->" } };
    const out = scriptJson(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(out.toLowerCase()).not.toContain("</script");
    expect(JSON.parse(out)).toEqual(value);
  });

  it("round-trips any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const out = scriptJson(v);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
});

describe("Content-Security-Policy", () => {
  it("allows exactly the page's own style sheet and script by their SHA-256, and nothing else", () => {
    const sha = (t: string) => `'sha256-${createHash("sha256").update(t).digest("base64")}'`;
    expect(cspHash("x")).toBe(sha("x"));
    const csp = reportCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`style-src ${sha(REPORT_CSS)}`);
    expect(csp).toContain(`script-src ${sha(REPORT_JS)}`);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    const page = diagnoseHtml(diagnose(emptyEvidence("files")), null, { version: "1.2.3" });
    // The hashed texts are the ones in the page, byte for byte.
    expect(page).toContain(`<style>${REPORT_CSS}</style>`);
    expect(page).toContain(`<script>${REPORT_JS}</script>`);
    expect(page).toContain(`content="${esc(csp)}"`);
  });
});

function access(partial: Partial<AccessSummary>): AccessSummary {
  const pct = { count: 0, p50: null, p95: null, p99: null, max: null };
  const counts = { requests: 0, s502: 0, s504: 0, s5xx: 0, s404: 0 };
  return {
    format: "",
    escape: "default",
    files: ["access.log"],
    lines: 0,
    matched: 0,
    unmatched: 0,
    unmatchedSamples: [],
    outOfWindow: 0,
    firstTime: null,
    lastTime: null,
    totals: { ...counts, upstreamed: 0, latency: { request: pct, upstream: pct } },
    byPeer: {},
    byHost: {},
    byLocation: {},
    byMinute: {},
    failuresByMinute: [],
    latencyHistogram: { bounds: [1, 10], upstream: [0, 0, 0], byPeer: {} },
    rewritten: [],
    timeoutCells: [],
    fields: {
      upstreamAddr: true,
      upstreamStatus: true,
      requestTime: true,
      upstreamResponseTime: true,
      time: true,
    },
    perFile: [],
    warnings: [],
    ...partial,
  };
}

describe("chart data", () => {
  it("bins 502/504 per minute and per peer, filling the minutes between with zeros", () => {
    const al = access({
      failuresByMinute: [
        { minute: "2026-11-20T03:12Z", peer: "b:1", s502: 0, s504: 3 },
        { minute: "2026-11-20T03:12Z", peer: "a:1", s502: 2, s504: 0 },
        { minute: "2026-11-20T03:15Z", peer: "b:1", s502: 1, s504: 4 },
      ],
    });
    const peers = peerColours(al);
    expect(peers.map((p) => p.peer)).toEqual(["b:1", "a:1"]);
    const t = timeline(al, peers);
    expect(t?.bins).toEqual([
      "2026-11-20T03:12Z",
      "2026-11-20T03:13Z",
      "2026-11-20T03:14Z",
      "2026-11-20T03:15Z",
    ]);
    expect(t?.binMinutes).toBe(1);
    expect(t?.s504).toEqual([
      [3, 0, 0, 4],
      [0, 0, 0, 0],
    ]);
    expect(t?.s502).toEqual([
      [0, 0, 0, 1],
      [2, 0, 0, 0],
    ]);
  });

  it("keeps the number of bars bounded on long spans and the number of colours bounded with many peers", () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      minute: new Date(Date.UTC(2026, 10, 20) + i * 3_600_000).toISOString().slice(0, 16) + "Z",
      peer: `10.0.0.${i}:80`,
      s502: 1,
      s504: 0,
    }));
    const al = access({ failuresByMinute: rows });
    const peers = peerColours(al);
    expect(peers.length).toBe(8);
    expect(peers[7]?.peer).toBe("(other peers)");
    const t = timeline(al, peers);
    expect(t?.bins.length).toBeLessThanOrEqual(240);
    expect(t?.binMinutes).toBe(Math.ceil((19 * 60 + 1) / 240));
    // Nothing is lost by binning or folding peers.
    const sum = (m: number[][] | undefined) => (m ?? []).flat().reduce((a, b) => a + b, 0);
    expect(sum(t?.s502)).toBe(20);
  });

  it("places a timeout on the histogram axis inside its bucket, on a log scale", () => {
    const bounds = [1, 10, 100];
    expect(bucketLabels(bounds)).toEqual(["≤1s", "≤10s", "≤100s", ">100s"]);
    expect(axisPosition(bounds, 10)).toBeCloseTo(2);
    expect(axisPosition(bounds, Math.sqrt(10))).toBeCloseTo(1.5);
    expect(axisPosition(bounds, 1000)).toBe(3.5);
  });

  it("picks axis tops of 1, 2, 5 × 10^k above the maximum", () => {
    expect(niceScale(0)).toEqual({ top: 1, step: 1 });
    expect(niceScale(19)).toEqual({ top: 20, step: 5 });
    expect(niceScale(101)).toEqual({ top: 150, step: 50 });
    expect(niceScale(3)).toEqual({ top: 3, step: 1 });
    expect([0, 12, 2.5, 9999, 25000, 400000, 1_250_000].map(fmt)).toEqual([
      "0",
      "12",
      "2.50",
      "9999",
      "25k",
      "400k",
      "1.3M",
    ]);
  });
});

describe("diagnoseHtml with hostile evidence", () => {
  const ev = emptyEvidence("files");
  const bad = HOSTILE.join(" ");
  ev.errorLog = {
    files: [`/var/log/${HOSTILE[0]}`],
    lines: 3,
    byClass: { "connection-refused": 3, [HOSTILE[1] as string]: 1 },
    groups: [
      {
        class: "connection-refused",
        peer: HOSTILE[1] as string,
        upstream: HOSTILE[3] as string,
        group: null,
        server: HOSTILE[0] as string,
        host: HOSTILE[4] as string,
        count: 3,
        first: "2026-11-20T03:12:00",
        last: "2026-11-20T03:13:00",
        samples: [{ text: bad, file: "error.log", line: 1 }],
        uris: [HOSTILE[4] as string],
        details: [],
      },
    ],
    first: "2026-11-20T03:12:00",
    last: "2026-11-20T03:13:00",
  };
  ev.accessLog = access({
    failuresByMinute: [{ minute: "2026-11-20T03:12Z", peer: HOSTILE[4] as string, s502: 3, s504: 0 }],
    byLocation: {
      [HOSTILE[0] as string]: {
        requests: 3,
        s502: 3,
        s504: 0,
        s5xx: 0,
        s404: 0,
        upstreamed: 3,
        latency: {
          request: { count: 0, p50: null, p95: null, p99: null, max: null },
          upstream: { count: 0, p50: null, p95: null, p99: null, max: null },
        },
      },
    },
  });
  ev.probes = [
    { target: HOSTILE[3] as string, peer: null, check: "tcp", ok: false, problem: null, summary: bad },
  ];
  const r = diagnose(ev);
  const page = diagnoseHtml(r, ev, { version: "0.0.0" });

  it("has no element, attribute or script from the data", () => {
    expect(r.findings.length).toBeGreaterThan(0);
    // Exactly our two script elements and no markup the data could have opened.
    expect(page.match(/<script/gi)?.length).toBe(2);
    expect(page).not.toMatch(/<img|<svg onload|<iframe|<object|<embed/i);
    // Every "<" of the data is escaped, so each tag in the page is ours: none has an event handler or a link out.
    const tags = page.match(/<[a-zA-Z][^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(50);
    for (const t of tags) expect(t).not.toMatch(/\son[a-z]+=|javascript:|src=/i);
    expect(page).not.toMatch(/href="(?!#finding-\d+")/);
    expect(page).not.toContain("<!--");
    // The hostile text is there, as text.
    expect(page).toContain("&lt;script&gt;window.__pwned=1&lt;/script&gt;");
    expect(page).toContain("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
  });

  it("embeds the same JSON as `diagnose --json`, safe inside its script element", () => {
    const m = page.match(new RegExp(`<script type="application/json" id="${HTML_DATA_ID}">([^<]*)</script>`));
    expect(m).not.toBeNull();
    const embedded = JSON.parse((m as RegExpMatchArray)[1] as string);
    expect(embedded.findings).toEqual(JSON.parse(JSON.stringify(r.findings)));
    expect(embedded.tool).toEqual({ name: "badgateway", version: "0.0.0" });
  });
});

describe("diagnoseHtml on every cause bundle", () => {
  const root = new URL("../fixtures/causes/", import.meta.url).pathname;
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name);

  it.each(dirs)("%s: well-formed page with the findings of diagnoseJson", async (name) => {
    const ev = await gatherEvidence({ bundle: join(root, name) });
    const r = diagnose(ev);
    const page = diagnoseHtml(r, ev, { version: "9.9.9" });
    expect(page.match(/<script/g)?.length).toBe(2);
    const tags = page.match(/<[a-zA-Z][^>]*>/g) ?? [];
    for (const t of tags) expect(t).not.toMatch(/\son[a-z]+=|javascript:|src=/i);
    const m = page.match(new RegExp(`<script type="application/json" id="${HTML_DATA_ID}">([^<]*)</script>`));
    expect(JSON.parse((m as RegExpMatchArray)[1] as string)).toEqual(JSON.parse(diagnoseJson(r, "9.9.9")));
    // One table row and one card per finding, in rank order.
    const rows = [...page.matchAll(/<tr><td class="num">(\d+)<\/td><td><a href="#finding-\1">/g)];
    expect(rows.map((x) => Number(x[1]))).toEqual(r.findings.map((_, i) => i + 1));
    expect(page.match(/<article class="finding"/g)?.length ?? 0).toBe(r.findings.length);
    // Charts are drawn from whatever evidence the bundle has.
    if (ev.errorLog && Object.keys(ev.errorLog.byClass).some((c) => c !== "not-upstream"))
      expect(page).toContain('id="chart-classes"');
    if (ev.accessLog?.failuresByMinute.some((f) => f.s502 > 0)) expect(page).toContain('id="chart-502"');
    if (ev.accessLog?.failuresByMinute.some((f) => f.s504 > 0)) expect(page).toContain('id="chart-504"');
  });
});
