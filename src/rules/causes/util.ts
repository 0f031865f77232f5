/** Shared helpers for cause rules: picking error groups, tying them to config lines, wording evidence. */
import type { ErrorGroup, Evidence, ProbeFact } from "../../evidence/types.js";
import {
  type ConfigModel,
  type Directive,
  matchLocation,
  matchServer,
  type PassTarget,
  type UpstreamBlock,
  type UpstreamServer,
} from "../../nginx/config/model.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { where } from "../finding.js";
import type { EvidenceItem, SourceLocation } from "../types.js";
import type { CauseContext } from "./types.js";

/** Unclaimed error groups of the given classes, biggest first. */
export function groupsOf(ev: Evidence, ctx: CauseContext, classes: readonly ErrorClass[]): ErrorGroup[] {
  if (!ev.errorLog) return [];
  return ev.errorLog.groups
    .filter((g) => classes.includes(g.class) && !ctx.claimed.has(g))
    .sort((a, b) => b.count - a.count);
}

export function claim(ctx: CauseContext, groups: ErrorGroup[]): void {
  for (const g of groups) ctx.claimed.add(g);
}

export function total(groups: ErrorGroup[]): number {
  return groups.reduce((n, g) => n + g.count, 0);
}

function span(g: { first: string | null; last: string | null }): string {
  if (!g.first) return "";
  return g.last && g.last !== g.first ? ` between ${g.first} and ${g.last}` : ` at ${g.first}`;
}

/** One evidence item summarising error-log lines of a group. */
export function errorItem(g: ErrorGroup, what: string): EvidenceItem {
  const first = g.samples[0];
  return {
    source: g.origin ? `paste (${g.origin})` : "error-log",
    summary: `${g.count} × ${what}${g.peer ? ` (peer ${g.peer})` : ""}${span(g)}`,
    ...(first?.file ? { location: { file: first.file, ...(first.line ? { line: first.line } : {}) } } : {}),
    samples: g.samples.map((s) => s.text),
    data: {
      class: g.class,
      peer: g.peer,
      upstream: g.upstream,
      count: g.count,
      first: g.first,
      last: g.last,
    },
  };
}

export function probeItem(p: ProbeFact): EvidenceItem {
  return {
    source: "probe",
    summary: `${p.check} ${p.target}: ${p.summary}`,
    data: { problem: p.problem, ...(p.data ?? {}) },
  };
}

export function configItem(d: Directive, note?: string): EvidenceItem {
  return {
    source: "config",
    summary: `${d.name} ${d.args.join(" ")}${note ? ` — ${note}` : ""}`,
    location: { file: d.file, line: d.line },
  };
}

export function loc(d: Directive): SourceLocation {
  return { file: d.file, line: d.line };
}

/** "host:port" / "[v6]:port" / "unix:/p" → parts. */
export function splitPeer(peer: string): { host: string | null; port: number | null; unix: string | null } {
  if (peer.startsWith("unix:")) return { host: null, port: null, unix: peer.slice(5).replace(/:$/, "") };
  const i = peer.lastIndexOf(":");
  if (i < 0) return { host: peer, port: null, unix: null };
  const port = Number(peer.slice(i + 1));
  return { host: peer.slice(0, i), port: Number.isInteger(port) ? port : null, unix: null };
}

export interface ConfigRefs {
  passes: PassTarget[];
  servers: Array<{ upstream: UpstreamBlock; server: UpstreamServer }>;
}

