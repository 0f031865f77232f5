/**
 * Tests that need a real system program (nginx, php-fpm, chromium…) call `systemDescribe`.
 * Without the program they are skipped with a visible reason — unless BADGATEWAY_REQUIRE_SYSTEM=1
 * (set by .ci/run), which turns the skip into a failing test so CI always runs them.
 */
import { execFileSync } from "node:child_process";
import { describe, it } from "vitest";

const cache = new Map<string, string | null>();

/** Absolute path of a program found on PATH (or in /usr/sbin, /sbin), else null. */
export function findProgram(name: string): string | null {
  if (cache.has(name)) return cache.get(name) ?? null;
  let found: string | null = null;
  try {
    const path = `${process.env["PATH"] ?? ""}:/usr/sbin:/sbin:/usr/local/sbin`;
    found = execFileSync("sh", ["-c", `command -v ${name}`], {
      env: { ...process.env, PATH: path },
      encoding: "utf8",
    })
      .trim()
      .split("\n")[0] as string;
  } catch {
    found = null;
  }
  cache.set(name, found || null);
  return found || null;
}

export const requireSystem = process.env["BADGATEWAY_REQUIRE_SYSTEM"] === "1";

/** Like `describe`, but only when every program in `programs` is installed. */
export function systemDescribe(programs: string[], name: string, fn: () => void): void {
  const missing = programs.filter((p) => !findProgram(p));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const reason = `needs ${missing.join(", ")} (not installed)`;
  if (requireSystem) {
    describe(name, () => {
      it(`BADGATEWAY_REQUIRE_SYSTEM=1 but this suite ${reason}`, () => {
        throw new Error(`${name}: ${reason}; install it (see .ci/run)`);
      });
    });
    return;
  }
  process.stderr.write(`[skip] ${name}: ${reason}\n`);
  describe.skip(`${name} [skipped: ${reason}]`, fn);
}
