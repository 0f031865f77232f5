/** Renderers of `badgateway fix`: text (diffs coloured when asked) and JSON (docs/json.md#fix). */
import pc from "picocolors";
import type { FixOffer } from "../rules/fix/types.js";
import type { Finding } from "../rules/types.js";
import { unifiedDiff } from "./diff.js";
import { safeText } from "./terminal.js";

/** What the renderers need of a fix session (src/cli/commands/fix-session.ts). */
export interface FixReport {
  source: string;
  onDisk: boolean;
  main: string | null;
  nginx: { binary: string } | null;
  notValidated: string | null;
  findings: Finding[];
  offers: FixOffer[];
  /** Original texts of the configuration files (binary strings). */
  texts: Map<string, string>;
}

const STATUS_TEXT: Record<FixOffer["validation"]["status"], string> = {
  valid: "validated with nginx -t",
  invalid: "NOT OFFERED",
  "not-validated": "not validated",
  manual: "outside nginx's configuration",
};

function colourDiff(diff: string, c: ReturnType<typeof pc.createColors>): string {
  return diff
    .split("\n")
    .map((l) =>
      l.startsWith("+++") || l.startsWith("---")
        ? c.bold(safeText(l))
        : l.startsWith("@@")
          ? c.cyan(safeText(l))
          : l.startsWith("+")
            ? c.green(safeText(l))
            : l.startsWith("-")
              ? c.red(safeText(l))
              : safeText(l),
    )
    .join("\n");
}

/** Text report: one section per fix, the diff in `diff -u` form (pipe `--diff` output to `patch -p1 -d /`). */
export function fixText(s: FixReport, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const o: string[] = [];
  if (s.offers.length === 0) {
    o.push(
      s.findings.length
        ? `${s.findings.length} finding(s), none with a change badgateway can make (see \`badgateway diagnose\` / \`badgateway lint\` for the advice).`
        : "nothing to fix: no findings.",
    );
    return `${o.join("\n")}\n`;
  }
  for (const f of s.offers) {
    const st = f.validation.status;
    const tag =
      st === "valid"
        ? c.green(STATUS_TEXT[st])
        : st === "invalid"
          ? c.red(STATUS_TEXT[st])
          : c.yellow(STATUS_TEXT[st]);
    o.push(
      c.bold(`${safeText(f.plan.id)} — ${safeText(f.plan.title)}`),
      `  [${tag}]${f.validation.message && st === "invalid" ? ` ${safeText(f.validation.message)}` : ""}`,
    );
    o.push(`  ${safeText(f.plan.explanation)}`);
    if (f.offered) for (const d of f.diffs) o.push("", colourDiff(d.diff.replace(/\n$/, ""), c));
    if (f.plan.commands?.length) {
      o.push("", "  run yourself (badgateway does not run these):");
      for (const cmd of f.plan.commands) o.push(`    ${safeText(cmd)}`);
    }
    o.push("");
  }
  const offered = s.offers.filter((f) => f.offered && f.diffs.length);
  const refused = s.offers.filter((f) => !f.offered);
  o.push(
    `${offered.length} configuration change(s) offered, ${refused.length} not offered, ${s.offers.filter((f) => f.validation.status === "manual").length} outside the configuration.`,
  );
  if (s.notValidated && offered.length) o.push(c.yellow(`not validated: ${safeText(s.notValidated)}`));
  return `${o.join("\n")}\n`;
}

/**
 * All offered changes as one patch, one diff per file (`combined`: file → new text, from combineOffers), for
 * `patch -p1` from `/` (absolute paths) or from the directory relative paths start at. `names` maps a file to
 * the path the patch should write (its real path when it is a symbolic link: patch refuses links).
 */
export function fixPatch(s: FixReport, combined: Map<string, string>, names: Map<string, string>): string {
  return [...combined]
    .map(([file, text]) =>
      Buffer.from(unifiedDiff(names.get(file) ?? file, s.texts.get(file) as string, text), "latin1").toString(
        "utf8",
      ),
    )
    .join("");
}

export function fixJson(s: FixReport, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify(
    {
      source: s.source,
      onDisk: s.onDisk,
      main: s.main,
      nginx: s.nginx?.binary ?? null,
      validated: s.notValidated === null,
      notValidated: s.notValidated,
      fixes: s.offers.map((f) => ({
        id: f.plan.id,
        rule: f.plan.rule,
        title: f.plan.title,
        explanation: f.plan.explanation,
        offered: f.offered,
        validation: f.validation,
        files: f.diffs,
        commands: f.plan.commands ?? [],
      })),
      ...extra,
    },
    null,
    2,
  )}\n`;
}
