/**
 * Renderers for a diagnosis: terminal text (answer first, evidence below), Markdown for tickets, and
 * the JSON document described in docs/json.md. All return strings; the CLI decides where they go.
 */
import pc from "picocolors";
import type { DiagnoseResult } from "../rules/diagnose.js";
import { where } from "../rules/finding.js";
import type { Finding } from "../rules/types.js";
import { whatIfLines } from "../rules/what-if.js";
import { safeText } from "./terminal.js";

type Colors = ReturnType<typeof pc.createColors>;

export const DIAGNOSE_SCHEMA_VERSION = 1;

export function diagnoseJson(r: DiagnoseResult, version: string): string {
  return `${JSON.stringify(
    {
      schemaVersion: DIAGNOSE_SCHEMA_VERSION,
      tool: { name: "badgateway", version },
      exitCode: r.exitCode,
      basis: r.basis,
      findings: r.findings,
      missing: r.missing,
      warnings: r.warnings,
      ...(r.paste ? { paste: r.paste } : {}),
    },
    null,
    2,
  )}\n`;
}

function statusText(f: Finding): string {
  if (f.status === 502) return "clients got 502 Bad Gateway";
  if (f.status === 503) return "clients got 503 Service Unavailable";
  if (f.status === 504) return "clients got 504 Gateway Timeout";
  if (f.status === 500) return "clients got 500 Internal Server Error";
  return "";
}

function basisLines(r: DiagnoseResult): string[] {
  const b = r.basis;
  const out: string[] = [];
  if (b.config) out.push(`config: ${b.config}`);
  if (b.errorLog)
    out.push(
      `error log: ${b.errorLog.files.join(", ")} — ${b.errorLog.lines} lines, ${b.errorLog.upstreamErrors} upstream errors${b.errorLog.first ? ` (${b.errorLog.first} → ${b.errorLog.last})` : ""}`,
    );
  if (b.accessLog)
    out.push(
      `access log: ${b.accessLog.files.join(", ")} — ${b.accessLog.requests} requests, ${b.accessLog.s502} × 502, ${b.accessLog.s504} × 504`,
    );
  if (b.kubernetes) {
    const k = b.kubernetes;
    out.push(
      `kubernetes: ${k.controller ? `controller ${k.controller.namespace}/${k.controller.pods.join(", ")}${k.context ? ` (context ${k.context})` : ""}, ` : ""}${k.upstreams} ingress upstream name(s), ${k.services.length} Service(s) looked up`,
    );
  }
  if (b.probes !== null)
    out.push(`${b.mode === "paste" ? "facts from command output" : "probes"}: ${b.probes} checks`);
  if (r.paste) {
    const used = Object.entries(r.paste.used)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    out.push(`paste: used ${used || "nothing"}; ignored ${r.paste.ignored.lines} line(s)`);
    for (const f of r.paste.facts) out.push(`  ${f}`);
    for (const s of r.paste.ignored.samples) out.push(`  ignored: ${s}`);
  }
  if (b.nginxVersion) out.push(`nginx ${b.nginxVersion}`);
  return out;
}

