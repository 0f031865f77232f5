/**
 * Timeout what-if: "how many of these 504s would have completed with a longer timeout, and what would it cost?"
 * Pure arithmetic over the access log's per-(location, peer) latency (TimeoutCell); no I/O.
 *
 * Censoring: a try cut at the timeout τ only says its latency T was above τ. Below τ the completed tries give the
 * distribution directly (with a single censoring point, the Kaplan–Meier estimate is just their empirical
 * distribution); above τ nothing was observed, so the tail is a model: a one-parameter tail — exponential
 * (S(t) = S(u)·e^−(t−u)/β) or Pareto (S(t) = S(u)·(u/t)^a) — fitted by censored maximum likelihood to the tries
 * above a threshold u (completed ones with their times, timed-out ones as "> τ"), the better of the two by
 * likelihood. Every result states the model, the threshold and the fitted parameter.
 */
import type { TimeoutCell } from "../evidence/access-log.js";
import type { SketchJSON } from "../nginx/sketch.js";

export type TailKind = "exponential" | "pareto";

/** How much better (log-likelihood) the Pareto tail must fit before it replaces the exponential one. */
export const PARETO_MARGIN = 2;

export interface TailFit {
  kind: TailKind;
  /** Threshold u (seconds): the fit uses the tries above it. */
  threshold: number;
  /** β (mean excess, seconds) for exponential, a (shape) for Pareto. */
  parameter: number;
  /** The parameter of the other tail (a for exponential, β for Pareto), for the sensitivity shown beside. */
  otherParameter: number;
  /** Completed tries above u and timed-out tries the fit used. */
  completedAbove: number;
  timedOut: number;
  /** Log-likelihood of both candidate tails (the higher was chosen). */
  logLikelihood: Record<TailKind, number>;
}

export interface WhatIfCandidate {
  /** "×2", "×4", "p99.9". */
  label: string;
  seconds: number;
  /** Expected number of the timed-out tries that would have completed within `seconds`. */
  completed: number;
  /** completed / timed-out tries. */
  share: number;
  /** The share under the other tail model (how much the answer depends on the assumption). */
  shareOtherTail: number;
  /** Completed tries that would have been cut (a candidate below the current timeout). */
  newlyCut: number;
  /** Extra requests held at once on average (Little's law: rate × extra time held); negative frees some. */
  extraBusy: number | null;
  /** The same at the busiest minute of 504s. */
  extraBusyPeak: number | null;
  /** 2 × extraBusyPeak (else 2 × extraBusy; client + upstream connection) as a share of worker_connections. */
  workerConnectionsShare: number | null;
}

export interface TimeoutWhatIf {
  directive: string;
  /** The timeout the tries were cut at (seconds) and where it came from. */
  timeout: number;
  timeoutFrom: string;
  location: string;
  peer: string;
  tries: number;
  timedOut: number;
  /** Requests held at once on average through this (location, peer) now (responseSum / span). */
  busy: number | null;
  workerConnections: number | null;
  fit: TailFit | null;
  candidates: WhatIfCandidate[];
  /** The model in words, for the report. */
  assumption: string;
  /** Why a part could not be computed. */
  notes: string[];
}

/** Bucketed values of a sketch: [value, count] ascending (values at bucket midpoints, clamped to min/max). */
export function sketchValues(s: SketchJSON): Array<[number, number]> {
  const gamma = (1 + s.alpha) / (1 - s.alpha);
  const out: Array<[number, number]> = [];
  if (s.zeros > 0) out.push([0, s.zeros]);
  for (const [i, c] of s.buckets) {
    const v = (2 * gamma ** i) / (gamma + 1);
    out.push([Math.min(s.max, Math.max(s.min, v)), c]);
  }
  return out;
}

/**
 * Fits the tail above u by censored maximum likelihood. `values` are completed latencies (all below τ),
 * `timedOut` tries are censored at τ. Returns null when fewer than `minAbove` completed tries lie above u.
 */
