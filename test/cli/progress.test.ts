/**
 * The progress line (src/cli/progress.ts) and the input layer's read observer it is fed by
 * (observeReads in src/evidence/input.ts): what it shows, how often, and that it stays silent off a terminal.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatBytes, ProgressLine, withProgress } from "../../src/cli/progress.js";
import { lineBlocks, observeReads, type ReadObserver } from "../../src/evidence/input.js";
import { cliPath } from "../helpers/cli.js";
import { systemDescribe } from "../helpers/system.js";

const dir = mkdtempSync(join(tmpdir(), "bg-progress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A terminal stand-in that keeps what is written. */
function sink(isTTY = true, columns = 200) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (t: string) => writes.push(t) };
}

/** A file of `lines` numbered lines; returns its path and size. */
function file(name: string, lines: number) {
  const text = Array.from({ length: lines }, (_, i) => `line ${i} ${"x".repeat(40)}\n`).join("");
  const path = join(dir, name);
  writeFileSync(path, text);
  return { path, size: Buffer.byteLength(text) };
}

describe("formatBytes", () => {
  it("uses decimal units with one decimal below 100", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(1500)).toBe("1.5 kB");
    expect(formatBytes(123_456_789)).toBe("123 MB");
    expect(formatBytes(2_500_000_000)).toBe("2.5 GB");
  });
});

