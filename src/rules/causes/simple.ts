/**
 * Most causes map error-log classes to one explanation. `classRule` builds such a rule from a spec so
 * each rule file only states what is specific to it: classes, wording, fix and verify step.
 */
import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { finding, where } from "../finding.js";
import type { EvidenceItem, Finding, SourceLocation } from "../types.js";
import type { CauseContext, CauseMeta, CauseRule } from "./types.js";
import {
  type ConfigRefs,
  claim,
  confidence,
  configRefs,
  errorItem,
  failureTotal,
  probeItem,
  probesFor,
  refItems,
  refLocations,
  total,
} from "./util.js";

export interface ClassRuleSpec {
  meta: CauseMeta;
  classes: ErrorClass[];
  /** Extra filter on groups (e.g. only TLS lines that are not a protocol mismatch). */
  accept?: (g: ErrorGroup, ev: Evidence) => boolean;
  /** Base confidence when the error log shows this class. */
  base: number;
  /** What the lines say, for the evidence summary. */
  what: string;
  message: (groups: ErrorGroup[], refs: ConfigRefs, ev: Evidence) => string;
  fix: (groups: ErrorGroup[], refs: ConfigRefs, ev: Evidence) => string;
  verify: (groups: ErrorGroup[], refs: ConfigRefs, ev: Evidence) => string;
  extra?: (groups: ErrorGroup[], refs: ConfigRefs, ev: Evidence) => EvidenceItem[];
  status?: (groups: ErrorGroup[]) => Finding["status"];
  /** Config lines to list before the proxy_pass/upstream lines (e.g. worker_connections for connection-limit). */
  locations?: (groups: ErrorGroup[], refs: ConfigRefs, ev: Evidence) => SourceLocation[];
}

export function mergeRefs(list: ConfigRefs[]): ConfigRefs {
  const passes = [...new Set(list.flatMap((r) => r.passes))];
  const seen = new Set<unknown>();
  const servers: ConfigRefs["servers"] = [];
  for (const s of list.flatMap((r) => r.servers)) {
    if (seen.has(s.server)) continue;
    seen.add(s.server);
    servers.push(s);
  }
  return { passes, servers };
}

export function classRule(spec: ClassRuleSpec): CauseRule {
  return {
    meta: { ...spec.meta, classes: spec.classes },
    diagnose(ev: Evidence, ctx: CauseContext): Finding[] {
      if (!ev.errorLog) return [];
      const groups = ev.errorLog.groups
        .filter(
          (g) => spec.classes.includes(g.class) && !ctx.claimed.has(g) && (spec.accept?.(g, ev) ?? true),
        )
        .sort((a, b) => b.count - a.count);
      if (groups.length === 0) return [];
      claim(ctx, groups);
      const refs = mergeRefs(groups.map((g) => configRefs(ev.config?.model, g)));
      const retried = retriedElsewhere(ev, groups);
      let conf = confidence(spec.base, total(groups), failureTotal(ev));
      const after = afterHeaders(groups);
      const allAfter = after === total(groups);
      let message = allAfter ? afterHeadersMessage(spec, groups, refs) : spec.message(groups, refs, ev);
      const seen = clientsSaw(ev, spec.meta.status);
      if (allAfter) conf *= AFTER_HEADERS_WEIGHT;
      else if (after > 0)
        message += ` ${after} of these ${total(groups)} lines came after nginx had sent the response header: those clients got the upstream's own status (usually 200) with a truncated body, not a ${spec.meta.status ?? "502/504"}.`;
      if (!allAfter && retried > 0 && seen !== null && seen < 0.2 * total(groups)) {
        conf *= 0.8;
        message += ` The access log shows nginx retried ${retried} of these on another peer, so most clients did not see an error from them.`;
      }
      return [
        finding(spec.meta, {
          confidence: conf,
          ...(allAfter ? { status: null } : spec.status ? { status: spec.status(groups) } : {}),
          message,
          evidence: [
            ...groups.slice(0, 5).map((g) => errorItem(g, spec.what)),
            ...refItems(refs),
            ...groups
              .flatMap((g) => probesFor(ev, g.peer))
              .slice(0, 5)
              .map(probeItem),
            ...(spec.extra?.(groups, refs, ev) ?? []),
            ...(after > 0 ? accessProof(ev, groups) : []),
          ],
          fix: spec.fix(groups, refs, ev),
          verify: spec.verify(groups, refs, ev),
          locations: [...(spec.locations?.(groups, refs, ev) ?? []), ...refLocations(refs)],
        }),
      ];
    },
  };
}

