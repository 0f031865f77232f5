/**
 * The HTML incident report (`diagnose --html FILE`): one self-contained page — findings first (the same data as
 * `diagnose --json`, which is also embedded in the page), then charts (502/504 per minute per peer, latency
 * against the configured timeouts, error classes), then the evidence tables with a filter. No network: the
 * style sheet and script are inlined and allowed by hash in a Content-Security-Policy that forbids everything
 * else; charts are static SVG drawn here. Log lines, host names and configuration text are hostile: every
 * value is escaped (`esc`), nothing from the data becomes a link, an attribute name or script, and the
 * embedded JSON is escaped for a <script> element. Pure: returns the page as a string.
 */
import type { AccessSummary } from "../evidence/access-log.js";
import type { Evidence } from "../evidence/types.js";
import { formatDuration } from "../nginx/config/units.js";
import type { DiagnoseResult } from "../rules/diagnose.js";
import { where } from "../rules/finding.js";
import type { Finding } from "../rules/types.js";
import { diagnoseJson } from "./diagnose.js";
import { REPORT_CSS, REPORT_JS } from "./html/assets.js";
import { horizontalBars, type Series, stackedBars } from "./html/charts.js";
import {
  axisPosition,
  bucketLabels,
  classRows,
  configuredTimeouts,
  errorPeerColours,
  errorTimeline,
  type PeerColour,
  peerColours,
  type Timeline,
  timeline,
} from "./html/data.js";
import { cspHash, esc, scriptJson } from "./html/escape.js";

export interface HtmlReportOptions {
  /** badgateway's version, shown and embedded like `diagnose --json` does. */
  version: string;
  /** When the report was made (ISO); default now. */
  generatedAt?: string;
}

/** The element id of the embedded `diagnose --json` document. */
export const HTML_DATA_ID = "badgateway-diagnosis";

/** Rows of an evidence table are capped (the page stays small); the table says how many were left out. */
const MAX_ROWS = 2000;

/** The Content-Security-Policy of the page: nothing but its own inline style sheet and script. */
export function reportCsp(): string {
  return [
    "default-src 'none'",
    `style-src ${cspHash(REPORT_CSS)}`,
    `script-src ${cspHash(REPORT_JS)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

function pct(f: Finding): string {
  return `${Math.round(f.confidence * 100)}%`;
}

function statusCell(f: Finding): string {
  return f.status === undefined || f.status === null ? "—" : String(f.status);
}

function verdict(r: DiagnoseResult): string {
  if (r.exitCode === 2)
    return `<section class="verdict unknown" id="answer"><h2>Could not diagnose: no usable evidence</h2><ul>${r.missing.map((m) => `<li>${esc(m)}</li>`).join("")}</ul></section>`;
  const top = r.findings[0];
  if (!top)
    return `<section class="verdict ok" id="answer"><h2>No upstream failures found in the evidence</h2></section>`;
  return [
    `<section class="verdict" id="answer"><h2>${top.severity === "error" ? "Root cause" : "Likely"}: ${esc(top.title)}</h2>`,
    `<p>${esc(top.message)}</p>`,
    `<p><strong>Fix:</strong> ${esc(top.fix)}</p>`,
    top.verify ? `<p><strong>Verify:</strong> ${esc(top.verify)}</p>` : "",
    `<p class="muted">${esc(top.id)} · confidence ${pct(top)}${top.status ? ` · clients saw ${top.status}` : ""}</p></section>`,
  ].join("");
}

function findingsTable(r: DiagnoseResult): string {
  if (r.findings.length === 0) return "";
  const rows = r.findings.map(
    (f, i) =>
      `<tr><td class="num">${i + 1}</td><td><a href="#finding-${i + 1}">${esc(f.title)}</a></td><td><code>${esc(f.id)}</code></td><td class="sev-${esc(f.severity)}">${esc(f.severity)}</td><td class="num">${pct(f)}</td><td class="num">${statusCell(f)}</td></tr>`,
  );
  return `<table id="findings-table"><thead><tr><th class="num">#</th><th>cause</th><th>id</th><th>severity</th><th class="num">confidence</th><th class="num">clients saw</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function findingCard(f: Finding, i: number): string {
  const ev = f.evidence.map((e) => {
    const at = e.location ? ` <span class="muted">(${esc(where(e.location))})</span>` : "";
    const samples = (e.samples ?? [])
      .slice(0, 5)
      .map((s) => `<pre>${esc(s)}</pre>`)
      .join("");
    return `<li><span class="muted">${esc(e.source)}:</span> ${esc(e.summary)}${at}${samples}</li>`;
  });
  return [
    `<article class="finding" id="finding-${i + 1}"><h3>${i + 1}. ${esc(f.title)} <span class="muted">[<code>${esc(f.id)}</code>, ${pct(f)}]</span></h3>`,
    `<p>${esc(f.message)}</p>`,
    `<p><strong>Fix:</strong> ${esc(f.fix)}</p>`,
    f.verify ? `<p><strong>Verify:</strong> ${esc(f.verify)}</p>` : "",
    f.locations.length
      ? `<p><strong>Where:</strong> ${f.locations.map((l) => `<code>${esc(where(l))}</code>`).join(", ")}</p>`
      : "",
    ev.length ? `<p><strong>Evidence:</strong></p><ul>${ev.join("")}</ul>` : "",
    `<p class="muted">Rule page: <code>${esc(f.docs)}</code></p></article>`,
  ].join("");
}

function legend(peers: PeerColour[]): string {
  return `<ul class="legend" aria-hidden="true">${peers.map((p) => `<li><svg class="swatch" viewBox="0 0 12 12" width="12" height="12"><rect width="12" height="12" fill="${esc(p.colour)}"/></svg>${esc(p.peer)}</li>`).join("")}</ul>`;
}

/** A table of numbers under a chart (what a screen reader or a printout reads instead of the bars). */
function dataTable(head: string[], rows: Array<Array<string | number>>, caption: string): string {
  const th = head.map((h, i) => `<th${i > 0 ? ' class="num"' : ""}>${esc(h)}</th>`).join("");
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td class="num">${esc(c)}</td>`)).join("")}</tr>`,
    )
    .join("");
  return `<details><summary>${esc(caption)}</summary><table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table></details>`;
}

