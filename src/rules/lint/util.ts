/** Helpers shared by lint rules. */
import {
  type ConfigModel,
  type Directive,
  effective,
  type PassTarget,
  type Scope,
} from "../../nginx/config/model.js";
import { parseDuration } from "../../nginx/config/units.js";
import { where } from "../finding.js";
import type { LintReport } from "./types.js";

/** The resolver in effect at a scope (http/server/location inheritance), or null. */
export function resolverAt(model: ConfigModel, scope: Scope): Directive | null {
  return effective(model, scope, "resolver").directives[0] ?? null;
}

/** proxy_pass/fastcgi_pass/… targets in http (not stream), optionally of some modules. */
export function httpPasses(model: ConfigModel, modules?: string[]): PassTarget[] {
  return model.passes.filter((p) => p.module !== "stream-proxy" && (!modules || modules.includes(p.module)));
}

/** Effective value of `<module>_<suffix>` at a pass, in seconds, with the directive it came from. */
export function passSeconds(
  model: ConfigModel,
  p: PassTarget,
  suffix: string,
): { seconds: number | null; name: string; directive: Directive | null } {
  const mod = p.module === "stream-proxy" ? "proxy" : p.module;
  const name = `${mod}_${suffix}`;
  const e = effective(model, p.scope, name);
  const v = e.args?.[0];
  return { seconds: v === undefined ? null : parseDuration(v), name, directive: e.directives[0] ?? null };
}

/**
 * One report per `<module>_<suffix>` directive in force at some http pass whose value is below `belowSeconds`
 * (each directive reported once, however many passes it governs), for each suffix given.
 */
export function shortPassTimeouts(
  model: ConfigModel,
  suffixes: string[],
  belowSeconds: number,
  message: (name: string, value: string) => string,
): LintReport[] {
  const out: LintReport[] = [];
  const seen = new Set<string>();
  for (const p of httpPasses(model))
    for (const suffix of suffixes) {
      const t = passSeconds(model, p, suffix);
      if (!t.directive || t.seconds === null || t.seconds >= belowSeconds) continue;
      const key = where(t.directive);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        directive: t.directive,
        related: [p.directive],
        message: message(t.name, t.directive.args[0] ?? ""),
      });
    }
  return out;
}

/** True when `value` is a literal "on". */
export function isOn(model: ConfigModel, scope: Scope, name: string): boolean {
  return effective(model, scope, name).args?.[0] === "on";
}
