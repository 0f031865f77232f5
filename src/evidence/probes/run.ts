/** Runs probes with a concurrency cap; every step is bounded by a timeout and each target gets one request. */
import net from "node:net";
import { resolveName } from "./dns.js";
import { readFpmPools } from "./fpm.js";
import { httpRequest } from "./http.js";
import { listTcpListeners, localAddresses, nearbyListeners } from "./listeners.js";
import { connect, stoppedByDeadline } from "./tcp.js";
import { tlsConnect } from "./tls.js";
import type { ProbeReport, ProbeResult, ProbeStep, ProbeTarget } from "./types.js";
import { type Account, inspectSocket, lookupUser } from "./unix.js";

export interface RunOptions {
  concurrency?: number;
  /** nginx's worker user (for unix-socket permissions). */
  workerUser?: string;
  /** Skip reading /proc for listeners (tests of remote-looking targets). */
  noListeners?: boolean;
  /** Ports nginx itself listens on (from the configuration's `listen` directives): never proposed as a backend. */
  ownPorts?: number[];
  /** Directories with PHP-FPM pool files (default: the distribution locations). */
  fpmPoolDirs?: string[];
  /**
   * Overall deadline for the whole run (default DEFAULT_DEADLINE_MS): checks still running then stop with the
   * problem `deadline`, targets not started are returned with `skipped: "deadline"`.
   */
  deadlineMs?: number;
  /** Called after each target finishes (for a progress line). */
  onProgress?: (done: number, total: number, last: ProbeResult) => void;
}

/** Default overall deadline of a probe run: 10 s. */
export const DEFAULT_DEADLINE_MS = 10_000;

const NEXT: Record<string, string> = {
  "connection-refused":
    "Nothing listens there: start the backend, or fix the port (see the listeners found nearby).",
  "connect-timeout":
    "No handshake in time: check that the host is up and that no firewall drops the packets; check the backend's accept queue.",
  "host-unreachable": "No route to the host: check the address (stale DNS?) and the network path.",
  "network-unreachable":
    "No route to that network (IPv6 without routing?): fix routing or the address family.",
  "dns-unresolvable":
    "Fix the name or its DNS record; nginx cannot load a config whose static upstream names do not resolve.",
  "dns-stale":
    "The name moved: reload nginx now, and re-resolve at run time (resolver + variable, or `server … resolve`).",
  "empty-reply":
    "The backend accepts and closes without answering: look for crashes or a protocol mismatch in its logs.",
  "not-http": "The port does not speak HTTP: wrong port, a TLS port (use https://), or another protocol.",
  "invalid-status-line":
    "The backend's status line is malformed: fix the application or what sits in front of it.",
  "invalid-header":
    'A response header is malformed: nginx rejects it with 502 ("upstream sent invalid header").',
  "header-too-big":
    "Raise proxy_buffer_size for this location (e.g. 16k) or make the backend send smaller headers.",
  "content-length-mismatch":
    "The body length disagrees with Content-Length: nginx cuts the response; fix the backend.",
  "invalid-content-length": "Invalid Content-Length: nginx ≥ 1.23 rejects such responses with 502.",
  "bad-chunked":
    'Broken chunked encoding: nginx fails the response ("upstream sent invalid chunked response").',
  "truncated-chunked": "The backend closed mid-body: look for crashes or timeouts inside the backend.",
  "closed-early":
    'The backend closed before finishing the header ("upstream prematurely closed connection"): check its logs.',
  "read-timeout":
    "The backend did not answer in time: compare with proxy_read_timeout and find what it waits on.",
  "tls-verify-failed":
    "Point proxy_ssl_trusted_certificate at the right CA, fix proxy_ssl_name, or fix the certificate.",
  "tls-verify-depth": "Raise proxy_ssl_verify_depth to cover the chain.",
  "tls-handshake-failed":
    "Align TLS versions/ciphers, enable proxy_ssl_server_name, or provide a client certificate.",
  "scheme-mismatch-plain-http-on-tls":
    "The port speaks plain HTTP: use http:// in proxy_pass (or enable TLS on the backend).",
  "socket-missing":
    "Start the backend or fix the socket path (PHP-FPM: the pool's `listen =`). Avoid /tmp (PrivateTmp).",
  "socket-permission":
    "Let nginx's worker user connect: listen.owner/listen.group/listen.mode = 0660, or a shared group.",
  "not-a-socket": "The path is not a socket: the backend's `listen` setting and nginx disagree.",
  "slower-than-read-timeout":
    "The backend is slower than nginx's read timeout here: requests will end with 504.",
  "slower-than-connect-timeout":
    "Connecting takes longer than nginx's connect timeout: requests will end with 504.",
  "upstream-5xx":
    "The backend itself answers with a server error, which nginx passes on (or retries with proxy_next_upstream http_5xx): look at the backend's own logs.",
  deadline:
    "The overall deadline stopped this check before it finished, so its state is unknown: raise --deadline (or --concurrency).",
  "unsafe-request": "Fix the path or the Host value: they may not contain spaces or control characters.",
};

