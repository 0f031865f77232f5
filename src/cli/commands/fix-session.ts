/**
 * The pipeline of `badgateway fix`: gather the evidence the way `diagnose` does, run diagnose and lint, plan a
 * fix per finding (src/rules/fix), turn each plan into new file texts and a unified diff, and validate every
 * change with the real `nginx -t` on a temporary copy of the configuration tree (src/evidence/fix-io.ts). A
 * change nginx rejects is kept in the result with the reason but not offered.
 */
import { discoverNginx } from "../../evidence/collect.js";
import {
  configTexts,
  findNginx,
  type NginxCheck,
  type NginxRun,
  Sandbox,
  spoolDump,
  systemCaBundle,
  systemResolvers,
} from "../../evidence/fix-io.js";
import { type GatherOptions, gatherEvidence } from "../../evidence/gather.js";
import type { Evidence } from "../../evidence/types.js";
import { applyEdits, type Edit, EditError } from "../../nginx/config/edits.js";
import type { ConfigModel } from "../../nginx/config/model.js";
import { unifiedDiff } from "../../report/diff.js";
import { diagnose } from "../../rules/diagnose.js";
import { planFixes } from "../../rules/fix/index.js";
import type { FixOffer, FixPlan } from "../../rules/fix/types.js";
import { collectSuppressions, lintModel } from "../../rules/lint/run.js";
import type { Finding } from "../../rules/types.js";

export type { FixOffer } from "../../rules/fix/types.js";

export interface FixOptions extends GatherOptions {
  /** Only these fixes: a rule id (all its fixes) or a fix id `<rule>@<file>:<line>`. */
  only?: string[];
  /** Also plan fixes for lint findings (default true). */
  lint?: boolean;
  /** The nginx binary for `nginx -t` (default: the running nginx's, else `nginx` on PATH). */
  nginx?: string;
  /** nginx's -p prefix for the real configuration. */
  prefix?: string;
  /** Name servers for a `resolver` line (default: /etc/resolv.conf). */
  resolvers?: string[];
  /** CA bundle for proxy_ssl_trusted_certificate (default: the system's). */
  caBundle?: string | null;
  /** Validate with nginx -t (default true). */
  validate?: boolean;
}

export interface FixSession {
  evidence: Evidence;
  model: ConfigModel | null;
  /** Where the configuration came from; `onDisk` when the files themselves were read (apply is possible). */
  source: string;
  onDisk: boolean;
  main: string | null;
  /** Original texts of the configuration files (binary strings). */
  texts: Map<string, string>;
  nginx: NginxRun | null;
  /** nginx -t on the unchanged copy: what every change is judged against. Null when not validated. */
  baseline: NginxCheck | null;
  /** Why changes were not validated, when they were not. */
  notValidated: string | null;
  findings: Finding[];
  offers: FixOffer[];
  warnings: string[];
  sandbox: Sandbox | null;
}

/** Line numbers (new side) of the lines a unified diff adds. */
export function addedLines(diff: string): number[] {
  const out: number[] = [];
  let line = 0;
  for (const l of diff.split("\n")) {
    const h = /^@@ -\d+,\d+ \+(\d+),\d+ @@/.exec(l);
    if (h) {
      line = Number(h[1]);
      continue;
    }
    if (l.startsWith("+++") || l.startsWith("---")) continue;
    if (l.startsWith("+")) out.push(line++);
    else if (l.startsWith(" ")) line++;
  }
  return out;
}

/**
 * When the unchanged configuration already fails nginx -t, whether a failure of the changed one is the
 * change's own fault: nginx names a line the change wrote (`in FILE:LINE`), or quotes a value it introduced.
 */
function blames(message: string, offer: FixOffer, plan: FixPlan): boolean {
  const at = /in (\S+):(\d+)\s*$/.exec(message);
  if (at)
    for (const d of offer.diffs)
      if (d.file === at[1] || d.file.endsWith(`/${at[1]}`))
        if (addedLines(d.diff).includes(Number(at[2]))) return true;
  const values = plan.edits.flatMap((e) =>
    e.op === "set" ? e.args : e.op === "insert" ? e.directive.args : [],
  );
  return values.some((v) => v.length >= 4 && message.includes(v));
}

function matches(p: FixPlan, only: string[] | undefined): boolean {
  return !only?.length || only.some((o) => o === p.rule || o === p.id);
}

/** Gathers, diagnoses, lints, plans and validates. The caller disposes `sandbox`. */
export async function prepareFixes(opts: FixOptions): Promise<FixSession> {
  // A dump on stdin or a pipe can be read only once: keep its bytes in a private file for both readers.
  const spool = opts.nginxT ? spoolDump(opts.nginxT) : null;
  try {
    return await prepare(spool ? { ...opts, nginxT: spool.path } : opts);
  } finally {
    spool?.cleanup();
  }
}

