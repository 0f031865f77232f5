import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { firstSegment, summarizeAccessLogs } from "../../src/evidence/access-log.js";
import { runCli } from "../helpers/cli.js";

const FMT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  "$upstream_addr $upstream_status $upstream_response_time $upstream_connect_time $request_time";
const dir = mkdtempSync(join(tmpdir(), "bg-access-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const L = (
  time: string,
  req: string,
  st: number,
  addr: string,
  ust: string,
  urt: string,
  uct: string,
  rt: string,
) => `10.9.8.7 - - [${time} +0000] "${req}" ${st} 12 "-" "curl/8.5.0" ${addr} ${ust} ${urt} ${uct} ${rt}`;
const lines = [
  L(
    "17/Sep/2025:21:05:07",
    "GET /api/a HTTP/1.1",
    200,
    "10.0.0.1:80, 10.0.0.2:80",
    "502, 200",
    "0.001, 0.050",
    "-, 0.001",
    "0.052",
  ),
  L("17/Sep/2025:21:05:08", "GET /api/b HTTP/1.1", 504, "[::1]:8080", "504", "60.001", "0.000", "60.002"),
  L(
    "17/Sep/2025:21:06:01",
    "POST /php/x.php HTTP/1.1",
    502,
    "unix:/run/php/fpm.sock",
    "502",
    "0.000",
    "-",
    "0.001",
  ),
  L("17/Sep/2025:21:06:02", "GET /static/x.css HTTP/1.1", 200, "-", "-", "-", "-", "0.000"),
  L(
    "17/Sep/2025:21:07:00",
    "GET /a\\x22b HTTP/1.1",
    200,
    "10.0.0.2:80 : 10.0.0.1:80",
    "404 : 200",
    "0.002 : 0.004",
    "0.000 : 0.000",
    "0.007",
  ),
  "this is not an access log line",
  '10.9.8.7 - - [17/Sep/2025:21:07:01 +0000] "GET / HTTP/1.1" 200 truncated',
];

describe("summarizeAccessLogs on fixture lines", () => {
  const plain = join(dir, "access.log");
  writeFileSync(plain, `${lines.join("\n")}\n`);
  const gz = join(dir, "access.log.1.gz");
  writeFileSync(gz, gzipSync(`${lines[0]}\n`));

  it("counts per peer with chains, redirects, IPv6 and unix peers; bad lines counted and sampled", async () => {
    const s = await summarizeAccessLogs([plain], { format: FMT });
    expect(s).toMatchObject({ lines: 7, matched: 5, unmatched: 2 });
    expect(s.unmatchedSamples[0]).toBe("this is not an access log line");
    expect(s.byPeer["10.0.0.1:80"]).toMatchObject({
      requests: 2,
      s502: 1,
      failedInChain: 1,
      servedAfterRetry: 0,
    });
    expect(s.byPeer["10.0.0.2:80"]).toMatchObject({
      requests: 2,
      s502: 0,
      failedInChain: 0,
      servedAfterRetry: 1,
    });
    expect(s.byPeer["[::1]:8080"]).toMatchObject({ requests: 1, s504: 1 });
    expect(s.byPeer["[::1]:8080"]?.latency.response.p99).toBeCloseTo(60, 0);
    expect(s.byPeer["unix:/run/php/fpm.sock"]).toMatchObject({ requests: 1, s502: 1 });
    expect(s.byPeer["-"]).toBeUndefined();
    expect(s.totals).toMatchObject({ requests: 5, s502: 1, s504: 1, upstreamed: 4 });
    expect(s.byLocation["/api/"]).toMatchObject({ requests: 2, s504: 1 });
    expect(s.byLocation['/a"b']?.requests).toBe(1);
    expect(s.byMinute["2025-09-17T21:05Z"]).toMatchObject({ requests: 2, s504: 1 });
    expect(s.firstTime).toBe("2025-09-17T21:05:07.000Z");
  });

  it("applies the time window", async () => {
    const s = await summarizeAccessLogs([plain], {
      format: FMT,
      since: Date.UTC(2025, 8, 17, 21, 6),
      until: Date.UTC(2025, 8, 17, 21, 7),
    });
    expect(s.matched).toBe(2);
    expect(s.outOfWindow).toBe(3);
  });

  it("reads rotated gzip files oldest first and reports missing files as warnings", async () => {
    const s = await summarizeAccessLogs([plain, gz, join(dir, "missing.log")], { format: FMT });
    expect(s.files.slice(0, 2)).toEqual([gz, plain]);
    expect(s.matched).toBe(6);
    expect(s.warnings.map((w) => w.code)).toContain("unreadable");
  });

  it("first path segment as the default location", () => {
    expect(firstSegment("/api/users?x=1")).toBe("/api/");
    expect(firstSegment("/login?next=/x")).toBe("/login");
    expect(firstSegment("/")).toBe("/");
    expect(firstSegment("*")).toBe("(other)");
  });

  it("CLI: stdin, combined default, unknown format name and bad --escape are one-line errors", () => {
    const ok = runCli(
      ["access", "-", "--json"],
      '1.2.3.4 - - [17/Sep/2025:21:05:07 +0000] "GET / HTTP/1.1" 200 5 "-" "x"\n',
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).totals.requests).toBe(1);
    const bad = runCli(["access", plain, "--log-format", "nosuch"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toMatch(/unknown log format 'nosuch'/);
    expect(runCli(["access", plain, "--escape", "xml"]).code).toBe(2);
    const def = runCli([
      "access",
      plain,
      "--define-format",
      `up=${FMT}`,
      "--log-format",
      "up",
      "--timeout",
      "30",
    ]);
    expect(def.code).toBe(1);
    expect(def.stdout).toContain("[::1]:8080");
    expect(runCli(["access", "--help"]).stdout).toContain("Examples:");
  });
});

describe("segmentOfRequest", () => {
  it("gives the same location key as parsing the request line first", async () => {
    const { segmentOfRequest, firstSegment } = await import("../../src/evidence/access-log.js");
    const { parseRequestLine } = await import("../../src/nginx/logformat.js");
    const fc = (await import("fast-check")).default;
    const seg = fc.constantFrom("api", "v1", "", "static", "a b", "?", "#", "x?y");
    fc.assert(
      fc.property(
        fc.array(seg, { maxLength: 4 }),
        fc.constantFrom("", "?q=1", "#f"),
        fc.constantFrom(" HTTP/1.1", ""),
        (parts, tail, proto) => {
          const raw = `GET /${parts.join("/")}${tail}${proto}`;
          const fast = segmentOfRequest(raw);
          if (fast === null) return;
          const r = parseRequestLine(raw);
          expect(fast).toBe(r ? firstSegment(r.uri) : null);
        },
      ),
      { numRuns: 500 },
    );
  });
});
