/**
 * Shared vocabulary of the rules layer. Every root-cause rule (src/rules/causes) and every lint rule
 * (src/rules/lint) produces Findings of this shape; renderers (src/report) only consume Findings.
 */

import type { TimeoutWhatIf } from "./what-if.js";

export type Severity = "error" | "warning" | "info";

/** A place in a file, e.g. a config directive or an error-log line. Lines are 1-based. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One piece of evidence behind a finding: a log count, a config directive, a probe result. */
export interface EvidenceItem {
  /** What kind of evidence: "error-log", "access-log", "config", "probe", "system". */
  source: string;
  /** One-line human summary, e.g. "412 × connect() refused to 127.0.0.1:3000 between 08:12 and 08:14". */
  summary: string;
  location?: SourceLocation;
  /** A few verbatim sample lines or values. */
  samples?: string[];
  /** Free-form machine-readable details. */
  data?: Record<string, unknown>;
}

export interface Finding {
  /** Stable machine-readable id of the rule, e.g. "upstream-down" or "proxy-pass-hostname-no-resolver". */
  id: string;
  title: string;
  severity: Severity;
  /** 0..1 for root causes; 1 for lint findings. */
  confidence: number;
  /** The HTTP status clients saw (or would see) because of this, when known. */
  status?: 502 | 503 | 504 | 500 | null;
  message: string;
  evidence: EvidenceItem[];
  /** What to change, concretely. */
  fix: string;
  /** How to check the fix worked: a command and the output to expect. */
  verify?: string;
  locations: SourceLocation[];
  /** Link or path to the rule's docs page (docs/rules/<id>.md). */
  docs: string;
  /** Timeout findings: what other timeouts would have done (see docs/what-if.md). */
  whatIf?: TimeoutWhatIf[];
}

/** Static description of a rule, in the spirit of ESLint's rule `meta`. */
export interface RuleMeta {
  id: string;
  title: string;
  /** "cause" rules explain incidents from Evidence; "lint" rules inspect configuration. */
  kind: "cause" | "lint";
  severity: Severity;
  /** Why this leads to 502/504, in one or two sentences. */
  description: string;
  /** nginx versions the rule's reasoning assumes, e.g. ">=1.18". */
  nginxVersions?: string;
}
