/**
 * Accuracy on evidence this project did not write: every published error line must get its labelled class, and
 * every published incident (pasted as the reporter posted it) must get its established root cause first.
 * Sources are beside each fixture (test/fixtures/realworld/). Figures are printed for the closing notes.
 */
import { describe, expect, it } from "vitest";
import { evidenceFromPaste } from "../../src/evidence/paste.js";
import { explainLine } from "../../src/nginx/errorlog/explain.js";
import { diagnose } from "../../src/rules/diagnose.js";
import { runCli } from "../helpers/cli.js";
import { loadErrorLines, loadIncidents } from "./corpus.js";

const lines = loadErrorLines();
const incidents = loadIncidents();

describe("published error lines", () => {
  it("every line is read as an nginx line and gets its labelled class", () => {
    const wrong: string[] = [];
    for (const l of lines) {
      const e = explainLine(l.line);
      const got = e.parsed ? e.class : null;
      if (got !== l.class) wrong.push(`${l.at}: ${l.class} expected, got ${got}: ${l.line.slice(0, 160)}`);
    }
    console.log(`real-world lines: class right for ${lines.length - wrong.length}/${lines.length}`);
    expect(wrong).toEqual([]);
  });

  it("the client status is right for nearly every line (what the line decides; null where it decides none)", () => {
    const wrong = lines.filter((l) => (explainLine(l.line).status ?? null) !== (l.status ?? null));
    console.log(
      `real-world lines: class and status right for ${lines.length - wrong.length}/${lines.length}`,
    );
    expect(wrong.length / lines.length).toBeLessThanOrEqual(0.12);
  });

  it("a partial line says what it could not see", () => {
    const partial = lines.map((l) => explainLine(l.line)).filter((e) => e.parsed && e.shape !== "full");
    expect(partial.length).toBeGreaterThan(50);
    for (const e of partial) {
      expect(e.confidence, e.input).not.toBe("high");
      expect(e.missing.length + e.redacted.length, e.input).toBeGreaterThan(0);
    }
  });
});

describe("published incidents, pasted as posted (diagnose --paste)", () => {
  for (const inc of incidents) {
    it(inc.name, () => {
      const { evidence } = evidenceFromPaste(inc.paste);
      const r = diagnose(evidence);
      const accepted = [inc.expected.cause, ...inc.expected.alsoAcceptable];
      const ids = r.findings.map((f) => f.id);
      expect(accepted, `findings: ${ids.join(", ") || "none"} (${inc.expected.source})`).toContain(ids[0]);
      // An answer from fragments is never certain.
      expect(r.findings[0]?.confidence ?? 1).toBeLessThan(0.95);
    });
  }

  it("through the CLI: reads stdin, answers, and says what it used and ignored", () => {
    const inc =
      incidents.find(
        (i) => i.expected.cause === "wrong-port" || i.expected.alsoAcceptable.includes("wrong-port"),
      ) ?? incidents[0];
    if (!inc) throw new Error("no incidents");
    const res = runCli(["diagnose", "--paste", "--json"], inc.paste);
    expect(res.code, res.stderr).toBe(1);
    const doc = JSON.parse(res.stdout) as {
      findings: Array<{ id: string }>;
      paste: { used: Record<string, number>; ignored: { lines: number } };
    };
    expect([inc.expected.cause, ...inc.expected.alsoAcceptable]).toContain(doc.findings[0]?.id);
    expect(Object.values(doc.paste.used).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(typeof doc.paste.ignored.lines).toBe("number");
  });

  it("an empty paste is an error, not an all-clear", () => {
    const res = runCli(["diagnose", "--paste"], "\n\n");
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/paste is empty/);
    const prose = runCli(["diagnose", "--paste"], "it is broken since this morning, please help\n");
    expect(prose.code).toBe(2);
    // Only lines that are not upstream failures: "not in what you pasted", never an all-clear.
    const noise = runCli(
      ["diagnose", "--paste"],
      "2024/01/01 00:00:00 [info] 1#1: *1 client prematurely closed connection while reading client request line, client: 10.0.0.1\n",
    );
    expect(noise.code).toBe(2);
    expect(noise.stdout + noise.stderr).toMatch(/nothing in the paste shows an upstream failure/);
  });
});
