// The summariser's WebAssembly scanner core (src/nginx/wasm/errorlog.ts, built by `npm run build`) against
// parseErrorLine: for every input the two paths must produce the same summary, in the same order.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorLogAccumulator } from "../../src/evidence/error-log.js";
import { loadWasmCore } from "../../src/evidence/scan/core.js";
import { ERR_MESSAGE_ID, ERR_SHAPE_ID, ERR_STATUS, LINE_SCANNED } from "../../src/nginx/wasm/layout.js";

const corpus = readFileSync(join(import.meta.dirname, "../fixtures/errorlog/corpus.log"), "utf8")
  .trimEnd()
  .split("\n");

let coreLines = 0;

type Opts = { since?: number; until?: number; maxKeys?: number };

function summarise(text: string, core: boolean, opts: Opts = {}) {
  const acc = new ErrorLogAccumulator({ core, samples: 2, maxKeys: 8, ...opts });
  // Feed in blocks of a few lines, as the readers do, so that block boundaries are exercised too.
  const lines = text.split("\n");
  let n = 0;
  for (let i = 0; i < lines.length; i += 7) {
    const last = i + 7 >= lines.length;
    const block = lines.slice(i, i + 7).join("\n") + (last ? "" : "\n");
    n += acc.addBytes(Buffer.from(block, "utf8"), "f.log", n);
  }
  if (core) coreLines += acc.coreLines;
  else expect(acc.coreLines).toBe(0);
  return acc.result(["f.log"], []);
}

function expectSame(text: string, opts: Opts = {}): void {
  const fast = summarise(text, true, opts);
  const slow = summarise(text, false, opts);
  expect(fast).toEqual(slow);
  // Order matters too (ties in sorted output, the maxKeys cap).
  expect(Object.keys(fast.byClass)).toEqual(Object.keys(slow.byClass));
  expect(Object.keys(fast.byServer)).toEqual(Object.keys(slow.byServer));
  expect(fast.byPeer.map((p) => p.peer)).toEqual(slow.byPeer.map((p) => p.peer));
}

const SERVERS = ["shop.example.com", "api.example.com", "_", "xn--bcher-kva.example"];
const MESSAGES = [
  "connect() failed (111: Connection refused) while connecting to upstream",
  "upstream timed out (110: Connection timed out) while reading response header from upstream",
  "upstream prematurely closed connection while reading response header from upstream",
  "no live upstreams while connecting to upstream",
  'FastCGI sent in stderr: "Primary script unknown" while reading response header from upstream',
  "upstream sent too big header while reading response header from upstream",
  "client closed connection while waiting for request",
  'open() "/srv/www/favicon.ico" failed (2: No such file or directory)',
  "an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001 while reading upstream",
  "connect() to unix:/srv/app/pool-a.socket failed (13: Permission denied) while connecting to upstream",
  "upstream server temporarily disabled while connecting to upstream",
  // Lines that have an upstream word but may come without upstream context.
  'open() "/srv/upstream/x.html" failed (2: No such file or directory)',
  "SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key share) while SSL handshaking",
  "connect() to 10.0.0.9:8080 failed (111: Connection refused) while connecting to upstream",
  "connect() to unix:/run/php/fpm.sock failed (13: Permission denied) while connecting to upstream",
  "no resolver defined to resolve backend.internal",
  "backend.internal could not be resolved (3: Host not found)",
  "768 worker_connections are not enough while connecting to upstream",
  "signal 1 (SIGHUP) received from 99, reconfiguring",
  // "reconfiguring" that is not a reload note: addLine reads such a line before its window check.
  'open() "/srv/reconfiguring/x" failed (2: No such file or directory)',
  "upstream timed out (110: Connection timed out) while connecting to upstream, context: ngx.timer",
];
/** What forwarders put in front of nginx's line (parseErrorLine skips or unwraps them). */
const PREFIXES = [
  "<11>Nov 24 10:00:00 web1 nginx: ",
  "Nov 24 10:00:00 web1 nginx[812]: ",
  "2026-11-24T10:00:00.123456789Z ",
  "2026-11-24T10:00:00.1Z stderr F ",
  "héllo ",
  "a/b ",
  "x",
];
const UPSTREAMS = [
  "http://10.0.0.1:8080/api/v1/orders/1",
  "https://[fd00::3]:8443/",
  "fastcgi://unix:/srv/app/pool-a.sock:",
  "http://backend",
  "grpc://127.0.0.1:50051",
  "unix:/tmp/x",
];
const LEVELS = ["error", "warn", "crit", "info", "notice", "alert", "emerg", "debug"];

