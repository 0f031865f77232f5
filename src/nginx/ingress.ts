/**
 * Kubernetes ingress-nginx knowledge, pure and I/O-free: the `upstreaminfo` access-log formats the controller
 * has written over the years, recognising them from the lines alone, the `$proxy_upstream_name` naming scheme
 * (`namespace-service-port`), what the generated nginx.conf says about each location's Service, and a small
 * bounded accumulator that keeps, per upstream name and per pod address, what the access log shows.
 *
 * The controller does not write one `upstream` block per Service: every location proxies to
 * `upstream upstream_balancer` (a placeholder `server 0.0.0.1`) and a Lua balancer picks the pod. So the
 * configuration never names the backend; `set $proxy_upstream_name "ns-svc-port"` (and, in recent versions,
 * `set $namespace`, `$service_name`, `$service_port`) in each location is what ties a request to a Service.
 */
import type { ConfigModel, LocationBlock } from "./config/model.js";
import { effectiveSeconds } from "./config/model.js";
import {
  type CompiledLogFormat,
  compileLogFormat,
  type LogEscape,
  parseTimeLocal,
  splitUpstreamList,
} from "./logformat.js";

export interface IngressLogFormat {
  /** Short stable id, e.g. "upstreaminfo-v0.26". */
  id: string;
  /** Which controller versions write it (from the history of internal/ingress/controller/config/config.go). */
  versions: string;
  format: string;
}

/**
 * The default `log-format-upstream` of ingress-nginx, newest first. Read from
 * kubernetes/ingress-nginx internal/ingress/controller/config/config.go at commits 9af574a23 (2019-09, "Remove
 * the_real_ip variable", still the text in v1.15), 8b208cac9 (2019-06, `$proxy_alternative_upstream_name`
 * added), 51cf184c5 (2018-04, `$req_id` added) and 73fe95722 (2017-11). Before 9af574a23 the format began with
 * `%v`, which BuildLogFormatUpstream filled with `$the_real_ip`.
 */
