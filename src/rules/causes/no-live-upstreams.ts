import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import { formatDuration } from "../../nginx/config/units.js";
import { finding, where } from "../finding.js";
import type { Finding } from "../types.js";
import type { CauseContext, CauseRule } from "./types.js";
import {
  claim,
  configItem,
  configRefs,
  errorItem,
  groupsOf,
  loc,
  probeItem,
  splitPeer,
  total,
} from "./util.js";

/** Failures that take a peer out of a pool: nginx could not connect to it at all. */
const CONNECT_FAILURES = new Set([
  "connection-refused",
  "connect-timeout",
  "host-unreachable",
  "network-unreachable",
  "unix-socket-missing",
  "unix-socket-permission",
  "unix-socket-busy",
  "permission-denied",
]);

/** How long before the first "no live upstreams" a peer's failure still explains it (max_fails within fail_timeout). */
const LEAD_MS = 60_000;

/**
 * Whether the failures of `g` happened while the pool of `n` was being emptied: from shortly before the first
 * "no live upstreams" to its last. Groups without times (a paste without timestamps) always qualify.
 */
function sameWindow(n: ErrorGroup, g: ErrorGroup): boolean {
  if (!n.first || !g.first) return true;
  const nFirst = Date.parse(n.first);
  const nLast = Date.parse(n.last ?? n.first);
  const gFirst = Date.parse(g.first);
  const gLast = Date.parse(g.last ?? g.first);
  if ([nFirst, nLast, gFirst, gLast].some(Number.isNaN)) return true;
  return gLast >= nFirst - LEAD_MS && gFirst <= nLast;
}

/**
 * Peers whose connects failed for the same virtual host (server name or Host) in the same window as these
 * "no live upstreams" lines.
 */
function failedPeersAlongside(ev: Evidence, gs: ErrorGroup[]): Set<string> {
  const out = new Set<string>();
  for (const g of ev.errorLog?.groups ?? []) {
    if (!CONNECT_FAILURES.has(g.class) || g.peer === null) continue;
    const sameSite = gs.some(
      (n) =>
        ((n.host !== null && n.host === g.host) ||
          (n.server !== null && n.server !== "" && n.server === g.server)) &&
        sameWindow(n, g),
    );
    if (sameSite) out.add(g.peer);
  }
  return out;
}

