import { describe, expect, it } from "vitest";
import { UserError } from "../../src/cli/exit.js";
import { parseCountOption, parseDurationOption, parseWhen } from "../../src/cli/options.js";

describe("shared option parsers", () => {
  it("parseWhen: relative times count back from now, ISO times are absolute, anything else is a UserError", () => {
    const now = Date.parse("2026-12-06T12:00:00Z");
    expect(parseWhen("2h", now)).toBe(now - 2 * 3600_000);
    expect(parseWhen("30m", now)).toBe(now - 30 * 60_000);
    expect(parseWhen("90s", now)).toBe(now - 90_000);
    expect(parseWhen("1d", now)).toBe(now - 86_400_000);
    expect(parseWhen("2026-12-06T08:00:00Z", now)).toBe(Date.parse("2026-12-06T08:00:00Z"));
    expect(() => parseWhen("yesterday-ish", now)).toThrow(UserError);
    expect(() => parseWhen("2x", now)).toThrow(/cannot read the time '2x'/);
  });

  it("parseDurationOption and parseCountOption name the option in their refusals", () => {
    expect(parseDurationOption("--poll", "250ms")).toBe(250);
    expect(parseDurationOption("--poll", "2s")).toBe(2000);
    expect(parseDurationOption("--poll", "1m")).toBe(60_000);
    expect(parseDurationOption("--poll", "40")).toBe(40);
    expect(() => parseDurationOption("--poll", "0")).toThrow(/^--poll wants a positive duration/);
    expect(() => parseDurationOption("--poll", "2h")).toThrow(/^--poll /);
    expect(parseCountOption("--pid", "42", 100)).toBe(42);
    expect(() => parseCountOption("--pid", "101", 100)).toThrow(/^--pid wants a whole number from 1 to 100/);
    expect(() => parseCountOption("--pid", "4x", 100)).toThrow(UserError);
  });
});