async function prepare(opts: FixOptions): Promise<FixSession> {
  const ev = await gatherEvidence(opts);
  const model = ev.config?.model ?? null;
  const session: FixSession = {
    evidence: ev,
    model,
    source: ev.config?.source ?? "",
    onDisk: false,
    main: null,
    texts: new Map(),
    nginx: null,
    baseline: null,
    notValidated: null,
    findings: [],
    offers: [],
    warnings: [...ev.missing],
    sandbox: null,
  };
  if (!model) return session;
  const { texts, onDisk, main, payload } = configTexts(opts, model);
  Object.assign(session, { texts, onDisk, main });
  const causes = diagnose(ev).findings;
  const lint =
    opts.lint === false
      ? []
      : lintModel(model, payload ? { suppressions: collectSuppressions(payload) } : {});
  session.findings = [...causes, ...lint];
  const plans = planFixes(causes, lint, {
    model,
    evidence: ev,
    resolvers: opts.resolvers ?? systemResolvers(),
    caBundle: opts.caBundle !== undefined ? opts.caBundle : systemCaBundle(),
  }).filter((p) => matches(p, opts.only));

  // Which nginx validates: the given binary, the running one (host mode), else the one on PATH.
  const inst = opts.host ? discoverNginx(opts.pid) : null;
  const binary = opts.nginx ?? inst?.binary ?? findNginx();
  const prefix = opts.prefix ?? inst?.prefix ?? undefined;
  if (binary) session.nginx = { binary, ...(prefix ? { prefix } : {}) };
  if (opts.validate === false) session.notValidated = "validation was turned off (--no-validate)";
  else if (!binary) session.notValidated = "nginx is not installed here, so the changes were not validated";
  else if (!main) session.notValidated = "the configuration has no main file";
  else if (plans.some((p) => p.edits.length)) {
    session.sandbox = new Sandbox(texts, main, session.nginx as NginxRun, onDisk);
    session.baseline = await session.sandbox.check();
    if (session.baseline === null)
      session.notValidated = `${binary} could not be run, so the changes were not validated`;
    else if (!session.baseline.ok)
      session.notValidated = `nginx -t already fails on the unchanged configuration here (${session.baseline.message}); a change is validated only when it makes nginx -t pass, and refused when nginx blames it`;
  }

  for (const plan of plans) {
    const offer: FixOffer = {
      plan,
      changed: new Map(),
      diffs: [],
      validation: { status: "manual", message: "" },
      offered: true,
    };
    session.offers.push(offer);
    if (plan.edits.length === 0) continue;
    try {
      offer.changed = applyEdits(model, texts, plan.edits, { binary: true });
    } catch (e) {
      offer.offered = false;
      offer.validation = {
        status: "invalid",
        message: `the change cannot be made: ${e instanceof EditError ? e.message : (e as Error).message}`,
      };
      continue;
    }
    offer.diffs = [...offer.changed].map(([file, text]) => ({
      file,
      diff: Buffer.from(unifiedDiff(file, texts.get(file) as string, text), "latin1").toString("utf8"),
    }));
    if (!session.sandbox || !session.baseline) {
      offer.validation = { status: "not-validated", message: session.notValidated ?? "not validated" };
      continue;
    }
    const r = await session.sandbox.check(offer.changed);
    if (r?.ok)
      offer.validation = {
        status: "valid",
        message: session.baseline.ok
          ? "nginx -t accepts the changed configuration"
          : "nginx -t accepts the changed configuration (and failed before it)",
      };
    else if (session.baseline.ok || (r && blames(r.message, offer, plan))) {
      offer.offered = false;
      offer.validation = {
        status: "invalid",
        message: `nginx -t rejects it: ${r?.message ?? "nginx could not be run"}`,
      };
    } else offer.validation = { status: "not-validated", message: session.notValidated ?? "not validated" };
  }
  return session;
}

/**
 * The new texts of all offered changes together (every edit applied to the original files at once), checked
 * with nginx -t on the copy when validation is possible. Throws EditError when two changes touch the same bytes.
 */
export async function combineOffers(
  session: FixSession,
  offers: FixOffer[],
): Promise<{ changed: Map<string, string>; check: NginxCheck | null }> {
  const edits: Edit[] = offers.flatMap((o) => o.plan.edits);
  const changed = applyEdits(session.model as ConfigModel, session.texts, edits, { binary: true });
  const check = session.sandbox && session.baseline ? await session.sandbox.check(changed) : null;
  return { changed, check };
}
