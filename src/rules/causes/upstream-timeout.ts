import type { ErrorGroup, Evidence } from "../../evidence/types.js";
import {
  type ConfigModel,
  effectiveSeconds,
  globalValue,
  matchLocation,
  matchServer,
  type ServerBlock,
} from "../../nginx/config/model.js";
import { formatDuration } from "../../nginx/config/units.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { where } from "../finding.js";
import type { EvidenceItem } from "../types.js";
import { type TimeoutWhatIf, timeoutWhatIf } from "../what-if.js";
import { atConfig, classRule, mergeRefs, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { type ConfigRefs, configRefs } from "./util.js";

const PHASE: Record<string, { word: string; directive: string }> = {
  "connect-timeout": { word: "connecting (no TCP handshake)", directive: "connect_timeout" },
  "read-timeout": { word: "waiting for the response", directive: "read_timeout" },
  "send-timeout": { word: "sending the request", directive: "send_timeout" },
};

/** True when the connect timeouts of these groups all happened in the TLS handshake (detail "ssl-handshake"). */
function inHandshake(gs: ErrorGroup[]): boolean {
  const c = gs.filter((g) => g.class === "connect-timeout");
  return c.length > 0 && c.every((g) => g.details.includes("ssl-handshake"));
}

const HANDSHAKE_WORD =
  "waiting for the TLS handshake (the TCP connection was accepted, the ClientHello never answered)";

function mainPhase(gs: ErrorGroup[]): ErrorClass {
  const by = new Map<ErrorClass, number>();
  for (const g of gs) by.set(g.class, (by.get(g.class) ?? 0) + g.count);
  return [...by.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? "read-timeout";
}

function configured(
  refs: ConfigRefs,
  ev: Evidence,
  cls: ErrorClass,
): { seconds: number | null; name: string; at: string } {
  const p = refs.passes[0];
  const mod = !p || p.module === "stream-proxy" ? "proxy" : p.module;
  const name = `${mod}_${PHASE[cls]?.directive ?? "read_timeout"}`;
  if (!p || !ev.config) return { seconds: null, name, at: "" };
  const { seconds, value } = effectiveSeconds(ev.config.model, p.scope, name);
  const d = value.directives[0];
  return { seconds, name, at: d ? `${where(d)}` : value.source === "default" ? "default" : "" };
}

/** p95 of successful upstream response times for these peers, from the access log. */
function backendP95(ev: Evidence, gs: ErrorGroup[]): number | null {
  const peers = ev.accessLog?.byPeer;
  if (!peers) return null;
  let best: number | null = null;
  for (const g of gs) {
    const s = g.peer ? peers[g.peer] : undefined;
    const v = s?.latency.response.p95;
    if (typeof v === "number") best = Math.max(best ?? 0, v);
  }
  return best;
}

/** The server blocks the access log's traffic went to: those named by its busiest hosts, else every http server. */
function trafficServers(ev: Evidence, model: ConfigModel): ServerBlock[] {
  const hosts = Object.entries(ev.accessLog?.byHost ?? {})
    .sort((a, b) => b[1].requests - a[1].requests)
    .slice(0, 5)
    .map(([h]) => h);
  const found = new Set<ServerBlock>();
  for (const h of hosts) {
    const s = matchServer(model, h);
    if (s) found.add(s);
  }
  return found.size > 0 ? [...found] : model.servers.filter((s) => !s.stream);
}

/**
 * Per location, upstream latency against the location's effective read timeout: the access log's location key
 * (the URI's first path segment) is matched to the configuration's location block the way nginx would match
 * that prefix, and reported when its p99 comes within 20 % of the timeout.
 */
export function locationsNearTimeout(ev: Evidence): EvidenceItem[] {
  const al = ev.accessLog;
  const model = ev.config?.model;
  if (!al || !model) return [];
  const servers = trafficServers(ev, model);
  const out: EvidenceItem[] = [];
  for (const [key, g] of Object.entries(al.byLocation)) {
    const p99 = g.latency.upstream.p99;
    if (typeof p99 !== "number" || g.upstreamed < 10 || !key.startsWith("/")) continue;
    for (const server of servers) {
      const loc = matchLocation(server, key);
      const pass = loc && model.passes.find((p) => p.location === loc);
      if (!loc || !pass) continue;
      const name = `${pass.module === "stream-proxy" ? "proxy" : pass.module}_read_timeout`;
      const { seconds, value } = effectiveSeconds(model, loc.scope, name);
      if (seconds === null || p99 < seconds * 0.8) break;
      const d = value.directives[0];
      const block = loc.scope.block;
      out.push({
        source: "access-log",
        summary: `location ${loc.modifier ? `${loc.modifier} ` : ""}${loc.path}: upstream p99 ${p99.toFixed(2)}s over ${g.upstreamed} requests (${key}…) against ${name} ${formatDuration(seconds)}${d ? ` at ${where(d)}` : " (default)"}`,
        ...(block ? { location: { file: block.file, line: block.line } } : {}),
        data: { location: loc.path, key, p99, timeout: seconds, directive: name, requests: g.upstreamed },
      });
      break;
    }
  }
  return out.sort((a, b) => Number(b.data?.["p99"]) - Number(a.data?.["p99"])).slice(0, 5);
}

/** Share of tries at these peers that ended in a timeout (upstream status 504 in the access log). */
function timeoutShare(ev: Evidence, gs: ErrorGroup[]): number | null {
  const peers = ev.accessLog?.byPeer;
  if (!peers) return null;
  let req = 0;
  let to = 0;
  for (const peer of new Set(gs.map((g) => g.peer))) {
    const s = peer ? peers[peer] : undefined;
    if (!s) continue;
    req += s.requests;
    to += s.s504;
  }
  return req > 0 ? to / req : null;
}

function verdict(gs: ErrorGroup[], refs: ConfigRefs, ev: Evidence): { text: string; timeoutTooLow: boolean } {
  const cls = mainPhase(gs);
  const conf = configured(refs, ev, cls);
  const p95 = backendP95(ev, gs);
  if (cls === "connect-timeout" && inHandshake(gs))
    return {
      text: "The port accepts TCP connections but never completes the TLS handshake: it is not a TLS port that answers first-hand (a plain service waiting for the client to speak), a TLS terminator that hangs, or a backend too overloaded to answer. A longer timeout would not help.",
      timeoutTooLow: false,
    };
  if (cls === "connect-timeout")
    return {
      text: "The backend host did not complete the TCP handshake in time: it is down hard, overloaded (accept queue full), or a firewall drops the packets. A longer timeout would not help.",
      timeoutTooLow: conf.seconds !== null && conf.seconds < 1,
    };
  const share = timeoutShare(ev, gs);
  if (share !== null && share >= 0.2)
    return {
      text: `${Math.round(share * 100)}% of the tries at this backend ended in a timeout: it hangs on a large part of its requests (stuck workers, exhausted pools, locks), so fix the backend rather than the timeout.`,
      timeoutTooLow: false,
    };
  if (conf.seconds !== null && p95 !== null && p95 >= conf.seconds * 0.8)
    return {
      text: `Normal requests to this backend already take close to the limit (p95 ${p95.toFixed(2)}s vs ${conf.name} ${formatDuration(conf.seconds)}): the timeout is too tight for this workload.`,
      timeoutTooLow: true,
    };
  if (conf.seconds !== null && conf.seconds < 5)
    return {
      text: `${conf.name} is only ${formatDuration(conf.seconds)}, which slow but healthy requests can exceed; raise it for the slow endpoints or make them faster.`,
      timeoutTooLow: true,
    };
  return {
    text: `${conf.name} is ${conf.seconds === null ? "unknown" : formatDuration(conf.seconds)}${p95 !== null ? ` while the backend's usual p95 is ${p95.toFixed(2)}s` : ""}: the backend hangs on some requests (stuck workers, slow queries, locks), so fix the backend rather than the timeout.`,
    timeoutTooLow: false,
  };
}

/** The effective timeout for a location key (first path segment) through the configuration, if it can be matched. */
function timeoutAt(
  ev: Evidence,
  key: string,
  which: "read" | "connect",
): { seconds: number; name: string; at: string } | null {
  const model = ev.config?.model;
  if (!model || !key.startsWith("/")) return null;
  for (const server of trafficServers(ev, model)) {
    const loc = matchLocation(server, key);
    const pass = loc && model.passes.find((p) => p.location === loc);
    if (!loc || !pass) continue;
    const name = `${pass.module === "stream-proxy" ? "proxy" : pass.module}_${which}_timeout`;
    const { seconds, value } = effectiveSeconds(model, loc.scope, name);
    if (seconds === null) return null;
    const d = value.directives[0];
    return { seconds, name, at: d ? where(d) : "default" };
  }
  return null;
}

/**
 * The timeout what-if for the (location, peer) cells of the access log behind these groups: the two with the most
 * timed-out tries. Read and connect timeouts only (a send timeout is not about the backend's latency).
 */
export function whatIfsFor(ev: Evidence, gs: ErrorGroup[], refs: ConfigRefs): TimeoutWhatIf[] {
  const al = ev.accessLog;
  if (!al?.timeoutCells?.length) return [];
  const cls = mainPhase(gs);
  if (cls === "send-timeout" || (cls === "connect-timeout" && inHandshake(gs))) return [];
  const which = cls === "connect-timeout" ? "connect" : "read";
  const peers = new Set(gs.map((g) => g.peer).filter((p): p is string => p !== null));
  const cells = al.timeoutCells.filter((c) => peers.size === 0 || peers.has(c.peer)).slice(0, 2);
  const first = al.firstTime ? Date.parse(al.firstTime) : Number.NaN;
  const last = al.lastTime ? Date.parse(al.lastTime) : Number.NaN;
  const span = last > first ? (last - first) / 1000 : null;
  const allTimedOut = al.timeoutCells.reduce((n, c) => n + c.timedOut, 0);
  const peakMinute = Math.max(0, ...Object.values(al.byMinute).map((m) => m.s504));
  const wc = ev.config ? globalValue(ev.config.model, "worker_connections") : null;
  const wcn = wc ? Number(wc.args?.[0]) : Number.NaN;
  const conf = configured(refs, ev, cls);
  return cells.map((cell) => {
    const at = timeoutAt(ev, cell.location, which);
    return timeoutWhatIf({
      cell,
      phase: which,
      directive: at?.name ?? conf.name,
      timeout: at?.seconds ?? conf.seconds,
      timeoutFrom: at ? at.at : conf.at || "configuration",
      spanSeconds: span,
      // The busiest minute of client 504s (all peers), this cell's part of it; only over logs of 2 minutes or more.
      peakTimedOutRate:
        span !== null && span >= 120 && allTimedOut > 0
          ? ((peakMinute / 60) * cell.timedOut) / allTimedOut
          : null,
      workerConnections: Number.isFinite(wcn) && wcn > 0 ? wcn : null,
    });
  });
}

const timeoutRule: CauseRule = classRule({
  meta: {
    id: "upstream-timeout",
    title: "Upstream timed out (504 Gateway Timeout)",
    kind: "cause",
    severity: "error",
    status: 504,
    description:
      'nginx gave up waiting for the upstream: to accept the connection or complete the TLS handshake (proxy_connect_timeout), to take the request (proxy_send_timeout) or to answer (proxy_read_timeout). Clients get 504 unless another peer answers — except when the timeout hit after the response header was sent ("while reading upstream"): then they got the upstream\'s own status with a truncated body.',
    nginxVersions: "all",
    uses: "The effective *_connect/read/send_timeout at the location, per-peer latency and timeout share from the access log to tell a too-tight timeout from a hanging backend, and per-location upstream p99 against each location's own read timeout.",
  },
  classes: ["connect-timeout", "read-timeout", "send-timeout"],
  base: 0.9,
  what: "upstream timed out",
  message: (gs, refs, ev) => {
    const cls = mainPhase(gs);
    const conf = configured(refs, ev, cls);
    const limit =
      conf.seconds === null
        ? ""
        : ` after ${formatDuration(conf.seconds)} (${conf.name}${conf.at ? `, ${conf.at}` : ""})`;
    const word = cls === "connect-timeout" && inHandshake(gs) ? HANDSHAKE_WORD : PHASE[cls]?.word;
    return `Requests to ${peersText(gs)}${atConfig(refs)} timed out while ${word ?? "talking to the upstream"}${limit}. Clients got 504 Gateway Timeout. ${verdict(gs, refs, ev).text}`;
  },
  fix: (gs, refs, ev) => {
    const cls = mainPhase(gs);
    const conf = configured(refs, ev, cls);
    const v = verdict(gs, refs, ev);
    if (v.timeoutTooLow)
      return `Raise ${conf.name}${conf.at && conf.at !== "default" ? ` at ${conf.at}` : ""} above the backend's real response time (e.g. \`${conf.name} ${cls === "connect-timeout" ? "5s" : "120s"};\`) — ideally only in the location of the slow endpoint — then \`nginx -t && nginx -s reload\`.`;
    if (cls === "connect-timeout" && inHandshake(gs)) {
      const peer = gs.find((g) => g.class === "connect-timeout")?.peer ?? "HOST:PORT";
      return `Check that ${peer} speaks TLS: \`openssl s_client -connect ${peer} </dev/null\` must print a certificate within a second. If it hangs, the port is not a TLS port (use http:// in ${refs.passes[0]?.directive.name ?? "proxy_pass"}${refs.passes[0] ? ` at ${where(refs.passes[0].directive)}` : ""}) or the TLS service behind it is stuck (restart it, look at its logs). ${conf.name} also bounds the handshake: keep it short.`;
    }
    if (cls === "connect-timeout")
      return `Check the backend host and the path to it: \`ss -ltn\` on the backend (listen queue overflow: \`nstat -az TcpExtListenOverflows\`), firewall rules, security groups. Keep ${conf.name} short (a few seconds) so nginx fails over quickly.`;
    return `Find what makes the backend slow for these requests (its logs, slow-query log, thread/worker pool saturation, \`curl -w '%{time_starttransfer}'\` against it directly). Only raise ${conf.name} if the slow response is legitimate (reports, uploads).`;
  },
  verify: (gs) =>
    `\`curl -s -o /dev/null -w 'connect %{time_connect}s first-byte %{time_starttransfer}s\\n' ${gs[0]?.upstream ?? "http://UPSTREAM/"}\` from the nginx host stays well under the timeout, and "upstream timed out" lines stop.`,
  extra: (gs, _refs, ev): EvidenceItem[] => {
    const p95 = backendP95(ev, gs);
    const items: EvidenceItem[] =
      p95 === null
        ? []
        : [
            {
              source: "access-log",
              summary: `backend p95 response time ${p95.toFixed(3)}s for ${peersText(gs)}`,
            },
          ];
    return [...items, ...locationsNearTimeout(ev)];
  },
});

/** Connect, send or read timeouts toward the upstream: 504 Gateway Timeout, with the timeout what-if attached. */
export const upstreamTimeout: CauseRule = {
  meta: timeoutRule.meta,
  diagnose(ev, ctx) {
    const classes = timeoutRule.meta.classes ?? [];
    const before = new Set(ctx.claimed);
    const found = timeoutRule.diagnose(ev, ctx);
    const groups = (ev.errorLog?.groups ?? []).filter((g) => classes.includes(g.class) && !before.has(g));
    const refs = mergeRefs(groups.map((g) => configRefs(ev.config?.model, g)));
    for (const f of found) {
      const w = whatIfsFor(ev, groups, refs);
      if (w.length) f.whatIf = w;
    }
    return found;
  },
};
