/**
 * `watch --listen` scraped by a real Prometheus (Debian's `prometheus`), started here on loopback in a temporary
 * directory with a 1 s scrape interval, and queried through its HTTP API: the counters must equal the lines this
 * test wrote.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { cliPath } from "../helpers/cli.js";
import { freePort } from "../helpers/nginx.js";
import { findProgram, systemDescribe } from "../helpers/system.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function start(bin: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(bin, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  children.push(child);
  let log = "";
  child.stdout?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  return { child, log: () => log };
}

async function get(url: string): Promise<{ status: number; body: string } | null> {
  try {
    const r = await fetch(url);
    return { status: r.status, body: await r.text() };
  } catch {
    return null;
  }
}

/** One instant query; the value of each series by the given label (or "" when the result has one series). */
async function query(prom: string, q: string, by = ""): Promise<Map<string, number>> {
  const r = await get(`${prom}/api/v1/query?query=${encodeURIComponent(q)}`);
  const out = new Map<string, number>();
  if (!r || r.status !== 200) return out;
  const data = JSON.parse(r.body) as {
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  for (const s of data.data.result) out.set(by ? (s.metric[by] ?? "") : "", Number(s.value[1]));
  return out;
}

const FORMAT = '$remote_addr [$time_local] "$request" $status $upstream_addr $upstream_response_time';

systemDescribe(["prometheus"], "watch --listen scraped by a real Prometheus", () => {
  it("counters equal the lines written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bgw-prom-"));
    dirs.push(dir);
    const errorLog = join(dir, "error.log");
    const accessLog = join(dir, "access.log");
    writeFileSync(errorLog, "");
    writeFileSync(accessLog, "");
    const watchPort = await freePort();
    const w = start(process.execPath, [
      cliPath,
      "watch",
      "--error-log",
      errorLog,
      "--access-log",
      accessLog,
      "--log-format",
      FORMAT,
      "--listen",
      `127.0.0.1:${watchPort}`,
      "--poll",
      "100ms",
    ]);
    const promPort = await freePort();
    writeFileSync(
      join(dir, "prometheus.yml"),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: badgateway\n    static_configs:\n      - targets: ["127.0.0.1:${watchPort}"]\n`,
    );
    const p = start(findProgram("prometheus") as string, [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      "--log.level=warn",
    ]);
    const prom = `http://127.0.0.1:${promPort}`;
    // watch follows both files once /healthz says so (they are empty: nothing is before its starting point).
    let health = "";
    for (let i = 0; i < 100 && !health.includes("following 2 file(s)"); i++) {
      health = (await get(`http://127.0.0.1:${watchPort}/healthz`))?.body ?? "";
      if (!health) await sleep(100);
    }
    expect(health, w.log()).toContain("ok: following 2 file(s)");

    // What is written, counted as it is written.
    const want = {
      access: 0,
      unparsed: 0,
      error: 0,
      failures: new Map<string, number>(),
      status: new Map<string, number>(),
    };
    let secondsSum = 0;
    let timed = 0;
    for (let batch = 0; batch < 5; batch++) {
      let a = "";
      let e = "";
      for (let i = 0; i < 60; i++) {
        const n = batch * 60 + i;
        const status = n % 10 === 0 ? 502 : n % 10 === 1 ? 504 : 200;
        const peer = n % 2 ? "127.0.0.1:8081" : "127.0.0.1:8082";
        const t = n % 4 === 3 ? "-" : ((n % 7) * 0.125).toFixed(3);
        if (t !== "-") {
          secondsSum += Number(t);
          timed++;
        }
        a += `10.0.0.${n % 250} [06/Dec/2026:08:00:00 +0000] "GET /item/${n} HTTP/1.1" ${status} ${peer} ${t}\n`;
        want.access++;
        want.status.set(String(status), (want.status.get(String(status)) ?? 0) + 1);
        if (n % 12 === 0) {
          a += "this is not an access line\n";
          want.access++;
          want.unparsed++;
        }
        if (n % 5 === 0) {
          const refused = n % 10 === 0;
          e += refused
            ? `2026/12/06 08:00:00 [error] 9#9: *${n} connect() failed (111: Connection refused) while connecting to upstream, client: 10.0.0.1, server: shop, request: "GET /item/${n} HTTP/1.1", upstream: "http://127.0.0.1:8081/item/${n}", host: "shop"\n`
            : `2026/12/06 08:00:00 [error] 9#9: *${n} upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.0.1, server: shop, request: "GET /item/${n} HTTP/1.1", upstream: "http://127.0.0.1:8082/item/${n}", host: "shop"\n`;
          const cls = refused ? "connection-refused" : "read-timeout";
          want.failures.set(cls, (want.failures.get(cls) ?? 0) + 1);
          want.error++;
        }
        if (n % 3 === 0) {
          e += `2026/12/06 08:00:00 [notice] 9#9: signal process started ${n}\n`;
          want.error++;
        }
      }
      appendFileSync(accessLog, a);
      appendFileSync(errorLog, e);
      await sleep(150);
    }
    const failuresTotal = [...want.failures.values()].reduce((x, y) => x + y, 0);
    expect(want.access).toBeGreaterThan(300);
    expect(failuresTotal).toBe(60);

    // Prometheus scrapes every second: wait until what it stored has caught up with everything written.
    const lines = async () => query(prom, "sum by (log) (badgateway_log_lines_total)", "log");
    let got = await lines();
    for (let i = 0; i < 300 && !(got.get("access") === want.access && got.get("error") === want.error); i++) {
      await sleep(200);
      got = await lines();
    }
    expect(Object.fromEntries(got), p.log()).toEqual({ access: want.access, error: want.error });
    expect(await query(prom, "sum by (log) (badgateway_unparsed_lines_total)", "log")).toEqual(
      new Map([
        ["access", want.unparsed],
        ["error", 0],
      ]),
    );
    expect(await query(prom, "sum by (class) (badgateway_upstream_failures_total)", "class")).toEqual(
      want.failures,
    );
    expect(await query(prom, "sum by (peer) (badgateway_upstream_failures_total)", "peer")).toEqual(
      new Map([
        ["127.0.0.1:8081", want.failures.get("connection-refused") as number],
        ["127.0.0.1:8082", want.failures.get("read-timeout") as number],
      ]),
    );
    expect(await query(prom, "sum by (status) (badgateway_responses_total)", "status")).toEqual(want.status);
    expect((await query(prom, "sum(badgateway_upstream_response_seconds_count)")).get("")).toBe(timed);
    expect((await query(prom, "sum(badgateway_upstream_response_seconds_sum)")).get("")).toBeCloseTo(
      secondsSum,
      6,
    );
    // The scrape target itself is healthy.
    expect((await query(prom, 'up{job="badgateway"}')).get("")).toBe(1);

    w.child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => w.child.on("close", (c) => r(c)));
    expect(code, w.log()).toBe(0);
    p.child.kill("SIGTERM");
  }, 90_000);
});
