/**
 * too-big-header (cause) and proxy-buffer-size-small (lint): raise the header buffer where the pass is. nginx
 * also checks proxy_busy_buffers_size (default 2 × the larger of the two sizes) against the proxy_buffers total
 * minus one buffer, so proxy_buffers is raised with it: 8 × 16k leaves room for the 32k default.
 */
import type { Edit } from "../../nginx/config/edits.js";
import { effective, type PassTarget } from "../../nginx/config/model.js";
import { parseSize } from "../../nginx/config/units.js";
import type { CauseFix, FixContext, FixPlan, LintFix } from "./types.js";
import { plan, refsOf, setOrInsert, sizeText } from "./util.js";

const WANT = 16 * 1024;

export function bufferPlan(rule: string, p: PassTarget, ctx: FixContext): FixPlan | null {
  const mod = p.module === "stream-proxy" ? null : p.module;
  if (mod !== "proxy" && mod !== "fastcgi" && mod !== "uwsgi" && mod !== "scgi" && mod !== "grpc")
    return null;
  const cur = effective(ctx.model, p.scope, `${mod}_buffer_size`);
  const bytes = cur.args?.[0] ? (parseSize(cur.args[0]) ?? 4096) : 4096;
  const size = Math.max(WANT, bytes * 2);
  const edits: Edit[] = [setOrInsert(p.scope, `${mod}_buffer_size`, [sizeText(size)])];
  if (mod !== "grpc") {
    const bufs = effective(ctx.model, p.scope, `${mod}_buffers`);
    const each = bufs.args?.[1] ? (parseSize(bufs.args[1]) ?? 4096) : 4096;
    const count = Number(bufs.args?.[0] ?? 8);
    if (each < size || count * each - each < 2 * size)
      edits.push(setOrInsert(p.scope, `${mod}_buffers`, [String(Math.max(8, count)), sizeText(size)]));
  }
  return plan(rule, p.directive, {
    title: `${mod}_buffer_size ${sizeText(size)} for ${p.location ? `location ${p.location.path}` : p.raw}`,
    explanation: `Response headers must fit in ${mod}_buffer_size (now ${cur.args?.[0] ?? "4k/8k"}${cur.source === "default" ? ", the default" : ""}). ${sizeText(size)} = max(16k, 2 × current); only this location changes, and ${mod}_buffers is raised with it so nginx's busy-buffers check still passes.`,
    edits,
  });
}

export const tooBigHeaderFix: CauseFix = {
  rule: "too-big-header",
  plan(finding, ctx) {
    return refsOf(finding, ctx.model)
      .passes.map((p) => bufferPlan("too-big-header", p, ctx))
      .filter((x): x is FixPlan => x !== null);
  },
};

export const proxyBufferSizeSmallFix: LintFix = {
  rule: "proxy-buffer-size-small",
  plan(report, ctx) {
    const p = ctx.model.passes.find((x) => x.directive === report.directive);
    return p ? bufferPlan("proxy-buffer-size-small", p, ctx) : null;
  },
};
