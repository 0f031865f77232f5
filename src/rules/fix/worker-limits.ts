/**
 * connection-limit / fd-limit (causes) and worker-connections-small / rlimit-nofile-low (lint): size the worker
 * limits with the formula each plan shows.
 *
 *   worker_connections   ≥ 2 × concurrent proxied requests per worker (one client + one upstream connection
 *                          each); planned as max(1024, 4 × current), a power of two
 *   worker_rlimit_nofile ≥ 2 × worker_connections (each connection is a descriptor, plus log files, listening
 *                          sockets and temp files), rounded up to a power of two
 */
import type { Edit } from "../../nginx/config/edits.js";
import { type ConfigModel, type Directive, globalValue } from "../../nginx/config/model.js";
import type { CauseFix, FixPlan, LintFix } from "./types.js";
import { plan, pow2, setOrInsert } from "./util.js";

function connections(model: ConfigModel): number {
  const n = Number(globalValue(model, "worker_connections").args?.[0] ?? 512);
  return Number.isFinite(n) ? n : 512;
}

export function connectionsPlan(rule: string, model: ConfigModel): FixPlan | null {
  const events = model.events;
  if (!events) return null;
  const cur = connections(model);
  const want = pow2(Math.max(1024, 4 * cur));
  const edits: Edit[] = [setOrInsert(events, "worker_connections", [String(want)])];
  const rl = globalValue(model, "worker_rlimit_nofile");
  const limit = Number(rl.args?.[0] ?? 0);
  const nofile = pow2(2 * want);
  if (!(limit >= 2 * want)) edits.push(setOrInsert(model.main, "worker_rlimit_nofile", [String(nofile)]));
  const at = (globalValue(model, "worker_connections").directives[0] ?? events.block) as Directive;
  return plan(rule, at, {
    title: `worker_connections ${want}${edits.length > 1 ? `, worker_rlimit_nofile ${nofile}` : ""}`,
    explanation: `worker_connections = max(1024, 4 × ${cur}) = ${want} (a proxied request holds two connections, so about ${want / 2} at once per worker); worker_rlimit_nofile ≥ 2 × worker_connections = ${2 * want}${edits.length > 1 ? ` → ${nofile}` : ` (already ${limit})`}.`,
    edits,
  });
}

export function nofilePlan(rule: string, model: ConfigModel): FixPlan | null {
  const cur = connections(model);
  const rl = globalValue(model, "worker_rlimit_nofile");
  const want = pow2(Math.max(1024, 2 * cur));
  const at = rl.directives[0] ?? model.main.directives[0] ?? null;
  if (!at) return null;
  return plan(rule, at, {
    title: `worker_rlimit_nofile ${want}`,
    explanation: `worker_rlimit_nofile ≥ 2 × worker_connections (${cur}) = ${2 * cur}, at least 1024, rounded up to a power of two = ${want}. nginx raises its workers' limit itself (the master needs the privilege or a high enough hard limit: with systemd, LimitNOFILE=${want} in the unit).`,
    edits: [setOrInsert(model.main, "worker_rlimit_nofile", [String(want)])],
    commands: rl.directives.length
      ? []
      : [
          `systemctl edit nginx   # add: [Service] LimitNOFILE=${want}   (when nginx runs under systemd and its hard limit is lower)`,
        ],
  });
}

export const connectionLimitFix: CauseFix = {
  rule: "connection-limit",
  plan: (_f, { model }) =>
    [connectionsPlan("connection-limit", model)].filter((x): x is FixPlan => x !== null),
};
export const workerConnectionsSmallFix: LintFix = {
  rule: "worker-connections-small",
  plan: (_r, { model }) => connectionsPlan("worker-connections-small", model),
};
export const fdLimitFix: CauseFix = {
  rule: "fd-limit",
  plan: (_f, { model }) => [nofilePlan("fd-limit", model)].filter((x): x is FixPlan => x !== null),
};
export const rlimitNofileLowFix: LintFix = {
  rule: "rlimit-nofile-low",
  plan: (_r, { model }) => nofilePlan("rlimit-nofile-low", model),
};
