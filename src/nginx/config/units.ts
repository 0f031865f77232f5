/**
 * nginx's value syntaxes for time and size (ngx_parse_time / ngx_parse_size in src/core/ngx_parse.c).
 * Pure; returns null for values nginx would reject.
 */

const TIME_UNITS: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
  M: 2592000,
  y: 31536000,
};

/**
 * Parses an nginx time such as `60s`, `1m30s`, `500ms` or `75` (seconds) into seconds.
 * Components must appear largest first, as nginx requires.
 */
export function parseDuration(value: string): number | null {
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+$/.test(v)) return Number(v);
  let total = 0;
  let i = 0;
  let seen = false;
  while (i < v.length) {
    const start = i;
    while (i < v.length && v.charCodeAt(i) >= 48 && v.charCodeAt(i) <= 57) i++;
    if (i === start) return null;
    const n = Number(v.slice(start, i));
    let unit = v[i] ?? "";
    if (unit === "m" && v[i + 1] === "s") unit = "ms";
    const factor = TIME_UNITS[unit];
    if (factor === undefined) return null;
    i += unit.length;
    while (v[i] === " ") i++;
    total += n * factor;
    seen = true;
  }
  return seen ? total : null;
}

/** Parses an nginx size such as `4k`, `8K`, `1m`, `1g` or `4096` into bytes. */
export function parseSize(value: string): number | null {
  const m = /^(\d+)([kKmMgG]?)$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  switch ((m[2] ?? "").toLowerCase()) {
    case "k":
      return n * 1024;
    case "m":
      return n * 1024 * 1024;
    case "g":
      return n * 1024 * 1024 * 1024;
    default:
      return n;
  }
}

/** Formats seconds the way an operator would write them in nginx.conf. */
export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
