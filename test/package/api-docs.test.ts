import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const doc = readFileSync(join(root, "docs/api.md"), "utf8");
/** Every ```js block of docs/api.md, with the heading it stands under. */
const examples: Array<[string, string]> = [];
let heading = "";
for (const part of doc.split(/^```/m).entries()) {
  const [i, text] = part;
  if (i % 2 === 0) {
    const h = [...text.matchAll(/^## (.+)$/gm)].pop();
    if (h) heading = h[1] as string;
  } else if (text.startsWith("js\n")) examples.push([`${heading} #${examples.length + 1}`, text.slice(3)]);
}

function run(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [file], { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    p.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.stderr.on("data", (d: Buffer) => {
      out += d.toString();
    });
    p.on("close", (code) => resolve({ code, out }));
  });
}

describe("docs/api.md examples run against the built package", () => {
  const written: string[] = [];
  afterAll(() => {
    for (const f of written) rmSync(f, { force: true });
  });

  it("has an example for every public entry point", () => {
    const all = examples.map(([, code]) => code).join("\n");
    for (const name of [
      "gatherEvidence",
      "diagnose",
      "evidenceFromPaste",
      "explainLine",
      "summarizeErrorLogs",
      "summarizeAccessLogs",
      "resolveLogFormat",
      "parseConfig",
      "loadConfig",
      "buildModel",
      "lintConfig",
      "lintModel",
      "renderSarif",
      "probeConfig",
      "runProbes",
      "diagnoseText",
      "diagnoseMarkdown",
      "diagnoseJson",
      "diagnoseHtml",
      "CAUSE_RULES",
      "LINT_RULES",
      "CLASS_INFO",
      "planFixes",
      "applyEdits",
      "unifiedDiff",
      "EditableConfig",
    ])
      expect(all, name).toMatch(new RegExp(`\\b${name}\\(|\\b${name}\\b[.\\[]`));
  });

  it.each(examples)(
    "%s",
    async (name, code) => {
      // Inside the package directory, so `import … from "badgateway"` resolves to this package's exports.
      const file = join(root, "test/package", `.api-example-${name.replace(/\W+/g, "-")}.mjs`);
      writeFileSync(file, code);
      written.push(file);
      const r = await run(file);
      expect(r.out).toBe("");
      expect(r.code).toBe(0);
    },
    60_000,
  );
});
