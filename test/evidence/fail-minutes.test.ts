// The per-minute, per-peer failure table behind the HTML timeline (src/evidence/scan/fail-minutes.ts).
import { describe, expect, it } from "vitest";
import { FailMinutes } from "../../src/evidence/scan/fail-minutes.js";

/** Every kind the tests use, and the rows with the kinds each row counted (zeros left out). */
const KINDS = [0, 502, 504, 1023];
const rows = (f: FailMinutes) =>
  f.rows(KINDS, (minute, peer, counts) => ({
    minute,
    peer,
    byKind: Object.fromEntries(KINDS.map((k, i) => [k, counts[i] as number]).filter(([, n]) => n !== 0)),
  }));

describe("FailMinutes", () => {
  it("counts per minute, peer and kind, rows sorted by minute then peer", () => {
    const f = new FailMinutes(10);
    f.add("2026-11-24T10:08", 502, "b:80");
    f.add("2026-11-24T10:07", 504, "b:80", 2);
    f.add("2026-11-24T10:07", 502, "a:80");
    f.add("2026-11-24T10:07", 502, "b:80");
    f.add("2026-11-24T10:08", 502, "b:80");
    expect(rows(f)).toEqual([
      { minute: "2026-11-24T10:07", peer: "a:80", byKind: { 502: 1 } },
      { minute: "2026-11-24T10:07", peer: "b:80", byKind: { 504: 2, 502: 1 } },
      { minute: "2026-11-24T10:08", peer: "b:80", byKind: { 502: 2 } },
    ]);
  });

  it("sums peers beyond the cap as (other), in the order peers were first counted", () => {
    const f = new FailMinutes(2);
    for (const p of ["p1", "p2", "p3", "p4"]) f.add("m1", 0, p);
    f.add("m2", 0, "p1");
    f.add("m2", 0, "p4", 5);
    expect(rows(f)).toEqual([
      { minute: "m1", peer: "(other)", byKind: { 0: 2 } },
      { minute: "m1", peer: "p1", byKind: { 0: 1 } },
      { minute: "m1", peer: "p2", byKind: { 0: 1 } },
      { minute: "m2", peer: "(other)", byKind: { 0: 5 } },
      { minute: "m2", peer: "p1", byKind: { 0: 1 } },
    ]);
  });

  it("merges a worker's state into the same counts as counting everything in one table", () => {
    const lines: Array<[string, number, string]> = [];
    for (let i = 0; i < 200; i++) lines.push([`m${i % 7}`, i % 3 === 0 ? 504 : 502, `peer${(i * 7) % 8}`]);
    const one = new FailMinutes(8);
    for (const [m, k, p] of lines) one.add(m, k, p);
    const a = new FailMinutes(8);
    const b = new FailMinutes(8);
    for (const [m, k, p] of lines.slice(0, 120)) a.add(m, k, p);
    for (const [m, k, p] of lines.slice(120)) b.add(m, k, p);
    a.mergeState(structuredClone(b.toState()));
    expect(rows(a)).toEqual(rows(one));
    // Beyond the cap nothing is lost: every failure is still counted, under (other).
    const small = new FailMinutes(3);
    small.mergeState(one.toState());
    const total = (f: FailMinutes) =>
      f.rows(KINDS, (_m, _p, c) => c.reduce((x, y) => x + y, 0)).reduce((x, y) => x + y, 0);
    expect(total(small)).toBe(200);
    expect(new Set(small.rows(KINDS, (_m, peer) => peer)).size).toBe(4);
  });

  it("refuses a kind that would run into the next peer's slots", () => {
    const f = new FailMinutes(4);
    expect(() => f.add("m", 1024, "a")).toThrow(RangeError);
    expect(() => f.add("m", -1, "a")).toThrow(RangeError);
    f.add("m", 1023, "a");
    f.add("m", 0, "b");
    expect(rows(f)).toEqual([
      { minute: "m", peer: "a", byKind: { 1023: 1 } },
      { minute: "m", peer: "b", byKind: { 0: 1 } },
    ]);
  });
});
