/**
 * The diagnose engine: runs every cause rule over one Evidence object and ranks the findings.
 * Pure: no I/O (collection happens in src/evidence, rendering in src/report).
 */
import type { ErrorGroup, Evidence, IngressEvidence, PasteReport } from "../evidence/types.js";
import { CAUSE_RULES } from "./causes/index.js";
import type { CauseRule } from "./causes/types.js";
import type { Finding } from "./types.js";

export interface DiagnoseResult {
  findings: Finding[];
  /** What the diagnosis was based on. */
  basis: {
    mode: Evidence["mode"];
    nginxVersion: string | null;
    config: string | null;
    errorLog: {
      files: string[];
      lines: number;
      upstreamErrors: number;
      first: string | null;
      last: string | null;
    } | null;
    accessLog: {
      files: string[];
      requests: number;
      s502: number;
      s504: number;
      first: string | null;
      last: string | null;
    } | null;
    probes: number | null;
    /** ingress-nginx: where the evidence came from and what the cluster said (docs/json.md#kubernetes). */
    kubernetes?: {
      source: IngressEvidence["source"];
      context: string | null;
      controller: IngressEvidence["controller"];
      /** Distinct $proxy_upstream_name values in the access log. */
      upstreams: number;
      services: IngressEvidence["services"];
      pods: IngressEvidence["pods"];
      noEndpointWarnings: IngressEvidence["noEndpointWarnings"];
    };
  };
  missing: string[];
  warnings: string[];
  /** Paste mode: what the paste was sorted into and what was ignored. */
  paste?: PasteReport;
  /** 0: no upstream failures found; 1: causes found; 2: could not diagnose. */
  exitCode: 0 | 1 | 2;
}

function evidenceWeight(f: Finding): number {
  let n = 0;
  for (const e of f.evidence) {
    const c = e.data?.["count"];
    if (typeof c === "number") n += c;
  }
  return n;
}

/** How a finding from a paste could be confirmed on the host, by the kind of evidence that is missing. */
const CONFIRM: Array<[RegExp, string]> = [
  [
    /^upstream-down|^wrong-port|^connection-limit|^ephemeral-ports/,
    "`ss -tlnp` on the backend host and `curl -v` to the peer",
  ],
  [
    /^unix-socket|^permission-denied/,
    "`ls -la` of the socket and the FPM pool's `listen.owner`/`listen.group`",
  ],
  [/^dns|^no-resolver/, "`nginx -T | grep -E 'resolver|proxy_pass'` and `dig` of the upstream name"],
  [
    /^upstream-timeout|^upstream-overloaded/,
    "the access log with `$upstream_response_time` and `nginx -T | grep _timeout`",
  ],
  [/^tls|^scheme-mismatch/, "`openssl s_client -connect HOST:PORT -servername NAME` from the nginx host"],
];

/**
 * Findings built from pasted fragments rest on fewer facts: confidence is lowered (more when the lines carry no
 * time or context) and each message says what would confirm it.
 */
function fromFragments(findings: Finding[], ev: Evidence): void {
  const partial = !ev.config || (ev.errorLog !== null && ev.errorLog.first === null);
  for (const f of findings) {
    f.confidence = Math.round(f.confidence * (partial ? 0.8 : 0.9) * 100) / 100;
    const how = CONFIRM.find(([re]) => re.test(f.id))?.[1];
    const need = [
      !ev.config && "`nginx -T`",
      ev.errorLog?.first === null && "the error log with timestamps (`tail -n 200 /var/log/nginx/error.log`)",
      how,
    ].filter(Boolean);
    if (need.length) f.message += ` (From a paste: confirm with ${need.join(", ")}.)`;
  }
}

/** The catch-all: never ranked above a finding that names a specific cause. */
const CATCH_ALL = "upstream-errors-unexplained";

/**
 * The order of findings, a total and deterministic key (docs/architecture.md#ranking):
 * 1. specific causes before the catch-all (upstream-errors-unexplained is last whenever anything else was found);
 * 2. the unrounded confidence score, highest first (never the 0.01-rounded value that is printed);
 * 3. the number of log lines behind the finding, most first;
 * 4. the cause's fixed priority: its place in the rule registry (specific rules before generic ones);
 * 5. the rule id, then the order the rule produced its findings in.
 */
