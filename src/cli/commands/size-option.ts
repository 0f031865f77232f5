import { UserError } from "../exit.js";

/** `--max-file-size 2G`: bytes, or a number with k/M/G/T (powers of 1024; `KiB`, `MB`… accepted alike). */
export function parseByteSize(option: string, v: string): number {
  const m = /^(\d{1,15})(?:\.(\d{1,6}))?\s?([kmgt]?)(?:i?b)?$/i.exec(v.trim());
  if (!m) throw new UserError(`${option}: "${v}" is not a size (e.g. 64M, 2G, 1048576)`);
  const unit = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[(m[3] ?? "").toLowerCase()] ?? 1;
  const n = Math.floor(Number(`${m[1]}.${m[2] ?? "0"}`) * unit);
  if (!Number.isSafeInteger(n) || n < 1) throw new UserError(`${option}: "${v}" must be at least 1 byte`);
  return n;
}
