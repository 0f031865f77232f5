// writeJsonOut: the bytes of JSON.stringify(v, null, 2) and a newline, whatever the pieces' sizes against its
// reused buffer and however many UTF-8 bytes their characters take.
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { writeJsonOut } from "../../src/cli/json-out.js";

const dir = mkdtempSync(join(tmpdir(), "bg-json-out-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function written(v: unknown): Buffer {
  const path = join(dir, "out.json");
  const fd = openSync(path, "w");
  try {
    writeJsonOut(v, fd);
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}

describe("writeJsonOut", () => {
  it("writes exactly JSON.stringify(v, null, 2) and a newline, in UTF-8", () => {
    // Characters of 1 to 4 UTF-8 bytes, in strings up to 300,000 characters (past the 256 KB buffer).
    const text = fc
      .tuple(fc.constantFrom("a", "é", "€", "😀", '"', "\n"), fc.integer({ min: 1, max: 300_000 }))
      .map(([c, n]) => c.repeat(Math.ceil(n / c.length)));
    fc.assert(
      fc.property(fc.array(fc.record({ k: text, n: fc.nat() }), { maxLength: 12 }), (list) => {
        const v = { list, tail: "end" };
        expect(written(v).equals(Buffer.from(`${JSON.stringify(v, null, 2)}\n`, "utf8"))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