export function rank(found: Finding[], rules: CauseRule[] = CAUSE_RULES): Finding[] {
  const priority = new Map(rules.map((r, i) => [r.meta.id, i]));
  const prio = (f: Finding) => priority.get(f.id) ?? rules.length;
  return found
    .map((f, i) => ({ f, i, w: evidenceWeight(f) }))
    .sort(
      (a, b) =>
        Number(a.f.id === CATCH_ALL) - Number(b.f.id === CATCH_ALL) ||
        b.f.confidence - a.f.confidence ||
        b.w - a.w ||
        prio(a.f) - prio(b.f) ||
        (a.f.id < b.f.id ? -1 : a.f.id > b.f.id ? 1 : 0) ||
        a.i - b.i,
    )
    .map((x) => x.f);
}

export function diagnose(ev: Evidence, rules: CauseRule[] = CAUSE_RULES): DiagnoseResult {
  const ctx = { claimed: new Set<ErrorGroup>(), findings: [] as Finding[] };
  for (const rule of rules) {
    try {
      ctx.findings.push(...rule.diagnose(ev, ctx));
    } catch (e) {
      ev.warnings.push(`rule ${rule.meta.id} failed: ${(e as Error).message}`);
    }
  }
  const findings = rank(ctx.findings, rules).map((f) => ({
    ...f,
    confidence: Math.round(f.confidence * 100) / 100,
  }));
  const el = ev.errorLog;
  const al = ev.accessLog;
  const basis: DiagnoseResult["basis"] = {
    mode: ev.mode,
    nginxVersion: ev.nginxVersion,
    config: ev.config?.source ?? null,
    errorLog: el
      ? {
          files: el.files,
          lines: el.lines,
          upstreamErrors: el.groups
            .filter((g) => g.class !== "not-upstream")
            .reduce((n, g) => n + g.count, 0),
          first: el.first,
          last: el.last,
        }
      : null,
    accessLog: al
      ? {
          files: al.files,
          requests: al.totals.requests,
          s502: al.totals.s502,
          s504: al.totals.s504,
          first: al.firstTime,
          last: al.lastTime,
        }
      : null,
    probes: ev.probes ? ev.probes.length : null,
    ...(ev.ingress
      ? {
          kubernetes: {
            source: ev.ingress.source,
            context: ev.ingress.context,
            controller: ev.ingress.controller,
            upstreams: Object.keys(ev.ingress.access?.upstreams ?? {}).length,
            services: ev.ingress.services,
            pods: ev.ingress.pods.slice(0, 500),
            noEndpointWarnings: ev.ingress.noEndpointWarnings,
          },
        }
      : {}),
  };
  // A paste is sent because something is wrong: with no finding the answer is "not in what you pasted", never an
  // all-clear.
  const pasteWithoutAnswer = ev.mode === "paste" && findings.length === 0;
  if (pasteWithoutAnswer)
    ev.missing.push(
      `nothing in the paste shows an upstream failure${ev.errorLog ? ` (${ev.errorLog.lines} nginx line(s) read, none about an upstream)` : ""}: paste the error-log lines around the 502/504 (\`tail -n 200 /var/log/nginx/error.log\`), or run \`badgateway diagnose\` on the host`,
    );
  const nothing =
    pasteWithoutAnswer ||
    (findings.length === 0 && !ev.errorLog && (!ev.accessLog || ev.accessLog.matched === 0) && !ev.probes);
  const exitCode: DiagnoseResult["exitCode"] = nothing
    ? 2
    : findings.some((f) => f.severity === "error")
      ? 1
      : findings.length
        ? 1
        : 0;
  if (ev.mode === "paste") fromFragments(findings, ev);
  return {
    findings,
    basis,
    missing: ev.missing,
    warnings: ev.warnings,
    ...(ev.paste ? { paste: ev.paste } : {}),
    exitCode,
  };
}
