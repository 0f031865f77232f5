import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QuantileSketch } from "../../src/nginx/sketch.js";

function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)] as number;
}

describe("QuantileSketch", () => {
  it("is within its relative error on skewed data", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values: number[] = [];
    const s = new QuantileSketch(0.01);
    for (let i = 0; i < 50_000; i++) {
      const v = Math.round(-Math.log(1 - rnd()) * 0.2 * 1000) / 1000 + (rnd() < 0.02 ? 30 : 0);
      values.push(v);
      s.add(v);
    }
    for (const q of [0.5, 0.9, 0.95, 0.99, 0.999]) {
      const e = exact(values, q);
      const got = s.quantile(q) as number;
      expect(Math.abs(got - e)).toBeLessThanOrEqual(e * 0.0201 + 1e-9);
    }
    expect(s.count).toBe(50_000);
  });

  it("merging equals adding everything to one sketch (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1000, noNaN: true }), { minLength: 1 }),
        fc.nat(),
        (vals, cut) => {
          const k = cut % (vals.length + 1);
          const a = new QuantileSketch();
          const b = new QuantileSketch();
          const all = new QuantileSketch();
          vals.forEach((v, i) => {
            (i < k ? a : b).add(v);
            all.add(v);
          });
          a.merge(QuantileSketch.fromJSON(JSON.parse(JSON.stringify(b.toJSON()))));
          for (const q of [0, 0.5, 0.99, 1]) expect(a.quantile(q)).toBe(all.quantile(q));
        },
      ),
    );
  });

  it("keeps memory bounded", () => {
    const s = new QuantileSketch(0.01, 100);
    for (let i = 1; i < 100_000; i++) s.add(i * 1e-3);
    expect(s.toJSON().buckets.length).toBeLessThanOrEqual(100);
    expect(Math.abs((s.quantile(0.99) as number) - 99) / 99).toBeLessThan(0.02);
  });

  it("uses nearest rank: p99 of two values is the larger one", () => {
    const s = new QuantileSketch();
    s.add(0.05);
    s.add(60);
    expect(s.quantile(0.5)).toBeCloseTo(0.05, 2);
    expect((s.quantile(0.99) as number) / 60).toBeCloseTo(1, 1);
  });

  it("returns null when empty and ignores NaN/negative values", () => {
    const s = new QuantileSketch();
    s.add(Number.NaN);
    s.add(-1);
    expect(s.quantile(0.5)).toBeNull();
  });
});

describe("QuantileSketch with few distinct buckets (kept as a list) and many (a window)", () => {
  const gamma = 1.01 / 0.99;
  const bucketOf = (v: number) => Math.ceil(Math.log(v) / Math.log(gamma));
  // values from a few milliseconds to minutes, sometimes only a handful of distinct ones
  const values = fc.oneof(
    fc.array(fc.constantFrom(0.001, 0.5, 1.25, 60, 0), { minLength: 0, maxLength: 30 }),
    fc.array(
      fc.integer({ min: 0, max: 120_000 }).map((ms) => ms / 1000),
      { minLength: 0, maxLength: 60 },
    ),
  );

  it("counts every value in its own bucket, ascending, whichever way it keeps them", () => {
    fc.assert(
      fc.property(values, (vs) => {
        const s = new QuantileSketch(0.01);
        for (const v of vs) s.add(v);
        const want = new Map<number, number>();
        for (const v of vs)
          if (v > QuantileSketch.MIN_POSITIVE) want.set(bucketOf(v), (want.get(bucketOf(v)) ?? 0) + 1);
        const j = s.toJSON();
        expect(j.buckets).toEqual([...want].sort((a, b) => a[0] - b[0]));
        expect(j.count).toBe(vs.length);
        expect(j.zeros).toBe(vs.filter((v) => v <= QuantileSketch.MIN_POSITIVE).length);
      }),
    );
  });

  it("merges, serialises and answers quantiles the same after its list turns into a window", () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const x = new QuantileSketch(0.01);
        const y = new QuantileSketch(0.01);
        const all = new QuantileSketch(0.01);
        for (const v of a) x.add(v);
        for (const v of b) y.add(v);
        for (const v of [...a, ...b]) all.add(v);
        const z = new QuantileSketch(0.01);
        for (const v of a) z.add(v);
        z.mergeJSON(y.toJSON());
        const w = new QuantileSketch(0.01);
        for (const v of a) w.add(v);
        w.mergePacked(structuredClone(y.toPacked()));
        x.merge(y);
        expect(z.toJSON()).toEqual(x.toJSON());
        expect(w.toJSON()).toEqual(x.toJSON());
        expect(QuantileSketch.fromPacked(x.toPacked()).toJSON()).toEqual(x.toJSON());
        // the sum is added in another order: equal up to rounding
        const noSum = (j: ReturnType<QuantileSketch["toJSON"]>) => ({ ...j, sum: Math.round(j.sum * 1e6) });
        expect(noSum(x.toJSON())).toEqual(noSum(all.toJSON()));
        expect(noSum(QuantileSketch.fromJSON(x.toJSON()).toJSON())).toEqual(noSum(all.toJSON()));
        for (const q of [0, 0.5, 0.99, 1]) expect(x.quantile(q)).toBe(all.quantile(q));
        expect(x.histogram([0.1, 1, 10])).toEqual(all.histogram([0.1, 1, 10]));
      }),
    );
  });

  it("still folds its lowest buckets when a small bucket cap is exceeded", () => {
    const s = new QuantileSketch(0.01, 4);
    for (const v of [0.001, 0.01, 0.1, 1, 10, 100]) s.add(v);
    const j = s.toJSON();
    expect(j.buckets).toHaveLength(4);
    expect(j.buckets.reduce((n, [, c]) => n + c, 0)).toBe(6);
    expect(j.buckets[0]?.[1]).toBe(3);
  });
});

