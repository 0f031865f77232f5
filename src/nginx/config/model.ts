/**
 * Semantic model of an nginx configuration (pure, no I/O).
 *
 * Input is crossplane-shaped: a list of files, each with its parsed directives, where an `include`
 * directive may carry `includes: [index…]` into that list (as produced by the config loader). The model
 * splices included files in place, then builds the http/server/location/upstream structure, answers
 * "what is the effective value of directive X here" with nginx's inheritance rules, and resolves every
 * `*_pass` into a target.
 */
import {
  DEFAULT_PORTS,
  type DefaultValue,
  defaultFor,
  type PassModule,
  UPSTREAM_SERVER_DEFAULTS,
} from "./defaults.js";
import { type ConfNode, DEFAULT_MAX_DEPTH, type ParseError, parseConfig, tooDeepMessage } from "./parser.js";
import { parseDuration } from "./units.js";

export interface Directive {
  name: string;
  args: string[];
  file: string;
  line: number;
}

export type ScopeKind =
  | "main"
  | "events"
  | "http"
  | "server"
  | "location"
  | "if"
  | "limit_except"
  | "upstream"
  | "stream"
  | "stream-server"
  | "stream-upstream"
  | "mail"
  | "other";

/** One configuration level: main, http, a server, a location, an upstream… */
export interface Scope {
  kind: ScopeKind;
  /** The block directive that opened this scope (null for main). */
  block: Directive | null;
  parent: Scope | null;
  /** Simple directives written directly at this level (includes already spliced in). */
  directives: Directive[];
  children: Scope[];
}

export interface Listen {
  directive: Directive;
  address: string | null;
  port: number | null;
  unixPath: string | null;
  ssl: boolean;
  http2: boolean;
  defaultServer: boolean;
}

export interface ServerBlock {
  scope: Scope;
  listen: Listen[];
  serverNames: string[];
  locations: LocationBlock[];
  /** True for `stream { server { … } }`. */
  stream: boolean;
}

export type LocationModifier = "" | "=" | "~" | "~*" | "^~" | "@";

export interface LocationBlock {
  scope: Scope;
  modifier: LocationModifier;
  /** The path, regex, or name (for `@name`). */
  path: string;
  server: ServerBlock;
  parent: LocationBlock | null;
  children: LocationBlock[];
}

export interface UpstreamServer {
  directive: Directive;
  address: string;
  host: string | null;
  port: number | null;
  unixPath: string | null;
  isIp: boolean;
  weight: number;
  maxFails: number;
  /** Seconds. */
  failTimeout: number;
  backup: boolean;
  down: boolean;
  resolve: boolean;
  maxConns: number | null;
}

export interface UpstreamBlock {
  name: string;
  scope: Scope;
  directive: Directive;
  stream: boolean;
  servers: UpstreamServer[];
  keepalive: number | null;
  keepaliveDirective: Directive | null;
  /** Load-balancing method directive (least_conn, ip_hash, hash, random) when set. */
  balancer: Directive | null;
  zone: Directive | null;
  resolver: Directive | null;
}

export type TargetScheme = "http" | "https" | "grpc" | "grpcs" | "uwsgi" | "suwsgi" | null;

/** A `proxy_pass`/`fastcgi_pass`/… resolved into where nginx will connect. */
export interface PassTarget {
  directive: Directive;
  module: PassModule | "stream-proxy";
  scope: Scope;
  location: LocationBlock | null;
  server: ServerBlock | null;
  /** The argument as written. */
  raw: string;
  scheme: TargetScheme;
  host: string | null;
  port: number | null;
  /** True when the port came from the scheme's default (80/443). */
  portIsDefault: boolean;
  unixPath: string | null;
  /** The URI part after host[:port] (proxy_pass only), e.g. "/api/"; null when absent. */
  uri: string | null;
  hasVariables: boolean;
  /** The `upstream {}` block this names, if any. */
  upstream: UpstreamBlock | null;
  isIp: boolean;
  /** A literal hostname nginx resolves once at start-up (no upstream block, no variables, not an IP). */
  isHostname: boolean;
}

