/**
 * The one way rules build a Finding and write a place: `finding()` fills the id, title, severity, status and
 * docs page from the rule's meta; `where()` writes `file:line` (or the file alone when the line is unknown)
 * for rules, messages and renderers alike.
 */
import type { Finding, RuleMeta, SourceLocation } from "./types.js";

/** The docs page of a rule, relative to the package root. */
export function docsFor(id: string): string {
  return `docs/rules/${id}.md`;
}

/** `file:line` of a directive, a config block or a source location; `file` alone without a line. */
export function where(at: { file: string; line?: number | null | undefined }): string {
  return at.line === undefined || at.line === null ? at.file : `${at.file}:${at.line}`;
}

/** The fields a rule's meta supplies to every one of its findings. */
export type FindingMeta = Pick<RuleMeta, "id" | "title" | "severity"> & { status?: Finding["status"] };

/** A Finding of the rule `meta`; `f.status` (when given) overrides the meta's typical status. */
export function finding(
  meta: FindingMeta,
  f: Omit<Finding, "id" | "title" | "severity" | "docs" | "status"> & { status?: Finding["status"] },
): Finding {
  return {
    id: meta.id,
    title: meta.title,
    severity: meta.severity,
    status: f.status ?? meta.status ?? null,
    docs: docsFor(meta.id),
    ...f,
  };
}

export type { SourceLocation };