/** A line in nginx's layout built from parts, with optional context keys. */
const nginxLine = fc
  .record({
    sec: fc.integer({ min: 0, max: 400 }),
    level: fc.constantFrom(...LEVELS),
    cid: fc.integer({ min: 1, max: 99999 }),
    message: fc.constantFrom(...MESSAGES),
    server: fc.option(fc.constantFrom(...SERVERS), { nil: undefined }),
    request: fc.option(
      fc.constantFrom("GET / HTTP/1.1", "POST /a, b HTTP/1.1", 'GET /q?x="y" HTTP/2.0', "BAD"),
      {
        nil: undefined,
      },
    ),
    subrequest: fc.option(fc.constant("/auth"), { nil: undefined }),
    upstream: fc.option(fc.constantFrom(...UPSTREAMS), { nil: undefined }),
    host: fc.option(fc.constantFrom("shop.example.com", "10.0.0.9:8080", ""), { nil: undefined }),
    referrer: fc.option(fc.constant("https://shop.example.com/cart"), { nil: undefined }),
    crlf: fc.boolean(),
    prefix: fc.oneof(
      { arbitrary: fc.constant(""), weight: 5 },
      { arbitrary: fc.constantFrom(...PREFIXES), weight: 2 },
    ),
    docker: fc.boolean(),
    noClient: fc.boolean(),
    cut: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 6 },
      { arbitrary: fc.integer({ min: 1, max: 120 }), weight: 1 },
    ),
  })
  .map((r) => {
    const t = new Date(Date.UTC(2026, 10, 24, 10, 0, r.sec));
    const ts = t.toISOString().slice(0, 19).replace(/-/g, "/").replace("T", " ");
    let s = `${r.prefix}${ts} [${r.level}] 4242#4242: *${r.cid} ${r.message}`;
    if (!r.noClient) {
      s += ", client: 192.0.2.7";
      if (r.server !== undefined) s += `, server: ${r.server}`;
      if (r.request !== undefined) s += `, request: "${r.request}"`;
      if (r.subrequest !== undefined) s += `, subrequest: "${r.subrequest}"`;
      if (r.upstream !== undefined) s += `, upstream: "${r.upstream}"`;
      if (r.host !== undefined) s += `, host: "${r.host}"`;
      if (r.referrer !== undefined) s += `, referrer: "${r.referrer}"`;
    }
    if (r.cut !== undefined) s = s.slice(0, s.length - r.cut);
    if (r.docker && r.prefix === "") s = JSON.stringify({ log: `${s}\n`, stream: "stderr" });
    return r.crlf ? `${s}\r` : s;
  });