function hhmm(iso: string): string {
  return iso.slice(11, 16);
}

function tickIndexes(n: number, want = 8): number[] {
  if (n <= want) return Array.from({ length: n }, (_, i) => i);
  const step = Math.ceil(n / want);
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

function timelineCharts(t: Timeline): string {
  const unit = t.binMinutes === 1 ? "minute" : `${t.binMinutes} minutes`;
  const span = `${t.bins[0]?.slice(0, 10)} ${hhmm(t.bins[0] ?? "")}–${hhmm(t.bins[t.bins.length - 1] ?? "")} UTC`;
  const out: string[] = [];
  for (const [status, counts] of [
    [502, t.s502],
    [504, t.s504],
  ] as const) {
    const total = counts.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0);
    if (total === 0) continue;
    const series: Series[] = t.peers.map((p, i) => ({
      name: p.peer,
      colour: p.colour,
      values: counts[i] ?? [],
    }));
    const id = `chart-${status}`;
    out.push(
      `<figure><figcaption>${status} answers per ${unit} per peer (${total} in all, ${esc(span)})</figcaption>`,
      stackedBars({
        id,
        title: `${status} answers per ${unit} per peer`,
        desc: `${total} answers with status ${status} between ${span}, stacked by the upstream peer tried last.`,
        categories: t.bins.map(hhmm),
        tickAt: tickIndexes(t.bins.length),
        series,
        yLabel: `${status} per ${unit}`,
        tip: (c, s, v) => `${c} UTC · ${s} · ${v} × ${status}`,
      }),
      legend(t.peers.filter((_, i) => counts[i]?.some((v) => v > 0))),
      dataTable(
        ["minute (UTC)", ...t.peers.map((p) => p.peer)],
        t.bins
          .map((b, i) => [hhmm(b), ...t.peers.map((_, p) => counts[p]?.[i] ?? 0)] as Array<string | number>)
          .filter((r) => r.slice(1).some((v) => v !== 0)),
        `${status} per ${unit}: the numbers`,
      ),
      "</figure>",
    );
  }
  return out.join("");
}

