import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { type InputWarning, lines, orderRotated, splitRanges } from "../../src/evidence/input.js";

const dir = mkdtempSync(join(tmpdir(), "bg-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(spec: string, opts = {}) {
  const warnings: InputWarning[] = [];
  const out: string[] = [];
  for await (const l of lines(spec, { ...opts, onWarning: (w) => warnings.push(w) })) out.push(l);
  return { out, warnings };
}

describe("input reader", () => {
  const body = Array.from({ length: 5000 }, (_, i) => `line ${i} ${"x".repeat(i % 97)}`).join("\n") + "\n";

  it("reads plain and gzip files identically, detecting gzip by content", async () => {
    writeFileSync(join(dir, "a.log"), body);
    writeFileSync(join(dir, "a.log.1"), gzipSync(body)); // gzip without a .gz name
    const plain = await collect(join(dir, "a.log"));
    const gz = await collect(join(dir, "a.log.1"));
    expect(plain.out).toHaveLength(5000);
    expect(gz.out).toEqual(plain.out);
    expect(gz.warnings).toEqual([]);
  });

  it("strips CR from CRLF lines and keeps a last line without newline", async () => {
    writeFileSync(join(dir, "crlf.log"), "one\r\ntwo\r\nthree");
    expect((await collect(join(dir, "crlf.log"))).out).toEqual(["one", "two", "three"]);
  });

  it("reports a truncated gzip and still yields the lines before the cut", async () => {
    const gz = gzipSync(body);
    writeFileSync(join(dir, "cut.gz"), gz.subarray(0, Math.floor(gz.length / 2)));
    const r = await collect(join(dir, "cut.gz"));
    expect(r.warnings.map((w) => w.code)).toEqual(["truncated-gzip"]);
    expect(r.out.length).toBeGreaterThan(100);
    expect(r.out[0]).toBe("line 0 ");
  });

  it("reports missing and unreadable files without throwing", async () => {
    const r = await collect(join(dir, "nope.log"));
    expect(r.out).toEqual([]);
    expect(r.warnings[0]?.code).toBe("unreadable");
    expect(r.warnings[0]?.message).toContain("no such file");
    const d = await collect(dir);
    expect(d.warnings[0]?.code).toBe("not-a-file");
  });

  it("cuts an enormous line with a warning instead of growing without bound", async () => {
    writeFileSync(join(dir, "huge.log"), `short\n${"y".repeat(3 << 20)}\nafter\n`);
    const r = await collect(join(dir, "huge.log"), { maxLineBytes: 1 << 20, chunkBytes: 64 * 1024 });
    expect(r.out[0]).toBe("short");
    expect(r.out.at(-1)).toBe("after");
    expect(r.warnings.some((w) => w.code === "line-too-long")).toBe(true);
    expect(r.out.join("").length).toBe(5 + (3 << 20) + 5); // nothing lost
  });

  it("byte ranges partition the lines exactly, whatever the split points", async () => {
    const p = join(dir, "ranges.log");
    writeFileSync(p, body);
    const size = statSync(p).size;
    for (const parts of [2, 3, 7]) {
      const step = Math.ceil(size / parts);
      const all: string[] = [];
      for (let s = 0; s < size; s += step) {
        const r = await collect(p, { start: s, end: Math.min(size, s + step), chunkBytes: 4096 });
        all.push(...r.out);
      }
      expect(all).toEqual(body.trimEnd().split("\n"));
    }
    expect(splitRanges(10 << 20, 2)).toEqual([
      { start: 0, end: 5 << 20 },
      { start: 5 << 20, end: 10 << 20 },
    ]);
    // A head start for the first range, capped at an eighth of the file; the ranges still tile the file.
    expect(splitRanges(100 << 20, 2, 8 << 20)).toEqual([
      { start: 0, end: 54 << 20 },
      { start: 54 << 20, end: 100 << 20 },
    ]);
    expect(splitRanges(16 << 20, 2, 8 << 20)).toEqual([
      { start: 0, end: 9 << 20 },
      { start: 9 << 20, end: 16 << 20 },
    ]);
    for (const [size, parts] of [
      [12_345_678, 3],
      [3 << 20, 4],
      [1, 2],
    ] as const) {
      const rs = splitRanges(size, parts, 1 << 20);
      expect(rs[0]?.start).toBe(0);
      expect(rs.at(-1)?.end).toBe(size);
      for (let i = 1; i < rs.length; i++) expect(rs[i]?.start).toBe(rs[i - 1]?.end);
    }
  });

  it("skips nothing when a range starts exactly at a line start", async () => {
    const p = join(dir, "exact.log");
    writeFileSync(p, "aaa\nbbb\nccc\n");
    expect((await collect(p, { start: 4, end: 8 })).out).toEqual(["bbb"]);
    expect((await collect(p, { start: 0, end: 4 })).out).toEqual(["aaa"]);
    expect((await collect(p, { start: 5, end: 12 })).out).toEqual(["ccc"]);
  });
});

describe("orderRotated", () => {
  it("puts logrotate sets oldest first", () => {
    expect(orderRotated(["error.log", "error.log.1", "error.log.2.gz", "error.log.10.gz"])).toEqual([
      "error.log.10.gz",
      "error.log.2.gz",
      "error.log.1",
      "error.log",
    ]);
  });
  it("orders date suffixes and keeps separate bases apart", () => {
    expect(
      orderRotated([
        "a/error.log",
        "b/access.log.1",
        "a/error.log-20260404.gz",
        "a/error.log-20260403.gz",
        "b/access.log",
      ]),
    ).toEqual([
      "a/error.log-20260403.gz",
      "a/error.log-20260404.gz",
      "a/error.log",
      "b/access.log.1",
      "b/access.log",
    ]);
  });
});
