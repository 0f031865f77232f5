// The summaries' data for the HTML report: 502/504 per minute per peer and the latency histogram (access log),
// failures per minute per peer (error log), through the WebAssembly cores, the JavaScript paths and merges.
import { describe, expect, it } from "vitest";
import { AccessAccumulator, LATENCY_BOUNDS } from "../../src/evidence/access-log.js";
import { ErrorLogAccumulator, errorEvidence } from "../../src/evidence/error-log.js";
import { QuantileSketch } from "../../src/nginx/sketch.js";

const FORMAT =
  '$remote_addr [$time_local] "$request" $status ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time"';

const line = (min: number, sec: number, status: number, ua: string, us: string, urt: string) =>
  `10.1.1.1 [20/Nov/2026:03:${String(min).padStart(2, "0")}:${String(sec).padStart(2, "0")} +0000] "GET /a HTTP/1.1" ${status} ua="${ua}" us="${us}" urt="${urt}"`;

const LINES = [
  line(12, 1, 504, "10.0.0.2:80", "504", "30.001"),
  line(12, 5, 502, "10.0.0.2:80, 10.0.0.1:80", "502, 502", "0.001, 0.002"),
  line(12, 9, 200, "10.0.0.1:80", "200", "0.020"),
  line(12, 30, 504, "10.0.0.2:80", "504", "30.002"),
  line(14, 0, 502, "-", "-", "-"),
  line(14, 2, 502, "10.0.0.1:80", "502", "0.003"),
];

function run(core: boolean, split = false) {
  if (!split) {
    const a = new AccessAccumulator(FORMAT, "default", { core });
    a.addBytes(Buffer.from(`${LINES.join("\n")}\n`, "latin1"));
    return a.result(["a.log"], []);
  }
  const a = new AccessAccumulator(FORMAT, "default", { core });
  const b = new AccessAccumulator(FORMAT, "default", { core });
  a.addBytes(Buffer.from(`${LINES.slice(0, 3).join("\n")}\n`, "latin1"));
  b.addBytes(Buffer.from(`${LINES.slice(3).join("\n")}\n`, "latin1"));
  a.merge(b.toState());
  return a.result(["a.log"], []);
}

describe("failuresByMinute", () => {
  it("counts each 502/504 once, in its minute, at the last peer tried ('-' when none was reached)", () => {
    for (const s of [run(true), run(false), run(true, true), run(false, true)]) {
      expect(s.failuresByMinute).toEqual([
        { minute: "2026-11-20T03:12Z", peer: "10.0.0.1:80", s502: 1, s504: 0 },
        { minute: "2026-11-20T03:12Z", peer: "10.0.0.2:80", s502: 0, s504: 2 },
        { minute: "2026-11-20T03:14Z", peer: "-", s502: 1, s504: 0 },
        { minute: "2026-11-20T03:14Z", peer: "10.0.0.1:80", s502: 1, s504: 0 },
      ]);
      const sum = s.failuresByMinute.reduce((a, r) => a + r.s502 + r.s504, 0);
      expect(sum).toBe(s.totals.s502 + s.totals.s504);
    }
  });

  it("folds peers beyond the key cap into (other) without losing a count", () => {
    const a = new AccessAccumulator(FORMAT, "default", { maxKeys: 2 });
    const many = Array.from({ length: 5 }, (_, i) => line(20, i, 502, `10.9.0.${i}:80`, "502", "0.001"));
    a.addBytes(Buffer.from(`${many.join("\n")}\n`, "latin1"));
    const s = a.result(["a.log"], []);
    expect(s.failuresByMinute.map((r) => r.peer)).toEqual(["(other)", "10.9.0.0:80", "10.9.0.1:80"]);
    expect(s.failuresByMinute.find((r) => r.peer === "(other)")?.s502).toBe(3);
  });
});

