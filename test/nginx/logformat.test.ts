import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COMBINED_FORMAT,
  compileLogFormat,
  escapeLogValue,
  type LogEscape,
  parseRequestLine,
  parseTimeLocal,
  splitUpstreamList,
  tokenizeLogFormat,
} from "../../src/nginx/logformat.js";

const UPSTREAM =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  "$upstream_addr $upstream_status $upstream_response_time $request_time";

describe("tokenizeLogFormat", () => {
  it("splits $var and {braced} var forms and keeps literals", () => {
    const t = tokenizeLogFormat(["a=$", "{host}x $status-"].join(""));
    expect(t).toEqual([
      { literal: "a=", name: "host" },
      { literal: "x ", name: "status" },
      { literal: "-", name: null },
    ]);
  });
  it("keeps a lone $ as literal text", () => {
    expect(tokenizeLogFormat("cost $ $status").map((x) => x.name)).toEqual(["status", null]);
  });
});

describe("compileLogFormat", () => {
  it("parses the predefined combined format", () => {
    const f = compileLogFormat(COMBINED_FORMAT);
    const r = f.parse(
      '172.16.4.9 - ops [17/Sep/2025:21:05:07 +0000] "PUT /v2/cart HTTP/2.0" 502 559 "-" "Mozilla/5.0 (X11; Linux)"',
    );
    expect(r).toMatchObject({
      remote_addr: "172.16.4.9",
      status: "502",
      request: "PUT /v2/cart HTTP/2.0",
      http_user_agent: "Mozilla/5.0 (X11; Linux)",
    });
    expect(parseTimeLocal(r?.time_local as string)).toBe(Date.UTC(2025, 8, 17, 21, 5, 7));
  });

  it("concatenates multi-part directive args like nginx", () => {
    const f = compileLogFormat({
      format: ["$remote_addr [$time_local] ", '"$request" $status ', "up=$upstream_addr"],
    });
    expect(f.vars).toEqual(["remote_addr", "time_local", "request", "status", "upstream_addr"]);
    expect(
      f.parse('::1 [24/Nov/2026:13:00:00 +0100] "GET / HTTP/1.1" 200 up=[::1]:8080')?.upstream_addr,
    ).toBe("[::1]:8080");
  });

  it("keeps multi-valued upstream lists whole even with a plain space separator", () => {
    const f = compileLogFormat(UPSTREAM);
    const line =
      '10.1.1.1 - - [24/Nov/2026:13:36:30 +0000] "GET /api/x HTTP/1.1" 200 5 "-" "curl/8" 10.0.0.1:80, 10.0.0.2:80 : unix:/run/app.sock 502, 200 : 404 0.001, 0.010 : - 0.020';
    const r = f.parse(line);
    expect(r?.upstream_addr).toBe("10.0.0.1:80, 10.0.0.2:80 : unix:/run/app.sock");
    expect(r?.upstream_status).toBe("502, 200 : 404");
    expect(r?.upstream_response_time).toBe("0.001, 0.010 : -");
    expect(r?.request_time).toBe("0.020");
    expect(splitUpstreamList(r?.upstream_addr as string)).toEqual([
      ["10.0.0.1:80", "10.0.0.2:80"],
      ["unix:/run/app.sock"],
    ]);
    expect(splitUpstreamList("-")).toEqual([]);
    expect(splitUpstreamList("10.0.0.1:80, -")).toEqual([["10.0.0.1:80", null]]);
  });

  it("handles default escaping of quotes inside $request", () => {
    const f = compileLogFormat(COMBINED_FORMAT);
    const r = f.parse(
      '1.2.3.4 - - [24/Nov/2026:13:36:30 +0000] "GET /a\\x22b\\x5C HTTP/1.1" 400 0 "-" "\\xE2\\x9C\\x93 ua"',
    );
    expect(r?.request).toBe('GET /a"b\\ HTTP/1.1');
    expect(r?.http_user_agent).toBe("✓ ua");
  });

  it("handles json escaping", () => {
    const f = compileLogFormat({
      format: '{"req":"$request","s":"$status","ua":"$http_user_agent"}',
      escape: "json",
    });
    const r = f.parse('{"req":"GET /\\"x\\\\\\" HTTP/1.1","s":"200","ua":"a\\u0001\\nb"}');
    expect(r?.request).toBe('GET /"x\\" HTTP/1.1');
    expect(r?.http_user_agent).toBe("a\u0001\nb");
  });

  it("rejects lines that do not match, never throws", () => {
    const f = compileLogFormat(UPSTREAM);
    for (const bad of ["", "garbage", '1.2.3.4 - - [bad time] "GET / HTTP/1.1" 200', "\u0000\u0001"]) {
      expect(f.parse(bad)).toBeNull();
    }
  });

  it("splits $request into method, uri and protocol", () => {
    expect(parseRequestLine("GET /a b HTTP/1.1")).toEqual({
      method: "GET",
      uri: "/a b",
      protocol: "HTTP/1.1",
    });
    expect(parseRequestLine("-")).toBeNull();
  });

  it("round-trips random values written with nginx's escape rules (property)", () => {
    for (const mode of ["default", "json"] as LogEscape[]) {
      const f = compileLogFormat({
        format: '$remote_addr "$request" $status "$http_user_agent" $upstream_addr',
        escape: mode,
      });
      fc.assert(
        fc.property(
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
          fc.constantFrom("10.0.0.1:80", "10.0.0.1:80, [::1]:81", "unix:/a : 10.0.0.2:8080"),
          (req, ua, up) => {
            const line = `127.0.0.1 "${escapeLogValue(req, mode)}" 200 "${escapeLogValue(ua, mode)}" ${up}`;
            const r = f.parse(line);
            expect(r).not.toBeNull();
            expect(r?.request).toBe(req);
            expect(r?.http_user_agent).toBe(ua);
            expect(r?.upstream_addr).toBe(up);
          },
        ),
        { numRuns: 300 },
      );
    }
  });
});
