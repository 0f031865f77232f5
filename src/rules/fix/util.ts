/** Helpers shared by the fix planners. */
import type { Edit } from "../../nginx/config/edits.js";
import {
  type ConfigModel,
  type Directive,
  effective,
  type PassTarget,
  type Scope,
  type UpstreamBlock,
  type UpstreamServer,
} from "../../nginx/config/model.js";
import { where } from "../finding.js";
import type { Finding } from "../types.js";
import type { FixPlan } from "./types.js";

/** The id of a fix: the rule and the place of the directive it is about. */
export function fixId(rule: string, d: { file: string; line: number }): string {
  return `${rule}@${where(d)}`;
}

export function plan(rule: string, at: Directive, p: Omit<FixPlan, "rule" | "id">): FixPlan {
  return { rule, id: fixId(rule, at), ...p };
}

/** The passes and upstream servers a finding points at (its locations). */
export function refsOf(
  finding: Finding,
  model: ConfigModel,
): { passes: PassTarget[]; servers: Array<{ upstream: UpstreamBlock; server: UpstreamServer }> } {
  const at = new Set(finding.locations.map((l) => where(l)));
  const passes = model.passes.filter((p) => at.has(where(p.directive)));
  const servers: Array<{ upstream: UpstreamBlock; server: UpstreamServer }> = [];
  for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
    for (const s of u.servers) if (at.has(where(s.directive))) servers.push({ upstream: u, server: s });
  return { passes, servers };
}

/** Set `name` at this level when it is written here, else insert it at the end of the level. */
export function setOrInsert(scope: Scope, name: string, args: string[]): Edit {
  const here = scope.directives.find((d) => d.name === name);
  return here ? { op: "set", directive: here, args } : { op: "insert", scope, directive: { name, args } };
}

/**
 * Where to add one more of an array-like directive (proxy_set_header, fastcgi_param, add_header): at the level
 * its current values come from, because writing one at an inner level would drop every inherited one. With
 * none in effect, at `scope` itself.
 */
export function arrayLevel(model: ConfigModel, scope: Scope, name: string): Scope {
  return effective(model, scope, name).from ?? scope;
}

/** A proxy_pass-style argument rebuilt with some parts changed (host kept as written). */
export function passArgument(
  p: PassTarget,
  change: { scheme?: string; port?: number | null; uri?: string | null; host?: string },
): string {
  const scheme = change.scheme ?? p.scheme;
  const host = change.host ?? p.host ?? "";
  const port = change.port !== undefined ? change.port : p.portIsDefault ? null : p.port;
  const uri = change.uri !== undefined ? change.uri : p.uri;
  return `${scheme ? `${scheme}://` : ""}${host}${port !== null ? `:${port}` : ""}${uri ?? ""}`;
}

/** An upstream server's address with another port, keeping its other parameters. */
export function serverWithPort(s: UpstreamServer, port: number): string[] {
  const [, ...params] = s.directive.args;
  const host = s.host ?? "";
  return [`${host}:${port}`, ...params];
}

/** A parameter of an upstream `server` line set to a value (replaced when present, appended otherwise). */
export function withParam(args: string[], name: string, value: string | null): string[] {
  const text = value === null ? name : `${name}=${value}`;
  const i = args.findIndex((a, j) => j > 0 && (a === name || a.startsWith(`${name}=`)));
  if (i < 0) return [...args, text];
  return args.map((a, j) => (j === i ? text : a));
}

/** nginx's usual size notation for a byte count: `16k`, `1m`. */
export function sizeText(bytes: number): string {
  if (bytes % (1 << 20) === 0) return `${bytes >> 20}m`;
  return `${Math.ceil(bytes / 1024)}k`;
}

/** The next power of two at or above n. */
export function pow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