/**
 * Confidence factor for a finding whose lines all came after the response header: a real fault (truncated
 * responses), but not what made nginx answer 502/504, so it ranks below the causes of those.
 */
export const AFTER_HEADERS_WEIGHT = 0.8;

/** Lines of these groups logged after the response header was sent ("while reading upstream"). */
export function afterHeaders(groups: ErrorGroup[]): number {
  return groups.reduce((n, g) => n + (g.afterHeaders ?? 0), 0);
}

function afterHeadersMessage(spec: ClassRuleSpec, groups: ErrorGroup[], refs: ConfigRefs): string {
  return `${peersText(groups)}${atConfig(refs)}: ${total(groups)} × ${spec.what} after nginx had already sent the response header ("while reading upstream"). Those clients got the upstream's own status (usually 200) with a truncated body, not a ${spec.meta.status ?? "502/504"}, and nginx could not switch to another peer at that point: the backend fails in the middle of its responses.`;
}

/**
 * The access log's record of these peers, as proof of what clients got for after-header failures: tries at
 * each peer and how many of them ended in 502/504 (the rest carry the upstream's own status).
 */
export function accessProof(ev: Evidence, groups: ErrorGroup[]): EvidenceItem[] {
  const al = ev.accessLog;
  if (!al?.fields.upstreamAddr) return [];
  const out: EvidenceItem[] = [];
  for (const peer of new Set(groups.filter((g) => (g.afterHeaders ?? 0) > 0).map((g) => g.peer))) {
    const s = peer ? al.byPeer[peer] : undefined;
    if (!peer || !s) continue;
    out.push({
      source: "access-log",
      summary: `${s.requests} tries at ${peer} in the access log: ${s.s502} × 502, ${s.s504} × 504, ${s.requests - s.s502 - s.s504} with another status (after-header failures keep the upstream's status)`,
      data: { peer, requests: s.requests, s502: s.s502, s504: s.s504 },
    });
  }
  return out.slice(0, 5);
}

/** How many responses with this status clients got, from the access log (null when unknown). */
export function clientsSaw(ev: Evidence, status: 502 | 503 | 504 | 500 | null): number | null {
  const t = ev.accessLog?.totals;
  if (!t || !ev.accessLog?.fields.upstreamStatus) return null;
  return status === 502 ? t.s502 : status === 504 ? t.s504 : null;
}

/** Tries at these groups' peers after which nginx moved on to another peer (from the access log). */
export function retriedElsewhere(ev: Evidence, groups: ErrorGroup[]): number {
  const byPeer = ev.accessLog?.byPeer;
  if (!byPeer) return 0;
  let n = 0;
  for (const peer of new Set(groups.map((g) => g.peer))) if (peer) n += byPeer[peer]?.failedInChain ?? 0;
  return n;
}

/** "127.0.0.1:8080 and 10.0.0.2:8080" */
export function peersText(groups: ErrorGroup[]): string {
  const names = [...new Set(groups.map((g) => g.peer ?? g.group ?? "an upstream"))];
  if (names.length <= 1) return names[0] ?? "the upstream";
  return `${names.slice(0, -1).slice(0, 4).join(", ")}${names.length > 5 ? ", …" : ""} and ${names[names.length - 1]}`;
}

/** "proxy_pass at /etc/nginx/conf.d/app.conf:12" for the first config reference, or "". */
export function atConfig(refs: ConfigRefs): string {
  const p = refs.passes[0];
  if (p) return ` (${p.directive.name} ${p.raw} at ${where(p.directive)})`;
  const s = refs.servers[0];
  if (s)
    return ` (server ${s.server.address} in upstream ${s.upstream.name} at ${where(s.server.directive)})`;
  return "";
}
