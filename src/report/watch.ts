/**
 * What `watch` prints: one plain line per event when stdout is not a terminal, JSON Lines with --json, and a
 * screen redrawn in place on a terminal. Pure: strings in, strings out; every log-borne value goes through
 * safeText.
 */
import pc from "picocolors";
import type { AccessRecord, FailureEvent, TopCauseEvent, WindowView } from "../evidence/live.js";
import { safeText } from "./terminal.js";

type Colors = ReturnType<typeof pc.createColors>;

const PALETTES: { on?: Colors; off?: Colors } = {};
/** One palette per answer, made once: these renderers run for every event. */
function palette(color: boolean): Colors {
  const key = color ? "on" : "off";
  let p = PALETTES[key];
  if (!p) {
    p = pc.createColors(color);
    PALETTES[key] = p;
  }
  return p;
}

const BARS = "▁▂▃▄▅▆▇█";

export function failureLine(e: FailureEvent, color = false): string {
  const c = palette(color);
  const parts = [
    e.time ?? e.at.slice(0, 19),
    c.bold(safeText(e.class)),
    e.status ? (e.status === 504 ? c.yellow(String(e.status)) : c.red(String(e.status))) : "-",
    e.peer ? `peer ${safeText(e.peer)}` : null,
    e.upstream && e.upstream !== e.peer ? `upstream ${safeText(e.upstream)}` : null,
    e.server ? `server ${safeText(e.server)}` : null,
    e.request
      ? c.dim(`"${safeText(e.request.length > 200 ? `${e.request.slice(0, 200)}…` : e.request)}"`)
      : null,
  ];
  return `${parts.filter(Boolean).join(" ")}\n`;
}

export function topCauseLine(e: TopCauseEvent, color = false): string {
  const c = palette(color);
  if (!e.id)
    return `${e.at.slice(0, 19)} ${c.green("top cause: none")} (no upstream failure in the window)\n`;
  return `${e.at.slice(0, 19)} ${c.bold("top cause:")} ${safeText(e.title ?? "")} ${c.dim(`[${e.id}]`)} confidence ${e.confidence} over ${e.failures} failure(s) — fix: ${safeText(e.fix ?? "")}\n`;
}

export function accessLine(r: AccessRecord, line: string, color = false): string {
  const c = palette(color);
  const st =
    r.status === 504 ? c.yellow("504") : r.status >= 500 ? c.red(String(r.status)) : String(r.status);
  const secs = Number.isFinite(r.seconds) ? ` ${r.seconds.toFixed(3)}s` : "";
  return `${st} upstream ${safeText(r.upstream)}${secs}  ${c.dim(safeText(line.length > 300 ? `${line.slice(0, 300)}…` : line))}\n`;
}

function spark(values: number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) => (v === 0 || max === 0 ? "·" : BARS[Math.min(7, Math.floor((v / max) * 7.999))]))
    .join("");
}

/** Words of `s` in lines of at most `width` characters, at most `max` lines (the last one ends with … if cut). */
export function wrap(s: string, width: number, max: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const w of s.split(" ")) {
    const next = cur ? `${cur} ${w}` : w;
    if (next.length <= width || !cur) cur = next;
    else {
      out.push(cur);
      cur = w;
    }
  }
  if (cur) out.push(cur);
  const lines = out.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max);
  kept[max - 1] = `${(kept[max - 1] as string).slice(0, width - 1)}…`;
  return kept;
}

function pct(n: number, d: number): string {
  return d === 0 ? "-" : `${((100 * n) / d).toFixed(2)}%`;
}

export interface ScreenInfo {
  files: Array<{ path: string; lines: number }>;
  top: TopCauseEvent | null;
  now: number;
  listen?: string | null;
  stub?: { active: number; reading: number; writing: number; waiting: number } | { error: string } | null;
  rows?: number;
  cols?: number;
}

/** The terminal view: the whole screen, redrawn in place (cursor home, clear to end). */
export function watchScreen(v: WindowView, info: ScreenInfo, color = false): string {
  const c: Colors = palette(color);
  const width = Math.max(40, info.cols || 100);
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const o: string[] = [];
  o.push(
    `${c.bold("badgateway watch")}  ${new Date(info.now).toISOString().slice(0, 19)}Z  last ${v.minutes} min${info.listen ? `  metrics http://${info.listen}/metrics` : ""}`,
  );
  for (const f of info.files) o.push(c.dim(cut(`  ${safeText(f.path)}  ${f.lines} lines`)));
  o.push("");
  const s5 = v.s502 + v.s504;
  o.push(
    `${c.bold("Upstream failures")} ${v.failures}   ${c.bold("502")} ${v.s502} ${c.bold("504")} ${v.s504} of ${v.responses} responses (${pct(s5, v.responses)})`,
  );
  o.push(
    `  failures/min ${spark(v.perMinute.map((m) => m.failures))}   502+504/min ${spark(v.perMinute.map((m) => m.s502 + m.s504))}`,
  );
  if (info.stub && !("error" in info.stub))
    o.push(
      c.dim(
        `  connections: active ${info.stub.active}, reading ${info.stub.reading}, writing ${info.stub.writing}, waiting ${info.stub.waiting}`,
      ),
    );
  o.push("");
  o.push(c.bold("Top cause"));
  if (info.top?.id) {
    o.push(
      cut(
        `  ${c.red(safeText(info.top.title ?? ""))} ${c.dim(`[${info.top.id}] confidence ${info.top.confidence}`)}`,
      ),
    );
    o.push(...wrap(`fix: ${safeText(info.top.fix ?? "")}`, width - 2, 4).map((l) => `  ${l}`));
  } else o.push(c.green(v.failures ? "  (diagnosing…)" : "  none: no upstream failure in the window"));
  const rows = Math.max(3, Math.floor(((info.rows ?? 30) - o.length - 6) / 2));
  if (v.byClass.length) {
    o.push("", c.bold("By class"));
    for (const [k, n] of v.byClass.slice(0, rows)) o.push(`  ${String(n).padStart(8)}  ${k}`);
  }
  if (v.byPeer.length) {
    o.push("", c.bold("By peer"));
    for (const [k, n] of v.byPeer.slice(0, rows)) o.push(cut(`  ${String(n).padStart(8)}  ${safeText(k)}`));
  }
  return `\x1b[H${o.map((l) => `${l}\x1b[K`).join("\n")}\n\x1b[J`;
}
