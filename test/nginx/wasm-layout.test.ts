// The scanner cores (AssemblyScript, built into dist/core.wasm by `npm run build`) and the TypeScript readers
// share one description of memory and records, src/nginx/wasm/layout.ts. This checks that the built module
// actually uses it: what it reports about itself, where its compiler put its own data, and where it writes each
// field of a record for lines whose fields are known.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { coreLayout, EXPECTED_LAYOUT, loadWasmCore, type WasmCore } from "../../src/evidence/scan/core.js";
import { ERROR_LEVEL_ORDER } from "../../src/nginx/errorlog/facts.js";
import * as L from "../../src/nginx/wasm/layout.js";

const root = join(import.meta.dirname, "../..");

function core(): WasmCore {
  const w = loadWasmCore();
  if (!w)
    throw new Error("dist/core.wasm missing, not loadable or built from another layout (npm run build)");
  return w;
}

/** Copies `text` into the module and scans it; returns the record indexes of its lines. */
function scan(w: WasmCore, text: string, kind: "error" | "access"): number[] {
  const block = Buffer.from(text, "latin1");
  w.bytes.set(block, 0);
  const out: number[] = [];
  for (let from = 0; from < block.length; from = w.nextLine()) {
    const n = kind === "error" ? w.scanErrorLog(block.length, from) : w.scanAccessLog(block.length, from);
    for (let r = 0; r < n; r++) out.push(kind === "error" ? w.errorRecord(r) : w.accessRecord(r));
  }
  return out;
}

