import { describe, expect, it } from "vitest";
import type { TimeoutCell } from "../../src/evidence/access-log.js";
import { QuantileSketch } from "../../src/nginx/sketch.js";
import { completesBy, fitTail, sketchValues, timeoutWhatIf, whatIfLines } from "../../src/rules/what-if.js";

/** A cell from latencies drawn at evenly spaced quantiles of `inv` (inverse CDF), cut at tau. */
function cell(
  n: number,
  inv: (u: number) => number,
  tau: number,
): { cell: TimeoutCell; trueOver: (t: number) => number } {
  const completed = new QuantileSketch();
  const connect = new QuantileSketch();
  const cut = new QuantileSketch();
  let timedOut = 0;
  let responseSum = 0;
  const all: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = inv((i + 0.5) / n);
    all.push(t);
    if (t > tau) {
      timedOut++;
      cut.add(tau);
      responseSum += tau;
    } else {
      completed.add(t);
      connect.add(0.001);
      responseSum += t;
    }
  }
  return {
    cell: {
      location: "/api/",
      peer: "10.0.0.1:8080",
      tries: n,
      timedOut,
      responseSum,
      timedOutSum: timedOut * tau,
      completed: completed.toJSON(),
      connect: connect.toJSON(),
      timedOutTimes: cut.toJSON(),
    },
    trueOver: (t: number) => all.filter((x) => x > t).length,
  };
}

const expTail = (u: number) => (u < 0.8 ? 0.01 + (u / 0.8) * 0.2 : 0.1 - 0.3 * Math.log(1 - (u - 0.8) / 0.2));
const paretoTail = (u: number) =>
  u < 0.8 ? 0.01 + (u / 0.8) * 0.2 : 0.2 * (1 - (u - 0.8) / 0.2) ** (-1 / 1.5);