let cached: { at: number; list: ReturnType<typeof listTcpListeners> } | null = null;
/** Listeners, read from /proc once per run (a run may have many refused targets). */
function listeners(): ReturnType<typeof listTcpListeners> {
  if (!cached || Date.now() - cached.at > 10_000) cached = { at: Date.now(), list: listTcpListeners() };
  return cached.list;
}

function isIp(h: string): boolean {
  return net.isIP(h.replace(/^\[|\]$/g, "")) !== 0;
}

export async function probeTarget(
  t: ProbeTarget,
  opts: RunOptions = {},
  worker: Account | null = null,
  signal?: AbortSignal,
): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  const s = t.settings;
  const done = (): ProbeResult => {
    const bad = steps.find((x) => !x.ok);
    return { target: t, ok: !bad, steps, nextStep: bad?.problem ? (NEXT[bad.problem] ?? null) : null };
  };
  let connectHost = t.host;
  if (t.kind !== "unix" && t.host && !isIp(t.host) && t.host !== "localhost") {
    const d = await resolveName(t.host, {
      ...(t.resolvers ? { resolvers: t.resolvers } : {}),
      ...(t.seenAddresses ? { seen: t.seenAddresses } : {}),
      timeoutMs: Math.min(s.connectTimeoutMs, 3000),
      ...(signal ? { signal } : {}),
    });
    steps.push(d);
    if (d.problem === "dns-unresolvable" || signal?.aborted) return done();
    const first = (d.data?.["addresses"] as string[] | undefined)?.[0];
    if (first) connectHost = first;
  }
  if (t.kind === "unix") {
    const u = inspectSocket(t.unixPath ?? "", worker);
    steps.push(u);
    if (u.problem === "socket-missing" || u.problem === "socket-permission") {
      const pools = readFpmPools(opts.fpmPoolDirs);
      if (pools.length) {
        const same = pools.find((p) => p.listen === t.unixPath);
        steps.push({
          check: "unix",
          ok: true,
          problem: null,
          summary: same
            ? `PHP-FPM pool [${same.pool}] (${same.file}) is configured to listen here${u.problem === "socket-missing" ? " but the socket is missing: is php-fpm running?" : ` with listen.owner=${same.owner ?? "-"} listen.group=${same.group ?? "-"} listen.mode=${same.mode ?? "-"}`}`
            : `PHP-FPM pools listen on: ${pools.map((p) => `${p.listen ?? "?"} [${p.pool}]`).join(", ")} — not on ${t.unixPath}`,
          data: { fpmPools: pools },
        });
      }
    }
    if (u.problem === "socket-missing" || u.problem === "not-a-socket") return done();
  }
  const c = await connect(
    t.kind === "unix"
      ? { path: t.unixPath ?? "" }
      : { host: (connectHost ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port: t.port ?? 80 },
    s.connectTimeoutMs,
    signal,
  );
  if ("step" in c) {
    steps.push(c.step);
    if (signal?.aborted) return done();
    if (c.step.problem === "connection-refused" && t.host && !opts.noListeners) {
      const near = nearbyListeners(listeners(), connectHost ?? t.host, t.port ?? 0, {
        localAddresses: localAddresses(),
        ...(opts.ownPorts ? { ownPorts: opts.ownPorts } : {}),
      });
      if (near.length)
        steps.push({
          check: "listeners",
          ok: true,
          problem: null,
          summary: `listening nearby: ${near.map((l) => `${l.address}:${l.port}${l.process ? ` (${l.process}${l.pid ? ` pid ${l.pid}` : ""})` : ""}`).join(", ")}`,
          data: {
            nearbyListeners: near.map((l) => ({
              port: l.port,
              address: l.address,
              process: l.process ?? null,
              pid: l.pid ?? null,
            })),
          },
        });
    }
    return done();
  }
  steps.push({
    check: t.kind === "unix" ? "unix" : "tcp",
    ok: true,
    problem: null,
    summary: `connected in ${c.ms.toFixed(1)} ms`,
    ms: c.ms,
  });
  if (s.nginxConnectTimeout !== undefined && c.ms > s.nginxConnectTimeout * 1000)
    steps.push({
      check: "tcp",
      ok: false,
      problem: "slower-than-connect-timeout",
      summary: `connect took ${c.ms.toFixed(0)} ms, more than nginx's ${s.nginxConnectTimeout}s`,
    });
  let sock: net.Socket | import("node:tls").TLSSocket = c.socket;
  if (t.kind === "https" || t.kind === "grpcs") {
    const r = await tlsConnect(c.socket, t, signal);
    steps.push(r.step);
    if (!("socket" in r)) return done();
    sock = r.socket;
  }
  if (t.kind === "http" || t.kind === "https" || (t.kind === "unix" && t.hostHeader !== undefined)) {
    const h = await httpRequest(sock, {
      method: t.method ?? "GET",
      path: t.uriPath ?? "/",
      host: t.hostHeader ?? t.host ?? "localhost",
      maxHeaderBytes: s.proxyBufferSize,
      timeoutMs: s.readTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    steps.push(h);
    if (
      !signal?.aborted &&
      t.kind === "http" &&
      h.problem &&
      ["empty-reply", "not-http", "connection-reset", "closed-early"].includes(h.problem)
    ) {
      const tlsHere = await speaksTls(t, connectHost, signal);
      if (tlsHere)
        steps.push({
          check: "tls",
          ok: false,
          problem: "scheme-mismatch-tls-on-plain-http",
          summary: "this port completes a TLS handshake: it expects https://, but nginx sends plain HTTP",
          data: { tls: true },
        });
    }
    const fb = h.data?.["firstByteMs"];
    if (h.ok && typeof fb === "number" && s.nginxReadTimeout !== undefined && fb > s.nginxReadTimeout * 1000)
      steps.push({
        check: "http",
        ok: false,
        problem: "slower-than-read-timeout",
        summary: `first byte after ${fb.toFixed(0)} ms, more than nginx's ${s.nginxReadTimeout}s`,
      });
  } else sock.destroy();
  return done();
}

/** One extra bounded connection: does this port complete a TLS handshake? */
async function speaksTls(t: ProbeTarget, host: string | undefined, signal?: AbortSignal): Promise<boolean> {
  const c = await connect(
    { host: (host ?? t.host ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port: t.port ?? 80 },
    t.settings.connectTimeoutMs,
    signal,
  );
  if ("step" in c) return false;
  const r = await tlsConnect(
    c.socket,
    {
      ...t,
      kind: "https",
      settings: { ...t.settings, sslVerify: false },
    },
    signal,
  );
  if ("socket" in r) {
    r.socket.destroy();
    return true;
  }
  return false;
}

/**
 * Runs every target, at most `concurrency` at a time (default 8), within one overall deadline (default 10 s):
 * when it fires, running checks stop as timeouts and targets not started yet come back `skipped: "deadline"`.
 */
export async function runProbes(targets: ProbeTarget[], opts: RunOptions = {}): Promise<ProbeReport> {
  const t0 = Date.now();
  cached = null;
  const worker = opts.workerUser ? lookupUser(opts.workerUser) : null;
  const results: ProbeResult[] = new Array(targets.length);
  const deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), deadlineMs);
  let next = 0;
  let finished = 0;
  try {
    const lanes = Array.from(
      { length: Math.max(1, Math.min(opts.concurrency ?? 8, targets.length)) },
      async () => {
        for (;;) {
          if (stop.signal.aborted) return;
          const i = next++;
          if (i >= targets.length) return;
          const r = await probeTarget(targets[i] as ProbeTarget, opts, worker, stop.signal);
          results[i] = r;
          opts.onProgress?.(++finished, targets.length, r);
        }
      },
    );
    await Promise.all(lanes);
  } finally {
    clearTimeout(timer);
  }
  let skipped = 0;
  let unfinished = 0;
  for (let i = 0; i < targets.length; i++) {
    const r = results[i];
    if (r) {
      if (stoppedByDeadline(r.steps)) unfinished++;
      continue;
    }
    skipped++;
    results[i] = {
      target: targets[i] as ProbeTarget,
      ok: false,
      skipped: "deadline",
      steps: [],
      nextStep: null,
    };
  }
  return {
    startedAt: new Date(t0).toISOString(),
    durationMs: Date.now() - t0,
    deadlineMs,
    deadlineReached: stop.signal.aborted,
    skipped,
    unfinished,
    results,
  };
}
