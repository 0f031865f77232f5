/**
 * Most causes map error-log classes to one explanation. `classRule` builds such a rule from a spec so
 * each rule file only states what is specific to it: classes, wording, fix and verify step.
 */
import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import type { EvidenceItem, Finding, SourceLocation } from "../types.js";
import type { CauseContext, CauseMeta, CauseRule } from "./types.js";
import {
  type ConfigRefs,
  claim,
  confidence,
  configRefs,
  errorItem,
  failureTotal,
  finding,
  probeItem,
  probesFor,
  refItems,
  refLocations,
  total,
} from "./util.js";

export interface ClassRuleSpec {
  meta: CauseMeta;
  classes: string[];
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
      let message = spec.message(groups, refs, ev);
      const seen = clientsSaw(ev, spec.meta.status);
      if (retried > 0 && seen !== null && seen < 0.2 * total(groups)) {
        conf = Math.round(conf * 0.8 * 100) / 100;
        message += ` The access log shows nginx retried ${retried} of these on another peer, so most clients did not see an error from them.`;
      }
      return [
        finding(spec.meta, {
          confidence: conf,
          ...(spec.status ? { status: spec.status(groups) } : {}),
          message,
          evidence: [
            ...groups.slice(0, 5).map((g) => errorItem(g, spec.what)),
            ...refItems(refs),
            ...groups
              .flatMap((g) => probesFor(ev, g.peer))
              .slice(0, 5)
              .map(probeItem),
            ...(spec.extra?.(groups, refs, ev) ?? []),
          ],
          fix: spec.fix(groups, refs, ev),
          verify: spec.verify(groups, refs, ev),
          locations: [...(spec.locations?.(groups, refs, ev) ?? []), ...refLocations(refs)],
        }),
      ];
    },
  };
}

/** How many responses with this status clients got, from the access log (null when unknown). */
export function clientsSaw(ev: Evidence, status: 502 | 504 | 500 | null): number | null {
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
  if (p) return ` (${p.directive.name} ${p.raw} at ${p.directive.file}:${p.directive.line})`;
  const s = refs.servers[0];
  if (s)
    return ` (server ${s.server.address} in upstream ${s.upstream.name} at ${s.server.directive.file}:${s.server.directive.line})`;
  return "";
}
