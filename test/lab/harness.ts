/**
 * The lab: a real nginx (unprivileged prefix, loopback ports) in front of real misbehaving upstreams, real
 * traffic through it, then the evidence saved as a bundle (nginx-T.txt, error.log, access.log, probe.json,
 * bundle.json) exactly as `badgateway collect` would.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/evidence/config-loader.js";
import { probeFacts } from "../../src/evidence/probes/facts.js";
import { runProbes } from "../../src/evidence/probes/run.js";
import { targetsFromModel, workerUserOf } from "../../src/evidence/probes/targets.js";
import { listenPorts } from "../../src/nginx/config/listen.js";
import { buildModel } from "../../src/nginx/config/model.js";
import {
  type NginxOptions,
  type NginxPorts,
  nginxBinary,
  type RunningNginx,
  startNginx,
} from "../helpers/nginx.js";

export const LAB_LOG_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" uct="$upstream_connect_time" uht="$upstream_header_time" rt=$request_time';

export interface Scenario {
  id: string;
  /** The cause id diagnose must rank first. */
  expected: string;
  /** Text the top finding's fix must contain. */
  fixIncludes: string;
  /** An evidence source the top finding must cite ("error-log", "access-log", "probe", "config"). */
  evidenceFrom: string;
  nginx: Omit<NginxOptions, "logFormat">;
  /** Start misbehaving upstreams on the reserved free ports (before traffic). Returns a cleanup. */
  upstreams?: (p: NginxPorts) => Promise<() => void>;
  /** Requests to send through nginx. */
  requests: string[];
  /** Requests sent at once (default 1). */
  concurrency?: number;
  /** Text one of the top finding's evidence summaries must contain (e.g. the access log's proof). */
  evidenceIncludes?: string;
  /** Why this scenario cannot run here (e.g. port 80 cannot be bound), or null when it can. */
  skip?: () => string | null;
  /** Text the top finding's fix, message and verify must never contain (e.g. "to 80": nginx's own port). */
  neverSays?: string[];
  /** The status the top finding must report (null: no 502/504 came from it). */
  status?: 502 | 504 | 500 | null;
  /** The `$status` every access-log line must have (what the clients really got). */
  accessStatus?: number;
  /**
   * A configuration change in the middle of the traffic: after `after` requests the configuration file is
   * rewritten with `conf(old)` and nginx is reloaded (SIGHUP to the master), then the rest of the requests follow.
   */
  reload?: { after: number; conf: (conf: string, p: NginxPorts) => string };
  /** Class, client status and after-header flag every upstream failure line of the error log must get. */
  lines?: { class: string; status: 502 | 504 | 500 | null; afterHeaders: boolean; detail?: string | null };
}

export interface LabRun {
  ngx: RunningNginx;
  bundle: string;
  cleanup: () => Promise<void>;
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}

/** Sends requests through nginx with `concurrency` lanes; resolves with each response's status (0: no answer). */
export async function sendRequests(port: number, paths: string[], concurrency = 1): Promise<number[]> {
  const queue = [...paths];
  const statuses: number[] = [];
  const lanes = Array.from({ length: concurrency }, async () => {
    for (let path = queue.shift(); path !== undefined; path = queue.shift())
      statuses.push(await get(port, path));
  });
  await Promise.all(lanes);
  return statuses;
}

/** How many times the lab's nginx has started a worker process so far (its error log's "start worker process"). */
export function workersStarted(ngx: RunningNginx): number {
  return ngx
    .errorLog()
    .split("\n")
    .filter((l) => l.includes("start worker process")).length;
}

/**
 * Waits until nginx started new workers after a reload (`before`: workersStarted() before it), so the next
 * requests see the new configuration. Throws when none start within 10 s.
 */
export async function waitForNewWorkers(ngx: RunningNginx, before: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (workersStarted(ngx) <= before) {
    if (Date.now() > deadline) throw new Error("nginx started no new worker within 10 s of the reload");
    await new Promise((r) => setTimeout(r, 50));
  }
  // The old workers finish their requests and exit; give the new ones a moment to take over the listener.
  await new Promise((r) => setTimeout(r, 300));
}

export async function runScenario(s: Scenario): Promise<LabRun> {
  const ngx = await startNginx({ freePorts: 6, ...s.nginx, logFormat: LAB_LOG_FORMAT });
  const stopUpstreams = s.upstreams ? await s.upstreams(ngx) : () => undefined;
  const send = async (paths: string[]) => {
    await sendRequests(ngx.port, paths, s.concurrency ?? 1);
  };
  if (s.reload) {
    await send(s.requests.slice(0, s.reload.after));
    // nginx's error log stamps whole seconds: keep the reload in a later second than the last good request.
    await new Promise((r) => setTimeout(r, 1100));
    writeFileSync(ngx.confPath, s.reload.conf(readFileSync(ngx.confPath, "utf8"), ngx));
    const pid = Number(readFileSync(join(ngx.prefix, "nginx.pid"), "utf8").trim());
    process.kill(pid, "SIGHUP");
    await ngx.waitForErrorLog(/start worker process/, 5000);
    await new Promise((r) => setTimeout(r, 1100));
    await send(s.requests.slice(s.reload.after));
  } else await send(s.requests);
  await new Promise((r) => setTimeout(r, 150)); // let nginx flush its logs
  const bundle = mkdtempSync(join(tmpdir(), `bg-lab-${s.id}-`));
  mkdirSync(bundle, { recursive: true });
  const t = spawnSync(
    nginxBinary(),
    ["-T", "-p", `${ngx.prefix}/`, "-c", ngx.confPath, "-e", join(ngx.prefix, "logs", "t.log")],
    { encoding: "utf8" },
  );
  writeFileSync(join(bundle, "nginx-T.txt"), t.stdout);
  copyFileSync(ngx.errorLogPath, join(bundle, "error.log"));
  copyFileSync(ngx.accessLogPath, join(bundle, "access.log"));
  const model = buildModel(loadConfig(ngx.confPath));
  const report = await runProbes(targetsFromModel(model, { capMs: 1500 }), {
    workerUser: workerUserOf(model),
    ownPorts: listenPorts(model),
  });
  writeFileSync(join(bundle, "probe.json"), JSON.stringify(probeFacts(report), null, 2));
  const v = spawnSync(nginxBinary(), ["-v"], { encoding: "utf8" }).stderr.trim();
  writeFileSync(
    join(bundle, "bundle.json"),
    JSON.stringify(
      {
        scenario: s.id,
        expected: s.expected,
        nginxVersion: v.replace(/^nginx version: /, ""),
        createdAt: new Date().toISOString(),
      },
      null,
      2,
    ),
  );
  return {
    ngx,
    bundle,
    cleanup: async () => {
      stopUpstreams();
      await ngx.stop();
    },
  };
}
