/**
 * Starts a real nginx for a test: unprivileged prefix in a temp dir, loopback ports chosen free,
 * waits until it accepts connections, exposes its error log, and always stops it.
 *
 *   const ngx = await startNginx({ http: (p) => `server { listen 127.0.0.1:${p.port}; location / { proxy_pass http://127.0.0.1:${p.free[0]}; } }` });
 *   await ngx.get("/");
 *   const lines = await ngx.waitForErrorLog(/connect\(\) failed/);
 *   await ngx.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTcpListeners, parseProcNetTcp } from "../../src/evidence/probes/listeners.js";
import { findProgram } from "./system.js";

export interface NginxPorts {
  /** The port nginx's first server listens on (127.0.0.1). */
  port: number;
  /** Extra free ports the test may use for upstreams (nothing listens on them yet). */
  free: number[];
  /** The temp prefix directory (world-readable, so workers running as nobody can use it). */
  prefix: string;
}

export interface NginxOptions {
  /** Contents of the http {} block (server blocks etc.). */
  http: (p: NginxPorts) => string;
  /** Extra lines at main level (e.g. `worker_rlimit_nofile 64;`). */
  main?: (p: NginxPorts) => string;
  /** Contents of the events {} block. Default: `worker_connections 64;`. */
  events?: string;
  /** Contents of a stream {} block, if any. */
  stream?: (p: NginxPorts) => string;
  /** Number of extra free ports to reserve. Default 4. */
  freePorts?: number;
  /** error_log level. Default "info". */
  logLevel?: string;
  /** A log_format for the access log (named "lab"); default: combined. */
  logFormat?: string;
}

export interface RunningNginx extends NginxPorts {
  confPath: string;
  errorLogPath: string;
  accessLogPath: string;
  conf: string;
  /** One GET through nginx; resolves with status and body (never rejects on HTTP errors). */
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: string }>;
  errorLog(): string;
  /** Polls the error log until a line matches (or the timeout passes) and returns all lines. */
  waitForErrorLog(re: RegExp, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** Ports handed out by freePort in this process, with when (kept apart from one another for a while). */
const handedOut = new Map<number, number>();
/** How long a handed-out port keeps its neighbours free (a test's servers are gone long before). */
const HANDED_OUT_MS = 120_000;

/**
 * The port range of this test worker: vitest runs files in parallel workers, each choosing ports on its own, so
 * each gets its own 3000-port slice of 20000–31999 (40 ports apart at the edges). A worker's servers can then
 * never land next to another worker's refused port.
 */
function workerRange(): [number, number] {
  const slot = Number(process.env["VITEST_POOL_ID"] ?? 0) % 4;
  return [20_000 + slot * 3000 + 20, 20_000 + (slot + 1) * 3000 - 20];
}

/** Ports with a TCP listener now (no owners: reading every process's fds would be slow); null without /proc. */
function listeningNow(): Set<number> | null {
  try {
    return new Set(
      [
        ...parseProcNetTcp(readFileSync("/proc/net/tcp", "utf8"), false),
        ...parseProcNetTcp(readFileSync("/proc/net/tcp6", "utf8"), true),
      ].map((l) => l.port),
    );
  } catch {
    return null;
  }
}

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * A free loopback port in a quiet neighbourhood: below the kernel's ephemeral range (where other tests' bind(0)
 * and outgoing connections land), in this worker's own slice (workerRange), with no listener and no port this
 * process handed out lately within 12 ports either side. The lab's scenarios depend on that quiet: a stranger listening next to a refused port is exactly what
 * the wrong-port rule looks for.
 */