describe("ProgressLine", () => {
  it("shows bytes of the total, the percentage and the rate, at most 4 times a second", () => {
    let t = 0;
    const out = sink();
    const p = new ProgressLine({ total: 100e6, out, now: () => t });
    // 2 s of reads, 1 MB every 20 ms
    for (let i = 0; i < 100; i++) {
      t += 20;
      p.read(1e6);
    }
    // nothing in the first 250 ms, then one redraw per 250 ms at most: 7 in 1.75 s
    expect(out.writes.length).toBeGreaterThanOrEqual(6);
    expect(out.writes.length).toBeLessThanOrEqual(8);
    const last = out.writes.at(-1) as string;
    expect(last.startsWith("\r\x1b[K")).toBe(true);
    // the last redraw came at most 250 ms before the end; the rate is 1 MB per 20 ms throughout
    expect(last).toMatch(/^\r\x1b\[Kreading: (8\d|9\d)\.0 MB of 100 MB · (8\d|9\d) % · 50\.0 MB\/s$/);
    expect(p.text()).toBe("reading: 100 MB of 100 MB · 100 % · 50.0 MB/s");
    p.finish();
    expect(out.writes.at(-1)).toBe("\r\x1b[K");
  });

  it("without a known total shows bytes and rate only; with sizes of opened inputs it adds them up", () => {
    let t = 1000;
    const out = sink();
    const p = new ProgressLine({ out, now: () => t, delayMs: 0, intervalMs: 0 });
    p.opened("a.log", 3000);
    p.opened("b.log", 1000);
    p.opened("a.log", 3000); // the same input again (a second range) is not counted twice
    t += 1000;
    p.read(1000);
    expect(out.writes.at(-1)).toContain("reading: 1.0 kB of 4.0 kB · 25 % · 1.0 kB/s");
    p.opened("-", null);
    p.read(1000);
    expect(out.writes.at(-1)).toMatch(/reading: 2\.0 kB · 2\.0 kB\/s$/);
  });

  it("a stage counts from zero, and a stage that reads nothing shows its name alone", () => {
    let t = 0;
    const out = sink();
    const p = new ProgressLine({ total: 10, out, now: () => t, delayMs: 0, intervalMs: 0 });
    p.read(10);
    p.note("looking for a running nginx");
    expect(out.writes.at(-1)).toBe("\r\x1b[Klooking for a running nginx");
    p.note("reading error log e.log");
    p.opened("e.log", 2000);
    t += 500;
    p.read(500);
    expect(out.writes.at(-1)).toContain("reading error log e.log: 500 B of 2.0 kB · 25 %");
  });

  it("cuts the line to the terminal's width", () => {
    const out = sink(true, 20);
    const p = new ProgressLine({ total: 1e9, out, delayMs: 0, intervalMs: 0 });
    p.read(5e8);
    const drawn = (out.writes.at(-1) as string).slice("\r\x1b[K".length);
    expect(drawn.length).toBeLessThanOrEqual(19);
    expect(drawn.endsWith("…")).toBe(true);
  });
});

describe("withProgress", () => {
  it("draws nothing and watches nothing when stderr or stdout is not a terminal", async () => {
    const { path } = file("quiet.log", 2000);
    for (const [errTTY, outTTY] of [
      [false, true],
      [true, false],
    ] as const) {
      const out = sink(errTTY);
      const got = await withProgress({ out, stdoutIsTTY: outTTY, delayMs: 0, intervalMs: 0 }, async (p) => {
        expect(p).toBeNull();
        let n = 0;
        for await (const b of lineBlocks(path)) n += b.length;
        return n;
      });
      expect(got).toBeGreaterThan(0);
      expect(out.writes).toEqual([]);
    }
  });

  it("on a terminal counts every byte read through the input layer and clears the line at the end", async () => {
    const { path, size } = file("loud.log", 5000);
    const out = sink();
    await withProgress({ out, stdoutIsTTY: true, delayMs: 0, intervalMs: 0 }, async (p) => {
      expect(p).not.toBeNull();
      for await (const _ of lineBlocks(path, { chunkBytes: 4096 })) {
        // read it all
      }
      expect(p?.text()).toContain(`of ${formatBytes(size)} · 100 %`);
    });
    expect(out.writes.length).toBeGreaterThan(5);
    expect(out.writes.at(-1)).toBe("\r\x1b[K");
    // the observer is removed afterwards
    const after: number[] = [];
    for await (const b of lineBlocks(path)) after.push(b.length);
    expect(out.writes.at(-1)).toBe("\r\x1b[K");
  });
});

describe("observeReads", () => {
  it("reports opened inputs with their size and raw bytes; a range counts for its share of the file", async () => {
    const { path, size } = file("ranges.log", 4000);
    const seen: Array<[string, number | null]> = [];
    let bytes = 0;
    const o: ReadObserver = { opened: (s, n) => seen.push([s, n]), read: (n) => (bytes += n) };
    observeReads(o);
    try {
      for await (const _ of lineBlocks(path, { chunkBytes: 8192 })) {
        // whole file
      }
      expect(seen).toEqual([[path, size]]);
      expect(bytes).toBe(size);
      bytes = 0;
      const half = Math.floor(size / 2);
      for await (const _ of lineBlocks(path, { start: 0, end: half, chunkBytes: 8192 })) {
        // first half only: counted as if the other thread kept pace
      }
      expect(bytes).toBeGreaterThanOrEqual(size);
      expect(bytes).toBeLessThan(size * 1.1);
    } finally {
      observeReads(null);
    }
  });
});

systemDescribe(["script", "mkfifo"], "progress on a pseudo-terminal (script -qc)", () => {
  it("`logs` on a slow input draws a progress line on the terminal; piped stdout gets none", async () => {
    const fifo = join(dir, "slow.fifo");
    execFileSync("mkfifo", [fifo]);
    const line =
      '2026/11/24 10:00:00 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.9:80/", host: "a"\n';
    const run = (command: string) =>
      new Promise<string>((resolve) => {
        const child = spawn("script", ["-qec", command, "/dev/null"], {
          env: { ...process.env, NO_COLOR: "1" },
        });
        let outText = "";
        child.stdout.on("data", (d) => (outText += d));
        child.on("close", () => resolve(outText));
      });
    const one = join(dir, "one-line.log");
    writeFileSync(one, line);
    // a writer that sends a line every 0.15 s for about a second, then closes
    const feed = (pid: string) =>
      `exec 3>${fifo}; for i in 1 2 3 4 5 6 7 8; do cat ${one} >&3; sleep 0.15; done; exec 3>&-; wait ${pid}`;
    const tty = await run(`${process.execPath} ${cliPath} logs ${fifo} & pid=$!; ${feed("$pid")}`);
    expect(tty).toMatch(/\r\x1b\[Kreading: [\d.]+ (B|kB) · [\d.]+ (B|kB)\/s/);
    expect(tty).toContain("8 upstream failures");
    const piped = await run(
      `${process.execPath} ${cliPath} logs ${fifo} > ${join(dir, "out.txt")} & pid=$!; ${feed("$pid")}`,
    );
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toContain("8 upstream failures");
    expect(piped).not.toContain("reading:");
  }, 30_000);
});
