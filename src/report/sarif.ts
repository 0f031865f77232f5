/**
 * SARIF 2.1.0 for lint findings, in the subset GitHub code scanning reads: one run, the rules with help
 * links, results with a physical location (file relative to the working directory when possible).
 */
import type * as Sarif from "sarif";
import type { LintMeta } from "../rules/lint/types.js";
import type { Finding, Severity } from "../rules/types.js";

const LEVEL: Record<Severity, Sarif.Result.level> = { error: "error", warning: "warning", info: "note" };
const DOCS = "https://github.com/badgateway/badgateway/blob/main/docs/rules";

function uri(file: string, cwd: string): string {
  const rel = file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
  return rel.startsWith("/") ? `file://${rel}` : rel;
}

export function toSarif(
  findings: Finding[],
  rules: LintMeta[],
  version: string,
  cwd = process.cwd(),
): Sarif.Log {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "badgateway",
            version,
            informationUri: "https://github.com/badgateway/badgateway",
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase()),
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: `${r.why}\nFix: ${r.fix}`, markdown: `${r.why}\n\n**Fix:** ${r.fix}` },
              helpUri: `${DOCS}/${r.id}.md`,
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: { tags: ["nginx", "reliability", "502", "504"] },
            })),
          },
        },
        results: findings.map((f) => {
          const loc = f.locations[0];
          const result: Sarif.Result = {
            ruleId: f.id,
            level: LEVEL[f.severity],
            message: { text: `${f.message}. Fix: ${f.fix}` },
            locations: loc
              ? [
                  {
                    physicalLocation: {
                      artifactLocation: { uri: uri(loc.file, cwd) },
                      region: { startLine: Math.max(1, loc.line ?? 1) },
                    },
                  },
                ]
              : [],
          };
          const i = index.get(f.id);
          if (i !== undefined) result.ruleIndex = i;
          return result;
        }),
      },
    ],
  };
}
