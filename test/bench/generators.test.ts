import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error: plain JavaScript modules of the benchmarks, without type declarations
import { ACCESS_GENERATORS, FORMATS, writeAccessLog } from "../../bench/gen/access.mjs";
// @ts-expect-error: as above
import { secondClock, writeGenerated } from "../../bench/gen/common.mjs";
// @ts-expect-error: as above
import { ERROR_GENERATORS, writeErrorLog } from "../../bench/gen/errorlog.mjs";

const dir = mkdtempSync(join(tmpdir(), "bg-gen-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");
const newlines = (p: string) => readFileSync(p).reduce((n, b) => n + (b === 0x0a ? 1 : 0), 0);
const SIZE = 0.2;

describe("bench/gen: error-log generators", () => {
  for (const name of Object.keys(ERROR_GENERATORS)) {
    it(`${name}: same seed, same bytes; another seed, other bytes; the tally counts the lines`, async () => {
      const a = join(dir, `e-${name}-a.log`);
      const b = join(dir, `e-${name}-b.log`);
      const c = join(dir, `e-${name}-c.log`);
      const tally = await writeErrorLog(a, name, SIZE, 7);
      await writeErrorLog(b, name, SIZE, 7);
      await writeErrorLog(c, name, SIZE, 8);
      expect(sha(a)).toBe(sha(b));
      expect(sha(a)).not.toBe(sha(c));
      expect(readFileSync(a).length).toBeGreaterThanOrEqual(SIZE * 1e6);
      expect(tally.lines).toBe(newlines(a));
      expect(tally.failures + tally.notes + tally.other).toBe(tally.lines);
      expect(JSON.parse(readFileSync(`${a}.tally.json`, "utf8"))).toEqual(tally);
    });
  }
  it("an unknown generator is refused", async () => {
    await expect(writeErrorLog(join(dir, "x.log"), "nosuch", SIZE, 1)).rejects.toThrow(/unknown error-log/);
  });
});

describe("bench/gen: access-log generators", () => {
  const cases: [string, string][] = [["basic", "combined"]];
  for (const g of Object.keys(ACCESS_GENERATORS)) for (const f of Object.keys(FORMATS)) cases.push([g, f]);
  for (const [g, f] of cases) {
    it(`${g} × ${f}: deterministic, tally of lines and 502/504 matches the file`, async () => {
      const a = join(dir, `a-${g}-${f}-a.log`);
      const b = join(dir, `a-${g}-${f}-b.log`);
      const tally = await writeAccessLog(a, g, f, SIZE, 7);
      await writeAccessLog(b, g, f, SIZE, 7);
      expect(sha(a)).toBe(sha(b));
      expect(tally.lines).toBe(newlines(a));
      // The status is the first of the line's fields that is a bare 502/504 after the request (JSON: "status").
      const text = readFileSync(a, "utf8");
      const statuses =
        f === "json"
          ? [...text.matchAll(/"status":"(\d{3})"/g)].map((m) => m[1])
          : [...text.matchAll(/HTTP\/[\d.]+" (\d{3}) /g)].map((m) => m[1]);
      expect(statuses.length).toBe(tally.lines);
      expect(statuses.filter((s) => s === "502").length).toBe(tally.s502);
      expect(statuses.filter((s) => s === "504").length).toBe(tally.s504);
    });
  }
  it("an unknown format is refused", async () => {
    await expect(writeAccessLog(join(dir, "y.log"), "realistic", "nosuch", SIZE, 1)).rejects.toThrow(
      /unknown access-log format/,
    );
  });
});

describe("bench/gen/common", () => {
  it("writeGenerated reuses a file of the asked size and its tally without generating", async () => {
    const p = join(dir, "reuse.log");
    writeFileSync(p, "x".repeat(1000));
    writeFileSync(`${p}.tally.json`, '{"lines":3}\n');
    let started = 0;
    const t = await writeGenerated(p, 0.001, () => {
      started++;
      return { chunk: () => "y\n", tally: {} };
    });
    expect(started).toBe(0);
    expect(t).toEqual({ lines: 3 });
    const t2 = await writeGenerated(p, 0.002, () => {
      started++;
      const tally = { lines: 0 };
      return {
        chunk: () => {
          tally.lines++;
          return "y\n";
        },
        tally,
      };
    });
    expect(started).toBe(1);
    expect(t2.lines).toBe(1000);
    expect(readFileSync(p, "utf8")).toBe("y\n".repeat(1000));
  });

  it("secondClock formats once per second", () => {
    let calls = 0;
    const c = secondClock(1000, (d: Date) => {
      calls++;
      return d.toISOString();
    });
    expect(c.now()).toBe("1970-01-01T00:00:01.000Z");
    c.advance(999);
    expect(c.now()).toBe("1970-01-01T00:00:01.000Z");
    c.advance(1);
    expect(c.now()).toBe("1970-01-01T00:00:02.000Z");
    expect(calls).toBe(2);
  });
});
