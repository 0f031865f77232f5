// A small program written against the published package ("badgateway" resolves through package.json's
// exports to dist/types/index.d.ts). test/package/package.test.ts type-checks it with tsc; it is never run.
import {
  CAUSE_RULES,
  CLASS_INFO,
  type DiagnoseResult,
  diagnose,
  diagnoseJson,
  diagnoseMarkdown,
  diagnoseText,
  type ErrorClass,
  type Evidence,
  evidenceFromPaste,
  explainLine,
  type Finding,
  gatherEvidence,
  LINT_RULES,
  type LintResult,
  lintConfig,
  lintModel,
  loadConfig,
  modelFromText,
  type ProbeReport,
  parseConfig,
  probeConfig,
  renderSarif,
  resolveLogFormat,
  summarizeAccessLogs,
  summarizeErrorLogs,
  VERSION,
} from "badgateway";

export async function consumer(): Promise<string[]> {
  const out: string[] = [VERSION];
  const ev: Evidence = await gatherEvidence({ bundle: "examples/checkout-outage" });
  const result: DiagnoseResult = diagnose(ev);
  const top: Finding | undefined = result.findings[0];
  out.push(top?.id ?? "none", diagnoseText(result, { color: false }), diagnoseMarkdown(result));
  out.push(diagnoseJson(result, VERSION));
  out.push(
    String(diagnose(evidenceFromPaste("connect() failed (111: Connection refused)").evidence).exitCode),
  );
  const cls: ErrorClass | null = explainLine("x").class;
  if (cls) out.push(CLASS_INFO[cls].title);
  const errors = await summarizeErrorLogs(["error.log"], { since: Date.now() - 3_600_000 });
  const access = await summarizeAccessLogs(["access.log"], {
    format: resolveLogFormat("combined", null).format,
  });
  out.push(String(errors.lines + access.totals.requests));
  const parsed = parseConfig("events {}", { file: "nginx.conf" });
  out.push(
    String(parsed.parsed.length + parsed.errors.length + loadConfig("/etc/nginx/nginx.conf").config.length),
  );
  const { model } = modelFromText(
    "http { server { location / { proxy_pass http://127.0.0.1:9; } } }",
    "t.conf",
  );
  const lint: LintResult = lintConfig("/etc/nginx/nginx.conf", { disable: ["no-stub-status"] });
  out.push(renderSarif([...lint.findings, ...lintModel(model)]));
  const probes: ProbeReport = await probeConfig(model, { deadlineMs: 1000, concurrency: 2 });
  out.push(String(probes.results.length + CAUSE_RULES.length + LINT_RULES.length));
  return out;
}
