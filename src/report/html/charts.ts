/**
 * The report's charts, drawn here as static SVG markup (no charting library, no script needed to see them):
 * 502/504 per minute per peer, the latency distribution against the configured timeouts, and the error classes.
 * Each chart carries a <title>/<desc> for screen readers and every mark a <title> tooltip; the page shows the
 * same numbers in a data table under each chart. Colours are attributes (no inline style), so the report's CSP
 * needs no 'unsafe-inline'. Pure: returns strings; every outside value goes through `esc`.
 */
import { esc } from "./escape.js";

/** Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), then grey for "others". */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#D55E00",
  "#CC79A7",
  "#56B4E9",
  "#8C6D1F",
  "#444444",
];
export const OTHER_COLOUR = "#9A9A9A";

export interface Series {
  name: string;
  colour: string;
  values: number[];
}

export interface Marker {
  /** Position on the category axis, in categories (0 = left edge of the first bar, n = right edge of the last). */
  at: number;
  label: string;
}

export interface BarChartSpec {
  id: string;
  title: string;
  desc: string;
  categories: string[];
  /** Shown under the axis at these category indexes (all when absent). */
  tickAt?: number[];
  series: Series[];
  yLabel: string;
  markers?: Marker[];
  /** Tooltip of one mark. */
  tip: (category: string, series: string, value: number) => string;
}

const W = 920;
const H = 260;
const M = { top: 16, right: 16, bottom: 48, left: 56 };

/** 1, 2, 5 × 10^k steps: a "nice" top for an axis and its step. */
export function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const s = Math.max(step, 1);
  return { top: Math.ceil(max / s) * s, step: s };
}

/** Axis numbers: 12, 1.5, 25k, 1.2M (short enough for the left margin). */
export function fmt(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}

/** A stacked bar chart: one bar per category, one stacked segment per series. */
export function stackedBars(spec: BarChartSpec): string {
  const n = spec.categories.length;
  const totals = spec.categories.map((_, i) => spec.series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const { top, step } = niceScale(Math.max(0, ...totals));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const bw = n > 0 ? pw / n : pw;
  const gap = bw > 6 ? Math.min(bw * 0.15, 4) : 0;
  const y = (v: number) => M.top + ph - (v / top) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="${esc(spec.id)}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${esc(spec.id)}-t ${esc(spec.id)}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${esc(spec.id)}-t">${esc(spec.title)}</title><desc id="${esc(spec.id)}-d">${esc(spec.desc)}</desc>`,
  );
  // y grid and labels
  for (let v = 0; v <= top + 1e-9; v += step) {
    const yy = y(v).toFixed(1);
    parts.push(
      `<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}" stroke="#d0d0d0" stroke-width="1"/>`,
      `<text x="${M.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#333">${fmt(v)}</text>`,
    );
  }
  parts.push(
    `<text x="14" y="${M.top + ph / 2}" transform="rotate(-90 14 ${M.top + ph / 2})" text-anchor="middle" font-size="11" fill="#333">${esc(spec.yLabel)}</text>`,
  );
  // bars
  parts.push('<g class="bars">');
  for (let i = 0; i < n; i++) {
    let base = 0;
    const x = M.left + i * bw + gap / 2;
    for (const s of spec.series) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const y0 = y(base);
      const y1 = y(base + v);
      base += v;
      parts.push(
        `<rect x="${x.toFixed(2)}" y="${y1.toFixed(2)}" width="${Math.max(bw - gap, 0.5).toFixed(2)}" height="${Math.max(y0 - y1, 0.5).toFixed(2)}" fill="${esc(s.colour)}"><title>${esc(spec.tip(spec.categories[i] as string, s.name, v))}</title></rect>`,
      );
    }
  }
  parts.push("</g>");
  // x axis and labels
  parts.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#333" stroke-width="1"/>`,
  );
  const ticks = spec.tickAt ?? spec.categories.map((_, i) => i);
  for (const i of ticks) {
    const cx = M.left + (i + 0.5) * bw;
    parts.push(
      `<text x="${cx.toFixed(1)}" y="${M.top + ph + 16}" text-anchor="middle" font-size="11" fill="#333">${esc(spec.categories[i])}</text>`,
    );
  }
  for (const m of spec.markers ?? []) {
    const mx = (M.left + m.at * bw).toFixed(1);
    parts.push(
      `<g class="marker"><line x1="${mx}" x2="${mx}" y1="${M.top}" y2="${M.top + ph}" stroke="#B00020" stroke-width="2" stroke-dasharray="6 4"/>`,
      `<text x="${mx}" y="${M.top + ph + 34}" text-anchor="middle" font-size="11" font-weight="bold" fill="#B00020">${esc(m.label)}</text><title>${esc(m.label)}</title></g>`,
    );
  }
  parts.push("</svg>");
  return parts.join("");
}

/** Horizontal bars with their value written beside them (the class breakdown). */
export function horizontalBars(spec: {
  id: string;
  title: string;
  desc: string;
  rows: Array<{ label: string; value: number; colour: string }>;
}): string {
  const rowH = 24;
  const labelW = 260;
  const h = spec.rows.length * rowH + 12;
  const max = Math.max(1, ...spec.rows.map((r) => r.value));
  const pw = W - labelW - 80;
  const parts = [
    `<svg class="chart" id="${esc(spec.id)}" viewBox="0 0 ${W} ${h}" role="img" aria-labelledby="${esc(spec.id)}-t ${esc(spec.id)}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${esc(spec.id)}-t">${esc(spec.title)}</title><desc id="${esc(spec.id)}-d">${esc(spec.desc)}</desc>`,
  ];
  spec.rows.forEach((r, i) => {
    const y = 6 + i * rowH;
    const w = Math.max((r.value / max) * pw, 1);
    parts.push(
      `<text x="${labelW - 8}" y="${y + rowH / 2}" text-anchor="end" dominant-baseline="middle" font-size="12" fill="#222">${esc(r.label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(2)}" height="${rowH - 6}" fill="${esc(r.colour)}"><title>${esc(`${r.label}: ${r.value}`)}</title></rect>`,
      `<text x="${(labelW + w + 6).toFixed(2)}" y="${y + rowH / 2}" dominant-baseline="middle" font-size="12" fill="#222">${esc(r.value)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("");
}