/** Terminal report. `color` false gives plain text (NO_COLOR, pipes). */
export function diagnoseText(r: DiagnoseResult, opts: { color: boolean; verbose?: boolean }): string {
  const c: Colors = pc.createColors(opts.color);
  const lines: string[] = [];
  const top = r.findings[0];
  if (r.exitCode === 2) {
    lines.push(c.bold(c.red("Could not diagnose: no usable evidence.")));
    for (const m of r.missing) lines.push(`  - ${safeText(m)}`);
    lines.push(
      "",
      "Give an error log (--error-log), an access log (--access-log), a configuration (--config/--nginx-t) or a bundle (--bundle DIR).",
    );
    return `${lines.join("\n")}\n`;
  }
  if (!top) {
    lines.push(c.bold(c.green("No upstream failures found in the evidence.")));
  } else {
    lines.push(
      `${c.bold(top.severity === "error" ? c.red("Root cause:") : c.yellow("Likely:"))} ${c.bold(safeText(top.title))} ${c.dim(`[${top.id}, confidence ${Math.round(top.confidence * 100)}%]`)}`,
    );
    lines.push(`  ${safeText(top.message)}`);
    lines.push(`  ${c.bold("Fix:")} ${safeText(top.fix)}`);
    if (top.verify) lines.push(`  ${c.bold("Verify:")} ${safeText(top.verify)}`);
  }
  r.findings.forEach((f, i) => {
    if (i === 0 && !opts.verbose) {
      lines.push("", c.bold("Evidence:"));
    } else {
      lines.push(
        "",
        `${c.bold(`${i + 1}. ${safeText(f.title)}`)} ${c.dim(`[${f.id}, ${Math.round(f.confidence * 100)}%]`)}${statusText(f) ? c.dim(` — ${statusText(f)}`) : ""}`,
      );
      if (i > 0) {
        lines.push(`   ${safeText(f.message)}`);
        lines.push(`   ${c.bold("Fix:")} ${safeText(f.fix)}`);
        if (f.verify) lines.push(`   ${c.bold("Verify:")} ${safeText(f.verify)}`);
      }
    }
    for (const e of f.evidence.slice(0, opts.verbose ? 20 : 6)) {
      const at = e.location ? c.dim(` (${safeText(where(e.location))})`) : "";
      lines.push(`   ${c.cyan("•")} ${c.dim(`${safeText(e.source)}:`)} ${safeText(e.summary)}${at}`);
      for (const s of (e.samples ?? []).slice(0, opts.verbose ? 3 : 1))
        lines.push(`       ${c.dim(safeText(s.length > 220 ? `${s.slice(0, 220)}…` : s))}`);
    }
    for (const w of f.whatIf ?? []) {
      const [head, ...rest] = whatIfLines(w);
      lines.push(`   ${c.cyan("•")} ${c.bold(safeText(head ?? ""))}`);
      for (const l of rest) lines.push(`       ${safeText(l)}`);
    }
  });
  const basis = basisLines(r);
  if (basis.length) lines.push("", c.dim("Based on:"), ...basis.map((b) => c.dim(`  ${safeText(b)}`)));
  if (r.missing.length)
    lines.push(c.dim("Not available:"), ...r.missing.map((m) => c.dim(`  ${safeText(m)}`)));
  if (r.warnings.length) lines.push(c.yellow("Warnings:"), ...r.warnings.map((w) => `  ${safeText(w)}`));
  return `${lines.join("\n")}\n`;
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** Markdown for pasting into a ticket or incident channel. */
export function diagnoseMarkdown(r: DiagnoseResult): string {
  const out: string[] = ["# badgateway diagnosis", ""];
  if (r.exitCode === 2) {
    out.push("**Could not diagnose:** no usable evidence.", "", ...r.missing.map((m) => `- ${m}`));
    return `${out.join("\n")}\n`;
  }
  if (r.findings.length === 0) out.push("No upstream failures found in the evidence.", "");
  else {
    out.push("| # | cause | id | confidence | clients saw |", "|---|---|---|---|---|");
    for (const [i, f] of r.findings.entries())
      out.push(
        `| ${i + 1} | ${mdEscape(f.title)} | \`${f.id}\` | ${Math.round(f.confidence * 100)}% | ${f.status ?? "—"} |`,
      );
    out.push("");
  }
  r.findings.forEach((f, i) => {
    out.push(`## ${i + 1}. ${f.title} (\`${f.id}\`)`, "", f.message, "", `**Fix:** ${f.fix}`, "");
    if (f.verify) out.push(`**Verify:** ${f.verify}`, "");
    if (f.locations.length)
      out.push(`**Where:** ${f.locations.map((l) => `\`${where(l)}\``).join(", ")}`, "");
    out.push("**Evidence:**", "");
    for (const e of f.evidence) {
      out.push(`- ${e.source}: ${e.summary}`);
      const s = e.samples?.[0];
      if (s) out.push("", "  ```", `  ${s}`, "  ```");
    }
    for (const w of f.whatIf ?? []) {
      const [head, ...rest] = whatIfLines(w);
      out.push("", `**${head ?? ""}**`, "", ...rest.map((l) => `- ${l}`));
    }
    out.push("");
  });
  const basis = basisLines(r);
  if (basis.length) out.push("## Based on", "", ...basis.map((b) => `- ${b}`), "");
  if (r.missing.length) out.push("## Not available", "", ...r.missing.map((m) => `- ${m}`), "");
  return `${out.join("\n")}\n`;
}