export async function freePort(): Promise<number> {
  const window = 12;
  for (let attempt = 0; attempt < 200; attempt++) {
    const [lo, hi] = workerRange();
    const candidate = lo + Math.floor(Math.random() * (hi - lo));
    const busy = listeningNow();
    if (busy === null) break;
    const now = Date.now();
    let near = false;
    for (let p = candidate - window; p <= candidate + window && !near; p++)
      near = busy.has(p) || now - (handedOut.get(p) ?? Number.NEGATIVE_INFINITY) < HANDED_OUT_MS;
    if (near || !(await tryListen(candidate))) continue;
    handedOut.set(candidate, now);
    return candidate;
  }
  // no /proc (or no luck): any port the kernel gives
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

export function nginxBinary(): string {
  const bin = findProgram("nginx");
  if (!bin) throw new Error("nginx is not installed");
  return bin;
}

function waitForPort(
  port: number,
  child: ChildProcess,
  stderr: () => string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) {
        reject(new Error(`nginx exited with ${child.exitCode}: ${stderr()}`));
        return;
      }
      const sock = net.connect(port, "127.0.0.1");
      sock.once("connect", () => {
        sock.destroy();
        resolve();
      });
      sock.once("error", () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`nginx did not listen on ${port}: ${stderr()}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

export async function startNginx(opts: NginxOptions): Promise<RunningNginx> {
  const bin = nginxBinary();
  const prefix = mkdtempSync(join(tmpdir(), "bg-nginx-"));
  chmodSync(prefix, 0o755);
  mkdirSync(join(prefix, "logs"));
  const port = await freePort();
  const free: number[] = [];
  for (let i = 0; i < (opts.freePorts ?? 4); i++) free.push(await freePort());
  const ports: NginxPorts = { port, free, prefix };
  const errorLogPath = join(prefix, "logs", "error.log");
  const accessLogPath = join(prefix, "logs", "access.log");
  const isRoot = process.getuid?.() === 0;
  const conf = `# generated by badgateway tests
${isRoot ? "user nobody nogroup;" : ""}
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${errorLogPath} ${opts.logLevel ?? "info"};
${opts.main?.(ports) ?? ""}
events { ${opts.events ?? "worker_connections 64;"} }
http {
${opts.logFormat ? `  log_format lab '${opts.logFormat}';\n  access_log ${accessLogPath} lab;` : `  access_log ${accessLogPath};`}
  client_body_temp_path ${join(prefix, "client_body")};
  proxy_temp_path ${join(prefix, "proxy")};
  fastcgi_temp_path ${join(prefix, "fastcgi")};
  uwsgi_temp_path ${join(prefix, "uwsgi")};
  scgi_temp_path ${join(prefix, "scgi")};
${opts.http(ports)}
}
${opts.stream ? `stream {\n${opts.stream(ports)}\n}` : ""}
`;
  const confPath = join(prefix, "nginx.conf");
  writeFileSync(confPath, conf);
  let stderr = "";
  const child = spawn(bin, ["-p", prefix, "-c", confPath, "-e", errorLogPath, "-g", "daemon off;"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const readLog = () => {
    try {
      return readFileSync(errorLogPath, "utf8");
    } catch {
      return "";
    }
  };
  try {
    await waitForPort(port, child, () => stderr + readLog());
  } catch (err) {
    child.kill("SIGKILL");
    rmSync(prefix, { recursive: true, force: true });
    throw err;
  }
  let stopped = false;
  const running: RunningNginx = {
    ...ports,
    confPath,
    errorLogPath,
    accessLogPath,
    conf,
    get(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = http.get(
          { host: "127.0.0.1", port, path, headers, agent: false, timeout: 20_000 },
          (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c: string) => {
              body += c;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            res.on("error", () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on("timeout", () => req.destroy(new Error("request to nginx timed out")));
        req.on("error", reject);
      });
    },
    errorLog: readLog,
    async waitForErrorLog(re, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const lines = readLog().split("\n").filter(Boolean);
        if (lines.some((l) => re.test(l))) return lines;
        if (Date.now() > deadline)
          throw new Error(`no error-log line matched ${re} in:\n${lines.join("\n")}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once("exit", () => r()));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
  return running;
}

/**
 * A closed port below the ephemeral range with no listener within ±10 ports, so that "a service listens on a
 * neighbouring port" (the wrong-port signal) cannot come from unrelated test servers on random ports.
 */
export function quietPort(): number {
  const listening = new Set(listTcpListeners().map((l) => l.port));
  const now = Date.now();
  for (let tries = 0; tries < 1000; tries++) {
    const [lo, hi] = workerRange();
    const p = lo + Math.floor(Math.random() * (hi - lo));
    let busy = false;
    for (let d = -12; d <= 12 && !busy; d++)
      busy = listening.has(p + d) || now - (handedOut.get(p + d) ?? Number.NEGATIVE_INFINITY) < HANDED_OUT_MS;
    if (busy) continue;
    // Nothing listens there, so freePort's look at the listeners cannot see it: keep its neighbours from being
    // handed out for as long as this process runs (a listener next to a closed port reads as a wrong port).
    handedOut.set(p, Number.POSITIVE_INFINITY);
    return p;
  }
  throw new Error("no quiet port found");
}
