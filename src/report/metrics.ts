/**
 * The Prometheus metrics of `badgateway watch`, kept in a prom-client registry of their own (no default process
 * metrics, nothing global) and rendered in the Prometheus text format for /metrics and for node_exporter's
 * textfile collector. Label cardinality is bounded: once a metric holds `maxSeries` label sets, new ones are
 * folded into the label value `overflow` (the bounded labels `class`, `status` and `state` keep their values),
 * and `badgateway_series_overflow_total{metric}` counts the folded observations.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Histogram buckets in seconds, up to nginx's default 60 s proxy_read_timeout and past it. */
export const RESPONSE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Every metric name `watch` exports (the Grafana dashboard and the alert rules may only use these). */
export const METRIC_NAMES = [
  "badgateway_upstream_failures_total",
  "badgateway_responses_total",
  "badgateway_upstream_response_seconds",
  "badgateway_nginx_connections",
  "badgateway_log_lines_total",
  "badgateway_unparsed_lines_total",
  "badgateway_rotations_total",
  "badgateway_series_overflow_total",
  "badgateway_build_info",
] as const;

export const OVERFLOW = "overflow";

/** Remembers the label sets of one metric up to a cap. */
class SeriesCap {
  private readonly seen = new Set<string>();
  constructor(private readonly max: number) {}
  /** True when this label set may have its own series. */
  admit(key: string): boolean {
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.max) return false;
    this.seen.add(key);
    return true;
  }
}

export interface MetricsOptions {
  /** Label sets kept per metric (default 500). */
  maxSeries?: number;
  version?: string;
}

const v = (s: string | null | undefined) => (s === null || s === undefined || s === "" ? "-" : s);

export class WatchMetrics {
  readonly registry = new Registry();
  private readonly failures: Counter<"class" | "peer" | "upstream" | "server">;
  private readonly responses: Counter<"status" | "upstream">;
  private readonly seconds: Histogram<"upstream">;
  private readonly connections: Gauge<"state">;
  private readonly lineCount: Counter<"log">;
  private readonly unparsed: Counter<"log">;
  private readonly rotations: Counter<"log">;
  private readonly overflow: Counter<"metric">;
  private readonly caps: { failures: SeriesCap; responses: SeriesCap; seconds: SeriesCap };

  constructor(opts: MetricsOptions = {}) {
    const max = Math.max(1, opts.maxSeries ?? 500);
    this.caps = { failures: new SeriesCap(max), responses: new SeriesCap(max), seconds: new SeriesCap(max) };
    const registers = [this.registry];
    this.failures = new Counter({
      name: "badgateway_upstream_failures_total",
      help: "Upstream failure lines in nginx's error log, by failure class, peer, upstream and server.",
      labelNames: ["class", "peer", "upstream", "server"],
      registers,
    });
    this.responses = new Counter({
      name: "badgateway_responses_total",
      help: "Access-log lines by HTTP status and upstream ($proxy_host, else the last $upstream_addr).",
      labelNames: ["status", "upstream"],
      registers,
    });
    this.seconds = new Histogram({
      name: "badgateway_upstream_response_seconds",
      help: "$upstream_response_time of access-log lines (all attempts of a request added), per upstream.",
      labelNames: ["upstream"],
      buckets: RESPONSE_BUCKETS,
      registers,
    });
    this.connections = new Gauge({
      name: "badgateway_nginx_connections",
      help: "Client connections from nginx's stub_status, by state (active, reading, writing, waiting).",
      labelNames: ["state"],
      registers,
    });
    this.lineCount = new Counter({
      name: "badgateway_log_lines_total",
      help: "Log lines read, by log kind (error, access).",
      labelNames: ["log"],
      registers,
    });
    this.unparsed = new Counter({
      name: "badgateway_unparsed_lines_total",
      help: "Lines that were not nginx error-log lines, or did not match the access log's format.",
      labelNames: ["log"],
      registers,
    });
    this.rotations = new Counter({
      name: "badgateway_rotations_total",
      help: "Log rotations seen (rename, truncate, created), by log kind.",
      labelNames: ["log"],
      registers,
    });
    this.overflow = new Counter({
      name: "badgateway_series_overflow_total",
      help: "Observations whose label set was folded into the 'overflow' value (--max-series reached).",
      labelNames: ["metric"],
      registers,
    });
    const info = new Gauge({
      name: "badgateway_build_info",
      help: "Always 1; the version label is badgateway's version.",
      labelNames: ["version"],
      registers,
    });
    info.set({ version: opts.version ?? "unknown" }, 1);
    for (const log of ["error", "access"]) {
      this.lineCount.inc({ log }, 0);
      this.unparsed.inc({ log }, 0);
    }
  }

  failure(e: { class: string; peer: string | null; upstream: string | null; server: string | null }): void {
    let labels = { class: e.class, peer: v(e.peer), upstream: v(e.upstream), server: v(e.server) };
    if (!this.caps.failures.admit(`${labels.class}\0${labels.peer}\0${labels.upstream}\0${labels.server}`)) {
      labels = { class: e.class, peer: OVERFLOW, upstream: OVERFLOW, server: OVERFLOW };
      this.overflow.inc({ metric: "badgateway_upstream_failures_total" });
    }
    this.failures.inc(labels);
  }

  /** Responses counted since the last flush, by status and upstream (added to the counter in one step). */
  private pending = new Map<string, { status: string; upstream: string; n: number }>();

  response(status: number, upstream: string, seconds: number): void {
    let up = v(upstream);
    const st = String(status);
    const key = `${st}\0${up}`;
    const p = this.pending.get(key);
    if (p) p.n++;
    else if (!this.caps.responses.admit(key)) {
      this.overflow.inc({ metric: "badgateway_responses_total" });
      const o = this.pending.get(`${st}\0${OVERFLOW}`);
      if (o) o.n++;
      else this.pending.set(`${st}\0${OVERFLOW}`, { status: st, upstream: OVERFLOW, n: 1 });
    } else this.pending.set(key, { status: st, upstream: up, n: 1 });
    if (Number.isFinite(seconds)) {
      if (!this.caps.seconds.admit(up)) {
        this.overflow.inc({ metric: "badgateway_upstream_response_seconds" });
        up = OVERFLOW;
      }
      this.seconds.observe({ upstream: up }, seconds);
    }
  }

  /** Adds the batched response counts (called after each block of lines, and before rendering). */
  flush(): void {
    if (this.pending.size === 0) return;
    for (const p of this.pending.values())
      this.responses.inc({ status: p.status, upstream: p.upstream }, p.n);
    this.pending.clear();
  }

  lines(log: "error" | "access", n: number, unparsed: number): void {
    this.flush();
    if (n > 0) this.lineCount.inc({ log }, n);
    if (unparsed > 0) this.unparsed.inc({ log }, unparsed);
  }

  rotation(log: "error" | "access"): void {
    this.rotations.inc({ log });
  }

  stubStatus(s: { active: number; reading: number; writing: number; waiting: number }): void {
    this.connections.set({ state: "active" }, s.active);
    this.connections.set({ state: "reading" }, s.reading);
    this.connections.set({ state: "writing" }, s.writing);
    this.connections.set({ state: "waiting" }, s.waiting);
  }

  /** The Prometheus text exposition format. */
  text(): Promise<string> {
    this.flush();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
