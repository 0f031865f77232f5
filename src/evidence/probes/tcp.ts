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

/** Opens a connection and returns it (caller closes) or a failed step. */
export function connect(
  opts: { host?: string; port?: number; path?: string },
  timeoutMs: number,
): Promise<{ socket: net.Socket; ms: number } | { step: ProbeStep }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const socket = opts.path
      ? net.connect({ path: opts.path })
      : net.connect({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 80 });
    const timer = setTimeout(() => {
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
      resolve({ socket, ms: performance.now() - t0 });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
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
