/**
 * Every bundle under test/fixtures/causes/<id>/ goes through the real pipeline (gatherEvidence reads the
 * nginx.conf, error.log, access.log and probe.json; diagnose ranks the findings) and must give the top
 * finding, client status, evidence, fix and config locations its expect.json names.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { gatherEvidence } from "../../src/evidence/gather.js";
import { CAUSE_RULES } from "../../src/rules/causes/index.js";
import { diagnose } from "../../src/rules/diagnose.js";
import { runCli } from "../helpers/cli.js";

interface Expect {
  top: string | null;
  also?: string[];
  status: 502 | 503 | 504 | 500 | null;
  evidenceIncludes?: string[];
  fixIncludes?: string[];
  lines?: number[];
  exitCode?: 0 | 1 | 2;
  /** Rules this bundle is a near miss for: its evidence looks like theirs, and they must not fire. */
  notFor?: string[];
}

/**
 * Cause rules without a must-not-fire bundle yet. The test below fails when one gets a bundle and is still listed,
 * so the list only shrinks.
 */
const NO_NEAR_MISS_YET = new Set<string>([]);

const ROOT = resolve(import.meta.dirname, "../fixtures/causes");
const dirs = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe("cause bundles (gatherEvidence + diagnose)", () => {
  it("every cause rule has a bundle where it fires and one where it must not", () => {
    const wants = dirs.map((d) => JSON.parse(readFileSync(join(ROOT, d, "expect.json"), "utf8")) as Expect);
    const fires = new Set(wants.flatMap((w) => (w.top ? [w.top, ...(w.also ?? [])] : [])));
    const nearMiss = new Set(wants.flatMap((w) => w.notFor ?? []));
    const known = new Set(CAUSE_RULES.map((r) => r.meta.id));
    for (const id of nearMiss) expect(known.has(id), `notFor names an unknown rule ${id}`).toBe(true);
    for (const r of CAUSE_RULES) {
      const id = r.meta.id;
      // config-predicts reports under the id of the cause it predicts (its bundle is config-predicts/).
      if (id !== "config-predicts") expect(fires.has(id), `${id}: no bundle where it fires`).toBe(true);
      expect(nearMiss.has(id), `${id}: must-not-fire bundle`).toBe(!NO_NEAR_MISS_YET.has(id));
    }
  });

  it("has a bundle for every cause rule plus multi-cause and negative ones", () => {
    expect(dirs.length).toBe(52);
    // every cause rule is the top answer of at least one bundle
    const tops = new Set(
      dirs.map((d) => (JSON.parse(readFileSync(join(ROOT, d, "expect.json"), "utf8")) as Expect).top),
    );
    // config-predicts reports under the id of the cause it predicts (its bundle's top is no-live-upstreams).
    for (const r of CAUSE_RULES)
      if (r.meta.id !== "config-predicts") expect(tops.has(r.meta.id), r.meta.id).toBe(true);
  });

  for (const name of dirs) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const want = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8")) as Expect;
      const ev = await gatherEvidence({ bundle: dir });
      const r = diagnose(ev);
      const ids = r.findings.map((f) => f.id);
      for (const id of want.notFor ?? []) expect(ids, `${id} must not fire on ${name}`).not.toContain(id);
      if (want.top === null) {
        expect(ids).toEqual([]);
        expect(r.exitCode).toBe(want.exitCode ?? 0);
        return;
      }
      // exactly the expected causes: the unrelated and neighbouring lines in each log add no finding
      expect(ids, `findings: ${ids.join(", ")}`).toEqual([want.top, ...(want.also ?? [])]);
      expect(r.exitCode).toBe(1);
      const top = r.findings[0];
      if (!top) throw new Error("no finding");
      expect(top.status ?? null).toBe(want.status);
      const evidenceText = [
        top.message,
        ...top.evidence.flatMap((e) => [e.summary, ...(e.samples ?? [])]),
      ].join("\n");
      for (const s of want.evidenceIncludes ?? []) expect(evidenceText).toContain(s);
      for (const s of want.fixIncludes ?? []) expect(top.fix).toContain(s);
      expect(top.verify ?? "").not.toBe("");
      const conf = join(dir, "nginx.conf");
      for (const line of want.lines ?? []) expect(top.locations).toContainEqual({ file: conf, line });
    });
  }
});

describe("cause bundles through the built CLI (diagnose --bundle --json)", () => {
  for (const name of ["upstream-timeout", "multi-no-live-refused", "unix-socket-missing", "healthy"]) {
    it(name, () => {
      const dir = join(ROOT, name);
      const want = JSON.parse(readFileSync(join(dir, "expect.json"), "utf8")) as Expect;
      const r = runCli(["diagnose", "--bundle", dir, "--json"]);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      const out = JSON.parse(r.stdout) as {
        findings: Array<{ id: string; status: number | null; fix: string; verify?: string }>;
      };
      expect(r.code).toBe(want.top === null ? 0 : 1);
      expect(out.findings[0]?.id ?? null).toBe(want.top);
      if (want.top) {
        expect(out.findings[0]?.status ?? null).toBe(want.status);
        for (const s of want.fixIncludes ?? []) expect(out.findings[0]?.fix).toContain(s);
      }
    });
  }
});