/** Every peer of an upstream group is marked failed (max_fails within fail_timeout) or down. */
export const noLiveUpstreams: CauseRule = {
  meta: {
    id: "no-live-upstreams",
    title: "All servers of an upstream group are marked unavailable",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      'After max_fails failures within fail_timeout nginx stops sending traffic to a peer for fail_timeout. When every peer (and backup) is in that state, requests fail at once with "no live upstreams" and 502, without even trying. The real cause is whatever made the peers fail.',
    nginxVersions: "all",
    classes: ["no-live-upstreams"],
    uses: "The upstream block (servers, max_fails, fail_timeout, backup) and the other findings about its peers, cited as the underlying cause: when one exists it is the answer (ranked first) and this finding supports it. Probes that find nothing listening on the peers are named as the reason.",
  },
  diagnose(ev: Evidence, ctx: CauseContext): Finding[] {
    const groups = groupsOf(ev, ctx, ["no-live-upstreams"]);
    if (groups.length === 0) return [];
    claim(ctx, groups);
    const model = ev.config?.model;
    const out: Finding[] = [];
    const byName = new Map<string, typeof groups>();
    for (const g of groups) {
      const name = g.group ?? g.peer ?? g.upstream ?? "?";
      byName.set(name, [...(byName.get(name) ?? []), g]);
    }
    for (const [name, gs] of byName) {
      const u = model?.upstreams.get(name.toLowerCase()) ?? null;
      const refs = configRefs(model, gs[0] as (typeof gs)[number]);
      const servers = u?.servers ?? [];
      const pool = servers.length
        ? servers
            .map(
              (s) =>
                `${s.address} max_fails=${s.maxFails} fail_timeout=${formatDuration(s.failTimeout)}${s.backup ? " backup" : ""}${s.down ? " down" : ""}`,
            )
            .join("; ")
        : "";
      // The underlying cause: earlier findings about this group's peers.
      const peerKeys = new Set(
        servers.map((s) => (s.unixPath ? `unix:${s.unixPath}` : `${s.host}:${s.port}`)),
      );
      // Without a configuration that lists the pool, its peers are the ones the same virtual host failed to
      // connect to in the same window: nginx logs each peer's failure, then "no live upstreams" once all are out.
      if (servers.length === 0) for (const k of failedPeersAlongside(ev, gs)) peerKeys.add(k);
      const underlying = ctx.findings.filter((f) =>
        f.evidence.some((e) => {
          const peer = e.data?.["peer"];
          if (typeof peer !== "string") return false;
          if (peerKeys.has(peer)) return true;
          const p = splitPeer(peer);
          return servers.some((s) => s.port === p.port && s.host !== null && !s.isIp);
        }),
      );
      // Probes that found nothing listening on the pool's peers: the peers are down, whatever the log shows.
      const refusedProbes = (ev.probes ?? []).filter(
        (p) => p.problem === "connection-refused" && p.peer !== null && peerKeys.has(p.peer),
      );
      const why = underlying.length
        ? ` This is the consequence, not the cause: the peers failed first — ${underlying.map((f) => `${f.id} (${f.title})`).join("; ")} — and nginx then took them all out of the pool.`
        : refusedProbes.length
          ? ` Live probes find nothing listening on ${refusedProbes.map((p) => p.peer).join(", ")}: the peers are down.`
          : ' The error log does not show why the peers failed in this window; look just before the first "no live upstreams" line.';
      // When the peers' own failure is a finding, that finding is the answer and this one supports it.
      const below = underlying.length ? Math.max(...underlying.map((f) => f.confidence)) * 0.95 : 0.95;
      const backups = servers.filter((s) => s.backup).length;
      out.push(
        finding(this.meta, {
          confidence: Math.min(0.95, below),
          message: `Every server of upstream "${name}" was marked unavailable, so ${total(gs)} requests failed immediately with 502 ("no live upstreams")${pool ? `. Pool: ${pool}` : ""}.${why}`,
          evidence: [
            ...gs.slice(0, 3).map((g) => errorItem(g, '"no live upstreams"')),
            ...(u ? [configItem(u.directive, `${servers.length} server(s), ${backups} backup`)] : []),
            ...servers.slice(0, 4).map((s) => configItem(s.directive)),
            ...refusedProbes.slice(0, 4).map(probeItem),
            ...underlying.map((f) => ({
              source: "finding",
              summary: `${f.id}: ${f.message.slice(0, 160)}`,
              data: { id: f.id },
            })),
          ],
          fix: `First fix why the peers fail${underlying[0] ? ` (${underlying[0].id}: ${underlying[0].fix})` : refusedProbes.length ? ` (start the backends behind ${refusedProbes.map((p) => p.peer).join(", ")})` : ""}. Then make the pool more forgiving${u ? ` in upstream ${u.name} at ${where(u.directive)}` : ""}: more than one healthy server, a \`backup\` server, and max_fails/fail_timeout that match real failure patterns (e.g. \`max_fails=3 fail_timeout=10s\`) so one burst of errors does not empty the pool.`,
          verify: `Requests through nginx return the backend's answers again, and \`grep -c 'no live upstreams' error.log\` stops growing; each server in the pool answers directly (\`curl\` each address).`,
          locations: u
            ? [loc(u.directive), ...refs.passes.map((p) => loc(p.directive))]
            : refs.passes.map((p) => loc(p.directive)),
        }),
      );
    }
    return out;
  },
};
