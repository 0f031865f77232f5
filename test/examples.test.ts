/** Every bundled example incident is diagnosed offline (no nginx, no network) with its recorded cause first. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const root = join(import.meta.dirname, "..", "examples");

describe("examples/", () => {
  for (const name of readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)) {
    const meta = JSON.parse(readFileSync(join(root, name, "bundle.json"), "utf8")) as { expected?: string };
    it(`${name} → ${meta.expected}`, () => {
      const r = runCli(["diagnose", "--bundle", join(root, name), "--json"]);
      expect(r.code).toBe(1);
      const j = JSON.parse(r.stdout) as { findings: Array<{ id: string }>; basis: { mode: string } };
      expect(j.basis.mode).toBe("bundle");
      expect(j.findings[0]?.id).toBe(meta.expected);
    });
  }
});