export const INGRESS_LOG_FORMATS: readonly IngressLogFormat[] = [
  {
    id: "upstreaminfo-v0.26",
    versions: "0.26 (2019-09) to 1.x",
    format:
      '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  },
  {
    id: "upstreaminfo-v0.25",
    versions: "0.25 (2019-06 to 2019-09)",
    format:
      '$the_real_ip - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  },
  {
    id: "upstreaminfo-v0.14",
    versions: "0.14 to 0.24 (2018-04 to 2019-06)",
    format:
      '$the_real_ip - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id',
  },
  {
    id: "upstreaminfo-v0.10",
    versions: "0.10 to 0.13 (2017-11 to 2018-04)",
    format:
      '$the_real_ip - [$the_real_ip] - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_length $request_time [$proxy_upstream_name] $upstream_addr $upstream_response_length $upstream_response_time $upstream_status',
  },
];

/** Variables the controller's nginx.conf defines itself (set/map/Lua), which a format may use. */
export const INGRESS_VARIABLES: ReadonlySet<string> = new Set([
  "proxy_upstream_name",
  "proxy_alternative_upstream_name",
  "req_id",
  "the_real_ip",
  "namespace",
  "ingress_name",
  "service_name",
  "service_port",
  "location_path",
]);

/** The head of a line nginx writes to its error log. */
const NGINX_ERROR_HEAD = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[/;

/** Upstream names the controller uses for itself, not for a Service. */
const SPECIAL_UPSTREAMS = new Set(["-", "", "internal", "upstream-default-backend"]);

export function isServiceUpstream(name: string): boolean {
  return !SPECIAL_UPSTREAMS.has(name) && !name.startsWith("custom-default-backend-");
}

/**
 * Which ingress-nginx format the lines were written with: the format that matches the most non-empty lines
 * (klog and nginx error lines aside), when it matches at least half of them; null otherwise (or when a generic format would do as well: every
 * candidate needs the bracketed upstream name). Linear in the size of the sample.
 */
export function detectIngressFormat(lines: readonly string[]): IngressLogFormat | null {
  // A controller's log mixes in its own klog lines and nginx's error lines: they are not counted either way.
  const sample = lines
    .filter((l) => l.trim() !== "" && !isKlogLine(l) && !NGINX_ERROR_HEAD.test(l))
    .slice(0, 200);
  if (sample.length === 0) return null;
  let best: { f: IngressLogFormat; n: number } | null = null;
  for (const f of INGRESS_LOG_FORMATS) {
    const c = compileLogFormat(f.format);
    const out: string[] = [];
    const ui = c.indexOf("proxy_upstream_name");
    // Single-word fields: a newer format must not take an older line by swallowing "[addr] - user" into one.
    const words = ["proxy_upstream_name", "remote_user", "remote_addr", "the_real_ip"]
      .map((v) => c.indexOf(v))
      .filter((i) => i >= 0);
    let n = 0;
    for (const l of sample)
      if (c.split(l, out) && ui >= 0 && words.every((i) => !(out[i] ?? "").includes(" "))) n++;
    if (n > 0 && (!best || n > best.n)) best = { f, n };
  }
  return best && best.n * 2 >= sample.length ? best.f : null;
}

/** The parts of a `$proxy_upstream_name`; `certain` is false when the split was guessed. */
export interface ServiceRef {
  namespace: string;
  service: string;
  port: string;
  certain: boolean;
}

/**
 * Splits `namespace-service-port`. Namespaces and Service names may contain hyphens, so the split is ambiguous
 * on its own: a known (namespace, service) pair wins (from the configuration's `set $namespace`/`$service_name`
 * or from the cluster); otherwise the port is the last segment and the namespace the first, marked uncertain.
 */
export function parseUpstreamName(
  name: string,
  known: Iterable<{ namespace: string; service: string }> = [],
): ServiceRef | null {
  if (!isServiceUpstream(name)) return null;
  for (const k of known) {
    const head = `${k.namespace}-${k.service}-`;
    if (name.startsWith(head) && name.length > head.length)
      return { namespace: k.namespace, service: k.service, port: name.slice(head.length), certain: true };
  }
  const parts = name.split("-");
  if (parts.length < 3) return null;
  return {
    namespace: parts[0] as string,
    service: parts.slice(1, -1).join("-"),
    port: parts[parts.length - 1] as string,
    certain: false,
  };
}

/** What the generated configuration says about the locations that proxy to one upstream name. */
export interface IngressRoute {
  upstreamName: string;
  namespace: string | null;
  service: string | null;
  servicePort: string | null;
  ingress: string | null;
  hosts: string[];
  paths: string[];
  /** Effective proxy_read_timeout / proxy_connect_timeout of the first such location, seconds. */
  readTimeout: number | null;
  connectTimeout: number | null;
  file: string;
  line: number;
}

const unquote = (s: string | undefined) => (s ?? "").replace(/^"(.*)"$/, "$1");

/** True for a configuration written by ingress-nginx (its `upstream upstream_balancer`). */
export function isIngressConfig(model: ConfigModel): boolean {
  return model.upstreams.has("upstream_balancer");
}

/** Every location's Service from `set $proxy_upstream_name` and its neighbours, by upstream name. */
export function ingressRoutes(model: ConfigModel): Map<string, IngressRoute> {
  const out = new Map<string, IngressRoute>();
  const visit = (loc: LocationBlock) => {
    const sets = new Map<string, { value: string; file: string; line: number }>();
    for (const d of loc.scope.directives)
      if (d.name === "set" && d.args[0]?.startsWith("$"))
        sets.set(d.args[0].slice(1), { value: unquote(d.args[1]), file: d.file, line: d.line });
    const up = sets.get("proxy_upstream_name");
    if (up && isServiceUpstream(up.value)) {
      const val = (k: string) => {
        const v = sets.get(k)?.value;
        return v === undefined || v === "" ? null : v;
      };
      let r = out.get(up.value);
      if (!r) {
        r = {
          upstreamName: up.value,
          namespace: val("namespace"),
          service: val("service_name"),
          servicePort: val("service_port"),
          ingress: val("ingress_name"),
          hosts: [],
          paths: [],
          readTimeout: effectiveSeconds(model, loc.scope, "proxy_read_timeout").seconds,
          connectTimeout: effectiveSeconds(model, loc.scope, "proxy_connect_timeout").seconds,
          file: up.file,
          line: up.line,
        };
        out.set(up.value, r);
      }
      for (const h of loc.server.serverNames)
        if (!r.hosts.includes(h) && r.hosts.length < 10) r.hosts.push(h);
      if (!r.paths.includes(loc.path) && r.paths.length < 10) r.paths.push(loc.path);
    }
    for (const c of loc.children) visit(c);
  };
  for (const l of model.locations) if (!l.parent) visit(l);
  return out;
}

/** What the access log shows for one pod address behind one upstream name. */
export interface IngressPeerStats {
  /** Tries sent to this address (one request may try several). */
  tries: number;
  /** Tries answered with 502 / 504 / any other 5xx by nginx's accounting of this try ($upstream_status). */
  s502: number;
  s504: number;
  s5xx: number;
  /**
   * Failed tries (502/504) that received nothing from the pod ($upstream_response_length 0 or "-"): refused,
   * unreachable, timed out — as opposed to a 502 the application wrote itself. Equal to s502 + s504 when the format
   * has no $upstream_response_length.
   */
  noResponse: number;
  /** Longest $upstream_response_time of a failed try, seconds. */
  maxFailedTime: number | null;
  first: string | null;
  last: string | null;
}

export interface IngressUpstreamStats {
  name: string;
  requests: number;
  /** Final statuses the clients got. */
  s502: number;
  s503: number;
  s504: number;
  /** Requests nginx answered without trying any pod ($upstream_addr "-"), by status. */
  noTry: Record<string, number>;
  peers: Record<string, IngressPeerStats>;
  /** A few failing lines, verbatim. */
  samples: string[];
  first: string | null;
  last: string | null;
}

export interface IngressAccessSummary {
  format: string;
  lines: number;
  matched: number;
  upstreams: Record<string, IngressUpstreamStats>;
  /** Pod address → the upstream names seen using it. */
  peerUpstreams: Record<string, string[]>;
}

const MAX_UPSTREAMS = 5000;
const MAX_PEERS = 200;
const MAX_SAMPLES = 3;

function iso(ms: number): string | null {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/**
 * A copy of `s` that holds no reference to a longer string: V8 keeps a slice (or a line cut from a block) as a
 * view of its parent, so thousands of samples could keep whole blocks of the log alive.
 */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** Bounded per-upstream accounting of an ingress-nginx access log, one line at a time. */
export class IngressAccessAccumulator {
  readonly fmt: CompiledLogFormat;
  lines = 0;
  matched = 0;
  private readonly ups = new Map<string, IngressUpstreamStats>();
  /** Each upstream's peers by address (the same objects as its `peers` record; a Map looks a key up faster). */
  private readonly upPeers = new Map<IngressUpstreamStats, Map<string, IngressPeerStats>>();
  private readonly peerUps = new Map<string, Set<string>>();
  private readonly out: string[] = [];
  private readonly ix: Record<string, number>;
  /** Positions `split` has to cut out (the others are only checked). */
  private readonly want: boolean[];
  /** The last `$time_local` seen and its ISO form: consecutive lines mostly share their second. */
  private lastRawTime = "";
  private lastIso: string | null = null;

  constructor(
    readonly format: IngressLogFormat | string,
    escapeMode: LogEscape = "default",
  ) {
    this.fmt = compileLogFormat({
      format: typeof format === "string" ? format : format.format,
      escape: escapeMode,
    });
    const names = [
      "proxy_upstream_name",
      "upstream_addr",
      "upstream_status",
      "upstream_response_time",
      "upstream_response_length",
      "status",
      "time_local",
    ];
    this.ix = Object.fromEntries(names.map((n) => [n, this.fmt.indexOf(n)]));
    const used = new Set(Object.values(this.ix));
    this.want = this.fmt.vars.map((_, i) => used.has(i));
  }

  private timeOf(raw: string): string | null {
    if (raw !== this.lastRawTime) {
      this.lastRawTime = raw;
      this.lastIso = iso(parseTimeLocal(raw));
    }
    return this.lastIso;
  }

  addLine(line: string): void {
    this.lines++;
    if (!this.fmt.split(line, this.out, this.want)) return;
    this.matched++;
    const v = (k: string) => {
      const i = this.ix[k] as number;
      return i >= 0 ? (this.out[i] ?? "-") : "-";
    };
    const name = v("proxy_upstream_name");
    const u = this.upstream(name);
    if (!u) return;
    const status = Number(v("status"));
    const t = this.ix["time_local"] !== -1 ? this.timeOf(v("time_local")) : null;
    this.countRequest(u, t);
    this.countStatus(u, status);
    if (status >= 500 && u.samples.length < MAX_SAMPLES) this.addSample(u, line);
    const addrRaw = v("upstream_addr");
    if (addrRaw === "-" || addrRaw === "") {
      this.noTry(u, status);
      return;
    }
    // One try (the common case) needs no list splitting.
    const single = !addrRaw.includes(",") && !addrRaw.includes(" : ");
    const addrs = single ? [addrRaw] : splitUpstreamList(addrRaw).flat();
    const statuses = single ? [v("upstream_status")] : splitUpstreamList(v("upstream_status")).flat();
    const times = single
      ? [v("upstream_response_time")]
      : splitUpstreamList(v("upstream_response_time")).flat();
    const hasLength = this.ix["upstream_response_length"] !== -1;
    const lengths = !hasLength
      ? []
      : single
        ? [v("upstream_response_length")]
        : splitUpstreamList(v("upstream_response_length")).flat();
    for (let i = 0; i < addrs.length; i++) {
      const a = addrs[i];
      if (!a) continue;
      const p = this.peer(u, a);
      if (!p) continue;
      const len = lengths[i];
      this.countTry(
        p,
        Number(statuses[i] ?? Number.NaN),
        !(len === null || len === undefined || len === "" || len === "0" || len === "-"),
        // an empty time is no time (Number("") would read 0)
        times[i] ? Number(times[i]) : Number.NaN,
        t,
      );
    }
  }

  /** A request of `u` at `time` (ISO text, or null). */
  private countRequest(u: IngressUpstreamStats, time: string | null): void {
    u.requests++;
    if (time) {
      if (!u.first || time < u.first) u.first = time;
      if (!u.last || time > u.last) u.last = time;
    }
  }

  /** The final status of a request of `u`. */
  countStatus(u: IngressUpstreamStats, status: number): void {
    if (status === 502) u.s502++;
    else if (status === 503) u.s503++;
    else if (status === 504) u.s504++;
  }

  /** Keeps a failed line of `u` as a sample (the caller checks that it has fewer than MAX_SAMPLES). */
  addSample(u: IngressUpstreamStats, line: string): void {
    u.samples.push(ownCopy(line.slice(0, 2000)));
  }

  /** Whether `u` still keeps samples. */
  wantsSample(u: IngressUpstreamStats): boolean {
    return u.samples.length < MAX_SAMPLES;
  }

  /**
   * One try of pod `p`: answered `s` ($upstream_status; NaN or 0 when none), `sent` when
   * $upstream_response_length shows bytes from the pod, after `rt` seconds ($upstream_response_time), at `time`.
   */
  countTry(p: IngressPeerStats, s: number, sent: boolean, rt: number, time: string | null): void {
    p.tries++;
    if (s === 502) p.s502++;
    else if (s === 504) p.s504++;
    else if (s >= 500) p.s5xx++;
    if ((s === 502 || s === 504) && !sent) p.noResponse++;
    if (s >= 500) {
      if (Number.isFinite(rt)) p.maxFailedTime = Math.max(p.maxFailedTime ?? 0, rt);
      if (time) {
        if (!p.first || time < p.first) p.first = time;
        if (!p.last || time > p.last) p.last = time;
      }
    }
  }

  /** The entry of an upstream name, made when new; null when the table is full. */
  upstream(name: string): IngressUpstreamStats | null {
    let u = this.ups.get(name);
    if (!u) {
      if (this.ups.size >= MAX_UPSTREAMS) return null;
      u = {
        name,
        requests: 0,
        s502: 0,
        s503: 0,
        s504: 0,
        noTry: {},
        peers: {},
        samples: [],
        first: null,
        last: null,
      };
      this.ups.set(name, u);
    }
    return u;
  }

  /** The entry of a pod address behind `u`, made when new; null when `u` has MAX_PEERS addresses already. */
  peer(u: IngressUpstreamStats, addr: string): IngressPeerStats | null {
    let byAddr = this.upPeers.get(u);
    if (!byAddr) {
      byAddr = new Map();
      this.upPeers.set(u, byAddr);
    }
    let p = byAddr.get(addr);
    if (!p) {
      if (byAddr.size >= MAX_PEERS) return null;
      p = {
        tries: 0,
        s502: 0,
        s504: 0,
        s5xx: 0,
        noResponse: 0,
        maxFailedTime: null,
        first: null,
        last: null,
      };
      u.peers[addr] = p;
      byAddr.set(addr, p);
      let set = this.peerUps.get(addr);
      if (!set) {
        set = new Set();
        if (this.peerUps.size < MAX_UPSTREAMS) this.peerUps.set(addr, set);
      }
      set.add(u.name);
    }
    return p;
  }

  /**
   * For a reader that splits the lines itself (the access-log scanner core): counts a matched line of upstream
   * `u` (null: the table is full) as addLine would, when the line did not fail — final status below 500 and no
   * try answered 5xx (a failed line goes to addLine, which keeps its sample and the failure's details). The
   * caller then counts the line's tries with `peer(u, addr).tries++`, or `noTry` when it reached no pod.
   * `time` is the line's `$time_local` as ISO text, or null.
   */
  countLine(u: IngressUpstreamStats | null, time: string | null): void {
    this.lines++;
    this.matched++;
    if (u) this.countRequest(u, time);
  }

  /** A request of `u` answered `status` without trying any pod. */
  noTry(u: IngressUpstreamStats, status: number): void {
    const k = String(status);
    u.noTry[k] = (u.noTry[k] ?? 0) + 1;
  }

  /** A line that is not counted (empty, or not in the format): addLine counts it in `lines` only. */
  skipLine(): void {
    this.lines++;
  }

  /**
   * Adds the summary of another accumulator (a worker's byte range, read after this one's): counts add up,
   * first/last widen, samples fill up to three, the caps hold as in addLine.
   */
  merge(o: IngressAccessSummary): void {
    this.lines += o.lines;
    this.matched += o.matched;
    const earlier = (a: string | null, b: string | null) => (a === null || (b !== null && b < a) ? b : a);
    const later = (a: string | null, b: string | null) => (a === null || (b !== null && b > a) ? b : a);
    // the names of each address in the order they were met (peer() below only adds to these)
    for (const [addr, names] of Object.entries(o.peerUpstreams)) {
      let set = this.peerUps.get(addr);
      if (!set) {
        if (this.peerUps.size >= MAX_UPSTREAMS) continue;
        set = new Set();
        this.peerUps.set(addr, set);
      }
      for (const n of names) set.add(n);
    }
    for (const x of Object.values(o.upstreams)) {
      const u = this.upstream(x.name);
      if (!u) continue;
      u.requests += x.requests;
      u.s502 += x.s502;
      u.s503 += x.s503;
      u.s504 += x.s504;
      for (const [k, n] of Object.entries(x.noTry)) u.noTry[k] = (u.noTry[k] ?? 0) + n;
      for (const l of x.samples) if (u.samples.length < MAX_SAMPLES) u.samples.push(l);
      u.first = earlier(u.first, x.first);
      u.last = later(u.last, x.last);
      for (const [addr, q] of Object.entries(x.peers)) {
        const p = this.peer(u, addr);
        if (!p) continue;
        p.tries += q.tries;
        p.s502 += q.s502;
        p.s504 += q.s504;
        p.s5xx += q.s5xx;
        p.noResponse += q.noResponse;
        if (q.maxFailedTime !== null) p.maxFailedTime = Math.max(p.maxFailedTime ?? 0, q.maxFailedTime);
        p.first = earlier(p.first, q.first);
        p.last = later(p.last, q.last);
      }
    }
  }

  result(): IngressAccessSummary {
    const upstreams: Record<string, IngressUpstreamStats> = {};
    for (const [k, u] of this.ups) upstreams[k] = u;
    const peerUpstreams: Record<string, string[]> = {};
    for (const [k, s] of this.peerUps) peerUpstreams[k] = [...s];
    return {
      format: typeof this.format === "string" ? this.format : this.format.id,
      lines: this.lines,
      matched: this.matched,
      upstreams,
      peerUpstreams,
    };
  }
}

/** `W0707 17:20:04.226330 6 controller.go:977] Service "ns/name" does not have any active Endpoint.` */
const NO_ENDPOINT = /Service "([^"/\s]{1,253})\/([^"/\s]{1,253})" does not have any active Endpoint/;

/** The Service a controller warning says has no active endpoint, or null. */
export function noEndpointWarning(line: string): { namespace: string; service: string } | null {
  const m = NO_ENDPOINT.exec(line.length > 4096 ? line.slice(0, 4096) : line);
  return m ? { namespace: m[1] as string, service: m[2] as string } : null;
}

/** A controller (klog) line: `I1206 08:40:35.123456       7 file.go:12] …`. */
export function isKlogLine(line: string): boolean {
  return /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6} +\d+ [^\]\s]{1,200}\] /.test(line);
}
