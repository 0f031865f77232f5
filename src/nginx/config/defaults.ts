/**
 * Built-in values nginx uses when a directive is not set anywhere, for the directives badgateway
 * reasons about. Sources: the `ngx_conf_merge_*` calls of each module (ngx_http_proxy_module.c,
 * ngx_http_fastcgi_module.c, ngx_http_upstream.c, ngx_event.c, ngx_http_core_module.c …).
 *
 * Version-dependent entries list the release that changed them; `defaultFor` picks the right one when
 * the running nginx version is known and otherwise assumes the newer behaviour is NOT present
 * (most production hosts run distribution packages older than the change).
 */

export interface DefaultValue {
  args: string[];
  /** Human note, e.g. "one memory page (4k on x86-64)". */
  note?: string;
}

interface VersionedDefault {
  /** Value for versions older than `since`. */
  before: DefaultValue;
  since: string;
  after: DefaultValue;
}

const timeout60 = { args: ["60s"] };

/** Modules that talk to upstreams and share the timeout/buffer directive families. */
export const PASS_MODULES = ["proxy", "fastcgi", "uwsgi", "scgi", "grpc", "memcached"] as const;
export type PassModule = (typeof PASS_MODULES)[number];

const PLAIN: Record<string, DefaultValue> = {
  worker_processes: { args: ["1"] },
  worker_connections: { args: ["512"] },
  worker_rlimit_nofile: { args: [], note: "not set: the soft RLIMIT_NOFILE nginx was started with" },
  user: { args: ["nobody", "nobody"], note: "build default (--user/--group at ./configure)" },
  resolver_timeout: { args: ["30s"] },
  keepalive_timeout: { args: ["75s"] },
  proxy_next_upstream: { args: ["error", "timeout"] },
  proxy_next_upstream_tries: { args: ["0"] },
  proxy_next_upstream_timeout: { args: ["0"] },
  fastcgi_next_upstream: { args: ["error", "timeout"] },
  uwsgi_next_upstream: { args: ["error", "timeout"] },
  scgi_next_upstream: { args: ["error", "timeout"] },
  grpc_next_upstream: { args: ["error", "timeout"] },
  memcached_next_upstream: { args: ["error", "timeout"] },
  proxy_ssl_verify: { args: ["off"] },
  proxy_ssl_verify_depth: { args: ["1"] },
  proxy_ssl_server_name: { args: ["off"] },
  proxy_ssl_name: { args: ["$proxy_host"] },
  grpc_ssl_verify: { args: ["off"] },
  grpc_ssl_server_name: { args: ["off"] },
  proxy_buffer_size: { args: ["4k"], note: "one memory page (4k on x86-64, 8k on some platforms)" },
  fastcgi_buffer_size: { args: ["4k"], note: "one memory page" },
  uwsgi_buffer_size: { args: ["4k"], note: "one memory page" },
  scgi_buffer_size: { args: ["4k"], note: "one memory page" },
  grpc_buffer_size: { args: ["4k"], note: "one memory page" },
  proxy_buffers: { args: ["8", "4k"] },
  proxy_intercept_errors: { args: ["off"] },
  fastcgi_intercept_errors: { args: ["off"] },
  proxy_set_header: {
    args: ["Host", "$proxy_host"],
    note: "plus `Connection close` (HTTP/1.0 to the upstream)",
  },
};

for (const m of PASS_MODULES) {
  PLAIN[`${m}_connect_timeout`] = timeout60;
  PLAIN[`${m}_read_timeout`] = timeout60;
  PLAIN[`${m}_send_timeout`] = timeout60;
}

const VERSIONED: Record<string, VersionedDefault> = {
  proxy_http_version: {
    before: { args: ["1.0"] },
    since: "1.29.7",
    after: { args: ["1.1"] },
  },
};

/** Compares dotted versions numerically: -1, 0 or 1. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** nginx's built-in value of a directive, or null when badgateway does not know one. */
export function defaultFor(name: string, version?: string): DefaultValue | null {
  const v = VERSIONED[name];
  if (v) return version && compareVersions(version, v.since) >= 0 ? v.after : v.before;
  return PLAIN[name] ?? null;
}

/** Upstream `server` parameter defaults (ngx_http_upstream_server). */
export const UPSTREAM_SERVER_DEFAULTS = { weight: 1, maxFails: 1, failTimeout: 10 } as const;

/** Default ports nginx uses when a `*_pass` URL has none. */
export const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, grpc: 80, grpcs: 443 };
