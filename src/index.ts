/**
 * badgateway's public library API: named exports only, documented in docs/api.md (each example there is run by
 * test/package/api-docs.test.ts). Everything not exported here is internal and may change without notice.
 * Pipeline: collectors (src/evidence) → Evidence → rules (src/rules) → Findings → renderers (src/report).
 */
import { loadConfig } from "./evidence/config-loader.js";
import { type RunOptions as ProbeRunOptions, runProbes } from "./evidence/probes/run.js";
import { targetsFromModel } from "./evidence/probes/targets.js";
import type { ProbeReport } from "./evidence/probes/types.js";
import type { ConfigModel } from "./nginx/config/model.js";
import { buildModel } from "./nginx/config/model.js";
import type { ConfigPayload, PayloadError } from "./nginx/config/payload.js";
import { toSarif } from "./report/sarif.js";
import { LINT_RULES } from "./rules/lint/index.js";
import { collectSuppressions, type LintOptions, lintModel } from "./rules/lint/run.js";
import type { Finding } from "./rules/types.js";

/** The package version. */
export const VERSION: string = __BADGATEWAY_VERSION__;

// Evidence: what the collectors read (the only layer doing I/O).
export type { AccessOptions, AccessSummary } from "./evidence/access-log.js";
export { summarizeAccessLogs } from "./evidence/access-log.js";
export { loadConfig, loadNginxT } from "./evidence/config-loader.js";
export type { ErrorLogOptions, ErrorLogSummary } from "./evidence/error-log.js";
export { summarizeErrorLogs } from "./evidence/error-log.js";
export type { GatherOptions } from "./evidence/gather.js";
export { gatherEvidence } from "./evidence/gather.js";
export type { KubectlOptions } from "./evidence/kubectl.js";
export { evidenceFromPaste } from "./evidence/paste.js";
export type { RunOptions as ProbeOptions } from "./evidence/probes/run.js";
export { runProbes } from "./evidence/probes/run.js";
export { parseTargetSpec, targetsFromModel } from "./evidence/probes/targets.js";
export type { ProbeReport, ProbeResult, ProbeTarget } from "./evidence/probes/types.js";
export type {
  ConfigEvidence,
  ErrorGroup,
  ErrorLogEvidence,
  Evidence,
  IngressEvidence,
  K8sEndpoint,
  K8sPod,
  K8sService,
  PasteReport,
  ProbeFact,
} from "./evidence/types.js";
export { emptyEvidence } from "./evidence/types.js";
export type { Edit } from "./nginx/config/edits.js";
export { applyEdits, EditError } from "./nginx/config/edits.js";
// nginx knowledge (pure).
export type { LogFormatDef } from "./nginx/config/logs.js";
export { resolveLogFormat, UnknownLogFormatError } from "./nginx/config/logs.js";
export type {
  ConfigModel,
  Directive,
  Effective,
  LocationBlock,
  Scope,
  ServerBlock,
  UpstreamBlock,
} from "./nginx/config/model.js";
export { buildModel, effective, matchLocation, matchServer, modelFromText } from "./nginx/config/model.js";
export type { ConfNode, ParseError, ParseOptions, Span } from "./nginx/config/parser.js";
export { parseConfig } from "./nginx/config/parser.js";
export type { ConfigFile, ConfigPayload, CrossplaneJson, PayloadError } from "./nginx/config/payload.js";
export { payloadFromNginxT, toCrossplaneJson } from "./nginx/config/payload.js";
export type { NewDirective } from "./nginx/config/writer.js";
export { EditableConfig } from "./nginx/config/writer.js";
export type { ClassInfo } from "./nginx/errorlog/catalogue.js";
export { CLASS_INFO } from "./nginx/errorlog/catalogue.js";
export type { LineExplanation } from "./nginx/errorlog/explain.js";
export { explainLine } from "./nginx/errorlog/explain.js";
export type { ErrorLevel, ErrorLine } from "./nginx/errorlog/grammar.js";
export type { Classification, ErrorClass } from "./nginx/errorlog/taxonomy.js";
export { ERROR_CLASSES } from "./nginx/errorlog/taxonomy.js";
export type {
  IngressAccessSummary,
  IngressLogFormat,
  IngressRoute,
  ServiceRef,
} from "./nginx/ingress.js";
export {
  detectIngressFormat,
  INGRESS_LOG_FORMATS,
  ingressRoutes,
  parseUpstreamName,
} from "./nginx/ingress.js";
export type { LogEscape } from "./nginx/logformat.js";
export { COMBINED_FORMAT } from "./nginx/logformat.js";

// Renderers: they return strings.
export { diagnoseJson, diagnoseMarkdown, diagnoseText } from "./report/diagnose.js";
export { unifiedDiff } from "./report/diff.js";
export type { HtmlReportOptions } from "./report/html.js";
export { diagnoseHtml } from "./report/html.js";

// Rules.
export { CAUSE_RULES } from "./rules/causes/index.js";
export type { CauseContext, CauseMeta, CauseRule } from "./rules/causes/types.js";
export type { DiagnoseResult } from "./rules/diagnose.js";
export { diagnose } from "./rules/diagnose.js";
export type { CauseFix, FixContext, FixPlan, LintFix } from "./rules/fix/index.js";
export { CAUSE_FIXES, LINT_FIXES, planFixes } from "./rules/fix/index.js";
export { LINT_RULES } from "./rules/lint/index.js";
export type { LintOptions } from "./rules/lint/run.js";
export { lintModel } from "./rules/lint/run.js";
export type { LintMeta, LintReport, LintRule } from "./rules/lint/types.js";
export type { EvidenceItem, Finding, RuleMeta, Severity, SourceLocation } from "./rules/types.js";

/** What `lintConfig` returns: the findings, and the files and errors of the configuration it read. */
export interface LintResult {
  findings: Finding[];
  files: string[];
  errors: PayloadError[];
}

/**
 * Lints a configuration: a main file on disk (includes followed, like `badgateway lint FILE`) or a payload
 * already loaded. Inline `# badgateway-disable-next-line <id>` comments are honoured.
 */
export function lintConfig(
  input: string | ConfigPayload,
  opts: LintOptions & { nginxVersion?: string } = {},
): LintResult {
  const payload = typeof input === "string" ? loadConfig(input, { comments: true }) : input;
  const model = buildModel(payload, opts.nginxVersion ? { version: opts.nginxVersion } : {});
  const findings = lintModel(model, { ...opts, suppressions: collectSuppressions(payload) });
  return { findings, files: payload.config.map((c) => c.file), errors: payload.errors };
}

/** Probes every upstream a configuration model points at (like `badgateway probe --config`). */
export function probeConfig(
  model: ConfigModel,
  opts: ProbeRunOptions & { capMs?: number } = {},
): Promise<ProbeReport> {
  const { capMs, ...run } = opts;
  return runProbes(targetsFromModel(model, capMs !== undefined ? { capMs } : {}), run);
}

/** Lint findings as a SARIF 2.1.0 document (JSON text), as `badgateway lint --format sarif` prints it. */
export function renderSarif(findings: Finding[], cwd: string = process.cwd()): string {
  return `${JSON.stringify(
    toSarif(
      findings,
      LINT_RULES.map((r) => r.meta),
      VERSION,
      cwd,
    ),
    null,
    2,
  )}\n`;
}
