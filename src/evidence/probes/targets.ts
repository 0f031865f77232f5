/** Probe targets: from the command line (`http://h:p/path`, `h:p`, `unix:/path`) or from the configuration model. */
import { type ConfigModel, effective, globalValue, type PassTarget } from "../../nginx/config/model.js";
import { parseDuration, parseSize } from "../../nginx/config/units.js";
import { DEFAULT_SETTINGS, type ProbeSettings, type ProbeTarget, type TargetKind } from "./types.js";

export function parseTargetSpec(spec: string, settings: Partial<ProbeSettings> = {}): ProbeTarget {
  const base = { ...DEFAULT_SETTINGS, ...settings };
  if (spec.startsWith("unix:")) return { id: spec, kind: "unix", unixPath: spec.slice(5), settings: base };
  const m = /^([a-z]+):\/\/(\[[^\]]{1,64}\]|[^/:]{1,253})(?::(\d{1,5}))?(\/[^\s]*)?$/.exec(spec);
  if (m) {
    const scheme = m[1] as string;
    const kind: TargetKind =
      scheme === "https" ? "https" : scheme === "grpcs" ? "grpcs" : scheme === "grpc" ? "grpc" : "http";
    const port = m[3] ? Number(m[3]) : scheme === "https" || scheme === "grpcs" ? 443 : 80;
    const host = m[2] as string;
    // As a client writes it: the port only when it was given and is not the scheme's default.
    const hostHeader =
      m[3] && port !== (kind === "https" || kind === "grpcs" ? 443 : 80) ? `${host}:${port}` : host;
    return { id: spec, kind, host, port, uriPath: m[4] ?? "/", hostHeader, settings: base };
  }
  const hp = /^(\[[^\]]{1,64}\]|[^/:]{1,253}):(\d{1,5})$/.exec(spec);
  if (hp) return { id: spec, kind: "tcp", host: hp[1] as string, port: Number(hp[2]), settings: base };
  throw new Error(
    `cannot read probe target "${spec}" (use http://host:port/path, https://…, host:port or unix:/path)`,
  );
}

function settingsFor(model: ConfigModel, p: PassTarget, capMs: number): ProbeSettings {
  const mod = p.module === "stream-proxy" ? "proxy" : p.module;
  const sec = (n: string) => {
    const v = effective(model, p.scope, n).args?.[0];
    return v ? parseDuration(v) : null;
  };
  const connect = sec(`${mod}_connect_timeout`) ?? 60;
  const read = sec(`${mod}_read_timeout`) ?? 60;
  const on = (n: string) => effective(model, p.scope, n).args?.[0] === "on";
  const ca = effective(model, p.scope, `${mod}_ssl_trusted_certificate`).args?.[0];
  const name = effective(model, p.scope, `${mod}_ssl_name`).directives[0]?.args[0];
  const depth = Number(effective(model, p.scope, `${mod}_ssl_verify_depth`).args?.[0] ?? 1);
  const buf = parseSize(effective(model, p.scope, `${mod}_buffer_size`).args?.[0] ?? "4k") ?? 4096;
  return {
    connectTimeoutMs: Math.min(connect * 1000, capMs),
    readTimeoutMs: Math.min(read * 1000, capMs),
    proxyBufferSize: buf,
    sslVerify: on(`${mod}_ssl_verify`),
    ...(ca ? { trustedCertificate: ca } : {}),
    sslServerName: on(`${mod}_ssl_server_name`),
    ...(name && !name.includes("$") ? { sslName: name } : {}),
    verifyDepth: depth,
    nginxConnectTimeout: connect,
    nginxReadTimeout: read,
  };
}

/**
 * `$proxy_host` as nginx sets it (ngx_http_proxy_set_vars): the proxy_pass host — the upstream's name when it
 * names one — with `:port` only when the port is written and is not the scheme's default; "localhost" for a
 * unix socket.
 */
export function proxyHostOf(p: PassTarget): string {
  // As written in proxy_pass (upstream names match case-insensitively, the header keeps the spelling).
  if (p.upstream) return p.host ?? p.upstream.name;
  if (p.unixPath !== null) return "localhost";
  const host = p.host ?? "localhost";
  const defaultPort = p.scheme === "https" ? 443 : 80;
  return p.port === null || p.portIsDefault || p.port === defaultPort ? host : `${host}:${p.port}`;
}

