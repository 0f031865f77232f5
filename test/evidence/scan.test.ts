// The line-block scanner (src/evidence/scan/): a big plain file is read over byte ranges, this thread taking
// the first and worker threads (dist/scan-worker.js, so through the built library dist/index.js) the others;
// the merged summary must be the one a single sequential read gives, sample line numbers included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarizeAccessLogs } from "../../src/evidence/access-log.js";
import { summarizeErrorLogs } from "../../src/evidence/error-log.js";
import { scansInParallel } from "../../src/evidence/scan/scan.js";

const root = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "bg-scan-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Lib = {
  summarizeErrorLogs: typeof summarizeErrorLogs;
  summarizeAccessLogs: typeof summarizeAccessLogs;
};
const lib = (await import(join(root, "dist/index.js"))) as Lib;

const corpus = readFileSync(join(root, "test/fixtures/errorlog/corpus.log"), "utf8").trimEnd().split("\n");

/** About `mb` MiB of corpus lines, with the line number written into each so samples can be told apart. */
function errorLog(mb: number): string {
  const out: string[] = [];
  let size = 0;
  for (let i = 0; size < mb << 20; i++) {
    const l = corpus[i % corpus.length] as string;
    const line = l.includes("request: ") ? l.replace('request: "GET /', `request: "GET /n${i}/`) : l;
    out.push(line);
    size += line.length + 1;
  }
  return `${out.join("\n")}\n`;
}

describe("parallel byte-range scan", () => {
  it("is taken for big plain files when there is more than one core and a built worker", () => {
    const f = join(dir, "small.log");
    writeFileSync(f, "x\n");
    expect(scansInParallel(f, Number.POSITIVE_INFINITY)).toBe(false);
    expect(scansInParallel("-", 1)).toBe(false);
  });

  it.runIf(availableParallelism() > 1)("error log: workers + merge give the sequential summary", async () => {
    const f = join(dir, "error.log");
    writeFileSync(f, errorLog(3));
    const seq = await summarizeErrorLogs([f], { parallelMinBytes: Number.POSITIVE_INFINITY });
    const par = await lib.summarizeErrorLogs([f], { parallelMinBytes: 1 });
    expect(seq.lines).toBeGreaterThan(10_000);
    expect(par).toEqual(seq);
    // The samples of the later ranges carry this file's line numbers (the text says which line it was).
    const lines = readFileSync(f, "utf8").split("\n");
    for (const g of par.groups) for (const s of g.samples) expect(lines[(s.line ?? 0) - 1]).toBe(s.text);
  });

  it.runIf(availableParallelism() > 1)(
    "access log: workers + merge give the sequential summary",
    async () => {
      const f = join(dir, "access.log");
      const rows: string[] = [];
      for (let i = 0; rows.length < 40_000; i++)
        rows.push(
          `10.0.${i % 7}.${i % 251} - - [24/Nov/2026:10:${String(i % 60).padStart(2, "0")}:00 +0000] "GET /p${i % 13}/x HTTP/1.1" ${i % 17 === 0 ? 502 : 200} ${i} "-" "curl/8"`,
        );
      writeFileSync(f, `${rows.join("\n")}\n`);
      const seq = await summarizeAccessLogs([f], { parallelMinBytes: Number.POSITIVE_INFINITY });
      const par = await lib.summarizeAccessLogs([f], { parallelMinBytes: 1 });
      expect(seq.lines).toBe(40_000);
      expect(par).toEqual(seq);
    },
  );
});
