/**
 * Shape of the real-world corpus (test/fixtures/realworld/). This checks only that the fixtures are well
 * formed and sourced; how well badgateway classifies them is measured by the accuracy tests.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CLASSES } from "../../src/nginx/errorlog/taxonomy.js";
import { CAUSE_RULES } from "../../src/rules/causes/index.js";
import { INCIDENTS_DIR, loadErrorLines, loadIncidents } from "./corpus.js";

const CLASSES = new Set<string>(ERROR_CLASSES);
const CAUSES = new Set<string>(CAUSE_RULES.map((r) => r.meta.id));
const STATUSES = new Set<unknown>([502, 504, 500, null]);
const LINE_KEYS = ["class", "line", "source", "status", "why"];
const EXPECTED_KEYS = ["alsoAcceptable", "cause", "source", "why"];

/** A public address: https, a host, and no whitespace. */
function isUrl(s: unknown): boolean {
  if (typeof s !== "string" || /\s/.test(s)) return false;
  try {
    const u = new URL(s);
    return u.protocol === "https:" && u.hostname.includes(".");
  } catch {
    return false;
  }
}

describe("real-world error lines", () => {
  const lines = loadErrorLines();

  it("holds at least 300 published lines", () => {
    expect(lines.length).toBeGreaterThanOrEqual(300);
  });

  it("gives every line exactly the fields line, source, class, status and why", () => {
    const bad = lines.filter((l) => {
      const keys = Object.keys(l)
        .filter((k) => k !== "at")
        .sort();
      return keys.join() !== LINE_KEYS.join();
    });
    expect(bad.map((l) => l.at)).toEqual([]);
  });

  it("has a non-empty line and a one-sentence reason for each entry", () => {
    const bad = lines.filter(
      (l) =>
        typeof l.line !== "string" ||
        l.line.trim() === "" ||
        typeof l.why !== "string" ||
        l.why.trim().length < 15 ||
        l.why.includes("\n"),
    );
    expect(bad.map((l) => l.at)).toEqual([]);
  });

  it("records a source address for every line", () => {
    expect(lines.filter((l) => !isUrl(l.source)).map((l) => l.at)).toEqual([]);
  });

  it("uses only class ids of the taxonomy", () => {
    expect(lines.filter((l) => !CLASSES.has(l.class)).map((l) => `${l.at}: ${l.class}`)).toEqual([]);
  });

  it("uses only the statuses 502, 504, 500 and null", () => {
    expect(lines.filter((l) => !STATUSES.has(l.status)).map((l) => `${l.at}: ${l.status}`)).toEqual([]);
  });

  it("gives no status to lines that are not upstream failures", () => {
    const bad = lines.filter((l) => l.class === "not-upstream" && l.status !== null);
    expect(bad.map((l) => l.at)).toEqual([]);
  });

  it("gives each class only the statuses it can cause", () => {
    const allowed = (cls: string): unknown[] => {
      if (cls === "connect-timeout" || cls === "read-timeout" || cls === "send-timeout") return [504, null];
      if (cls === "worker-connections" || cls === "too-many-open-files") return [500, null];
      if (cls === "fastcgi-stderr" || cls === "not-upstream") return [null];
      return [502, null];
    };
    const bad = lines.filter((l) => !allowed(l.class).includes(l.status));
    expect(bad.map((l) => `${l.at}: ${l.class}/${l.status}`)).toEqual([]);
  });

  it("contains no line twice", () => {
    const seen = new Map<string, number>();
    const dups: string[] = [];
    for (const l of lines) {
      const first = seen.get(l.line);
      if (first !== undefined) dups.push(`${l.at} repeats ${first}`);
      else seen.set(l.line, l.at);
    }
    expect(dups).toEqual([]);
  });

  it("draws on many sources, at most 15 lines from any one", () => {
    const per = new Map<string, number>();
    for (const l of lines) per.set(l.source, (per.get(l.source) ?? 0) + 1);
    expect(per.size).toBeGreaterThanOrEqual(60);
    expect([...per].filter(([, n]) => n > 15)).toEqual([]);
  });

  it("covers most classes of the taxonomy", () => {
    const used = new Set(lines.map((l) => l.class));
    expect(used.size).toBeGreaterThanOrEqual(ERROR_CLASSES.length - 2);
  });
});

describe("real-world incidents", () => {
  const incidents = loadIncidents();

  it("holds at least 30 incidents", () => {
    expect(incidents.length).toBeGreaterThanOrEqual(30);
  });

  it("names every directory NN-short-name and gives it paste.txt and expected.json", () => {
    const dirs = readdirSync(INCIDENTS_DIR, { withFileTypes: true }).filter((d) => d.isDirectory());
    const bad = dirs
      .map((d) => d.name)
      .filter(
        (name) =>
          !/^\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*$/.test(name) ||
          !existsSync(path.join(INCIDENTS_DIR, name, "paste.txt")) ||
          !existsSync(path.join(INCIDENTS_DIR, name, "expected.json")),
      );
    expect(bad).toEqual([]);
  });

  it("has a non-empty paste for every incident", () => {
    expect(incidents.filter((i) => i.paste.trim() === "").map((i) => i.name)).toEqual([]);
  });

  it("gives every expected.json a source address, a known cause, a reason and known alternatives", () => {
    const bad = incidents
      .filter((i) => {
        const e = i.expected;
        return (
          Object.keys(e).sort().join() !== EXPECTED_KEYS.join() ||
          !isUrl(e.source) ||
          !CAUSES.has(e.cause) ||
          typeof e.why !== "string" ||
          e.why.trim().length < 20 ||
          !Array.isArray(e.alsoAcceptable) ||
          e.alsoAcceptable.some((c) => !CAUSES.has(c) || c === e.cause)
        );
      })
      .map((i) => i.name);
    expect(bad).toEqual([]);
  });

  it("takes every incident from a different thread", () => {
    const sources = incidents.map((i) => i.expected.source);
    expect(new Set(sources).size).toBe(sources.length);
  });
});