/** The name `$host` stands for when the request's own Host is not known: the server's first plain server_name. */
function serverNameOf(p: PassTarget): string | null {
  for (const n of p.server?.serverNames ?? []) {
    if (n === "" || n === "_" || n.startsWith("~") || n.includes("*") || n.includes("$")) continue;
    return n.startsWith(".") ? n.slice(1) : n;
  }
  return null;
}

/**
 * The Host header nginx sends for this pass: the location's effective `proxy_set_header Host` (nginx's
 * default is `$proxy_host`), with `$proxy_host`, `$proxy_port`, `$host`, `$http_host` and `$server_name`
 * filled in — the last three with the server's server_name, as a request for that name would carry. A value
 * with other variables, or with nothing to stand for `$host`, falls back to `$proxy_host` and says so.
 */
export function hostHeaderFor(model: ConfigModel, p: PassTarget): { value: string; from: string } {
  const proxyHost = proxyHostOf(p);
  const set = effective(model, p.scope, "proxy_set_header").directives.find(
    (d) => d.args[0]?.toLowerCase() === "host",
  );
  if (!set) return { value: proxyHost, from: `$proxy_host (nginx's default) → ${proxyHost}` };
  const raw = set.args[1] ?? "";
  const where = `proxy_set_header Host ${JSON.stringify(raw)} (${set.file}:${set.line})`;
  if (raw === "") return { value: "", from: `${where}: nginx sends no Host header` };
  const name = serverNameOf(p);
  const unknown: string[] = [];
  const value = raw.replace(
    /\$(?:\{(\w+)\}|(\w+))/g,
    (whole, braced: string | undefined, plain: string | undefined) => {
      const v = braced ?? plain ?? "";
      if (v === "proxy_host") return proxyHost;
      if (v === "proxy_port") return String(p.port ?? (p.scheme === "https" ? 443 : 80));
      if ((v === "host" || v === "http_host" || v === "server_name") && name) return name;
      unknown.push(whole);
      return whole;
    },
  );
  if (unknown.length)
    return {
      value: proxyHost,
      from: `${where}: ${unknown.join(", ")} cannot be known here${name ? "" : " (no server_name)"}; sent $proxy_host ${proxyHost} instead`,
    };
  return { value, from: `${where} → ${value}` };
}

/** Every distinct upstream address the configuration points at (variables cannot be probed and are skipped). */
export function targetsFromModel(model: ConfigModel, opts: { capMs?: number } = {}): ProbeTarget[] {
  const cap = opts.capMs ?? 5000;
  const out = new Map<string, ProbeTarget>();
  const resolversAt = (p: PassTarget) =>
    effective(model, p.scope, "resolver").directives[0]?.args.filter((a) => !a.includes("=")) ?? [];
  for (const p of model.passes) {
    if (p.hasVariables) continue;
    const settings = settingsFor(model, p, cap);
    const httpish = p.module === "proxy";
    const kindOf = (): TargetKind =>
      p.scheme === "https" ? "https" : p.scheme === "grpcs" ? "grpcs" : httpish ? "http" : "tcp";
    const addrs = p.upstream
      ? p.upstream.servers
          .filter((s) => !s.down)
          .map((s) => ({ host: s.host, port: s.port, unix: s.unixPath, d: s.directive }))
      : [{ host: p.host, port: p.port, unix: p.unixPath, d: p.directive }];
    for (const a of addrs) {
      const kind: TargetKind = a.unix ? "unix" : kindOf();
      const id = a.unix ? `unix:${a.unix}` : `${kind === "tcp" ? "" : `${kind}://`}${a.host}:${a.port ?? 80}`;
      if (out.has(id)) continue;
      const resolvers = resolversAt(p);
      out.set(id, {
        id,
        kind,
        ...(a.host ? { host: a.host } : {}),
        ...(a.port ? { port: a.port } : {}),
        ...(a.unix ? { unixPath: a.unix } : {}),
        ...(httpish
          ? (() => {
              const h = hostHeaderFor(model, p);
              return {
                uriPath: p.uri && !p.uri.includes("$") ? p.uri : "/",
                hostHeader: h.value,
                hostHeaderFrom: h.from,
              };
            })()
          : {}),
        settings,
        ...(resolvers.length ? { resolvers } : {}),
        source: { file: a.d.file, line: a.d.line },
      });
    }
  }
  return [...out.values()];
}

/** The worker user from the `user` directive (else the build default, nobody). */
export function workerUserOf(model: ConfigModel): string {
  return globalValue(model, "user").args?.[0] ?? "nobody";
}