export function fitTail(
  values: Array<[number, number]>,
  timedOut: number,
  tau: number,
  opts: { minAbove?: number } = {},
): TailFit | null {
  const completed = values.reduce((n, [, c]) => n + c, 0);
  const total = completed + timedOut;
  if (timedOut === 0 || total === 0) return null;
  // The fit uses the top share q of all tries: twice the timed-out share, between 5 % and 50 %, so the tail
  // region has about as many completed tries as censored ones without reaching into the body.
  const q = Math.min(0.5, Math.max(0.05, (2 * timedOut) / total));
  const wantAbove = Math.max(0, Math.round(q * total) - timedOut);
  let u = 0;
  let seen = 0;
  for (let k = values.length - 1; k >= 0; k--) {
    const [v, c] = values[k] as [number, number];
    if (seen >= wantAbove) {
      u = v;
      break;
    }
    seen += c;
  }
  if (!(u > 0) || u >= tau) return null;
  let k = 0;
  let sumExcess = 0;
  let sumLog = 0;
  let sumLnT = 0;
  for (const [v, c] of values) {
    if (v <= u) continue;
    k += c;
    sumExcess += c * (v - u);
    sumLog += c * Math.log(v / u);
    sumLnT += c * Math.log(v);
  }
  if (k < (opts.minAbove ?? 10)) return null;
  sumExcess += timedOut * (tau - u);
  sumLog += timedOut * Math.log(tau / u);
  const beta = sumExcess / k;
  const a = k / sumLog;
  const llExp = -k * Math.log(beta) - k;
  const llPar = k * Math.log(a) - k - sumLnT;
  // The exponential tail is the default; the Pareto tail is chosen only when the data favour it clearly (by more
  // than PARETO_MARGIN in log-likelihood): with a few dozen tries near the timeout, small differences are noise.
  const kind: TailKind = llPar > llExp + PARETO_MARGIN ? "pareto" : "exponential";
  return {
    kind,
    threshold: u,
    parameter: kind === "pareto" ? a : beta,
    otherParameter: kind === "pareto" ? beta : a,
    completedAbove: k,
    timedOut,
    logLikelihood: { exponential: llExp, pareto: llPar },
  };
}

/** The same fit with the other tail form. */
export function otherTail(fit: TailFit): TailFit {
  return {
    ...fit,
    kind: fit.kind === "exponential" ? "pareto" : "exponential",
    parameter: fit.otherParameter,
    otherParameter: fit.parameter,
  };
}

/** P(T ≤ t' | T > τ) under the fitted tail, for t' ≥ τ. */
export function completesBy(fit: TailFit, tau: number, t: number): number {
  if (t <= tau) return 0;
  if (fit.kind === "exponential") return 1 - Math.exp(-(t - tau) / fit.parameter);
  return 1 - (tau / t) ** fit.parameter;
}

/** E[min(T, t') − τ | T > τ]: the extra time a try now cut at τ would hold its connection with timeout t'. */
export function extraHeld(fit: TailFit, tau: number, t: number): number {
  if (t <= tau) return 0;
  if (fit.kind === "exponential") return fit.parameter * (1 - Math.exp(-(t - tau) / fit.parameter));
  const a = fit.parameter;
  if (Math.abs(a - 1) < 1e-9) return tau * Math.log(t / tau);
  return (tau / (1 - a)) * ((t / tau) ** (1 - a) - 1);
}

/** The q-quantile of the whole latency distribution: empirical below τ, from the tail model above. */
export function quantileWithTail(
  values: Array<[number, number]>,
  timedOut: number,
  tau: number,
  fit: TailFit | null,
  q: number,
): number | null {
  const completed = values.reduce((n, [, c]) => n + c, 0);
  const total = completed + timedOut;
  if (total === 0) return null;
  const sTau = timedOut / total;
  const above = 1 - q;
  if (sTau <= above) {
    const rank = Math.max(0, Math.ceil(q * total) - 1);
    let seen = 0;
    for (const [v, c] of values) {
      seen += c;
      if (seen > rank) return v;
    }
    return tau;
  }
  if (!fit) return null;
  if (fit.kind === "exponential") return tau + fit.parameter * Math.log(sTau / above);
  return tau * (sTau / above) ** (1 / fit.parameter);
}