/** Upstream failures per minute per peer from the error log (when the access log has no 502/504 to show). */
function errorTimelineChart(rows: Array<{ minute: string; peer: string; count: number }>): string {
  const peers = errorPeerColours(rows);
  const t = errorTimeline(rows, peers);
  if (!t) return "";
  const unit = t.binMinutes === 1 ? "minute" : `${t.binMinutes} minutes`;
  const span = `${t.bins[0]?.slice(0, 10)} ${hhmm(t.bins[0] ?? "")}–${hhmm(t.bins[t.bins.length - 1] ?? "")}`;
  const total = t.counts.reduce((a, r) => a + r.reduce((x, y) => x + y, 0), 0);
  return [
    `<figure><figcaption>Upstream failures in the error log per ${unit} per peer (${total} lines, ${esc(span)}, the log's local time)</figcaption>`,
    stackedBars({
      id: "chart-errors",
      title: `Upstream failures per ${unit} per peer (error log)`,
      desc: `${total} upstream failure lines between ${span} (local time of the log), stacked by peer.`,
      categories: t.bins.map(hhmm),
      tickAt: tickIndexes(t.bins.length),
      series: t.peers.map((p, i) => ({ name: p.peer, colour: p.colour, values: t.counts[i] ?? [] })),
      yLabel: `failures per ${unit}`,
      tip: (c, s, v) => `${c} · ${s} · ${v} failure lines`,
    }),
    legend(t.peers),
    `<p class="muted">From the error log: an access log with <code>$upstream_addr</code> and a time would show the 502 and 504 answers clients got.</p>`,
    dataTable(
      ["minute", ...t.peers.map((p) => p.peer)],
      t.bins
        .map((b, i) => [hhmm(b), ...t.peers.map((_, p) => t.counts[p]?.[i] ?? 0)] as Array<string | number>)
        .filter((r) => r.slice(1).some((v) => v !== 0)),
      `Failures per ${unit}: the numbers`,
    ),
    "</figure>",
  ].join("");
}

function latencyChart(al: AccessSummary, ev: Evidence, peers: PeerColour[]): string {
  const h = al.latencyHistogram;
  if (!h || !al.fields.upstreamResponseTime)
    return '<p class="muted">The access log format has no <code>$upstream_response_time</code>: no latency chart.</p>';
  const labels = bucketLabels(h.bounds);
  const series: Series[] = peers.map((p) => ({
    name: p.peer,
    colour: p.colour,
    values: labels.map(() => 0),
  }));
  let drawn = false;
  for (const [peer, counts] of Object.entries(h.byPeer)) {
    let i = peers.findIndex((p) => p.peer === peer);
    if (i < 0) i = peers.length - 1;
    const s = series[i];
    if (!s) continue;
    counts.forEach((c, k) => {
      s.values[k] = (s.values[k] ?? 0) + c;
      if (c > 0) drawn = true;
    });
  }
  if (!drawn) return '<p class="muted">No upstream response times in the access log.</p>';
  const timeouts = configuredTimeouts(ev.config?.model);
  const markers = timeouts.map((t) => ({
    at: axisPosition(h.bounds, t.seconds),
    label: `${t.directive} ${formatDuration(t.seconds)}`,
  }));
  const total = series.reduce((a, s) => a + s.values.reduce((x, y) => x + y, 0), 0);
  const timeoutText = timeouts.length
    ? timeouts.map((t) => `${t.directive} ${formatDuration(t.seconds)} (${t.where.join(", ")})`).join("; ")
    : "no configuration, so no timeout to compare with";
  return [
    "<figure><figcaption>Upstream response time per try, against the configured read timeout</figcaption>",
    stackedBars({
      id: "chart-latency",
      title: "Upstream response time per try",
      desc: `${total} tries by response time, stacked by peer. Configured: ${timeoutText}.`,
      categories: labels,
      series,
      yLabel: "tries",
      markers,
      tip: (c, s, v) => `${c} · ${s} · ${v} tries`,
    }),
    legend(peers),
    `<p class="muted">Configured: ${esc(timeoutText)}. Tries cut off by a timeout sit in the bar at its line or the one just right of it.</p>`,
    dataTable(
      ["response time", ...series.map((s) => s.name)],
      labels
        .map((l, k) => [l, ...series.map((s) => s.values[k] ?? 0)] as Array<string | number>)
        .filter((r) => r.slice(1).some((v) => v !== 0)),
      "Response times: the numbers",
    ),
    "</figure>",
  ].join("");
}

function classChart(ev: Evidence): string {
  const rows = classRows(ev);
  if (rows.length === 0) return '<p class="muted">No upstream failure lines in the error log.</p>';
  const total = rows.reduce((a, r) => a + r.value, 0);
  return [
    `<figure><figcaption>Upstream failures in the error log by class (${total} lines)</figcaption>`,
    horizontalBars({
      id: "chart-classes",
      title: "Upstream failures by class",
      desc: rows.map((r) => `${r.label}: ${r.value}`).join(", "),
      rows: rows.map((r) => ({ ...r, colour: "#0072B2" })),
    }),
    dataTable(
      ["class", "lines"],
      rows.map((r) => [r.label, r.value]),
      "Classes: the numbers",
    ),
    "</figure>",
  ].join("");
}

