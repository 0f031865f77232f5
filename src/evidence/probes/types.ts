/** Live probes: what to check and what came back. Every check is bounded (timeout, one request, GET/HEAD). */

export type TargetKind = "tcp" | "http" | "https" | "grpc" | "grpcs" | "unix";

export interface ProbeSettings {
  connectTimeoutMs: number;
  readTimeoutMs: number;
  /** Largest response header nginx accepts here (proxy_buffer_size). */
  proxyBufferSize: number;
  sslVerify: boolean;
  trustedCertificate?: string;
  /** proxy_ssl_server_name: send SNI. */
  sslServerName: boolean;
  /** proxy_ssl_name (defaults to the host). */
  sslName?: string;
  verifyDepth: number;
  /** Effective nginx timeouts (seconds), to compare timings with. */
  nginxConnectTimeout?: number;
  nginxReadTimeout?: number;
}

export interface ProbeTarget {
  /** Stable id, e.g. "http://127.0.0.1:8080/" or "unix:/run/php/php-fpm.sock". */
  id: string;
  kind: TargetKind;
  host?: string;
  port?: number;
  unixPath?: string;
  /** Path requested for HTTP checks. Default "/". */
  uriPath?: string;
  method?: "HEAD" | "GET";
  /**
   * Host header as nginx would send it: the location's effective `proxy_set_header Host` (default
   * `$proxy_host`); empty when nginx sends none.
   */
  hostHeader?: string;
  /** Where the Host value comes from, in words (e.g. `proxy_set_header Host $host (site.conf:12) → shop.example`). */
  hostHeaderFrom?: string;
  settings: ProbeSettings;
  /** Resolvers configured in nginx for this target ("ip" or "ip:port"). */
  resolvers?: string[];
  /** Addresses nginx was seen using for this name (from logs or --seen-ip). */
  seenAddresses?: string[];
  source?: { file: string; line: number };
}

export interface ProbeStep {
  check: "dns" | "tcp" | "tls" | "http" | "unix" | "listeners";
  ok: boolean;
  /** Stable problem id when not ok, e.g. "connection-refused", "empty-reply", "tls-verify-failed". */
  problem: string | null;
  summary: string;
  ms?: number;
  data?: Record<string, unknown>;
}

export interface ProbeResult {
  target: ProbeTarget;
  ok: boolean;
  steps: ProbeStep[];
  /** The runbook-style next step when something is wrong. */
  nextStep: string | null;
  /** Set when the target was not probed at all: the overall deadline came first. */
  skipped?: "deadline";
}

export interface ProbeReport {
  startedAt: string;
  durationMs: number;
  /** The overall deadline of the run, and whether it stopped checks or left targets unprobed. */
  deadlineMs?: number;
  deadlineReached?: boolean;
  /** Targets not probed because the deadline came first. */
  skipped?: number;
  /** Targets whose checks the deadline stopped before they finished (first failing step: `deadline`). */
  unfinished?: number;
  results: ProbeResult[];
  host?: Record<string, unknown>;
}

export const DEFAULT_SETTINGS: ProbeSettings = {
  connectTimeoutMs: 3000,
  readTimeoutMs: 5000,
  proxyBufferSize: 4096,
  sslVerify: false,
  sslServerName: false,
  verifyDepth: 1,
};