describe("error-log WebAssembly core", () => {
  it("summarises the error-line corpus exactly as parseErrorLine does", () => {
    expectSame(corpus.join("\n"));
  });

  it("loads the scanner core (built into dist/ by npm run build)", () => {
    expect(loadWasmCore(), "dist/core.wasm missing or not loadable").not.toBeNull();
  });

  it("gives messages that differ only in long numbers one shape id, and keeps errnos and short numbers apart", () => {
    const w = loadWasmCore();
    if (!w) throw new Error("scanner core not loaded");
    w.resetTable();
    const ctx =
      ', client: 10.0.0.1, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.2:80/", host: "a"';
    const line = (level: string, msg: string) => `2026/11/24 10:00:00 [${level}] 1#1: *5 ${msg}${ctx}`;
    const buffered = (f: string) =>
      `an upstream response is buffered to a temporary file /t/${f} while reading upstream`;
    const lines = [
      line("warn", buffered("0000000001")), // 0
      line("warn", buffered("0000000002")), // 1: same shape as 0
      line("warn", buffered("123")), // 2: three digits are kept
      line("error", buffered("0000000003")), // 3: another level, another shape
      line("warn", "upstream x (1234: a) while reading upstream"), // 4: a run right after "(" is kept
      line("warn", "upstream x (5678: a) while reading upstream"), // 5
      line("warn", "12345 upstream y while reading upstream"), // 6: a run at the start is blanked
      line("warn", "67890 upstream y while reading upstream"), // 7
      line("warn", "upstream timed out (110: Connection timed out) while reading upstream"), // 8: no run
      line("warn", "a12345b upstream z 99999999999999999999 while reading upstream"), // 9
      line("warn", "a6b upstream z 1 while reading upstream"), // 10: not 9's shape
    ];
    const block = Buffer.from(`${lines.join("\n")}\n`, "utf8");
    w.bytes.set(block, 0);
    expect(w.scanErrorLog(block.length, 0)).toBe(lines.length);
    const rec = (r: number) => {
      const b = w.errorRecord(r);
      expect(w.ints[b + ERR_STATUS], lines[r]).toBe(LINE_SCANNED);
      return { message: w.ints[b + ERR_MESSAGE_ID] as number, shape: w.ints[b + ERR_SHAPE_ID] as number };
    };
    const r = lines.map((_, i) => rec(i));
    expect(r[0]?.message).not.toBe(r[1]?.message);
    expect(r[0]?.shape).toBe(r[1]?.shape);
    expect(r[2]?.shape).not.toBe(r[0]?.shape);
    expect(r[2]?.shape).toBe(r[2]?.message);
    expect(r[3]?.shape).not.toBe(r[0]?.shape);
    expect(r[4]?.shape).not.toBe(r[5]?.shape);
    expect(r[6]?.shape).toBe(r[7]?.shape);
    expect(r[8]?.shape).toBe(r[8]?.message);
    expect(r[9]?.shape).not.toBe(r[10]?.shape);
    w.resetTable();
  });

  it("takes most corpus lines on the fast path and declines the others", () => {
    const w = loadWasmCore();
    if (!w) throw new Error("scanner core not loaded");
    const block = Buffer.from(`${corpus.join("\n")}\n`, "utf8");
    w.bytes.set(block, 0);
    let fast = 0;
    let total = 0;
    for (let from = 0; from < block.length; from = w.nextLine()) {
      const n = w.scanErrorLog(block.length, from);
      for (let r = 0; r < n; r++) {
        total++;
        if (w.ints[w.errorRecord(r) + ERR_STATUS] === LINE_SCANNED) fast++;
      }
    }
    expect(total).toBe(corpus.length);
    expect(fast).toBeGreaterThan(corpus.length / 2);
    expect(fast).toBeLessThan(corpus.length);
  });

  it("summarises generated lines (all context keys, CRLF, cut lines) exactly as parseErrorLine does", () => {
    coreLines = 0;
    fc.assert(
      fc.property(fc.array(nginxLine, { minLength: 1, maxLength: 60 }), (lines) => {
        expectSame(lines.join("\n"));
        // Tables full after two keys: what overflows into "(other)", and in which order keys enter.
        expectSame(lines.join("\n"), { maxKeys: 2 });
        expectSame(lines.join("\n"), {
          since:
            Date.UTC(2026, 10, 24, 10, 1, 0) +
            new Date(Date.UTC(2026, 10, 24, 10, 1)).getTimezoneOffset() * 60000,
        });
      }),
      { numRuns: 300 },
    );
    expect(coreLines).toBeGreaterThan(1000);
  });

  it("agrees on lines damaged anywhere (inserted marker text, garbage, wrong digits)", () => {
    const damage = fc.tuple(
      nginxLine,
      fc.integer({ min: 0, max: 300 }),
      fc.constantFrom(
        ", client: ",
        ", server: ",
        ", upstream: ",
        ", host: ",
        ", bytes from/to client:1/2",
        "\u0000",
        "x",
        "#",
        "*",
        "] ",
        "é",
        ", ",
      ),
    );
    fc.assert(
      fc.property(fc.array(damage, { minLength: 1, maxLength: 30 }), (items) => {
        const text = items.map(([l, at, ins]) => l.slice(0, at) + ins + l.slice(at)).join("\n");
        expectSame(text);
        expectSame(text, { maxKeys: 2 });
      }),
      { numRuns: 300 },
    );
  });
});