/** Column kinds: "num" right-aligned numbers, "nw" short values kept on one line, "" text that may wrap. */
type Col = "num" | "nw" | "";

/** An evidence table with its filter box (shown by the script; without script the whole table is there). */
function filteredTable(id: string, title: string, head: string[], cols: Col[], rows: string[][]): string {
  const left = rows.length - MAX_ROWS;
  const body = rows
    .slice(0, MAX_ROWS)
    .map(
      (r) => `<tr>${r.map((c, i) => `<td${cols[i] ? ` class="${cols[i]}"` : ""}>${c}</td>`).join("")}</tr>`,
    )
    .join("");
  return [
    `<h3>${esc(title)}</h3>`,
    `<div class="filter" hidden><label for="${id}-q">Filter</label><input id="${id}-q" type="search" autocomplete="off" spellcheck="false" data-filter="${id}" data-count="${id}-n" placeholder="words that must all appear in the row"><output id="${id}-n"></output></div>`,
    `<div class="scroll"><table id="${id}"><thead><tr>${head.map((h, i) => `<th${cols[i] === "num" ? ' class="num"' : ""}>${esc(h)}</th>`).join("")}</tr></thead><tbody>${body}</tbody></table></div>`,
    left > 0 ? `<p class="muted">${left} more rows not shown.</p>` : "",
  ].join("");
}