describe("timeout what-if (censored tail fit)", () => {
  it("recovers an exponential tail from the completed tries and predicts the 504s a longer timeout avoids", () => {
    const tau = 1;
    const { cell: c, trueOver } = cell(5000, expTail, tau);
    const fit = fitTail(sketchValues(c.completed), c.timedOut, tau);
    expect(fit?.kind).toBe("exponential");
    expect(fit?.parameter).toBeGreaterThan(0.27);
    expect(fit?.parameter).toBeLessThan(0.33);
    const truth = 1 - trueOver(2) / trueOver(1);
    expect(Math.abs(completesBy(fit as NonNullable<typeof fit>, tau, 2) - truth)).toBeLessThan(0.03);
  });

  it("chooses a Pareto tail when the data have one, and predicts with it", () => {
    const tau = 1;
    const { cell: c, trueOver } = cell(20000, paretoTail, tau);
    const fit = fitTail(sketchValues(c.completed), c.timedOut, tau);
    expect(fit?.kind).toBe("pareto");
    expect(fit?.parameter).toBeGreaterThan(1.35);
    expect(fit?.parameter).toBeLessThan(1.65);
    const truth = 1 - trueOver(4) / trueOver(1);
    expect(Math.abs(completesBy(fit as NonNullable<typeof fit>, tau, 4) - truth)).toBeLessThan(0.05);
  });

  it("gives ×2, ×4 and p99.9 with Little's-law cost against worker_connections", () => {
    const tau = 1;
    const { cell: c, trueOver } = cell(5000, expTail, tau);
    const w = timeoutWhatIf({
      cell: c,
      phase: "read",
      directive: "proxy_read_timeout",
      timeout: tau,
      timeoutFrom: "nginx.conf:12",
      spanSeconds: 1000,
      peakTimedOutRate: null,
      workerConnections: 512,
    });
    expect(w.candidates.map((x) => x.label)).toEqual(["×2", "×4", "p99.9"]);
    const [x2, x4, p] = w.candidates;
    expect(x2?.completed).toBeGreaterThan(0);
    expect(x4?.share).toBeGreaterThan(x2?.share ?? 1);
    // Timed-out tries per second × extra time held: positive, and below rate × (t' − τ) (the upper bound).
    const rate = c.timedOut / 1000;
    expect(x2?.extraBusy).toBeGreaterThan(0);
    expect(x2?.extraBusy).toBeLessThan(rate * 1);
    // no busiest minute (peak unknown): the average against worker_connections, two connections per request
    expect(x2?.extraBusyPeak).toBeNull();
    expect(x2?.workerConnectionsShare).toBeCloseTo((2 * (x2?.extraBusy ?? 0)) / 512, 12);
    // the other tail's answer is given beside
    expect(x2?.shareOtherTail).toBeGreaterThan(0);
    expect(x2?.shareOtherTail).not.toBeCloseTo(x2?.share ?? 0, 3);
    // p99.9 of the full distribution: about 0.1 % of all tries above it.
    const over = trueOver(p?.seconds ?? 0) / 5000;
    expect(over).toBeGreaterThan(0.0003);
    expect(over).toBeLessThan(0.003);
    const text = whatIfLines(w).join("\n");
    expect(text).toContain("Assumption: latency beyond the timeout is not observed");
    expect(text).toContain("exponential tail");
  });

  it("a candidate below the current timeout counts the completed tries it would cut", () => {
    const tau = 1;
    const { cell: c, trueOver } = cell(5000, expTail, tau);
    // With few timeouts the p99.9 lies below the timeout.
    const few = { ...c, timedOut: 2, timedOutSum: 2 };
    const w = timeoutWhatIf({
      cell: few,
      phase: "read",
      directive: "proxy_read_timeout",
      timeout: tau,
      timeoutFrom: "default",
      spanSeconds: null,
      peakTimedOutRate: null,
      workerConnections: null,
    });
    const p = w.candidates.find((x) => x.label === "p99.9");
    expect(p?.seconds).toBeLessThan(tau);
    expect(p?.completed).toBe(0);
    expect(Math.abs((p?.newlyCut ?? 0) - (trueOver(p?.seconds ?? 0) - c.timedOut))).toBeLessThanOrEqual(60);
    expect(p?.extraBusy).toBeNull();
    expect(w.notes.join(" ")).toMatch(/no times/);
  });

  it("says so when there are too few completed tries to fit, and infers the timeout when the config is unknown", () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 5; i++) s.add(0.01 * (i + 1));
    const w = timeoutWhatIf({
      cell: {
        location: "/x/",
        peer: "p:1",
        tries: 25,
        timedOut: 20,
        responseSum: 60.15,
        timedOutSum: 60,
        completed: s.toJSON(),
        connect: new QuantileSketch().toJSON(),
        timedOutTimes: new QuantileSketch().toJSON(),
      },
      phase: "read",
      directive: "proxy_read_timeout",
      timeout: null,
      timeoutFrom: "",
      spanSeconds: 60,
      peakTimedOutRate: null,
      workerConnections: null,
    });
    expect(w.timeout).toBe(3);
    expect(w.timeoutFrom).toMatch(/inferred/);
    expect(w.fit).toBeNull();
    expect(w.candidates).toEqual([]);
    expect(w.notes[0]).toMatch(/too few completed tries/);
  });

  it("a connect-timeout what-if reads the connect times, not the waiting times", () => {
    const tau = 1;
    const { cell: c } = cell(5000, expTail, tau);
    // connect times: all completed tries connected in 1 ms, so no tail can be fitted from them
    const w = timeoutWhatIf({
      cell: c,
      phase: "connect",
      directive: "proxy_connect_timeout",
      timeout: tau,
      timeoutFrom: "default",
      spanSeconds: 100,
      peakTimedOutRate: null,
      workerConnections: null,
    });
    expect(w.directive).toBe("proxy_connect_timeout");
    expect(w.fit).toBeNull();
    expect(w.notes[0]).toMatch(/too few completed tries/);
    const empty = timeoutWhatIf({
      ...{ cell: { ...c, connect: new QuantileSketch().toJSON() } },
      phase: "connect",
      directive: "proxy_connect_timeout",
      timeout: tau,
      timeoutFrom: "default",
      spanSeconds: 100,
      peakTimedOutRate: null,
      workerConnections: null,
    });
    expect(empty.notes[0]).toContain("$upstream_connect_time");
  });

  it("leaves out 504s the backend answered itself (well before the timeout): they were not cut", () => {
    const tau = 1;
    const { cell: c } = cell(5000, expTail, tau);
    const times = new QuantileSketch();
    times.merge(QuantileSketch.fromJSON(c.timedOutTimes));
    for (let i = 0; i < 30; i++) times.add(0.05); // the backend's own quick 504s
    const mixed = { ...c, timedOut: c.timedOut + 30, timedOutTimes: times.toJSON() };
    const input = {
      phase: "read" as const,
      directive: "proxy_read_timeout",
      timeout: tau,
      timeoutFrom: "default",
      spanSeconds: 100,
      peakTimedOutRate: null,
      workerConnections: null,
    };
    const clean = timeoutWhatIf({ ...input, cell: c });
    const w = timeoutWhatIf({ ...input, cell: mixed });
    expect(w.timedOut).toBe(c.timedOut);
    expect(w.notes[0]).toBe(
      `30 of the ${c.timedOut + 30} tries with upstream status 504 ended in less than 90 % of the timeout: the backend's own 504 answers, not nginx's timeout; left out`,
    );
    expect(w.candidates[0]?.share).toBeCloseTo(clean.candidates[0]?.share ?? 0, 12);
  });
});