describe("scanner core layout (src/nginx/wasm/layout.ts)", () => {
  it("the built module reports the layout the readers use", () => {
    expect(coreLayout()).toEqual(EXPECTED_LAYOUT);
  });

  it("the areas follow each other without overlap, below the compiler's data", () => {
    expect(L.RECORD_BASE).toBeGreaterThanOrEqual(L.INPUT_CAPACITY);
    expect(L.TABLE_BASE).toBe(L.RECORD_BASE + L.RECORD_BYTES);
    expect(L.ARENA_BASE).toBe(L.TABLE_BASE + L.TABLE_SLOTS * L.TABLE_ENTRY_BYTES);
    expect(L.CONFIG_BASE).toBe(L.ARENA_BASE + L.ARENA_BYTES);
    const cfgSlotsEnd = L.CONFIG_BASE + 4 * (L.CFG_VAR_TABLE + L.CFG_VAR_SLOTS * L.ACCESS_MAX_VARS);
    expect(cfgSlotsEnd).toBeLessThanOrEqual(L.CONFIG_BASE + L.CONFIG_LITERALS);
    expect(L.CONFIG_BASE + L.CONFIG_LITERALS + L.CONFIG_LITERAL_MAX).toBeLessThanOrEqual(L.MEMORY_BASE);
    expect(L.MEMORY_BASE).toBeLessThan(L.MEMORY_PAGES * 65536);
    // Records fit their area whole.
    expect(L.ERR_RECORD_INTS * 4 * 2).toBeLessThanOrEqual(L.RECORD_BYTES);
    expect(L.ACC_RECORD_DOUBLES * 8 * 2).toBeLessThanOrEqual(L.RECORD_BYTES);
  });

  it("the module was built with MEMORY_BASE and MEMORY_PAGES: nothing below the base, its data above it", () => {
    const w = core();
    expect(w.bytes.length).toBe(L.MEMORY_PAGES * 65536);
    // A fresh instance: only the compiler's static data (keywords, "HTTP/", …) is non-zero.
    const below = w.bytes.subarray(0, L.MEMORY_BASE);
    expect(below.every((b) => b === 0)).toBe(true);
    const above = Buffer.from(w.bytes.subarray(L.MEMORY_BASE));
    // AssemblyScript stores string literals as UTF-16.
    expect(above.includes(Buffer.from("reconfiguring", "utf16le"))).toBe(true);
    // build.mjs reads the numbers from layout.ts, not from a copy.
    const build = readFileSync(join(root, "scripts/build.mjs"), "utf8");
    expect(build).toContain("layout.MEMORY_BASE");
    expect(build).toContain("layout.MEMORY_PAGES");
  });

  it("error-log records: every ERR_* slot holds what the line says", () => {
    const w = core();
    const line =
      '2026/11/24 10:07:33 [error] 4711#4712: *99 connect() failed (111: Connection refused) while connecting to upstream, client: 203.0.113.9, server: shop.example, request: "GET /api/x HTTP/1.1", upstream: "http://10.0.0.7:8080/api/x", host: "shop.example.com"';
    const text = `${line}\nnot a line\n`;
    const [b, other] = scan(w, text, "error") as [number, number];
    const ints = w.ints;
    const span = (k: number) => text.slice(ints[b + k], ints[b + k + 1]);
    expect(ints[b + L.ERR_STATUS]).toBe(L.LINE_SCANNED);
    expect(span(L.ERR_LINE)).toBe(line);
    expect(span(L.ERR_MESSAGE)).toBe(
      "connect() failed (111: Connection refused) while connecting to upstream",
    );
    expect(span(L.ERR_REQUEST)).toBe("GET /api/x HTTP/1.1");
    expect(span(L.ERR_UPSTREAM)).toBe("http://10.0.0.7:8080/api/x");
    expect(span(L.ERR_SERVER)).toBe("shop.example");
    expect(span(L.ERR_HOST)).toBe("shop.example.com");
    expect(span(L.ERR_PEER)).toBe("10.0.0.7:8080");
    expect(ints[b + L.ERR_DATE]).toBe(20261124);
    expect(ints[b + L.ERR_TIME]).toBe(100733);
    expect(ints[b + L.ERR_UPSTREAM_KIND]).toBe(L.UPSTREAM_TCP);
    expect(ERROR_LEVEL_ORDER[ints[b + L.ERR_LEVEL] as number]).toBe("error");
    for (const k of [L.ERR_MESSAGE_ID, L.ERR_SERVER_ID, L.ERR_HOST_ID, L.ERR_PEER_ID])
      expect(ints[b + k]).toBeGreaterThanOrEqual(0);
    expect(ints[other + L.ERR_STATUS]).toBe(L.LINE_SLOW);
    expect(text.slice(ints[other + L.ERR_LINE], ints[other + L.ERR_LINE + 1])).toBe("not a line");
  });

  it("error-log records: a plain-layout line without an upstream word is LINE_OTHER, a reload note is JavaScript's", () => {
    const w = core();
    const text = [
      '2026/11/24 10:07:33 [error] 1#1: *2 open() "/srv/www/favicon.ico" failed (2: No such file or directory), client: 1.2.3.4, server: a, request: "GET /favicon.ico HTTP/1.1", host: "a"',
      "2026/11/24 10:07:34 [notice] 1#1: signal 1 (SIGHUP) received from 42, reconfiguring",
      '2026/11/24 10:07:35 [warn] 1#1: *3 an upstream response is buffered to a temporary file /var/cache/1 while reading upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"',
    ].join("\n");
    const st = scan(w, `${text}\n`, "error").map((b) => w.ints[b + L.ERR_STATUS]);
    expect(st).toEqual([L.LINE_OTHER, L.LINE_SLOW, L.LINE_SCANNED]);
  });

  it("error-log records: the level index names every level, and a unix peer is UPSTREAM_UNIX", () => {
    const w = core();
    const levels = ["debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"];
    const text = levels
      .map(
        (lv) =>
          `2026/11/24 10:07:33 [${lv}] 1#1: *2 connect() to unix:/run/app.sock failed (2: No such file or directory) while connecting to upstream, client: 1.2.3.4, server: a, request: "GET / HTTP/1.1", upstream: "http://unix:/run/app.sock:/", host: "a"\n`,
      )
      .join("");
    const recs = scan(w, text, "error");
    expect(recs.map((b) => ERROR_LEVEL_ORDER[w.ints[b + L.ERR_LEVEL] as number])).toEqual(levels);
    for (const b of recs) {
      expect(w.ints[b + L.ERR_UPSTREAM_KIND]).toBe(L.UPSTREAM_UNIX);
      expect(text.slice(w.ints[b + L.ERR_PEER], w.ints[b + L.ERR_PEER + 1])).toBe("unix:/run/app.sock");
    }
  });

  it("access-log records: the format program in CFG_* slots, and every ACC_* slot holds what the line says", () => {
    const w = core();
    // $status $request_time "$request" $host $upstream_addr $upstream_status $upstream_response_time
    const seps = [" ", ' "', '" ', " ", " ", " ", ""];
    const lead = "";
    const cfg = new Int32Array(w.bytes.buffer, L.CONFIG_BASE, L.CFG_VAR_TABLE + L.CFG_VAR_SLOTS * 7);
    cfg.fill(-1);
    cfg[L.CFG_VARS] = 7;
    cfg[L.CFG_JSON] = 0;
    cfg[L.CFG_LEAD] = lead.length;
    cfg[L.CFG_STATUS_VAR] = 0;
    cfg[L.CFG_REQUEST_TIME_VAR] = 1;
    cfg[L.CFG_REQUEST_VAR] = 2;
    cfg[L.CFG_HOST_VAR] = 3;
    cfg[L.CFG_UPSTREAM_ADDR_VAR] = 4;
    cfg[L.CFG_UPSTREAM_STATUS_VAR] = 5;
    cfg[L.CFG_RESPONSE_TIME_VAR] = 6;
    let off = 0;
    seps.forEach((sep, k) => {
      cfg.set([off, sep.length, 0, k === 4 ? 1 : 0], L.CFG_VAR_TABLE + L.CFG_VAR_SLOTS * k);
      off += sep.length;
    });
    w.bytes.set(Buffer.from(lead + seps.join(""), "latin1"), L.CONFIG_BASE + L.CONFIG_LITERALS);
    const line = '502 0.25 "GET /shop/cart?x=1 HTTP/1.1" shop.example 10.0.0.7:8080 503 0.125';
    const text = `${line}\n\nnot this format\n`;
    const [b, empty, other] = scan(w, text, "access") as [number, number, number];
    const d = w.doubles;
    const span = (k: number) => text.slice(d[b + k], d[b + k + 1]);
    expect(d[b + L.ACC_STATUS]).toBe(L.LINE_SCANNED);
    expect(span(L.ACC_LINE)).toBe(line);
    expect(d[b + L.ACC_HTTP_STATUS]).toBe(502);
    expect(d[b + L.ACC_REQUEST_TIME]).toBe(0.25);
    expect(span(L.ACC_HOST)).toBe("shop.example");
    expect(span(L.ACC_LOCATION)).toBe("/shop/");
    expect(span(L.ACC_PEER)).toBe("10.0.0.7:8080");
    expect(d[b + L.ACC_UPSTREAM_STATUS]).toBe(503);
    expect(d[b + L.ACC_RESPONSE_TIME]).toBe(0.125);
    expect(d[b + L.ACC_HEADER_TIME]).toBeNaN();
    for (const k of [L.ACC_HOST_ID, L.ACC_LOCATION_ID, L.ACC_PEER_ID])
      expect(d[b + k]).toBeGreaterThanOrEqual(0);
    expect(d[empty + L.ACC_STATUS]).toBe(L.LINE_EMPTY);
    expect(d[other + L.ACC_STATUS]).toBe(L.LINE_SLOW);
  });
});