function describeFit(fit: TailFit): string {
  const u = fit.threshold.toFixed(3);
  const form =
    fit.kind === "exponential"
      ? `exponential tail (mean excess β = ${fit.parameter.toFixed(3)}s above u = ${u}s)`
      : `Pareto tail (shape a = ${fit.parameter.toFixed(2)} above u = ${u}s)`;
  return `latency beyond the timeout is not observed (those tries were cut); assumed ${fit.kind === "pareto" ? "a" : "an"} ${form}, fitted by censored maximum likelihood to ${fit.completedAbove} completed tries above u and ${fit.timedOut} timed-out ones, ${fit.kind === "pareto" ? `chosen over the exponential tail because it fits clearly better (log-likelihood ${fit.logLikelihood.pareto.toFixed(1)} vs ${fit.logLikelihood.exponential.toFixed(1)})` : `the default; the Pareto tail would need a log-likelihood more than ${PARETO_MARGIN} higher (it has ${fit.logLikelihood.pareto.toFixed(1)} vs ${fit.logLikelihood.exponential.toFixed(1)})`}`;
}

export interface WhatIfInput {
  cell: TimeoutCell;
  /** "read" (header/response time) or "connect" (connect time). */
  phase: "read" | "connect";
  directive: string;
  /** The configured timeout, or null to infer it from the timed-out tries' mean response time. */
  timeout: number | null;
  timeoutFrom: string;
  /** Seconds the access log covers (null: unknown, no cost then). */
  spanSeconds: number | null;
  /** Timed-out tries per second at the busiest minute, for this cell (null: unknown). */
  peakTimedOutRate: number | null;
  workerConnections: number | null;
}

/** The what-if for one (location, peer) cell. */
export function timeoutWhatIf(input: WhatIfInput): TimeoutWhatIf {
  const { cell } = input;
  const notes: string[] = [];
  let tau = input.timeout;
  let from = input.timeoutFrom;
  if (tau === null || !(tau > 0)) {
    tau = cell.timedOut > 0 ? cell.timedOutSum / cell.timedOut : 0;
    from = "inferred: mean $upstream_response_time of the timed-out tries";
  }
  // A 504 answered well before the timeout is the backend's own 504, not nginx giving up: not censored at τ.
  let timedOut = cell.timedOut;
  const t504 = cell.timedOutTimes;
  if (input.timeout !== null && t504 && t504.count === cell.timedOut) {
    const early = sketchValues(t504)
      .filter(([v]) => v < 0.9 * tau)
      .reduce((n, [, c]) => n + c, 0);
    if (early > 0) {
      timedOut -= early;
      notes.push(
        `${early} of the ${cell.timedOut} tries with upstream status 504 ended in less than 90 % of the timeout: the backend's own 504 answers, not nginx's timeout; left out`,
      );
    }
  }
  const sketch = input.phase === "connect" ? cell.connect : cell.completed;
  const values = sketchValues(sketch).filter(([v]) => v < tau);
  const fit = tau > 0 ? fitTail(values, timedOut, tau) : null;
  const busy = input.spanSeconds ? cell.responseSum / input.spanSeconds : null;
  const base: TimeoutWhatIf = {
    directive: input.directive,
    timeout: tau,
    timeoutFrom: from,
    location: cell.location,
    peer: cell.peer,
    tries: cell.tries,
    timedOut,
    busy,
    workerConnections: input.workerConnections,
    fit,
    candidates: [],
    assumption: "",
    notes,
  };
  if (!fit) {
    notes.push(
      sketch.count === 0
        ? `no completed tries with ${input.phase === "connect" ? "$upstream_connect_time" : "$upstream_header_time or $upstream_response_time"} for this location and peer: the tail cannot be estimated`
        : "too few completed tries near the timeout (fewer than 10 above the fit threshold) to estimate the tail",
    );
    base.assumption = "none: no estimate";
    return base;
  }
  base.assumption = describeFit(fit);
  const rate = input.spanSeconds ? timedOut / input.spanSeconds : null;
  const p999 = quantileWithTail(values, timedOut, tau, fit, 0.999);
  const targets: Array<[string, number]> = [
    ["×2", tau * 2],
    ["×4", tau * 4],
  ];
  if (p999 !== null && Number.isFinite(p999)) targets.push(["p99.9", Math.round(p999 * 1000) / 1000]);
  for (const [label, t] of targets) {
    let completed = 0;
    let shareOther = 0;
    let newlyCut = 0;
    let held = 0; // extra seconds held per timed-out try (negative: saved)
    let savedCompleted = 0; // seconds saved over all completed tries that the shorter timeout would cut
    if (t >= tau) {
      const share = completesBy(fit, tau, t);
      completed = share * timedOut;
      shareOther = completesBy(otherTail(fit), tau, t);
      held = extraHeld(fit, tau, t);
    } else {
      for (const [v, c] of values)
        if (v > t) {
          newlyCut += c;
          savedCompleted += c * (v - t);
        }
      held = -(tau - t);
    }
    // Little's law: extra requests in flight = rate of the affected tries × extra time each is held.
    const extraBusy =
      rate === null || input.spanSeconds === null ? null : rate * held - savedCompleted / input.spanSeconds;
    const peak = input.peakTimedOutRate;
    const extraBusyPeak =
      peak === null || rate === null || rate === 0 || extraBusy === null ? null : extraBusy * (peak / rate);
    base.candidates.push({
      label,
      seconds: t,
      completed,
      share: timedOut > 0 ? completed / timedOut : 0,
      shareOtherTail: shareOther,
      newlyCut,
      extraBusy,
      extraBusyPeak,
      // At the busiest minute when known, else on average.
      workerConnectionsShare:
        input.workerConnections && (extraBusyPeak ?? extraBusy) !== null
          ? (2 * ((extraBusyPeak ?? extraBusy) as number)) / input.workerConnections
          : null,
    });
  }
  if (input.spanSeconds === null)
    notes.push("the access log has no times: the cost (held connections) is unknown");
  return base;
}