export type EffectiveSource = "here" | "inherited" | "default" | "unset";

export interface Effective {
  name: string;
  /** Arguments of the first directive that applies, or the default's. Null when unset with no known default. */
  args: string[] | null;
  /** Every directive of that name at the level that applies (array-like directives have several). */
  directives: Directive[];
  source: EffectiveSource;
  /** The scope the value comes from, when set in the config. */
  from: Scope | null;
  default: DefaultValue | null;
}

export interface ModelFile {
  file: string;
  parsed: ConfNode[];
}

export interface ModelInput {
  config: ModelFile[];
  errors?: Array<{ file?: string; line?: number | null; error?: string; message?: string }>;
}

export interface ModelProblem {
  file: string;
  line: number | null;
  message: string;
}

export interface ConfigModel {
  main: Scope;
  http: Scope | null;
  events: Scope | null;
  stream: Scope | null;
  servers: ServerBlock[];
  locations: LocationBlock[];
  /** http upstreams by lower-cased name. */
  upstreams: Map<string, UpstreamBlock>;
  streamUpstreams: Map<string, UpstreamBlock>;
  passes: PassTarget[];
  /** Every directive in effective order, with its scope. */
  all: Array<{ directive: Directive; scope: Scope }>;
  /** Files that contributed. */
  files: string[];
  /** include directives that were not resolved (single-file parse or missing file). */
  unresolvedIncludes: Directive[];
  /** Problems found while building (e.g. include cycles, `upstream may not have port`). */
  problems: ModelProblem[];
  /** nginx version the defaults assume, when known. */
  version?: string;
}

const BLOCK_KINDS: Record<string, ScopeKind> = {
  events: "events",
  http: "http",
  server: "server",
  location: "location",
  if: "if",
  limit_except: "limit_except",
  upstream: "upstream",
  stream: "stream",
  mail: "mail",
};

const PASS_DIRECTIVES: Record<string, PassModule> = {
  proxy_pass: "proxy",
  fastcgi_pass: "fastcgi",
  uwsgi_pass: "uwsgi",
  scgi_pass: "scgi",
  grpc_pass: "grpc",
  memcached_pass: "memcached",
};

