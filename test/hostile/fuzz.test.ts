/**
 * Fuzzing the readers (fast-check): random bytes, cut and damaged gzip, NUL padding. Whatever the input, the
 * readers never throw, never pass over input silently (what a command would call exit 0 or 1 has read every
 * byte zlib can decode, and understood most lines), and memory stays bounded. A few cases run the built CLI.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { summarizeAccessLogs } from "../../src/evidence/access-log.js";
import { summarizeErrorLogs } from "../../src/evidence/error-log.js";
import { losesInput } from "../../src/evidence/input.js";
import { runCli } from "../helpers/cli.js";
import { combinedLog, errorLog } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "bg-hostile-fuzz-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const file = (bytes: Uint8Array) => {
  const f = join(dir, `in${seq++}`);
  writeFileSync(f, bytes);
  return f;
};

/** Lines a reader should see in decoded text (NUL-only lines are crash padding, not lines). */
function expectedLines(text: Buffer): number {
  const parts = text.toString("latin1").split("\n");
  if (parts.at(-1) === "") parts.pop();
  return parts.filter((l) => !/^\0+$/.test(l)).length;
}

const base = Buffer.from(errorLog(400, { failEvery: 3 }));
const baseGz = gzipSync(base);

/** An input: random bytes, a gzip cut short, a gzip with bytes overwritten, NUL padding inside or after. */
const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 4096 }).map((b) => ({ kind: "random", bytes: b })),
  fc.integer({ min: 0, max: baseGz.length }).map((n) => ({ kind: "cut", bytes: baseGz.subarray(0, n) })),
  fc
    .tuple(fc.integer({ min: 0, max: baseGz.length - 1 }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([at, junk]) => {
      const b = Buffer.from(baseGz);
      b.set(junk.subarray(0, b.length - at), at);
      return { kind: "damaged", bytes: b };
    }),
  fc.integer({ min: 1, max: 100_000 }).map((n) => ({
    kind: "gz-padded",
    bytes: Buffer.concat([baseGz, Buffer.alloc(n)]),
  })),
  fc.tuple(fc.integer({ min: 0, max: base.length }), fc.integer({ min: 1, max: 5000 })).map(([at, n]) => ({
    kind: "plain-padded",
    bytes: Buffer.concat([base.subarray(0, at), Buffer.alloc(n), base.subarray(at)]),
  })),
);

describe("reader fuzzing", () => {
  it("error-log reader: never throws, never passes over input silently", async () => {
    const rss0 = process.memoryUsage().rss;
    await fc.assert(
      fc.asyncProperty(inputs, async ({ kind, bytes }) => {
        const s = await summarizeErrorLogs([file(bytes)]);
        const lossy = s.warnings.some(losesInput);
        if (lossy) return;
        // Read as complete: then everything must have been there to read, and mostly understood.
        const acct = s.perFile[0];
        expect(acct).toBeDefined();
        if (acct && acct.lines > 0) expect(acct.skipped * 2).toBeLessThan(acct.lines);
        let decoded: Buffer | null = null;
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
          decoded = gunzipSync(bytes); // throws when the data is damaged: the reader must have said so
        } else if (kind !== "random") decoded = Buffer.from(bytes);
        if (decoded) expect(s.lines).toBe(expectedLines(decoded));
      }),
      { numRuns: 150 },
    );
    expect(process.memoryUsage().rss - rss0).toBeLessThan(300 << 20);
  }, 120_000);

  it("access-log reader: never throws, never passes over input silently", async () => {
    const accessGz = gzipSync(combinedLog(300));
    const accessInputs = fc.oneof(
      fc.uint8Array({ maxLength: 4096 }),
      fc.integer({ min: 0, max: accessGz.length }).map((n) => accessGz.subarray(0, n)),
      fc.integer({ min: 1, max: 5000 }).map((n) => Buffer.concat([accessGz, Buffer.alloc(n)])),
    );
    await fc.assert(
      fc.asyncProperty(accessInputs, async (bytes) => {
        const s = await summarizeAccessLogs([file(bytes)]);
        if (s.warnings.some(losesInput)) return;
        const tried = s.matched + s.unmatched + s.outOfWindow;
        if (tried > 0) expect(s.unmatched * 2).toBeLessThan(tried);
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) expect(s.lines).toBe(expectedLines(gunzipSync(bytes)));
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it("the CLI on random input: exit 0 only for inputs with nothing to read, never an internal error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 2048 }),
          fc.integer({ min: 1, max: baseGz.length - 1 }).map((n) => new Uint8Array(baseGz.subarray(0, n))),
        ),
        fc.constantFrom("logs", "access", "explain"),
        (bytes, command) => {
          const f = file(bytes);
          const r =
            command === "explain"
              ? runCli(["explain", "-"], Buffer.from(bytes).toString("latin1"))
              : runCli([command, f]);
          expect(r.stderr).not.toContain("internal error");
          expect(r.stderr).not.toMatch(/\n\s+at /);
          expect([0, 1, 2]).toContain(r.code);
          if (r.code === 0)
            expect(
              Buffer.from(bytes)
                .toString("latin1")
                .replace(/[\s\0]/g, ""),
            ).toBe("");
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});
