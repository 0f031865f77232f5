import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const corpus = join(import.meta.dirname, "../fixtures/errorlog/corpus.log");
const REFUSED =
  '2026/11/24 10:07:33 [error] 811#811: *4127 connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: shop.example.com, request: "GET /cart HTTP/1.1", upstream: "http://127.0.0.1:8080/cart", host: "shop.example.com"';

describe("badgateway explain", () => {
  it("explains one line: class, 502, next peer, commands with the real port", () => {
    const r = runCli(["explain", REFUSED]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("[connection-refused]");
    expect(r.stdout).toContain("clients got 502");
    expect(r.stdout).toContain("ss -tlnp | grep ':8080 '");
    expect(r.stdout).toContain("upstream-down");
  });

  it("reads many lines from stdin and prints JSON Lines with the documented fields", () => {
    const text = readFileSync(corpus, "utf8").split("\n").slice(0, 40).join("\n");
    const r = runCli(["explain", "-", "--json"], text);
    expect(r.code).toBe(1);
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(40);
    for (const k of [
      "class",
      "errno",
      "phase",
      "status",
      "upstream",
      "peer",
      "client",
      "server",
      "request",
      "time",
      "level",
    ])
      expect(rows[0]).toHaveProperty(k);
    expect(rows[1]).toMatchObject({ class: "connect-timeout", status: 504, phase: "connecting" });
  });

  it("exit 2 with a clear message when nothing is an nginx line; exit 0 for unrelated lines", () => {
    const bad = runCli(["explain", "hello world"]);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain("not an nginx error-log line");
    const other = runCli(["explain", "2026/11/24 10:00:00 [notice] 1#1: signal process started"]);
    expect(other.code).toBe(0);
    expect(other.stdout).toContain("[not-upstream]");
  });
});

describe("badgateway logs", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bg-logs-"));
    const text = readFileSync(corpus);
    writeFileSync(join(dir, "error.log.2.gz"), gzipSync(text));
    writeFileSync(join(dir, "error.log.1"), `${REFUSED}\n`);
    writeFileSync(join(dir, "error.log"), `${REFUSED.replace("10:07:33", "10:59:00")}\r\n`);
    // truncated gzip: the first half of a compressed file
    const gz = gzipSync(Buffer.concat([text, text]));
    writeFileSync(join(dir, "cut.log.gz"), gz.subarray(0, Math.floor(gz.length / 2)));
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 7) % 256;
    writeFileSync(join(dir, "garbage.log"), Buffer.concat([garbage, Buffer.from(`\n${REFUSED}\n`)]));
    writeFileSync(join(dir, "locked.log"), `${REFUSED}\n`);
    chmodSync(join(dir, "locked.log"), 0o000);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("summarises a rotated set in time order with --json byClass and byPeer", () => {
    const r = runCli([
      "logs",
      "--json",
      join(dir, "error.log"),
      join(dir, "error.log.1"),
      join(dir, "error.log.2.gz"),
    ]);
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as {
      files: string[];
      byClass: Record<string, number>;
      byPeer: Array<{ peer: string; total: number; byClass: Record<string, number> }>;
      last: string;
    };
    expect(s.files.map((f) => f.split("/").pop())).toEqual(["error.log.2.gz", "error.log.1", "error.log"]);
    // 38 in the corpus (gz), one each in error.log.1 and error.log
    expect(s.byClass["connection-refused"]).toBe(40);
    expect(s.byClass["not-upstream"]).toBe(30);
    const peer = s.byPeer.find((p) => p.peer === "127.0.0.1:8080");
    expect(peer).toMatchObject({ total: 2, byClass: { "connection-refused": 2 } });
    expect(s.last >= "2026-11-24T10:59:00").toBe(true);
  });

  it("prints a readable summary with a per-minute histogram", () => {
    const r = runCli(["logs", join(dir, "error.log.2.gz")]);
    // 332 runtime failures + 6 start-up "host not found in upstream" lines (nginx does not start: a DNS failure)
    expect(r.stdout).toMatch(/338 upstream failures in 378 lines/);
    expect(r.stdout).toContain("By class");
    expect(r.stdout).toContain("Per minute");
    expect(r.stdout).toMatch(/min per column/);
  });

  it("keeps going past garbage, a truncated .gz and an unreadable file, and says so with exit 2", () => {
    const r = runCli([
      "logs",
      "--json",
      join(dir, "garbage.log"),
      join(dir, "cut.log.gz"),
      join(dir, "locked.log"),
    ]);
    const s = JSON.parse(r.stdout) as {
      byClass: Record<string, number>;
      warnings: Array<{ code: string }>;
      unparsed: number;
    };
    expect(s.byClass["connection-refused"]).toBeGreaterThan(1);
    expect(s.unparsed).toBeGreaterThan(0);
    const codes = s.warnings.map((w) => w.code);
    expect(codes).toContain("truncated-gzip");
    if (process.getuid?.() !== 0) expect(codes).toContain("unreadable");
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("filters by --since/--until in nginx's local time", () => {
    const r = runCli(
      ["logs", "--json", "--since", "2026-11-24T10:30:00", join(dir, "error.log"), join(dir, "error.log.1")],
      undefined,
      {
        TZ: "UTC",
      },
    );
    const s = JSON.parse(r.stdout) as { upstreamErrors: number; outOfWindow: number };
    expect(s.upstreamErrors).toBe(1);
    expect(s.outOfWindow).toBe(1);
  });

  it("reads stdin", () => {
    const r = runCli(["logs", "-", "--json"], `${REFUSED}\n`);
    expect(JSON.parse(r.stdout).upstreamErrors).toBe(1);
  });
});