function num(n: number, digits = 1): string {
  return n.toFixed(digits);
}

/** Text lines for a what-if (the terminal and Markdown renderers indent them). */
export function whatIfLines(w: TimeoutWhatIf): string[] {
  const head = `What if ${w.directive} were different — location ${w.location || "(none)"}, peer ${w.peer}: ${w.timedOut} of ${w.tries} tries cut at ${num(w.timeout, 3)}s (${w.timeoutFrom})${w.busy !== null ? `; ${num(w.busy, 2)} requests held at once on average now` : ""}`;
  const out = [head];
  for (const c of w.candidates) {
    const cost =
      c.extraBusy === null
        ? "cost unknown"
        : `${c.extraBusy >= 0 ? "+" : ""}${num(c.extraBusy, 2)} requests held at once on average${c.extraBusyPeak !== null ? `, ${c.extraBusyPeak >= 0 ? "+" : ""}${num(c.extraBusyPeak, 2)} at the busiest minute` : ""}${c.workerConnectionsShare !== null ? ` (${num(Math.abs(c.workerConnectionsShare) * 100)}% of worker_connections ${w.workerConnections}, 2 connections each)` : ""}`;
    const gain =
      c.seconds >= w.timeout
        ? `≈${Math.round(c.completed)} of ${w.timedOut} timed-out tries would have completed (${num(c.share * 100)}%; ${num(c.shareOtherTail * 100)}% with ${w.fit?.kind === "pareto" ? "an exponential" : "a Pareto"} tail)`
        : `shorter than now: ${c.newlyCut} completed tries would also have been cut`;
    out.push(`${c.label} = ${num(c.seconds, 3)}s: ${gain}; ${cost}`);
  }
  out.push(`Assumption: ${w.assumption}.`);
  for (const n of w.notes) out.push(`Note: ${n}.`);
  return out;
}