describe("error-log core on forwarded lines, stream sessions and lines without upstream context", () => {
  it("reads them on the fast path, counting as parseErrorLine does", () => {
    const lines = [
      '<11>Nov 24 10:00:00 web1 nginx: 2026/11/24 10:00:00 [error] 7#7: *1 connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"',
      '2026-11-24T10:00:01.5Z 2026/11/24 10:00:01 [error] 7#7: *2 upstream timed out (110: Connection timed out) while reading response header from upstream, client: 192.0.2.7, server: a, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "a"',
      '2026/11/24 10:00:02 [error] 7#7: *3 open() "/srv/upstream/x" failed (2: No such file or directory), client: 192.0.2.7, server: a, request: "GET /upstream/x HTTP/1.1", host: "a"',
      "2026/11/24 10:00:03 [error] 7#7: *4 connect() to 10.0.0.2:8080 failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: a",
      "2026/11/24 10:00:04 [error] 7#7: *5 backend.internal could not be resolved (3: Host not found)",
    ];
    lines.push(
      '2026/11/24 10:00:05 [error] 7#7: *6 upstream timed out (110: Connection timed out) while proxying connection, client: 192.0.2.7, server: 0.0.0.0:5432, upstream: "10.0.0.3:5432", bytes from/to client:0/0, bytes from/to upstream:0/0',
    );
    const acc = new ErrorLogAccumulator({ core: true });
    acc.addBytes(Buffer.from(`${lines.join("\n")}\n`, "utf8"), "f.log", 0);
    expect(acc.coreLines).toBe(lines.length);
    const fast = acc.result(["f.log"], []);
    expect(fast).toEqual(summarise(lines.join("\n"), false));
    expect(fast.upstreamErrors).toBe(5);
    expect(fast.byPeer.map((p) => p.peer).sort()).toEqual([
      "(none)",
      "10.0.0.1:80",
      "10.0.0.2:8080",
      "10.0.0.3:5432",
    ]);
    // A stream session's peer is read as the stream module's.
    expect(fast.byPeer.find((p) => p.peer === "10.0.0.3:5432")?.module).toBe("stream");
    expect(fast.byClass["not-upstream"]).toBe(1);
  });
});

describe("error-log core when its intern table is full", () => {
  it("empties the table and goes on (the line that found it full goes to parseErrorLine); the summary stays the same", () => {
    // 40,000 distinct server names: more than the core's table holds (about 24,000 ids).
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++)
      lines.push(
        `2026/11/24 10:00:${String(i % 60).padStart(2, "0")} [error] 7#7: *${i + 1} connect() failed (111: Connection refused) while connecting to upstream, client: 192.0.2.7, server: s${i}.example, request: "GET / HTTP/1.1", upstream: "http://10.0.0.${i % 9}:8080/", host: "s${i}.example"`,
      );
    const run = (core: boolean) => {
      const acc = new ErrorLogAccumulator({ core, maxKeys: 50_000 });
      let n = 0;
      for (let i = 0; i < lines.length; i += 1000)
        n += acc.addBytes(Buffer.from(`${lines.slice(i, i + 1000).join("\n")}\n`, "utf8"), "e.log", n);
      return { acc, summary: acc.result(["e.log"], []) };
    };
    const fast = run(true);
    const slow = run(false);
    // Each time the table fills, one line goes to JavaScript; all the others stay on the fast path.
    expect(fast.acc.coreLines).toBeGreaterThan(lines.length - 10);
    expect(fast.acc.coreLines).toBeLessThan(lines.length);
    expect(fast.summary).toEqual(slow.summary);
    expect(Object.keys(fast.summary.byServer)).toHaveLength(40_000);
  });
});

