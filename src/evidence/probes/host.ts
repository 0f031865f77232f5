/** nginx itself: stub_status, worker processes and their open-file limits, TCP states toward upstreams, port range. */
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";

export interface StubStatus {
  active: number;
  accepts: number;
  handled: number;
  requests: number;
  reading: number;
  writing: number;
  waiting: number;
}

export function parseStubStatus(text: string): StubStatus | null {
  const active = /Active connections:\s*(\d+)/.exec(text);
  const counters = /\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\n/.exec(text);
  const rw = /Reading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)/.exec(text);
  if (!active || !counters || !rw) return null;
  return {
    active: Number(active[1]),
    accepts: Number(counters[1]),
    handled: Number(counters[2]),
    requests: Number(counters[3]),
    reading: Number(rw[1]),
    writing: Number(rw[2]),
    waiting: Number(rw[3]),
  };
}

/** One GET of a stub_status URL (http only, loopback or wherever the operator points it), bounded. */
export function fetchStubStatus(url: string, timeoutMs = 3000): Promise<StubStatus | { error: string }> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on("end", () =>
        resolve(parseStubStatus(body) ?? { error: `not a stub_status page (HTTP ${res.statusCode})` }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (e) => resolve({ error: e.message }));
  });
}

export interface NginxProcesses {
  master: number | null;
  workers: Array<{ pid: number; maxOpenFiles: number | null }>;
}

/** Running nginx master and workers from /proc (their `Max open files` soft limit when readable). */
export function nginxProcesses(procRoot = "/proc"): NginxProcesses {
  const out: NginxProcesses = { master: null, workers: [] };
  let pids: string[] = [];
  try {
    pids = readdirSync(procRoot).filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    let cmd: string;
    try {
      cmd = readFileSync(`${procRoot}/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    } catch {
      continue;
    }
    if (cmd.startsWith("nginx: master process")) out.master ??= Number(pid);
    else if (cmd.startsWith("nginx: worker process")) {
      let limit: number | null = null;
      try {
        const m = /Max open files\s+(\d+|unlimited)/.exec(readFileSync(`${procRoot}/${pid}/limits`, "utf8"));
        limit = m && m[1] !== "unlimited" ? Number(m[1]) : null;
      } catch {
        limit = null;
      }
      out.workers.push({ pid: Number(pid), maxOpenFiles: limit });
    }
  }
  return out;
}

const STATES: Record<string, string> = { "01": "established", "06": "time-wait" };

/** Counts ESTABLISHED and TIME_WAIT connections per remote address:port (IPv4, /proc/net/tcp). */
export function tcpStates(procRoot = "/proc"): Map<string, { established: number; timeWait: number }> {
  const out = new Map<string, { established: number; timeWait: number }>();
  let text = "";
  try {
    text = readFileSync(`${procRoot}/net/tcp`, "utf8");
  } catch {
    return out;
  }
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    const st = STATES[f[3] ?? ""];
    if (!st) continue;
    const [a, p] = (f[2] ?? "").split(":");
    if (!a || !p) continue;
    const n = Number.parseInt(a, 16);
    const key = `${[n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join(".")}:${Number.parseInt(p, 16)}`;
    const cur = out.get(key) ?? { established: 0, timeWait: 0 };
    if (st === "established") cur.established++;
    else cur.timeWait++;
    out.set(key, cur);
  }
  return out;
}

export function localPortRange(procRoot = "/proc"): { low: number; high: number } | null {
  try {
    const [low, high] = readFileSync(`${procRoot}/sys/net/ipv4/ip_local_port_range`, "utf8")
      .trim()
      .split(/\s+/)
      .map(Number);
    return low && high ? { low, high } : null;
  } catch {
    return null;
  }
}
