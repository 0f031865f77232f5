// The line-block scanner (src/evidence/scan/): a big plain file is read over byte ranges, this thread taking
// the first and worker threads (dist/scan-worker.js, so through the built library dist/index.js) the others;
// the merged summary must be the one a single sequential read gives, sample line numbers included.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { summarizeAccessLogs } from "../../src/evidence/access-log.js";
import { ErrorLogAccumulator, summarizeErrorLogs } from "../../src/evidence/error-log.js";
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

  it("error log where every failure is a new peer: read by one thread, range after range, with the same summary", async () => {
    // Past PROBE_BYTES (4 MiB) the accumulator is asked; here every failure makes a group of its own.
    const rows: string[] = [];
    let size = 0;
    for (let i = 0; size < 6 << 20; i++) {
      const row = `2026/11/24 10:${String(Math.floor(i / 2000) % 60).padStart(2, "0")}:00 [error] 7#7: *${i + 1} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: s${i % 50}, request: "GET /q/${i} HTTP/1.1", upstream: "http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/q/${i}", host: "h${i % 40}"`;
      rows.push(row);
      size += row.length + 1;
    }
    const f = join(dir, "every-line-a-peer.log");
    writeFileSync(f, `${rows.join("\n")}\n`);
    const seq = await summarizeErrorLogs([f], { parallelMinBytes: Number.POSITIVE_INFINITY });
    const one = await lib.summarizeErrorLogs([f], { parallelMinBytes: 1 });
    expect(seq.upstreamErrors).toBe(rows.length);
    expect(one).toEqual(seq);
    const lines = readFileSync(f, "utf8").split("\n");
    for (const g of one.groups) for (const s of g.samples) expect(lines[(s.line ?? 0) - 1]).toBe(s.text);
  });
});

describe("merging worker states", () => {
  it.runIf(availableParallelism() > 1)(
    "error log with more peers than the per-minute table has rows: the same rows as a sequential read",
    async () => {
      // 300 peers, each failing again and again within one minute: two threads (few groups per failure), and
      // the first 64 peers seen must take the rows of failuresByMinute, not the ones the worker (whose half of
      // the file starts with other peers) saw first.
      const rows: string[] = [];
      for (let i = 0; i < 30_000; i++) {
        const p = (i * 7 + Math.floor(i / 15_000) * 150) % 300;
        rows.push(
          `2026/11/24 10:00:${String(Math.floor(i / 600) % 60).padStart(2, "0")} [error] 7#7: *${i + 1} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: a, request: "GET / HTTP/1.1", upstream: "http://10.1.${p >> 8}.${p & 255}:80/", host: "a"`,
        );
      }
      const f = join(dir, "many-peers.log");
      writeFileSync(f, `${rows.join("\n")}\n`);
      const seq = await summarizeErrorLogs([f], { parallelMinBytes: Number.POSITIVE_INFINITY });
      const par = await lib.summarizeErrorLogs([f], { parallelMinBytes: 1 });
      expect(new Set(seq.failuresByMinute.map((r) => r.peer)).size).toBe(65);
      expect(par).toEqual(seq);
    },
  );
});

describe("a worker whose tables fill up", () => {
  it.runIf(availableParallelism() > 1)(
    "has its range read again by this thread: the sequential summary, not counts lost in its (other)",
    async () => {
      // 50 keys per table. The first half names ten servers; from the middle on, every line names a new server
      // (t…) for a quarter of the file, then the ten servers come back. The worker's range starts inside the
      // t… quarter, so its server table is full of t… before the ten come back; merged, their late lines would
      // be counted in "(other)" where a sequential read credits them.
      const rows: string[] = [];
      const total = 16_000;
      for (let i = 0; i < total; i++) {
        const server = i < total / 2 || i >= (total * 3) / 4 ? `s${i % 10}` : `t${i}`;
        rows.push(
          `2026/11/24 10:00:00 [error] 7#7: *${i + 1} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: ${server}, request: "GET /${"x".repeat(100)} HTTP/1.1", upstream: "http://10.0.0.${i % 5}:80/", host: "a"`,
        );
      }
      const f = join(dir, "late-keys.log");
      writeFileSync(f, `${rows.join("\n")}\n`);
      const seq = await summarizeErrorLogs([f], { parallelMinBytes: Number.POSITIVE_INFINITY, maxKeys: 50 });
      const par = await lib.summarizeErrorLogs([f], { parallelMinBytes: 1, maxKeys: 50 });
      expect(seq.byServer.s0).toBe(total / 10 / 4 + total / 10 / 2);
      expect(par).toEqual(seq);
    },
  );
});

describe("one thread or two", () => {
  const line = (i: number, peer: string) =>
    `2026/11/24 10:00:00 [error] 7#7: *${i} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: a, request: "GET / HTTP/1.1", upstream: "http://${peer}/", host: "a"`;
  const feed = (peers: (i: number) => string) => {
    const acc = new ErrorLogAccumulator({});
    const rows = Array.from({ length: 400 }, (_, i) => line(i + 1, peers(i)));
    acc.addBytes(Buffer.from(`${rows.join("\n")}\n`), "e.log", 0);
    return acc;
  };
  it("the error-log accumulator prefers one thread when most failures make a group of their own", () => {
    expect(feed((i) => `10.0.${i >> 8}.${i & 255}:80`).prefersOneThread()).toBe(true);
    expect(feed((i) => `10.0.0.${i % 20}:80`).prefersOneThread()).toBe(false);
    // Too few failures to tell: two threads, as for any big file.
    expect(new ErrorLogAccumulator({}).prefersOneThread()).toBe(false);
  });
});
