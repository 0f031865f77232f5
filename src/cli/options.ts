/** Checked option values shared by commands: a bad value is a UserError (exit 2) naming the option. */
import { UserError } from "./exit.js";

/**
 * A duration option: `N` (milliseconds), `Nms`, `Ns` or `Nm`; a positive whole number, at most an hour.
 * Anything else is a usage error naming the option.
 */
export function parseDurationOption(flag: string, value: string): number {
  const m = /^(\d{1,7})(ms|s|m)?$/.exec(value.trim());
  const n = m ? Number(m[1]) * (m[2] === "s" ? 1000 : m[2] === "m" ? 60_000 : 1) : Number.NaN;
  if (!(n > 0) || n > 3_600_000)
    throw new UserError(
      `${flag} wants a positive duration up to 1h: milliseconds, or a number with ms, s or m (got ${JSON.stringify(value)})`,
    );
  return n;
}

/** A positive whole-number option (at most `max`). */
export function parseCountOption(flag: string, value: string, max: number): number {
  const n = /^\d{1,7}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!(n >= 1) || n > max)
    throw new UserError(`${flag} wants a whole number from 1 to ${max} (got ${JSON.stringify(value)})`);
  return n;
}

/** --pid: a process id (1 to 4194304, Linux's largest pid_max). */
export function parsePidOption(value: string): number {
  const v = value.trim();
  const n = /^[1-9]\d{0,6}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n <= 4_194_304)) throw new UserError(`--pid: ${JSON.stringify(value)} is not a process id`);
  return n;
}

/** The request path for --path: starts with `/`, no spaces, no control characters (they would split the request). */
export function checkPathOption(value: string, flag = "--path"): string {
  if (!value.startsWith("/"))
    throw new UserError(`${flag} must start with "/" (got ${JSON.stringify(value)})`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f))
      throw new UserError(
        `${flag} may not contain spaces or control characters such as CR/LF (got ${JSON.stringify(value)}); percent-encode them`,
      );
  }
  return value;
}

/** "2h", "30m", "90s", "1d", or an ISO / Date.parse-able time → epoch ms. */
export function parseWhen(v: string, now = Date.now()): number {
  const m = /^(\d+)([smhd])$/.exec(v);
  if (m) return now - Number(m[1]) * { s: 1e3, m: 6e4, h: 36e5, d: 864e5 }[m[2] as "s"];
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw new UserError(`cannot read the time '${v}' (use e.g. 2h, 30m, or 2026-04-04T08:00:00Z)`);
  return t;
}