describe("error-log core when the server and host tables are full", () => {
  // A full table's keys are kept as hashes of their bytes (src/evidence/scan/key-hash.ts): a value that is a key
  // must never be taken for a new one, whether it was UTF-8 or bytes that are not (decoded as U+FFFD).
  const names = [
    Buffer.from("é.example"),
    Buffer.from("ü.example"),
    Buffer.from([0x61, 0xff, 0x2e, 0x78]),
    Buffer.from([0x62, 0xc3, 0x2e, 0x78]),
    Buffer.from("plain.example"),
    Buffer.from("(other)"),
  ];
  const line = (server: Buffer, host: Buffer, peer = "10.0.0.2:80") =>
    Buffer.concat([
      Buffer.from(
        "2026/11/24 10:00:00 [error] 1#1: *5 connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: ",
      ),
      server,
      Buffer.from(`, request: "GET / HTTP/1.1", upstream: "http://${peer}/", host: "`),
      host,
      Buffer.from('"'),
    ]);
  const summariseBytes = (text: Buffer, core: boolean, maxKeys: number) => {
    const acc = new ErrorLogAccumulator({ core, samples: 2, maxKeys });
    // In blocks of whole lines no bigger than the readers' (the core takes at most its input area).
    let n = 0;
    for (let at = 0; at < text.length; ) {
      const nl = text.lastIndexOf(10, Math.min(text.length, at + (256 << 10)) - 1);
      const end = nl < at || at + (256 << 10) >= text.length ? text.length : nl + 1;
      n += acc.addBytes(text.subarray(at, end), "f.log", n);
      at = end;
    }
    return { summary: acc.result(["f.log"], []), coreLines: acc.coreLines };
  };

  it("counts every line under the same server, host and peer as parseErrorLine does, also after the core's table was emptied", () => {
    // Names first, then more distinct servers than the core's intern table holds (it is emptied and the names get
    // new ids), then the names again: each must be found in the full tables by its bytes.
    // Peers too: the peer and group tables fill up, and a peer that has an entry must be found by its bytes.
    const all = names.flatMap((s, i) => names.map((h, k) => line(s, h, `10.0.${i}.${k % 3}:80`)));
    const filler: Buffer[] = [];
    for (let i = 0; i < 26_000; i++)
      filler.push(line(Buffer.from(`f${i}.example`), Buffer.from(`h${i}`), `10.9.${i >> 8}.${i & 255}:80`));
    const text = Buffer.concat([...all, ...filler, ...all.reverse()].flatMap((l) => [l, Buffer.from("\n")]));
    for (const maxKeys of [2, 4]) {
      const fast = summariseBytes(text, true, maxKeys);
      const slow = summariseBytes(text, false, maxKeys);
      expect(fast.coreLines).toBeGreaterThan(26_000);
      expect(fast.summary.byServer).toEqual(slow.summary.byServer);
      expect(fast.summary.byHost).toEqual(slow.summary.byHost);
      expect(Object.keys(fast.summary.byServer)).toEqual(Object.keys(slow.summary.byServer));
      expect(fast.summary).toEqual(slow.summary);
    }
  });
});