describe("latencyHistogram", () => {
  it("puts every try of a peer in the bucket of its response time", () => {
    const s = run(true);
    const i30 = LATENCY_BOUNDS.indexOf(30);
    const peer2 = s.latencyHistogram.byPeer["10.0.0.2:80"] as number[];
    expect(peer2.length).toBe(LATENCY_BOUNDS.length + 1);
    expect(peer2[i30 + 1]).toBe(2); // the two 30.00x s timeouts: just over 30 s
    expect(peer2[0]).toBe(1); // the 1 ms failure
    expect(peer2.reduce((a, b) => a + b, 0)).toBe(3);
    expect(s.latencyHistogram.upstream.reduce((a, b) => a + b, 0)).toBe(s.totals.latency.upstream.count);
    expect(run(false).latencyHistogram).toEqual(s.latencyHistogram);
  });
});

describe("QuantileSketch.histogram", () => {
  it("counts values per range, zeros in the first, values above every bound in the last", () => {
    const q = new QuantileSketch();
    // Values at least 2 % away from a bound: a bucket is 2 % wide, so these cannot straddle one.
    for (const v of [0, 0, 0.5, 0.9, 1.5, 9.5, 11, 1000]) q.add(v);
    expect(q.histogram([1, 10])).toEqual([4, 2, 2]);
    expect(q.histogram([])).toEqual([8]);
    expect(q.histogram([1, 10]).reduce((a, b) => a + b, 0)).toBe(q.count);
    // A value exactly at a bound is placed by its bucket; alone, min/max pin it to the bound itself.
    const one = new QuantileSketch();
    one.add(10, 3);
    expect(one.histogram([1, 10])).toEqual([0, 3, 0]);
  });
});

describe("error log failuresByMinute", () => {
  const e = (
    time: string,
    peer: string,
    msg = "connect() failed (111: Connection refused) while connecting to upstream",
  ) =>
    `2026/11/20 ${time} [error] 7#7: *1 ${msg}, client: 10.1.1.1, server: s, request: "GET / HTTP/1.1", upstream: "http://${peer}/", host: "h"`;
  const LINES = [
    e("03:12:01", "10.0.0.1:80"),
    e("03:12:02", "10.0.0.2:80"),
    e(
      "03:12:59",
      "10.0.0.1:80",
      "upstream timed out (110: Connection timed out) while reading response header from upstream",
    ),
    e("03:13:00", "10.0.0.1:80"),
    "2026/11/20 03:13:01 [notice] 7#7: signal process started",
    e("03:15:30", "10.0.0.2:80"),
  ];

  function run(core: boolean, split: boolean) {
    const feed = (a: ErrorLogAccumulator, xs: string[], from: number) =>
      a.addBytes(Buffer.from(`${xs.join("\n")}\n`, "utf8"), "e.log", from);
    const a = new ErrorLogAccumulator({ core });
    if (!split) feed(a, LINES, 0);
    else {
      const b = new ErrorLogAccumulator({ core });
      feed(a, LINES.slice(0, 2), 0);
      feed(b, LINES.slice(2), 2);
      a.merge(b.toState());
    }
    return a.result(["e.log"], []);
  }

  it("counts every failure line once in its minute and peer, through the core, JavaScript and merges", () => {
    for (const [core, split] of [
      [true, false],
      [false, false],
      [true, true],
      [false, true],
    ] as const) {
      const s = run(core, split);
      expect(s.failuresByMinute).toEqual([
        { minute: "2026-11-20T03:12", peer: "10.0.0.1:80", count: 2 },
        { minute: "2026-11-20T03:12", peer: "10.0.0.2:80", count: 1 },
        { minute: "2026-11-20T03:13", peer: "10.0.0.1:80", count: 1 },
        { minute: "2026-11-20T03:15", peer: "10.0.0.2:80", count: 1 },
      ]);
      expect(s.failuresByMinute.reduce((n, r) => n + r.count, 0)).toBe(s.upstreamErrors);
      expect(errorEvidence(s).failuresByMinute).toEqual(s.failuresByMinute);
    }
  });
});
