#!/usr/bin/env node
// Writes docs/rules/<id>.md for every lint and cause rule from the rule's own metadata and, for lint rules, its
// fixtures (src/rules/lint/<id>/bad*.conf and good*.conf: bad.conf and good.conf, else the first of each, are shown), plus docs/rules/README.md. `--check` exits 1 when a page
// is missing or out of date (the test suite runs it). Run `npm run build` first.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CAUSE_RULES, CLASS_INFO, LINT_RULES } from "../dist/index.js";

const root = join(import.meta.dirname, "..");
const dir = join(root, "docs", "rules");
const check = process.argv.includes("--check");
const pages = new Map();

const strip = (conf) =>
  conf
    .replace(/^# badgateway lint fixture\n/, "")
    .replace(/ *# expect: [\w-]+/g, "")
    .replace(/__PREFIX__/g, "/var/log/nginx/..")
    .trimEnd();
const status = (s) =>
  s === 502
    ? "502 Bad Gateway"
    : s === 503
      ? "503 Service Unavailable"
      : s === 504
        ? "504 Gateway Timeout"
        : s === 500
          ? "500 Internal Server Error"
          : "—";

for (const r of LINT_RULES) {
  const m = r.meta;
  const fx = join(root, "src", "rules", "lint", m.id);
  // `bad.conf`/`good.conf` when present, else the first case by name.
  const first = (kind) =>
    existsSync(join(fx, `${kind}.conf`))
      ? `${kind}.conf`
      : readdirSync(fx)
          .filter((f) => f.startsWith(kind) && f.endsWith(".conf"))
          .sort()[0];
  const bad = strip(readFileSync(join(fx, first("bad")), "utf8"));
  const good = strip(readFileSync(join(fx, first("good")), "utf8"));
  pages.set(
    `${m.id}.md`,
    `# ${m.id}

**${m.title}** — lint rule, severity \`${m.severity}\`, clients get: ${status(m.status ?? null)}.

## Why it leads to 502/504

${m.description}

## Bad

\`\`\`nginx
${bad}
\`\`\`

## Good

\`\`\`nginx
${good}
\`\`\`

(The good example is accepted by a real \`nginx -t\` in the test suite.)

## Fix

${m.fix}

## Versions

${m.nginxVersions ?? "all"}

Disable for one line with \`# badgateway-disable-next-line ${m.id}\`, or for a run with \`--disable ${m.id}\`.
`,
  );
}

// Cause pages written by hand (first line HAND_WRITTEN) are kept as they are.
const HAND_WRITTEN = "<!-- hand-written page: scripts/gen-rule-docs.mjs keeps it -->";
const handWritten = (name) => {
  const path = join(dir, name);
  return existsSync(path) && readFileSync(path, "utf8").startsWith(HAND_WRITTEN);
};

for (const r of CAUSE_RULES) {
  const m = r.meta;
  if (handWritten(`${m.id}.md`)) continue;
  const classes = m.classes ?? [];
  const lines = classes.map((c) => `- \`${c}\` — ${CLASS_INFO[c]?.title ?? ""}`).join("\n");
  const checks = [...new Set(classes.flatMap((c) => CLASS_INFO[c]?.checks ?? []))]
    .map((c) => `    ${c}`)
    .join("\n");
  pages.set(
    `${m.id}.md`,
    `# ${m.id}

**${m.title}** — root cause (used by \`badgateway diagnose\`), clients typically get: ${status(m.status)}.

## What it means

${m.description}

## Evidence badgateway uses

${lines ? `Error-log lines of these classes (see [error-log-messages.md](../error-log-messages.md)):\n\n${lines}\n\n` : ""}${m.uses ? `${m.uses}\n\n` : ""}Each finding quotes sample lines with file:line, the configuration lines involved (proxy_pass, upstream servers,
timeouts) and, when available, access-log statistics and probe results. Its confidence grows with the share of
the incident's upstream errors it explains; when the access log shows nginx retried the failures on another
peer, the confidence is lowered and the message says so.

## Checking by hand

${checks ? `\`\`\`sh\n${checks}\n\`\`\`` : "See the finding's verify step."}

## Fix and verify

Every finding carries a concrete fix (with the file:line to edit when the configuration is known) and a verify
step: the command to run and what it should show once the fix works.

## Versions

${m.nginxVersions ?? "all"}
`,
  );
}

const lintRows = LINT_RULES.map(
  (r) => `| [\`${r.meta.id}\`](${r.meta.id}.md) | ${r.meta.severity} | ${r.meta.title} |`,
).join("\n");
const causeRows = CAUSE_RULES.map(
  (r) => `| [\`${r.meta.id}\`](${r.meta.id}.md) | ${status(r.meta.status)} | ${r.meta.title} |`,
).join("\n");
pages.set(
  "README.md",
  `# Rules

## Lint rules (\`badgateway lint\`)

| id | severity | title |
|---|---|---|
${lintRows}

## Root causes (\`badgateway diagnose\`)

| id | clients get | title |
|---|---|---|
${causeRows}

These pages are generated from the rules' metadata and fixtures by \`node scripts/gen-rule-docs.mjs\`.
`,
);

let stale = 0;
if (!check) mkdirSync(dir, { recursive: true });
for (const [name, text] of pages) {
  const path = join(dir, name);
  const cur = existsSync(path) ? readFileSync(path, "utf8") : null;
  if (cur === text) continue;
  stale++;
  if (check) console.error(`out of date: docs/rules/${name}`);
  else writeFileSync(path, text);
}
if (check && stale) {
  console.error("run: npm run build && node scripts/gen-rule-docs.mjs");
  process.exit(1);
}
console.log(`${pages.size} pages${check ? " checked" : `, ${stale} written`}`);