/** The proxy_pass/fastcgi_pass lines and upstream servers an error group is about. */
export function configRefs(model: ConfigModel | undefined, g: ErrorGroup): ConfigRefs {
  const out: ConfigRefs = { passes: [], servers: [] };
  if (!model) return out;
  const hostMatch = (a: string | null, b: string | null) =>
    a !== null &&
    b !== null &&
    a.replace(/^\[|\]$/g, "").toLowerCase() === b.replace(/^\[|\]$/g, "").toLowerCase();
  if (g.group) {
    const u = model.upstreams.get(g.group.toLowerCase());
    if (u) {
      for (const s of u.servers) out.servers.push({ upstream: u, server: s });
      out.passes.push(...model.passes.filter((p) => p.upstream === u));
      return out;
    }
  }
  if (g.peer) {
    const p = splitPeer(g.peer);
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
      for (const s of u.servers)
        if ((p.unix && s.unixPath === p.unix) || (!p.unix && hostMatch(s.host, p.host) && s.port === p.port))
          out.servers.push({ upstream: u, server: s });
    const ups = new Set(out.servers.map((s) => s.upstream));
    out.passes.push(
      ...model.passes.filter(
        (t) =>
          (t.upstream && ups.has(t.upstream)) ||
          (p.unix && t.unixPath === p.unix) ||
          (!p.unix && !t.upstream && hostMatch(t.host, p.host) && t.port === p.port),
      ),
    );
  }
  if (out.passes.length === 0) {
    // Hostname targets are logged by address: fall back to the server and location that handled the request.
    const host = g.host ?? g.server;
    const uri = g.uris[0];
    if (host && uri) {
      const srv = matchServer(model, host);
      const l = srv ? matchLocation(srv, uri) : null;
      if (l) out.passes.push(...model.passes.filter((t) => t.location === l || isInside(t, l.scope)));
    }
  }
  return out;
}

function isInside(t: PassTarget, scope: PassTarget["scope"]): boolean {
  for (let s: PassTarget["scope"] | null = t.scope; s; s = s.parent) if (s === scope) return true;
  return false;
}

export function refLocations(refs: ConfigRefs): SourceLocation[] {
  const seen = new Set<string>();
  const out: SourceLocation[] = [];
  for (const d of [...refs.passes.map((p) => p.directive), ...refs.servers.map((s) => s.server.directive)]) {
    const k = where(d);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(loc(d));
  }
  return out;
}

export function refItems(refs: ConfigRefs): EvidenceItem[] {
  return [
    ...refs.passes.slice(0, 3).map((p) => configItem(p.directive)),
    ...refs.servers.slice(0, 3).map((s) => configItem(s.server.directive, `in upstream ${s.upstream.name}`)),
  ];
}

/** Probe facts about a peer (by address or unix path). */
export function probesFor(ev: Evidence, peer: string | null): ProbeFact[] {
  if (!ev.probes || !peer) return [];
  return ev.probes.filter((p) => p.peer === peer);
}

/**
 * Confidence from how much of the failure volume a cause explains: base × (0.7 + 0.3 × share), at most 0.99.
 * Unrounded: diagnose ranks on this exact score and rounds to 0.01 only for output.
 */
export function confidence(base: number, count: number, totalFailures: number): number {
  const share = totalFailures > 0 ? Math.min(1, count / totalFailures) : 1;
  return Math.min(0.99, base * (0.7 + 0.3 * share));
}

export function failureTotal(ev: Evidence): number {
  if (!ev.errorLog) return 0;
  return ev.errorLog.groups.filter((g) => g.class !== "not-upstream").reduce((n, g) => n + g.count, 0);
}

/** A curl line that checks a TCP/HTTP peer the way nginx reaches it. */
export function curlFor(peer: string | null, scheme = "http"): string {
  if (!peer) return "curl -sS -o /dev/null -w '%{http_code}\\n' http://UPSTREAM/";
  if (peer.startsWith("unix:"))
    return `curl -sS --unix-socket ${peer.slice(5)} -o /dev/null -w '%{http_code}\\n' http://localhost/`;
  return `curl -sS -o /dev/null -w '%{http_code} %{time_total}s\\n' ${scheme}://${peer}/`;
}

/** True when one of the group's details (typed details, or what a backend or TLS library said) matches. */
export function mentions(g: ErrorGroup, re: RegExp): boolean {
  return g.details.some((d) => re.test(d));
}
