import { describe, expect, it } from "vitest";
import {
  accessReader,
  errorTimeLocalMs,
  LiveState,
  readAccess,
  upstreamName,
} from "../../src/evidence/live.js";
import { topCause } from "../../src/rules/watch.js";

const refused = (n: number, peer = "127.0.0.1:8080", time = "2026/12/06 08:00:00") =>
  `${time} [error] 811#811: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 10.1.2.3, server: shop, request: "GET /item/${n} HTTP/1.1", upstream: "http://${peer}/item/${n}", host: "shop"`;
const timedOut = (n: number, peer = "10.0.0.9:9000") =>
  `2026/12/06 08:00:00 [error] 811#811: *${n} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.1.2.3, server: shop, request: "GET /slow/${n} HTTP/1.1", upstream: "http://backend/slow/${n}", host: "shop"`.replace(
    "http://backend",
    `http://${peer}`,
  );
const T0 = Date.UTC(2026, 11, 6, 8, 0, 0);

describe("LiveState", () => {
  it("turns failure lines into events and ignores the other lines", () => {
    const s = new LiveState();
    const e = s.errorLine(refused(7), "error.log", T0);
    expect(e).toMatchObject({
      type: "failure",
      class: "connection-refused",
      status: 502,
      peer: "127.0.0.1:8080",
      upstream: "127.0.0.1:8080",
      server: "shop",
      request: "GET /item/7 HTTP/1.1",
      time: "2026-12-06T08:00:00",
      file: "error.log",
    });
    expect(
      s.errorLine("2026/12/06 08:00:00 [notice] 1#1: signal process started", "error.log", T0),
    ).toBeNull();
    expect(
      s.errorLine(
        '2026/12/06 08:00:00 [warn] 1#1: *3 upstream server temporarily disabled while connecting to upstream, client: 1.2.3.4, server: shop, request: "GET / HTTP/1.1", upstream: "http://10.0.0.1:80/", host: "shop"',
        "error.log",
        T0,
      ),
    ).toBeNull();
    expect(s.errorLine("garbage that is no nginx line", "error.log", T0)).toBeNull();
    expect(s.totals).toMatchObject({ errorLines: 4, errorUnparsed: 1, failures: 1 });
  });

  it("counts per class and peer over the window, and forgets what is older", () => {
    const s = new LiveState({ windowMinutes: 2 });
    for (let i = 0; i < 5; i++) s.errorLine(refused(i), "e", T0);
    for (let i = 0; i < 3; i++) s.errorLine(timedOut(i), "e", T0 + 60_000);
    let v = s.view(T0 + 60_000);
    expect(v.failures).toBe(8);
    expect(v.byClass).toEqual([
      ["connection-refused", 5],
      ["read-timeout", 3],
    ]);
    expect(v.byPeer).toEqual([
      ["127.0.0.1:8080", 5],
      ["10.0.0.9:9000", 3],
    ]);
    expect(v.perMinute.map((m) => m.failures)).toEqual([5, 3]);
    // Two minutes later the first minute has left the window.
    v = s.view(T0 + 120_000);
    expect(v.failures).toBe(3);
    expect(s.recentCount()).toBe(3);
    v = s.view(T0 + 240_000);
    expect(v.failures).toBe(0);
    expect(s.recentCount()).toBe(0);
  });

  it("keeps memory bounded: peers fold into (other), the recent lines are capped", () => {
    const s = new LiveState({ maxKeys: 10, maxRecent: 50 });
    for (let i = 0; i < 200; i++) s.errorLine(refused(i, `10.0.${i >> 8}.${i & 255}:80`), "e", T0);
    const v = s.view(T0);
    expect(v.byPeer.length).toBe(11);
    expect(v.byPeer.find(([k]) => k === "(other)")?.[1]).toBe(190);
    expect(s.recentCount()).toBe(50);
  });

  it("skips lines before --since until the first line after it", () => {
    const since = errorTimeLocalMs("2026/12/06 08:00:00");
    const s = new LiveState({ since });
    expect(s.errorLine(refused(1, "a:1", "2026/12/06 07:59:59"), "e", T0)).toBeNull();
    expect(s.errorLine(refused(2, "a:1", "2026/12/06 08:00:00"), "e", T0)?.request).toBe(
      "GET /item/2 HTTP/1.1",
    );
    // Logs are in time order: once caught up, an older stamp (a clock step) is not dropped.
    expect(s.errorLine(refused(3, "a:1", "2026/12/06 07:00:00"), "e", T0)).not.toBeNull();
    expect(s.totals.errorLines).toBe(2);
  });

  it("reads access lines: status, upstream, summed upstream times, 502/504 per minute", () => {
    const r = accessReader(
      '$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_response_time',
    );
    const s = new LiveState();
    const rec = s.accessLine(
      r,
      '1.2.3.4 [06/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" 502 10.0.0.1:80, 10.0.0.2:80 0.500, 0.250',
      "a",
      T0,
    );
    expect(rec).toEqual({ status: 502, upstream: "10.0.0.2:80", seconds: 0.75, t: T0 });
    expect(
      s.accessLine(
        r,
        '1.2.3.4 [06/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" 504 10.0.0.1:80 60.001',
        "a",
        T0,
      ),
    ).toMatchObject({ status: 504, seconds: 60.001 });
    expect(s.accessLine(r, '1.2.3.4 [06/Dec/2026:08:00:00 +0000] "GET / HTTP/1.1" 200 - -', "a", T0)).toEqual(
      {
        status: 200,
        upstream: "-",
        seconds: Number.NaN,
        t: T0,
      },
    );
    expect(s.accessLine(r, "not an access line", "a", T0)).toBeNull();
    const v = s.view(T0);
    expect([v.responses, v.s502, v.s504]).toEqual([3, 1, 1]);
    expect(s.totals).toMatchObject({ accessLines: 4, accessUnparsed: 1 });
  });

  it("prefers $proxy_host as the upstream when the format logs it", () => {
    const r = accessReader("$status $proxy_host $upstream_addr");
    expect(readAccess(r, "502 backend 10.0.0.1:80")?.upstream).toBe("backend");
  });

  it("names the upstream from the line's URL", () => {
    expect(upstreamName("http://backend/api")).toBe("backend");
    expect(upstreamName("https://10.0.0.1:8443/x")).toBe("10.0.0.1:8443");
    expect(upstreamName("fastcgi://unix:/run/php/fpm.sock:")).toBe("unix:/run/php/fpm.sock");
    expect(upstreamName(null)).toBeNull();
  });

  it("gives the rules engine the window's failures: the top cause follows what fails now", () => {
    const s = new LiveState({ windowMinutes: 1 });
    for (let i = 0; i < 20; i++) s.errorLine(refused(i), "e", T0);
    expect(topCause(s.windowEvidence(T0, null, null))?.id).toBe("upstream-down");
    for (let i = 0; i < 20; i++) s.errorLine(timedOut(i), "e", T0 + 60_000);
    expect(topCause(s.windowEvidence(T0 + 60_000, null, null))?.id).toBe("upstream-timeout");
    expect(topCause(s.windowEvidence(T0 + 180_000, null, null))).toBeNull();
  });
});