export function isIpAddress(host: string): boolean {
  if (host.startsWith("[") && host.endsWith("]")) return host.includes(":");
  if (host.includes(":")) return /^[0-9a-fA-F:.]+$/.test(host);
  return /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Splits `host:port`, `[v6]:port`, `host` or `unix:/path` (as in ngx_parse_url). */
export function splitAddress(addr: string): {
  host: string | null;
  port: number | null;
  unixPath: string | null;
} {
  if (addr.startsWith("unix:")) return { host: null, port: null, unixPath: addr.slice(5) };
  if (addr.startsWith("[")) {
    const close = addr.indexOf("]");
    if (close < 0) return { host: addr, port: null, unixPath: null };
    const rest = addr.slice(close + 1);
    const port = rest.startsWith(":") ? Number.parseInt(rest.slice(1), 10) : Number.NaN;
    return { host: addr.slice(0, close + 1), port: Number.isFinite(port) ? port : null, unixPath: null };
  }
  const colon = addr.lastIndexOf(":");
  if (colon > 0 && addr.indexOf(":") === colon) {
    const port = Number.parseInt(addr.slice(colon + 1), 10);
    if (/^\d+$/.test(addr.slice(colon + 1))) return { host: addr.slice(0, colon), port, unixPath: null };
  }
  if (/^\d+$/.test(addr)) return { host: null, port: Number.parseInt(addr, 10), unixPath: null };
  return { host: addr, port: null, unixPath: null };
}

function toDirective(n: ConfNode): Directive {
  return { name: n.directive, args: n.args, file: n.file, line: n.line };
}

function parseListen(d: Directive): Listen {
  const first = d.args[0] ?? "";
  const a = splitAddress(first);
  const flags = new Set(d.args.slice(1));
  return {
    directive: d,
    address: a.host,
    port: a.unixPath ? null : (a.port ?? 80),
    unixPath: a.unixPath,
    ssl: flags.has("ssl"),
    http2: flags.has("http2"),
    defaultServer: flags.has("default_server") || flags.has("default"),
  };
}

function parseUpstreamServer(d: Directive): UpstreamServer {
  const address = d.args[0] ?? "";
  const a = splitAddress(address);
  const s: UpstreamServer = {
    directive: d,
    address,
    host: a.host,
    port: a.unixPath ? null : (a.port ?? (a.host ? 80 : null)),
    unixPath: a.unixPath,
    isIp: a.host !== null && isIpAddress(a.host),
    weight: UPSTREAM_SERVER_DEFAULTS.weight,
    maxFails: UPSTREAM_SERVER_DEFAULTS.maxFails,
    failTimeout: UPSTREAM_SERVER_DEFAULTS.failTimeout,
    backup: false,
    down: false,
    resolve: false,
    maxConns: null,
  };
  for (const p of d.args.slice(1)) {
    const eq = p.indexOf("=");
    const key = eq < 0 ? p : p.slice(0, eq);
    const val = eq < 0 ? "" : p.slice(eq + 1);
    if (key === "weight") s.weight = Number.parseInt(val, 10) || s.weight;
    else if (key === "max_fails") s.maxFails = Number.parseInt(val, 10) || 0;
    else if (key === "fail_timeout") s.failTimeout = parseDuration(val) ?? s.failTimeout;
    else if (key === "max_conns") s.maxConns = Number.parseInt(val, 10) || 0;
    else if (key === "backup") s.backup = true;
    else if (key === "down") s.down = true;
    else if (key === "resolve") s.resolve = true;
  }
  return s;
}

function parseLocation(d: Directive): { modifier: LocationModifier; path: string } {
  const [a0 = "", a1] = d.args;
  if (a1 !== undefined && (a0 === "=" || a0 === "~" || a0 === "~*" || a0 === "^~"))
    return { modifier: a0, path: a1 };
  if (a0.startsWith("@")) return { modifier: "@", path: a0 };
  // nginx also accepts the modifier glued to the path ("=/exact", "~*\.php$").
  for (const m of ["^~", "~*", "=", "~"] as const)
    if (a0.startsWith(m) && a0.length > m.length) return { modifier: m, path: a0.slice(m.length) };
  return { modifier: "", path: a0 };
}

/** Parses the argument of a `*_pass` directive. */
export function parsePassArgument(
  module: PassModule | "stream-proxy",
  raw: string,
): Pick<PassTarget, "scheme" | "host" | "port" | "portIsDefault" | "unixPath" | "uri" | "hasVariables"> {
  const hasVariables = raw.includes("$");
  let rest = raw;
  let scheme: TargetScheme = null;
  const sep = rest.indexOf("://");
  if (sep > 0) {
    const s = rest.slice(0, sep).toLowerCase();
    if (s === "http" || s === "https" || s === "grpc" || s === "grpcs" || s === "uwsgi" || s === "suwsgi")
      scheme = s;
    rest = rest.slice(sep + 3);
  } else if (module === "grpc") {
    scheme = "grpc";
  } else if (module === "proxy") {
    scheme = null;
  }
  let uri: string | null = null;
  let unixPath: string | null = null;
  let host: string | null = null;
  let port: number | null = null;
  if (rest.startsWith("unix:")) {
    // proxy_pass http://unix:/path/to.sock:/uri ; fastcgi_pass unix:/path
    const body = rest.slice(5);
    const c = module === "proxy" ? body.indexOf(":") : -1;
    unixPath = c >= 0 ? body.slice(0, c) : body;
    if (c >= 0) uri = body.slice(c + 1) || null;
  } else {
    const slash = module === "proxy" ? rest.indexOf("/") : -1;
    const hostport = slash >= 0 ? rest.slice(0, slash) : rest;
    if (slash >= 0) uri = rest.slice(slash);
    const a = splitAddress(hostport);
    host = a.host;
    port = a.port;
  }
  let portIsDefault = false;
  if (!unixPath && port === null && scheme && DEFAULT_PORTS[scheme] !== undefined) {
    port = DEFAULT_PORTS[scheme] ?? null;
    portIsDefault = true;
  }
  return { scheme, host, port, portIsDefault, unixPath, uri, hasVariables };
}

/** Builds the model. Never throws on odd input: problems are recorded in `problems`. */
export function buildModel(
  input: ModelInput,
  opts: { version?: string; maxDepth?: number } = {},
): ConfigModel {
  const files = input.config;
  const main: Scope = { kind: "main", block: null, parent: null, directives: [], children: [] };
  const model: ConfigModel = {
    main,
    http: null,
    events: null,
    stream: null,
    servers: [],
    locations: [],
    upstreams: new Map(),
    streamUpstreams: new Map(),
    passes: [],
    all: [],
    files: files.map((f) => f.file),
    unresolvedIncludes: [],
    problems: [],
  };
  if (opts.version) model.version = opts.version;
  const active = new Set<number>();
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  let tooDeep = false;
  const passNodes: Array<{
    d: Directive;
    scope: Scope;
    location: LocationBlock | null;
    server: ServerBlock | null;
  }> = [];

  const walk = (
    nodes: ConfNode[],
    scope: Scope,
    server: ServerBlock | null,
    location: LocationBlock | null,
    upstream: UpstreamBlock | null,
    depth: number,
  ): void => {
    // Each file is parsed with a nesting cap, but includes add up: the model stops descending at the same
    // cap over blocks and includes together, so nothing that walks the scopes afterwards recurses deeper.
    if (depth > maxDepth) {
      const first = nodes.find((n) => n.directive !== "#");
      if (first && !tooDeep)
        model.problems.push({ file: first.file, line: first.line, message: tooDeepMessage(maxDepth) });
      tooDeep = true;
      return;
    }
    for (const n of nodes) {
      if (n.directive === "#") continue;
      const d = toDirective(n);
      if (n.directive === "include" && !n.block) {
        if (!n.includes || n.includes.length === 0) {
          if (!d.args.some((a) => a.includes("*"))) model.unresolvedIncludes.push(d);
          // Kept as a directive so rules can still see what was meant to be included here.
          scope.directives.push(d);
          model.all.push({ directive: d, scope });
          continue;
        }
        for (const idx of n.includes) {
          const f = files[idx];
          if (!f) continue;
          if (active.has(idx)) {
            model.problems.push({ file: d.file, line: d.line, message: `include cycle through ${f.file}` });
            continue;
          }
          active.add(idx);
          walk(f.parsed, scope, server, location, upstream, depth + 1);
          active.delete(idx);
        }
        continue;
      }
      model.all.push({ directive: d, scope });
      if (!n.block) {
        scope.directives.push(d);
        const module = PASS_DIRECTIVES[d.name];
        if (module && scope.kind !== "upstream" && scope.kind !== "stream-upstream") {
          passNodes.push({ d, scope, location, server });
        } else if (d.name === "proxy_pass" && scope.kind === "stream-server") {
          passNodes.push({ d, scope, location: null, server });
        }
        if (upstream) applyUpstreamDirective(upstream, d);
        if (server && scope === server.scope) {
          if (d.name === "listen") server.listen.push(parseListen(d));
          else if (d.name === "server_name") server.serverNames.push(...d.args);
        }
        continue;
      }
      let kind: ScopeKind = BLOCK_KINDS[n.directive] ?? "other";
      if (scope.kind === "stream" && kind === "server") kind = "stream-server";
      if (scope.kind === "stream" && kind === "upstream") kind = "stream-upstream";
      if (kind === "server" && scope.kind !== "http") kind = "other";
      if (kind === "location" && scope.kind !== "server" && scope.kind !== "location") kind = "other";
      const child: Scope = { kind, block: d, parent: scope, directives: [], children: [] };
      scope.children.push(child);
      let nextServer = server;
      let nextLocation = location;
      let nextUpstream: UpstreamBlock | null = null;
      if (kind === "http" && !model.http) model.http = child;
      else if (kind === "events" && !model.events) model.events = child;
      else if (kind === "stream" && !model.stream) model.stream = child;
      else if (kind === "server" || kind === "stream-server") {
        nextServer = {
          scope: child,
          listen: [],
          serverNames: [],
          locations: [],
          stream: kind === "stream-server",
        };
        nextLocation = null;
        model.servers.push(nextServer);
      } else if (kind === "location" && server) {
        const { modifier, path } = parseLocation(d);
        const loc: LocationBlock = { scope: child, modifier, path, server, parent: location, children: [] };
        if (location) location.children.push(loc);
        else server.locations.push(loc);
        model.locations.push(loc);
        nextLocation = loc;
      } else if (kind === "upstream" || kind === "stream-upstream") {
        const name = d.args[0] ?? "";
        nextUpstream = {
          name,
          scope: child,
          directive: d,
          stream: kind === "stream-upstream",
          servers: [],
          keepalive: null,
          keepaliveDirective: null,
          balancer: null,
          zone: null,
          resolver: null,
        };
        const map = kind === "upstream" ? model.upstreams : model.streamUpstreams;
        const key = name.toLowerCase();
        if (map.has(key))
          model.problems.push({ file: d.file, line: d.line, message: `duplicate upstream "${name}"` });
        else map.set(key, nextUpstream);
      }
      if (n.block) walk(n.block, child, nextServer, nextLocation, nextUpstream, depth + 1);
    }
  };
  walk(files[0]?.parsed ?? [], main, null, null, null, 0);

  for (const p of passNodes) {
    const module: PassModule | "stream-proxy" =
      p.scope.kind === "stream-server" ? "stream-proxy" : (PASS_DIRECTIVES[p.d.name] as PassModule);
    const raw = p.d.args[0] ?? "";
    const parsed = parsePassArgument(module, raw);
    const map = module === "stream-proxy" ? model.streamUpstreams : model.upstreams;
    let upstream: UpstreamBlock | null = null;
    if (parsed.host && !parsed.hasVariables) {
      upstream = map.get(parsed.host.toLowerCase()) ?? null;
      if (upstream && !parsed.portIsDefault && parsed.port !== null)
        model.problems.push({
          file: p.d.file,
          line: p.d.line,
          message: `upstream "${upstream.name}" may not have port ${parsed.port}`,
        });
    }
    if (upstream && parsed.portIsDefault) {
      parsed.port = null;
      parsed.portIsDefault = false;
    }
    const isIp = parsed.host !== null && isIpAddress(parsed.host);
    model.passes.push({
      directive: p.d,
      module,
      scope: p.scope,
      location: p.location,
      server: p.server,
      raw,
      ...parsed,
      upstream,
      isIp,
      isHostname: !upstream && !parsed.hasVariables && !parsed.unixPath && parsed.host !== null && !isIp,
    });
  }
  return model;
}

function applyUpstreamDirective(u: UpstreamBlock, d: Directive): void {
  switch (d.name) {
    case "server":
      u.servers.push(parseUpstreamServer(d));
      break;
    case "keepalive":
      u.keepalive = Number.parseInt(d.args[0] ?? "", 10) || 0;
      u.keepaliveDirective = d;
      break;
    case "least_conn":
    case "ip_hash":
    case "hash":
    case "random":
      u.balancer = d;
      break;
    case "zone":
      u.zone = d;
      break;
    case "resolver":
      u.resolver = d;
      break;
  }
}

/** Convenience: parse one file's text and build its model (includes stay unresolved). */
export function modelFromText(
  text: string,
  file: string,
  opts: { version?: string } = {},
): { model: ConfigModel; errors: ParseError[] } {
  const r = parseConfig(text, { file });
  return { model: buildModel({ config: [{ file, parsed: r.parsed }] }, opts), errors: r.errors };
}

/**
 * Effective value of `name` at `scope`, following nginx's merge: the innermost level that sets the
 * directive at all wins, and all its occurrences there apply together (this is also how array-like
 * directives such as proxy_set_header, add_header, fastcgi_param and error_page behave: an inner level
 * that sets one of them drops every inherited one). `if` and `limit_except` blocks inherit from their
 * location like nested locations do.
 */
export function effective(model: ConfigModel, scope: Scope, name: string): Effective {
  for (let s: Scope | null = scope; s; s = s.parent) {
    if (s.kind === "upstream" || s.kind === "stream-upstream") continue;
    const ds = s.directives.filter((d) => d.name === name);
    if (ds.length > 0) {
      return {
        name,
        args: ds[0]?.args ?? null,
        directives: ds,
        source: s === scope ? "here" : "inherited",
        from: s,
        default: defaultFor(name, model.version),
      };
    }
  }
  const def = defaultFor(name, model.version);
  return {
    name,
    args: def ? def.args : null,
    directives: [],
    source: def ? "default" : "unset",
    from: null,
    default: def,
  };
}

/** All directives named `name` anywhere in the configuration, in file order. */
export function findDirectives(
  model: ConfigModel,
  name: string,
): Array<{ directive: Directive; scope: Scope }> {
  return model.all.filter((e) => e.directive.name === name);
}

/** Main-context (or events-context) value, e.g. worker_connections, worker_processes, user. */
export function globalValue(model: ConfigModel, name: string): Effective {
  const scope =
    name === "worker_connections" || name === "multi_accept" || name === "use" ? model.events : model.main;
  return effective(model, scope ?? model.main, name);
}

/** Effective timeout in seconds for a module and phase (connect/read/send), with where it comes from. */
export function effectiveSeconds(
  model: ConfigModel,
  scope: Scope,
  name: string,
): { seconds: number | null; value: Effective } {
  const value = effective(model, scope, name);
  const seconds = value.args?.[0] !== undefined ? parseDuration(value.args[0]) : null;
  return { seconds, value };
}

/**
 * Which location of `server` nginx picks for a request URI (ngx_http_core_find_location): exact match
 * first, then the longest prefix; a `^~` prefix stops the search; otherwise the first matching regex in
 * config order wins over the prefix. Nested locations are searched inside the chosen prefix.
 */
export function matchLocation(server: ServerBlock, uri: string): LocationBlock | null {
  const path = uri.split("?")[0] ?? uri;
  const search = (locs: LocationBlock[]): LocationBlock | null => {
    let best: LocationBlock | null = null;
    for (const l of locs) {
      if (l.modifier === "=" && l.path === path) return l;
      if ((l.modifier === "" || l.modifier === "^~") && path.startsWith(l.path)) {
        if (!best || l.path.length > best.path.length) best = l;
      }
    }
    if (best) {
      const inner = search(best.children);
      if (inner && inner.modifier !== "") return inner;
      if (best.modifier === "^~") return inner ?? best;
    }
    for (const l of locs) {
      if (l.modifier !== "~" && l.modifier !== "~*") continue;
      let re: RegExp;
      try {
        re = new RegExp(l.path, l.modifier === "~*" ? "i" : "");
      } catch {
        continue;
      }
      if (re.test(path)) return l;
    }
    if (best) return search(best.children) ?? best;
    return null;
  };
  return search(server.locations);
}

/** Server blocks that listen on `port` (all http servers when no port given) whose names match `host`. */
export function matchServer(model: ConfigModel, host: string, port?: number): ServerBlock | null {
  const candidates = model.servers.filter(
    (s) =>
      !s.stream && (port === undefined || s.listen.length === 0 || s.listen.some((l) => l.port === port)),
  );
  const h = host.toLowerCase().replace(/:\d+$/, "");
  for (const s of candidates) if (s.serverNames.some((n) => n.toLowerCase() === h)) return s;
  for (const s of candidates)
    if (s.serverNames.some((n) => n.startsWith("*.") && h.endsWith(n.slice(1).toLowerCase()))) return s;
  return candidates.find((s) => s.listen.some((l) => l.defaultServer)) ?? candidates[0] ?? null;
}