describe("QuantileSketch counts past what its narrow window holds", () => {
  /** The buckets a reference keeps in a Map of plain numbers, from the same calls. */
  function reference(calls: Array<[number, number]>): Map<number, number> {
    const probe = new QuantileSketch();
    const m = new Map<number, number>();
    for (const [v, n] of calls) {
      const one = new QuantileSketch();
      one.add(v, 1);
      const b = one.toJSON().buckets[0];
      if (!b) continue; // a zero
      m.set(b[0], (m.get(b[0]) ?? 0) + n);
      probe.add(v, n);
    }
    return m;
  }

  it("keeps counts above 65,535 and above 2^32 in one bucket exactly", () => {
    const s = new QuantileSketch();
    // many distinct buckets first, so that the sketch has its window
    for (let ms = 1; ms <= 20; ms++) s.add(ms / 10);
    for (let i = 0; i < 70_000; i++) s.add(0.25);
    s.add(0.25, 2 ** 32);
    s.add(0.5, 3);
    const counts = new Map(s.toJSON().buckets);
    const want = reference([
      ...Array.from({ length: 20 }, (_, k) => [(k + 1) / 10, 1] as [number, number]),
      [0.25, 70_000 + 2 ** 32],
      [0.5, 3],
    ]);
    expect(counts).toEqual(want);
    expect(s.count).toBe(20 + 70_000 + 2 ** 32 + 3);
    // the bucket of 0.25 holds nearly everything: every quantile from p1 to p99 is in it
    expect(s.quantile(0.5)).toBeCloseTo(0.25, 2);
  });

  it("keeps fractional counts (weights) as they are", () => {
    const s = new QuantileSketch();
    for (let ms = 1; ms <= 20; ms++) s.add(ms / 10);
    s.add(0.3, 0.5);
    s.add(0.3, 0.25);
    const counts = new Map(s.toJSON().buckets);
    const one = new QuantileSketch();
    one.add(0.3);
    const b = (one.toJSON().buckets[0] as [number, number])[0];
    expect(counts.get(b)).toBe(1.75);
  });

  it("merges sketches whose counts overflow 16 bits into the same buckets as adding one by one", () => {
    const a = new QuantileSketch();
    const b = new QuantileSketch();
    const all = new QuantileSketch();
    for (let i = 0; i < 200_000; i++) {
      const v = ((i % 10) + 1) / 100;
      a.add(v);
      b.add(v);
      all.add(v);
      all.add(v);
    }
    a.merge(b);
    expect(a.toJSON().buckets).toEqual(all.toJSON().buckets);
    const c = new QuantileSketch();
    c.mergePacked(a.toPacked());
    c.mergePacked(a.toPacked());
    expect(c.count).toBe(800_000);
    expect(Math.max(...c.toJSON().buckets.map(([, n]) => n))).toBeGreaterThan(65_535);
    for (const q of [0.5, 0.95, 0.99]) expect(c.quantile(q)).toBe(all.quantile(q));
    expect(c.toJSON().buckets.map(([k, n]) => [k, n / 2])).toEqual(all.toJSON().buckets);
  });
});
