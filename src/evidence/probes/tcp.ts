/** TCP connect check with a timeout; errors named like nginx's error-log classes. */
import net from "node:net";
import type { ProbeStep } from "./types.js";

export function tcpProblem(code: string | undefined): string {
  switch (code) {
    case "ECONNREFUSED":
      return "connection-refused";
    case "ETIMEDOUT":
      return "connect-timeout";
    case "EHOSTUNREACH":
    case "EHOSTDOWN":
      return "host-unreachable";
    case "ENETUNREACH":
    case "ENETDOWN":
      return "network-unreachable";
    case "ECONNRESET":
      return "connection-reset";
    case "EADDRNOTAVAIL":
      return "address-not-available";
    case "ENOENT":
      return "socket-missing";
    case "EACCES":
      return "permission-denied";
    case "EAGAIN":
      return "socket-busy";
    default:
      return code ? code.toLowerCase() : "connect-failed";
  }
}

/**
 * The step for a check the overall deadline (`--deadline`) stopped before it finished: problem `deadline`,
 * with how long it had run. It is not evidence of a timeout (the check did not run its course), so
 * `probeFacts` leaves it out and the CLI counts the target as not finished rather than as a problem.
 */
export function stoppedStep(check: ProbeStep["check"], what: string, ms: number): ProbeStep {
  return {
    check,
    ok: false,
    problem: "deadline",
    summary: `not finished: ${what} after ${ms.toFixed(0)} ms, when the overall deadline stopped the probe`,
    ms,
    data: { deadline: true },
  };
}

/** True when the result's first failing step is one the deadline stopped: the target's state is unknown. */
export function stoppedByDeadline(steps: ProbeStep[]): boolean {
  return steps.find((s) => !s.ok)?.problem === "deadline";
}

/** Opens a connection and returns it (caller closes) or a failed step. */
export function connect(
  opts: { host?: string; port?: number; path?: string },
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<{ socket: net.Socket; ms: number } | { step: ProbeStep }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    if (signal?.aborted) {
      resolve({ step: stoppedStep(opts.path ? "unix" : "tcp", "no connection", 0) });
      return;
    }
    const socket = opts.path
      ? net.connect({ path: opts.path })
      : net.connect({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 80 });
    // The overall deadline: give up the pending connect now, as a connect that did not finish in time.
    const onAbort = () => {
      clearTimeout(timer);
      socket.destroy();
      const ms = performance.now() - t0;
      resolve({ step: stoppedStep(opts.path ? "unix" : "tcp", "no connection", ms) });
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve({
        step: {
          check: "tcp",
          ok: false,
          problem: "connect-timeout",
          summary: `no connection within ${timeoutMs} ms`,
          ms: timeoutMs,
        },
      });
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      resolve({ socket, ms: performance.now() - t0 });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      const problem = tcpProblem(e.code);
      resolve({
        step: {
          check: opts.path ? "unix" : "tcp",
          ok: false,
          problem,
          summary: `${e.code ?? "error"}: ${e.message}`,
          ms: performance.now() - t0,
        },
      });
    });
  });
}