describe("error-log core at every position of its 16-byte blocks", () => {
  const stamp = (s: number) => `2026/11/24 10:00:${String(s).padStart(2, "0")}`;
  const ctx = (server: string, host: string) =>
    `, client: 192.0.2.7, server: ${server}, request: "GET /a HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "${host}"`;

  it("finds markers, and the line's last pairs, whatever the padding before them", () => {
    const lines: string[] = [];
    for (let pad = 0; pad < 40; pad++) {
      const x = "x".repeat(pad);
      // Markers shifted through every offset, with a comma or a space alone at the block edges.
      lines.push(
        `${stamp(pad % 3)} [error] 7#7: *${pad + 1} connect() failed ${x}, while connecting to upstream${ctx("a", "a")}`,
      );
      lines.push(`${stamp(pad % 3)} [error] 7#7: *${pad + 1} upstream ${x},${ctx(`s${x}`, `h ${x}`)}`);
      // ", " as the last two bytes, a comma last, a marker cut short at the end.
      lines.push(`${stamp(1)} [error] 7#7: *9 upstream timed out ${x}, client: 192.0.2.7, `);
      lines.push(`${stamp(1)} [error] 7#7: *9 upstream timed out ${x}, client: 192.0.2.7,`);
      lines.push(`${stamp(1)} [error] 7#7: *9 upstream timed out ${x}, client: 192.0.2.7, host`);
      lines.push(
        `${stamp(1)} [error] 7#7: *9 upstream timed out ${x}, client: 192.0.2.7, bytes from/to client:1/2`,
      );
      // An upstream word only at the very end, or cut before its last byte (no upstream context).
      lines.push(`${stamp(2)} [warn] 7#7: *9 client sent ${x} SSL`);
      lines.push(`${stamp(2)} [warn] 7#7: *9 client sent ${x} SS`);
      lines.push(
        `${stamp(2)} [warn] 7#7: *9 client ${x}, client: 192.0.2.7, server: a, request: "GET /upstream HTTP/1.1"`,
      );
      lines.push(
        `${stamp(2)} [warn] 7#7: *9 client ${x}, client: 192.0.2.7, server: a, request: "GET /upstrea HTTP/1.1"`,
      );
      lines.push(`${stamp(2)} [notice] 7#7: *9 signal 1 (SIGHUP) received ${x}, reconfiguring`);
    }
    const text = lines.join("\n");
    coreLines = 0;
    expectSame(text);
    expect(coreLines).toBeGreaterThan(lines.length / 2);
    expectSame(lines.join("\r\n"));
    // The last line ends at the block's end without a newline, its last pair among the last 16 bytes.
    expectSame(`${text}\n${stamp(3)} [error] 7#7: *9 upstream timed out, client: 192.0.2.7, server: a, `);
  });

  it("keeps apart keys of every length up to 40 that differ only in one byte (first, middle or last)", () => {
    const lines: string[] = [];
    for (let n = 1; n <= 40; n++)
      for (const k of [0, n >> 1, n - 1])
        for (const c of ["a", "b"]) {
          const key = `${"k".repeat(k)}${c}${"k".repeat(n - k - 1)}`;
          lines.push(
            `${stamp(0)} [error] 7#7: *1 upstream timed out (110: Connection timed out) while connecting to upstream${ctx(key, key.slice(1))}`,
          );
        }
    coreLines = 0;
    expectSame(lines.join("\n"));
    expect(coreLines).toBe(lines.length);
  });

  it("reads pid, tid and connection numbers of every length up to 20, whatever byte follows them", () => {
    const ctx2 = ctx("a", "a");
    const lines: string[] = [];
    for (let n = 1; n <= 20; n++) {
      const d = "1234567890".repeat(2).slice(0, n).replace(/^0/, "9");
      for (const after of ["", "/", ":", "0", "9", "é", "\u0000"]) {
        lines.push(
          `${stamp(0)} [error] ${d}${after}#${d}: *${d} upstream timed out while connecting to upstream${ctx2}`,
        );
        lines.push(
          `${stamp(0)} [error] 7#${d}${after}: *${d} upstream timed out while connecting to upstream${ctx2}`,
        );
        lines.push(
          `${stamp(0)} [error] 7#7: *${d}${after} upstream timed out while connecting to upstream${ctx2}`,
        );
      }
    }
    coreLines = 0;
    expectSame(lines.join("\n"));
    expect(coreLines).toBeGreaterThan(lines.length / 4);
  });

  it("reads each line's own stamp when the previous one differs in one byte, or only after it", () => {
    const msg = `upstream timed out (110: Connection timed out) while connecting to upstream${ctx("a", "a")}`;
    const base = `${stamp(5)} [error] 7#7: *1 ${msg}`;
    const lines = [base];
    for (let k = 0; k < 21; k++) {
      // Each byte of "YYYY/MM/DD HH:MM:SS [" changed in turn, after the intact line.
      const bytes = [...base];
      bytes[k] = /\d/.test(bytes[k] ?? "") ? String((Number(bytes[k]) + 1) % 10) : "-";
      lines.push(base, bytes.join(""));
    }
    // The same stamp behind a forwarder's prefix, and a line too short after an equal stamp.
    lines.push(base, `<11>Nov 24 10:00:05 web1 nginx: ${base}`, base, stamp(5), `${stamp(5)} [`, base);
    coreLines = 0;
    expectSame(lines.join("\n"));
    expect(coreLines).toBeGreaterThan(lines.length / 2);
  });
});
