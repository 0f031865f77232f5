import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonPieces } from "../../src/report/json-pieces.js";

const joined = (v: unknown) => [...jsonPieces(v)].join("");

describe("jsonPieces", () => {
  it("gives exactly JSON.stringify(v, null, 2) for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        expect(joined(v)).toBe(JSON.stringify(v, null, 2));
      }),
      { numRuns: 400 },
    );
  });

  it("leaves out what JSON.stringify leaves out, and applies toJSON once", () => {
    let calls = 0;
    const v = {
      a: undefined,
      b: () => 1,
      c: [undefined, () => 2, Symbol("s"), Number.NaN, -0, Number.POSITIVE_INFINITY],
      d: new Date(0),
      e: {
        toJSON: () => {
          calls++;
          return { f: [1, { g: "x\ny\u2028" }] };
        },
      },
      h: { i: { j: { k: { l: [1, 2, { m: "deep" }] } } } },
      n: {},
      o: [],
      'p"q': "quote in a key",
    };
    expect(joined(v)).toBe(JSON.stringify(v, null, 2));
    expect(calls).toBe(2);
  });

  it("cuts a large summary into pieces: per member, and arrays in batches", () => {
    const peers = Array.from({ length: 5000 }, (_, i) => ({
      peer: `10.0.0.${i % 256}:80`,
      total: i,
      s: [i, { a: i }],
    }));
    const v = { files: ["a"], peers, empty: [], top: Array.from({ length: 1100 }, (_, i) => [i]) };
    const p = [...jsonPieces(v)];
    expect(p.length).toBeGreaterThan(10);
    expect(Math.max(...p.map((x) => x.length))).toBeLessThan(JSON.stringify(v, null, 2).length / 4);
    expect(p.join("")).toBe(JSON.stringify(v, null, 2));
    expect([...jsonPieces(peers)].join("")).toBe(JSON.stringify(peers, null, 2));
  });

  it("keeps pieces of an array of large elements below V8's large-object size", () => {
    // A log where every line names a new peer: 5,000 entries of about 1,800 characters (a long sample each).
    const peers = Array.from({ length: 5000 }, (_, i) => ({
      peer: `p${i}`,
      sample: `${i}`.repeat(1800 / String(i).length),
    }));
    const p = [...jsonPieces({ byPeer: peers })];
    expect(Math.max(...p.map((x) => x.length))).toBeLessThan(100_000);
    expect(p.join("")).toBe(JSON.stringify({ byPeer: peers }, null, 2));
  });

  it("gives an element with toJSON its own index", () => {
    const keys: string[] = [];
    const el = {
      toJSON: (k: string) => {
        keys.push(k);
        return k;
      },
    };
    const v = { list: Array.from({ length: 600 }, () => el) };
    expect([...jsonPieces(v)].join("")).toBe(JSON.stringify(v, null, 2));
    expect(keys.slice(0, 600)).toEqual(keys.slice(600));
  });
});
