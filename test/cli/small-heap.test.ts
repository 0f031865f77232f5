// `logs` asks V8 for a small heap (src/cli/small-heap.ts): on a log that allocates a lot, V8 would grow
// its young generation to 32 MB; asked, it keeps it at half of that or less. BADGATEWAY_V8_HEAP=default leaves V8's own
// sizing. The output is the same either way.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath } from "../helpers/cli.js";

const hook = new URL("../helpers/young-space.cjs", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "bg-small-heap-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 24 MB of failures, each naming a new peer, server and host (what fills the tables and the heap).
const log = join(dir, "error.log");
const rows: string[] = [];
for (let i = 0, size = 0; size < 24 << 20; i++) {
  const row = `2026/11/24 10:${String(Math.floor(i / 3000) % 60).padStart(2, "0")}:00 [error] 7#7: *${i + 1} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: s${i}.example, request: "GET /q/${i}?${"k=v&".repeat(40)} HTTP/1.1", upstream: "http://10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:8080/q/${i}", host: "h${i}.example"`;
  rows.push(row);
  size += row.length + 1;
}
writeFileSync(log, `${rows.join("\n")}\n`);

function run(env: Record<string, string>): { young: number; stdout: string; code: number | null } {
  const youngFile = join(dir, `young-${Object.keys(env).length}`);
  const r = spawnSync(process.execPath, ["--require", hook, cliPath, "logs", "--json", log], {
    env: { ...process.env, BG_YOUNG_FILE: youngFile, ...env },
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  return { young: Number(readFileSync(youngFile, "utf8")), stdout: r.stdout, code: r.status };
}

describe("the heap of `logs`", () => {
  it("keeps V8's young generation small unless BADGATEWAY_V8_HEAP=default, with the same output", () => {
    const small = run({});
    const usual = run({ BADGATEWAY_V8_HEAP: "default" });
    expect(small.code).toBe(1);
    expect(usual.code).toBe(1);
    expect(JSON.parse(small.stdout).upstreamErrors).toBe(rows.length);
    expect(small.stdout).toBe(usual.stdout);
    // V8's own sizing grows it to 32 MB (Node 20; more on Node 24); asked, to half of that at most.
    expect(usual.young).toBeGreaterThanOrEqual(32 << 20);
    expect(small.young * 2).toBeLessThanOrEqual(usual.young);
  });
});
