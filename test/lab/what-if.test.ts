/**
 * The timeout what-if against a replay: a real nginx in front of a backend that sleeps per a fixed schedule
 * (known latency distribution), run once with proxy_read_timeout 200ms and once with 400ms. The share of the
 * 200ms run's 504s that the what-if predicts a 2× timeout would avoid must be within 5 percentage points of what
 * the 400ms replay shows.
 */
import http from "node:http";
import { afterAll, expect, it } from "vitest";
import { gatherEvidence } from "../../src/evidence/gather.js";
import { diagnose } from "../../src/rules/diagnose.js";
import { type RunningNginx, startNginx } from "../helpers/nginx.js";
import { systemDescribe } from "../helpers/system.js";
import { LAB_LOG_FORMAT } from "./harness.js";

/**
 * The schedule: N sleeps at evenly spaced quantiles of a known distribution — 70 % uniform on 5–60 ms, 30 % a
 * shifted exponential (40 ms + mean 120 ms) — in a fixed shuffled order. P(T > 200 ms) ≈ 7.9 %, P(T > 400 ms)
 * ≈ 1.5 %: about 81 % of the 200 ms timeouts would complete within 400 ms.
 */
export function schedule(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = (i + 0.5) / n;
    out.push(u < 0.7 ? 5 + (u / 0.7) * 55 : 40 - 120 * Math.log(1 - (u - 0.7) / 0.3));
  }
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const j = seed % (i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out.map((ms) => Math.round(ms));
}

function startBackend(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const ms = Number(new URL(req.url ?? "/", "http://x").searchParams.get("ms") ?? "0");
    const t = setTimeout(() => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
    }, ms);
    req.socket.on("close", () => clearTimeout(t));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({
        port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

async function replay(ngx: RunningNginx, sleeps: number[], parallel = 16): Promise<number> {
  let next = 0;
  let s504 = 0;
  const worker = async () => {
    while (next < sleeps.length) {
      const i = next++;
      const r = await ngx.get(`/slow/item?ms=${sleeps[i]}&i=${i}`);
      if (r.status === 504) s504++;
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return s504;
}

const running: Array<{ stop: () => Promise<void> }> = [];
afterAll(async () => {
  for (const r of running) await r.stop();
});

async function run<T>(
  timeoutMs: number,
  port: number,
  sleeps: number[],
  read: (ngx: RunningNginx) => Promise<T>,
) {
  const ngx = await startNginx({
    logFormat: LAB_LOG_FORMAT,
    events: "worker_connections 256;",
    logLevel: "error",
    http: (p) =>
      `server { listen 127.0.0.1:${p.port}; location /slow/ { proxy_pass http://127.0.0.1:${port}; proxy_read_timeout ${timeoutMs}ms; } }`,
  });
  running.push(ngx);
  const s504 = await replay(ngx, sleeps);
  const out = await read(ngx);
  await ngx.stop();
  return { s504, out };
}

systemDescribe(["nginx"], "timeout what-if against a replay (real nginx, scheduled backend)", () => {
  it("predicts the share of 504s a 2× proxy_read_timeout avoids within 5 points of the replay", async () => {
    const backend = await startBackend();
    running.push({ stop: backend.close });
    const sleeps = schedule(900);
    const first = await run(200, backend.port, sleeps, async (ngx) => {
      const ev = await gatherEvidence({
        config: ngx.confPath,
        errorLogs: [ngx.errorLogPath],
        accessLogs: [ngx.accessLogPath],
      });
      return { r: diagnose(ev) };
    });
    const second = await run(400, backend.port, sleeps, async () => null);
    expect(first.s504).toBeGreaterThan(40);
    const { r } = first.out;
    const f = r.findings.find((x) => x.id === "upstream-timeout");
    expect(f?.whatIf?.length).toBeGreaterThan(0);
    const w = f?.whatIf?.[0];
    expect(w?.directive).toBe("proxy_read_timeout");
    expect(w?.timeout).toBeCloseTo(0.2, 5);
    expect(w?.location).toBe("/slow/");
    expect(w?.timedOut).toBe(first.s504);
    const x2 = w?.candidates.find((c) => c.label === "×2");
    expect(x2?.seconds).toBeCloseTo(0.4, 5);
    const observed = (first.s504 - second.s504) / first.s504;
    const predicted = x2?.share ?? Number.NaN;
    process.stderr.write(
      `[what-if lab] 504s at 200ms: ${first.s504}, at 400ms: ${second.s504}; avoided observed ${(observed * 100).toFixed(1)}%, predicted ${(predicted * 100).toFixed(1)}% (other tail ${((x2?.shareOtherTail ?? 0) * 100).toFixed(1)}%; ${w?.assumption})\n`,
    );
    expect(Math.abs(predicted - observed)).toBeLessThanOrEqual(0.05);
    // ×4 covers every sleep of the schedule (at most about 780 ms): nearly all would have completed.
    expect(w?.candidates.find((c) => c.label === "×4")?.share).toBeGreaterThan(predicted);
    // The cost is positive and named against worker_connections.
    expect(x2?.extraBusy).toBeGreaterThan(0);
    expect(w?.workerConnections).toBe(256);
    expect(x2?.workerConnectionsShare).toBeCloseTo((2 * (x2?.extraBusy ?? 0)) / 256, 12);
  }, 90_000);
});