function ms(v: number | null): string {
  return v === null ? "—" : v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(2)} s`;
}

function evidenceTables(ev: Evidence): string {
  const out: string[] = [];
  const el = ev.errorLog;
  if (el && el.groups.length > 0) {
    out.push(
      filteredTable(
        "table-errors",
        "Error log: failures by class and peer",
        ["class", "peer", "lines", "first → last", "upstream, server, host and a sample line"],
        ["nw", "nw", "num", "nw", ""],
        [...el.groups]
          .sort((a, b) => b.count - a.count)
          .map((g) => [
            `<code>${esc(g.class)}</code>`,
            esc(g.peer ?? g.group ?? "—"),
            esc(g.count),
            `${esc(g.first ?? "—")}<br>${esc(g.last ?? "—")}`,
            [
              `<div>upstream: ${esc(g.upstream ?? "—")}</div>`,
              `<div>server: ${esc(g.server ?? "—")} · host: ${esc(g.host ?? "—")}</div>`,
              g.samples[0] ? `<pre>${esc(g.samples[0].text)}</pre>` : "",
            ].join(""),
          ]),
      ),
    );
  }
  const al = ev.accessLog;
  if (al && Object.keys(al.byPeer).length > 0) {
    out.push(
      filteredTable(
        "table-peers",
        "Access log: tries per upstream peer",
        ["peer", "tries", "502", "504", "other 5xx", "failed, retried", "p50", "p95", "p99", "max"],
        ["nw", "num", "num", "num", "num", "num", "num", "num", "num", "num"],
        Object.entries(al.byPeer).map(([peer, s]) => [
          esc(peer),
          esc(s.requests),
          esc(s.s502),
          esc(s.s504),
          esc(s.s5xx),
          esc(s.failedInChain),
          ms(s.latency.response.p50),
          ms(s.latency.response.p95),
          ms(s.latency.response.p99),
          ms(s.latency.response.max),
        ]),
      ),
    );
  }
  if (al && Object.keys(al.byLocation).length > 0) {
    out.push(
      filteredTable(
        "table-locations",
        "Access log: requests per location (first path segment)",
        ["location", "requests", "502", "504", "other 5xx", "upstream p99"],
        ["", "num", "num", "num", "num", "num"],
        Object.entries(al.byLocation).map(([loc, s]) => [
          esc(loc),
          esc(s.requests),
          esc(s.s502),
          esc(s.s504),
          esc(s.s5xx),
          ms(s.latency.upstream.p99),
        ]),
      ),
    );
  }
  if (ev.probes && ev.probes.length > 0) {
    out.push(
      filteredTable(
        "table-probes",
        "Live checks",
        ["target", "check", "result", "problem", "summary"],
        ["", "nw", "nw", "nw", ""],
        ev.probes.map((p) => [
          esc(p.target),
          esc(p.check),
          p.ok ? "ok" : "<strong>failed</strong>",
          esc(p.problem ?? "—"),
          esc(p.summary),
        ]),
      ),
    );
  }
  return out.length ? out.join("") : '<p class="muted">No evidence tables: no logs or checks were read.</p>';
}

function basis(r: DiagnoseResult): string {
  const b = r.basis;
  const items: string[] = [];
  if (b.config) items.push(`configuration: ${esc(b.config)}`);
  if (b.errorLog)
    items.push(
      `error log: ${esc(b.errorLog.files.join(", "))} — ${b.errorLog.lines} lines, ${b.errorLog.upstreamErrors} upstream errors${b.errorLog.first ? ` (${esc(b.errorLog.first)} → ${esc(b.errorLog.last)})` : ""}`,
    );
  if (b.accessLog)
    items.push(
      `access log: ${esc(b.accessLog.files.join(", "))} — ${b.accessLog.requests} requests, ${b.accessLog.s502} × 502, ${b.accessLog.s504} × 504`,
    );
  if (b.probes !== null) items.push(`live checks: ${b.probes}`);
  if (b.nginxVersion) items.push(`nginx ${esc(b.nginxVersion)}`);
  const out = [`<ul>${items.map((i) => `<li>${i}</li>`).join("")}</ul>`];
  if (r.missing.length)
    out.push(`<h3>Not available</h3><ul>${r.missing.map((m) => `<li>${esc(m)}</li>`).join("")}</ul>`);
  if (r.warnings.length)
    out.push(`<h3>Warnings</h3><ul>${r.warnings.map((w) => `<li>${esc(w)}</li>`).join("")}</ul>`);
  return out.join("");
}

/** The whole page. `ev` may be null (then only the findings and the basis are shown). */
export function diagnoseHtml(r: DiagnoseResult, ev: Evidence | null, opts: HtmlReportOptions): string {
  const generatedAt = opts.generatedAt ?? new Date().toISOString();
  const doc = JSON.parse(diagnoseJson(r, opts.version)) as unknown;
  const top = r.findings[0];
  const title = r.exitCode === 2 ? "could not diagnose" : top ? top.title : "no upstream failures found";
  const peers = ev?.accessLog ? peerColours(ev.accessLog) : [];
  const charts: string[] = [];
  const t = ev?.accessLog ? timeline(ev.accessLog, peers) : null;
  const errorRows = ev?.errorLog?.failuresByMinute ?? [];
  if (t) charts.push(timelineCharts(t));
  else if (errorRows.length > 0) charts.push(errorTimelineChart(errorRows));
  else
    charts.push(
      `<p class="muted">No 502/504 answers or upstream failures with a time in the logs${ev?.accessLog && !ev.accessLog.fields.time ? " (the access log format has no time)" : ""}: no per-minute chart.</p>`,
    );
  if (ev?.accessLog) charts.push(latencyChart(ev.accessLog, ev, peers));
  else charts.push('<p class="muted">No access log: no latency chart.</p>');
  if (ev) charts.push(classChart(ev));
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${esc(reportCsp())}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>badgateway: ${esc(title)}</title>`,
    `<style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>badgateway diagnosis</h1><p class="meta">Made ${esc(generatedAt)} by badgateway ${esc(opts.version)} from ${esc(r.basis.mode)} evidence. Every value below comes from logs, configuration or live checks and is shown as text.</p></header>`,
    "<main>",
    verdict(r),
    r.findings.length
      ? `<section id="findings"><h2>Findings</h2>${findingsTable(r)}${r.findings.map(findingCard).join("")}</section>`
      : "",
    `<section id="charts"><h2>When and where</h2>${charts.join("")}</section>`,
    `<section id="evidence"><h2>Evidence</h2>${ev ? evidenceTables(ev) : '<p class="muted">No evidence tables.</p>'}</section>`,
    `<section id="basis"><h2>Based on</h2>${basis(r)}</section>`,
    "</main>",
    `<footer>The JSON of this diagnosis (the same as <code>badgateway diagnose --json</code>) is embedded in this page as <code>&lt;script type="application/json" id="${HTML_DATA_ID}"&gt;</code>.</footer>`,
    `<script type="application/json" id="${HTML_DATA_ID}">${scriptJson(doc)}</script>`,
    `<script>${REPORT_JS}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}
