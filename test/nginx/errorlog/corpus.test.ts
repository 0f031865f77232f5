import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseErrorLine } from "../../../src/nginx/errorlog/grammar.js";
import { classify, ERROR_CLASSES } from "../../../src/nginx/errorlog/taxonomy.js";

const dir = join(import.meta.dirname, "../../fixtures/errorlog");
const lines = readFileSync(join(dir, "corpus.log"), "utf8").trimEnd().split("\n");
const expected = readFileSync(join(dir, "corpus.expected.jsonl"), "utf8")
  .trimEnd()
  .split("\n")
  .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("error-line corpus (scripts/gen-errorlog-corpus.mjs)", () => {
  it("has its 378 lines and one expectation per line", () => {
    expect(lines.length).toBe(378);
    expect(expected.length).toBe(lines.length);
  });

  it("covers every class with positive cases, and every class has negatives", () => {
    const seen = new Set(expected.map((e) => e["class"]));
    for (const c of ERROR_CLASSES) expect(seen.has(c), c).toBe(true);
  });

  it("classifies every line as expected", () => {
    const wrong: string[] = [];
    lines.forEach((text, i) => {
      const e = expected[i] as Record<string, unknown>;
      const line = parseErrorLine(text);
      if (!line) {
        wrong.push(`${i + 1}: not parsed: ${text}`);
        return;
      }
      const c = classify(line);
      // every line: class, client status, phase, next-upstream, after-headers and peer (null where nginx writes none)
      const got: Record<string, unknown> = {
        class: c.class,
        status: c.status,
        phase: c.phase,
        next: c.nextUpstream,
        afterHeaders: c.afterHeaders,
        // a line cut inside its upstream field has no trustworthy peer (the grammar flags it truncated)
        peer: line.truncated ? null : (line.upstream?.peer ?? null),
      };
      for (const k of ["class", "status", "phase", "next", "afterHeaders", "peer"])
        if (!(k in e)) wrong.push(`${i + 1}: the expectation has no ${k}`);
      if (e["detail"] !== undefined) got["detail"] = c.detail;
      if (e["prefix"] !== undefined) got["prefix"] = line.prefix;
      if (e["stream"] !== undefined) got["stream"] = line.stream;
      if (e["confLine"] !== undefined) got["confLine"] = line.confLine;
      if (e["truncated"] !== undefined) got["truncated"] = line.truncated || line.upstream === null;
      for (const [k, v] of Object.entries(got))
        if (k in e && e[k] !== v)
          wrong.push(`${i + 1}: ${k} ${JSON.stringify(v)} ≠ ${JSON.stringify(e[k])}: ${text}`);
    });
    expect(wrong).toEqual([]);
  });

  it("parses the context suffix into fields", () => {
    const line = parseErrorLine(lines[1] as string);
    expect(line).toMatchObject({
      level: "error",
      pid: expect.any(Number),
      connection: expect.any(Number),
      client: expect.stringMatching(/^203\.0\.113\./),
      upstream: { module: "proxy", scheme: "http", peer: "10.0.3.14:8080" },
    });
    expect(line?.request?.method).toMatch(/^[A-Z]+$/);
  });

  it("reads errno numbers and symbols for glibc and musl wording alike", () => {
    const glibc = classify(
      parseErrorLine(lines[1] as string) as NonNullable<ReturnType<typeof parseErrorLine>>,
    );
    const musl = classify(
      parseErrorLine(lines[2] as string) as NonNullable<ReturnType<typeof parseErrorLine>>,
    );
    expect(glibc.errno).toEqual({ number: 110, symbol: "ETIMEDOUT", text: "Connection timed out" });
    expect(musl.errno).toEqual({ number: 110, symbol: "ETIMEDOUT", text: "Operation timed out" });
    expect(glibc.class).toBe(musl.class);
  });
});

describe("robustness of the line parser", () => {
  it("never throws and always yields a known class (random strings)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        const l = parseErrorLine(s);
        if (l) expect(ERROR_CLASSES).toContain(classify(l).class);
      }),
      { numRuns: 2000 },
    );
  });

  it("never throws on mutated real lines (cut, spliced, garbage inserted)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: lines.length - 1 }),
        fc.integer({ min: 0, max: 400 }),
        fc.string({ maxLength: 40 }),
        (i, cut, junk) => {
          const t = lines[i] as string;
          const mutated = t.slice(0, cut) + junk + t.slice(cut + junk.length);
          const l = parseErrorLine(mutated);
          if (l) classify(l);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("handles a 1 MB line, NUL bytes, CRLF and invalid UTF-8 text", () => {
    const huge = `2026/11/24 10:00:00 [error] 1#1: *1 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, server: x, request: "GET /${"a".repeat(1 << 20)} HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "x"`;
    expect(classify(parseErrorLine(huge) as NonNullable<ReturnType<typeof parseErrorLine>>).class).toBe(
      "read-timeout",
    );
    expect(parseErrorLine("\u0000\u0000\u0001garbage\u0000")).toBeNull();
    const crlf = `${lines[0]}\r`;
    expect(parseErrorLine(crlf)?.host).toBe(parseErrorLine(lines[0] as string)?.host);
    expect(parseErrorLine(Buffer.from([0xff, 0xfe, 0x41]).toString("utf8"))).toBeNull();
  });
});
