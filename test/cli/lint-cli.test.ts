import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LINT_RULES } from "../../src/rules/lint/index.js";
import { runCli } from "../helpers/cli.js";

const require = createRequire(import.meta.url);
type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
// ajv-draft-04 is CommonJS with a default export; load it through require to keep the types simple.
const { default: Ajv } = require("ajv-draft-04") as {
  default: new (opts: Record<string, unknown>) => { compile(schema: object): Validator };
};
const fixtures = join(import.meta.dirname, "../../src/rules/lint");

let dir: string;
let conf: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "bg-lint-"));
  conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `events { worker_connections 256; }
http {
    upstream app { server 127.0.0.1:9000 down; }
    server {
        listen 127.0.0.1:8080;
        location / { proxy_pass http://app; }
        # badgateway-disable-next-line scheme-port-mismatch
        location /tls/ { proxy_pass http://127.0.0.1:443; }
        location /x/ { proxy_pass http://127.0.0.1:443; }
    }
}
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("badgateway lint", () => {
  it("reports file:line findings in text and exits 1 on errors", () => {
    const r = runCli(["lint", conf]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(conf);
    expect(r.stdout).toMatch(
      /3 +error +all 1 server\(s\) of upstream app are marked down +upstream-all-down/,
    );
    expect(r.stdout).toContain("fix:");
  });

  it("honours inline suppression comments for the next line only", () => {
    const j = JSON.parse(runCli(["lint", conf, "--json"]).stdout);
    const lines = j.findings
      .filter((f: { id: string }) => f.id === "scheme-port-mismatch")
      .map((f: { locations: Array<{ line: number }> }) => f.locations[0]?.line);
    expect(lines).toEqual([9]);
  });

  it("enables and disables rules by id and sets the failure threshold", () => {
    const only = JSON.parse(runCli(["lint", conf, "--json", "--enable", "worker-connections-small"]).stdout);
    expect(new Set(only.findings.map((f: { id: string }) => f.id))).toEqual(
      new Set(["worker-connections-small"]),
    );
    const r = runCli(["lint", conf, "--disable", "upstream-all-down"]);
    expect(r.code).toBe(0);
    expect(runCli(["lint", conf, "--disable", "upstream-all-down", "--fail-on", "warning"]).code).toBe(1);
    const bad = runCli(["lint", conf, "--disable", "no-such-rule"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown rule id no-such-rule");
  });

  it("lists every rule with --list-rules --json", () => {
    const list = JSON.parse(runCli(["lint", "--list-rules", "--json"]).stdout) as Array<{
      id: string;
      severity: string;
    }>;
    expect(list.map((r) => r.id).sort()).toEqual(LINT_RULES.map((r) => r.meta.id).sort());
    expect(list.length).toBe(23);
  });

  it("exits 2 with nginx-style file:line errors on a syntax error", () => {
    const broken = join(dir, "broken.conf");
    writeFileSync(broken, "http {\n  server {\n");
    const r = runCli(["lint", broken]);
    expect(r.code).toBe(2);
    // The failure reason goes to stderr, not into the report on stdout.
    expect(r.stderr).toContain(`${broken}:3: unexpected end of file, expecting "}"`);
    expect(r.stdout).not.toContain("unexpected end of file");
  });

  it("writes SARIF 2.1.0 that validates against the official schema", () => {
    const r = runCli(["lint", conf, "--format", "sarif"]);
    const log = JSON.parse(r.stdout);
    const schema = JSON.parse(
      readFileSync(require.resolve("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"), "utf8"),
    );
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const ok = validate(log);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(log.version).toBe("2.1.0");
    const results = log.runs[0].results as Array<{
      ruleId: string;
      locations: Array<{ physicalLocation: { region: { startLine: number } } }>;
    }>;
    expect(
      results.find((x) => x.ruleId === "upstream-all-down")?.locations[0]?.physicalLocation.region.startLine,
    ).toBe(3);
  });

  it("lints saved nginx -T output", () => {
    const t = `# configuration file ${conf}:\n${readFileSync(conf, "utf8")}\n`;
    const j = JSON.parse(runCli(["lint", "--nginx-t", "-", "--json"], t).stdout);
    expect(j.findings.some((f: { id: string }) => f.id === "upstream-all-down")).toBe(true);
  });

  it("finds nothing of a rule in its good fixture and something in its bad one (CLI round trip)", () => {
    const bad = JSON.parse(runCli(["lint", join(fixtures, "unknown-upstream", "bad.conf"), "--json"]).stdout);
    expect(bad.findings.find((f: { id: string }) => f.id === "unknown-upstream")?.message).toContain(
      'did you mean upstream "checkout_app"',
    );
  });
});

describe("docs/rules", () => {
  it("are generated from the rules and fixtures and up to date", () => {
    const r = spawnSync(
      process.execPath,
      [join(import.meta.dirname, "../../scripts/gen-rule-docs.mjs"), "--check"],
      { encoding: "utf8" },
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
