/**
 * The top cause over `watch`'s window: the diagnose engine run on the window's evidence, reduced to what the
 * live view and the `top-cause` events show. Pure.
 */
import type { Evidence } from "../evidence/types.js";
import { diagnose } from "./diagnose.js";

export interface TopCause {
  id: string;
  title: string;
  fix: string;
  confidence: number;
  status: number | null;
}

/** The first ranked finding for this evidence, or null when there is none. */
export function topCause(ev: Evidence): TopCause | null {
  const f = diagnose(ev).findings[0];
  if (!f) return null;
  return { id: f.id, title: f.title, fix: f.fix, confidence: f.confidence, status: f.status ?? null };
}
