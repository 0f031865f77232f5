/**
 * The value readers of src/nginx/logformat.ts on exact inputs: nginx's escapes undone byte by byte (and left alone
 * where they are not escapes), upstream lists with retries and redirects, seconds, request lines and the three
 * time formats at their edges. Written to kill mutants Stryker left alive in the access-log format module.
 */
import { describe, expect, it } from "vitest";
import {
  escapeLogValue,
  parseMsec,
  parseRequestLine,
  parseTimeIso,
  parseTimeLocal,
  splitUpstreamList,
  unescapeDefault,
  unescapeJson,
} from "../../src/nginx/logformat.js";

describe("escape=default", () => {
  it("turns \\xHH into bytes and reads the bytes as UTF-8 when they are UTF-8", () => {
    expect(unescapeDefault("a\\x22b")).toBe('a"b');
    expect(unescapeDefault("\\x5C\\x5c")).toBe("\\\\");
    expect(unescapeDefault("caf\\xC3\\xA9")).toBe("café");
    expect(unescapeDefault("\\xE9t\\xE9")).toBe("\u00e9t\u00e9");
    expect(unescapeDefault("plain")).toBe("plain");
    expect(unescapeDefault("caf\u00c3\u00a9")).toBe("café");
  });

  it("leaves what is not an escape as written", () => {
    expect(unescapeDefault("\\xZZ\\x41")).toBe("\\xZZA");
    expect(unescapeDefault("end\\x4")).toBe("end\\x4");
    expect(unescapeDefault("end\\x")).toBe("end\\x");
    expect(unescapeDefault("\\x4G")).toBe("\\x4G");
    expect(unescapeDefault("\\x41\\x42")).toBe("AB");
    expect(unescapeDefault("ab\\x41")).toBe("abA");
  });

  it("writes values the way nginx does", () => {
    expect(escapeLogValue("", "default")).toBe("-");
    expect(escapeLogValue('a"b\\c\n\u007f~ ', "default")).toBe("a\\x22b\\x5Cc\\x0A\\x7F~ ");
    expect(escapeLogValue("é", "default")).toBe("\\xC3\\xA9");
    expect(escapeLogValue("\u001f", "default")).toBe("\\x1F");
    expect(escapeLogValue(" ", "default")).toBe(" ");
    expect(escapeLogValue('a"b', "none")).toBe('a"b');
    expect(escapeLogValue("é", "none")).toBe("é");
  });
});

describe("escape=json", () => {
  it("undoes every short escape and \\u, and leaves the rest", () => {
    expect(unescapeJson('\\"\\\\\\n\\r\\t\\b\\f\\/')).toBe('"\\\n\r\t\b\f/');
    expect(unescapeJson("\\u0041\\u00e9")).toBe("A\u00e9");
    expect(unescapeJson("\\u00G1")).toBe("\\u00G1");
    expect(unescapeJson("\\q")).toBe("\\q");
    expect(unescapeJson("end\\")).toBe("end\\");
    expect(unescapeJson("plain")).toBe("plain");
  });

  it("writes values the way nginx does", () => {
    expect(escapeLogValue('"\\\n\r\t\b\f\u0001x', "json")).toBe('\\"\\\\\\n\\r\\t\\b\\f\\u0001x');
    expect(escapeLogValue("\u001f \u007f", "json")).toBe("\\u001f \u007f");
    expect(escapeLogValue("é", "json")).toBe("é");
  });
});

describe("upstream lists and numbers", () => {
  it("splits peers by ', ' and groups by ' : ', with '-' as null", () => {
    expect(splitUpstreamList("-")).toEqual([]);
    expect(splitUpstreamList("")).toEqual([]);
    expect(splitUpstreamList("10.0.0.1:80")).toEqual([["10.0.0.1:80"]]);
    expect(splitUpstreamList("10.0.0.1:80, 10.0.0.2:80 : unix:/s")).toEqual([
      ["10.0.0.1:80", "10.0.0.2:80"],
      ["unix:/s"],
    ]);
    expect(splitUpstreamList("502, - : 200")).toEqual([["502", null], ["200"]]);
    expect(splitUpstreamList("1, ")).toEqual([["1", null]]);
  });

  it("cuts a request line at its first and last space", () => {
    expect(parseRequestLine("GET /a b HTTP/1.1")).toEqual({
      method: "GET",
      uri: "/a b",
      protocol: "HTTP/1.1",
    });
    expect(parseRequestLine("GET /")).toEqual({ method: "GET", uri: "/", protocol: "" });
    expect(parseRequestLine("GET")).toBeNull();
    expect(parseRequestLine(" /x HTTP/1.1")).toBeNull();
    expect(parseRequestLine("")).toBeNull();
  });
});

describe("times", () => {
  it("$time_local with its offset, east and west", () => {
    expect(parseTimeLocal("24/Nov/2026:13:36:30 +0000")).toBe(Date.UTC(2026, 10, 24, 13, 36, 30));
    expect(parseTimeLocal("24/Nov/2026:13:36:30 +0130")).toBe(Date.UTC(2026, 10, 24, 12, 6, 30));
    expect(parseTimeLocal("24/Nov/2026:13:36:30 -0500")).toBe(Date.UTC(2026, 10, 24, 18, 36, 30));
    expect(parseTimeLocal("01/Jan/2026:00:00:00 +0000")).toBe(Date.UTC(2026, 0, 1));
    expect(parseTimeLocal("31/Dec/2026:23:59:59 +0000")).toBe(Date.UTC(2026, 11, 31, 23, 59, 59));
    for (const [m, i] of [
      ["Feb", 1],
      ["Mar", 2],
      ["Apr", 3],
      ["May", 4],
      ["Jun", 5],
      ["Jul", 6],
      ["Aug", 7],
      ["Sep", 8],
      ["Oct", 9],
    ] as const)
      expect(parseTimeLocal(`01/${m}/2026:00:00:00 +0000`)).toBe(Date.UTC(2026, i, 1));
    expect(parseTimeLocal("24/Nov/2026:13:36:30 +000")).toBeNaN();
    expect(parseTimeLocal("24/Foo/2026:13:36:30 +0000")).toBeNaN();
  });

  it("$time_iso8601 and $msec", () => {
    expect(parseTimeIso("2026-11-24T13:36:30+01:00")).toBe(Date.UTC(2026, 10, 24, 12, 36, 30));
    expect(parseMsec("1700000000.123")).toBe(1700000000123);
    expect(parseMsec("x")).toBeNaN();
  });
});
