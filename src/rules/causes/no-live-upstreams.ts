import type { Evidence } from "../../evidence/types.js";
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
