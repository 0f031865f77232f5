/**
 * The report's own style sheet and script, inlined into the page (the CSP allows exactly these two texts by
 * hash). The script only filters tables and opens the data tables for printing; it reads cells with
 * textContent and never writes markup, so data in the page cannot become code.
 */

export const REPORT_CSS = `
:root { color-scheme: light; --fg: #1b1b1b; --muted: #5a5a5a; --line: #d6d6d6; --bad: #b00020; --warn: #8a5a00; --ok: #1b6e20; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--fg); background: #fff; }
header, main, footer { max-width: 1100px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 20px; border-bottom: 1px solid var(--line); }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
.meta, .muted { color: var(--muted); font-size: 0.9rem; }
.verdict { border-left: 6px solid var(--bad); background: #fdf3f4; padding: 12px 16px; margin: 16px 0; }
.verdict.ok { border-color: var(--ok); background: #f1f8f1; }
.verdict.unknown { border-color: var(--warn); background: #fdf8ee; }
.verdict h2 { border: 0; margin: 0 0 6px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 0.9rem; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
td.nw { white-space: nowrap; overflow-wrap: normal; }
.scroll { overflow-x: auto; }
th { background: #f3f3f3; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; border: 1px solid var(--line); padding: 6px 8px; margin: 4px 0; }
.finding { border: 1px solid var(--line); border-radius: 4px; padding: 8px 14px; margin: 12px 0; break-inside: avoid; }
.sev-error { color: var(--bad); font-weight: 600; }
.sev-warning { color: var(--warn); font-weight: 600; }
.sev-info { color: var(--muted); font-weight: 600; }
figure { margin: 12px 0 20px; break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
.legend { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 0.85rem; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 5px; vertical-align: -1px; border: 1px solid #0003; }
.filter { margin: 6px 0; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.filter input { font: inherit; padding: 3px 6px; min-width: 260px; }
.filter output { color: var(--muted); font-size: 0.85rem; }
details > summary { cursor: pointer; color: var(--muted); }
footer { border-top: 1px solid var(--line); margin-top: 32px; padding: 12px 20px 28px; color: var(--muted); font-size: 0.85rem; }
@media print {
  body { font-size: 10.5pt; }
  header, main, footer { max-width: none; padding: 0; }
  .filter, .noprint { display: none !important; }
  tr[hidden] { display: table-row !important; }
  h2 { break-after: avoid; }
  .verdict, .finding, figure, table { break-inside: avoid; }
  pre { background: none; }
  .scroll { overflow: visible; }
  details > summary { display: none; }
}
`;

export const REPORT_JS = `"use strict";
(function () {
  var inputs = document.querySelectorAll("input[data-filter]");
  for (var k = 0; k < inputs.length; k++) {
    (function (input) {
      var table = document.getElementById(input.getAttribute("data-filter"));
      var out = document.getElementById(input.getAttribute("data-count"));
      if (!table || !table.tBodies[0]) return;
      var rows = Array.prototype.slice.call(table.tBodies[0].rows);
      var texts = rows.map(function (r) { return (r.textContent || "").toLowerCase(); });
      function apply() {
        var words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
        var shown = 0;
        for (var i = 0; i < rows.length; i++) {
          var ok = true;
          for (var w = 0; w < words.length && ok; w++) ok = texts[i].indexOf(words[w]) >= 0;
          rows[i].hidden = !ok;
          if (ok) shown++;
        }
        if (out) out.textContent = shown + " of " + rows.length + " rows";
      }
      input.addEventListener("input", apply);
      input.closest(".filter").hidden = false;
      apply();
    })(inputs[k]);
  }
  var opened = [];
  window.addEventListener("beforeprint", function () {
    var ds = document.querySelectorAll("details:not([open])");
    for (var i = 0; i < ds.length; i++) { ds[i].open = true; opened.push(ds[i]); }
  });
  window.addEventListener("afterprint", function () {
    while (opened.length) opened.pop().open = false;
  });
})();
`;
