/**
 * Where `watch` publishes its metrics: an HTTP endpoint (/metrics, /healthz) and node_exporter's textfile
 * collector directory. The file is written with safe-write.ts's atomicReplace (a new temporary file in the same
 * directory, created exclusively without following symlinks, fsynced, then renamed over `badgateway.prom`), so
 * node_exporter never reads half a file and a planted link is replaced, never written through.
 */
import { lstatSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { atomicReplace } from "./safe-write.js";

export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** "127.0.0.1:9145", "[::1]:9145", ":9145" (all interfaces) → host and port; throws a one-line reason. */
export function parseListen(spec: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535))
    throw new Error(`--listen ${spec}: expected HOST:PORT, e.g. 127.0.0.1:9145`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** Serves /metrics and /healthz; resolves with the server once it listens (rejects with the reason otherwise). */
export function serveMetrics(
  addr: ListenAddress,
  metrics: MetricsSource,
  health: () => { ok: boolean; detail: string },
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { "content-type": metrics.contentType });
          res.end(req.method === "HEAD" ? undefined : body);
        },
        (e: Error) => {
          res.writeHead(500, { "content-type": "text/plain" }).end(`${e.message}\n`);
        },
      );
      return;
    }
    if (path === "/healthz") {
      const h = health();
      res.writeHead(h.ok ? 200 : 503, { "content-type": "text/plain; charset=utf-8" });
      res.end(`${h.ok ? "ok" : "not ok"}: ${h.detail}\n`);
      return;
    }
    if (path === "/") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end('<html><body><a href="/metrics">/metrics</a> <a href="/healthz">/healthz</a></body></html>\n');
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${addr.host}:${addr.port}: ${e.code === "EADDRINUSE" ? "the port is in use" : e.message}`,
        ),
      ),
    );
    server.listen(addr.port, addr.host, () => resolve(server));
  });
}

/** Checks a textfile directory: it must exist and be a real directory (not a symlink). Throws the reason. */
export function checkTextfileDir(dir: string): void {
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(dir);
  } catch (e) {
    throw new Error(
      `--textfile ${dir}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such directory" : (e as Error).message}`,
    );
  }
  if (st.isSymbolicLink()) throw new Error(`--textfile ${dir}: is a symbolic link; give the real directory`);
  if (!st.isDirectory()) throw new Error(`--textfile ${dir}: not a directory`);
}

export const TEXTFILE_NAME = "badgateway.prom";

/**
 * Writes `text` to DIR/badgateway.prom with atomicReplace (mode 0644: node_exporter runs as another user);
 * whatever is at that name, a symlink included, is replaced, never written through. Returns the path.
 * node_exporter only reads *.prom: the temporary name (.badgateway.prom.PID.RANDOM.tmp) is ignored meanwhile.
 */
export function writeTextfile(dir: string, text: string): string {
  const target = join(dir, TEXTFILE_NAME);
  atomicReplace(target, Buffer.from(text, "utf8"), { mode: 0o644, replace: "any" });
  return target;
}
