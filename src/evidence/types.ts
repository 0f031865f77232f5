/**
 * Evidence: everything the collectors learned about one nginx and its upstreams, in one plain object.
 * Collectors (this directory) fill it; cause rules (src/rules/causes) read it and never do I/O.
 */
import type { ConfigModel } from "../nginx/config/model.js";
import type { ErrorClass } from "../nginx/errorlog/taxonomy.js";
import type { IngressAccessSummary, IngressRoute } from "../nginx/ingress.js";
import type { AccessSummary } from "./access-log.js";
import type { BackendUnit } from "./systemd.js";

/** Error-log lines of one class toward one peer (or one upstream group), as the rules need them. */
export interface ErrorGroup {
  /** Stable class id from the error-line taxonomy, e.g. "connection-refused". */
  class: ErrorClass;
  /** "127.0.0.1:8080", "[::1]:443", "unix:/run/php/fpm.sock", or null when the line names none. */
  peer: string | null;
  /** The `upstream:` value of the line, e.g. "http://127.0.0.1:8080/api" or "http://backend/". */
  upstream: string | null;
  /** Upstream group name when the line names one (e.g. "no live upstreams while connecting to upstream … upstream: \"http://backend/\""). */
  group: string | null;
  server: string | null;
  host: string | null;
  count: number;
  /** ISO times of first and last occurrence, when the lines carry time. */
  first: string | null;
  last: string | null;
  /** Up to a few verbatim lines with where they came from. */
  samples: Array<{ text: string; file?: string; line?: number }>;
  /** A few distinct request URIs of these lines (to find the location that handled them). */
  uris: string[];
  /**
   * How many of these lines came after nginx had sent the response header ("while reading upstream"): their
   * clients got the upstream's own status (usually 200) cut short, not a 502/504. Absent means 0.
   */
  afterHeaders?: number;
  /**
   * Host names these lines say could not be resolved (dns-failure, no-resolver), as the error-line reader
   * parsed them (`unresolvedName`), at most 5; absent when the lines name none.
   */
  names?: string[];
  /** Short distinguishing details seen in these lines (e.g. "wrong version number", "Primary script unknown"). */
  details: string[];
  /** Where the lines came from when not an error log: "curl" (curl -v output in a paste). */
  origin?: string;
}

export interface ErrorLogEvidence {
  files: string[];
  lines: number;
  byClass: Record<string, number>;
  groups: ErrorGroup[];
  /** Failures per minute and peer (see ErrorLogSummary.failuresByMinute); absent in evidence built elsewhere. */
  failuresByMinute?: Array<{ minute: string; peer: string; count: number }>;
  /** Configuration reloads seen in the log (ISO local times); absent in evidence from older bundles. */
  reloads?: string[];
  first: string | null;
  last: string | null;
}

/** Result of one live check, as cause rules read it (the probe layer's reports are adapted to this). */
export interface ProbeFact {
  /** The target as written, e.g. "http://127.0.0.1:8080" or "unix:/run/php/fpm.sock". */
  target: string;
  /** "127.0.0.1:8080", "unix:/path" — comparable with ErrorGroup.peer. */
  peer: string | null;
  check: string;
  ok: boolean;
  /** Stable problem id from the probe layer, e.g. "connection-refused", "dns-stale". */
  problem: string | null;
  summary: string;
  data?: Record<string, unknown>;
}

export interface ConfigEvidence {
  model: ConfigModel;
  /** Where it came from: a path, "nginx -T", or a bundle file. */
  source: string;
  errors: Array<{ file: string; line: number | null; message: string }>;
}

/** What `diagnose --paste` made of a paste: lines used per kind, lines ignored, facts from command outputs. */
export interface PasteReport {
  used: Partial<Record<string, number>>;
  ignored: { lines: number; samples: string[] };
  facts: string[];
}

export interface Evidence {
  /** "host" (live), "bundle", "files", or "paste" (fragments pasted on stdin: lower confidence). */
  mode: "host" | "bundle" | "files" | "paste" | "kubectl";
  collectedAt: string;
  nginxVersion: string | null;
  config: ConfigEvidence | null;
  errorLog: ErrorLogEvidence | null;
  accessLog: AccessSummary | null;
  probes: ProbeFact[] | null;
  /** Sources we tried and could not use, said plainly ("no error log found at /var/log/nginx/error.log"). */
  missing: string[];
  warnings: string[];
  /**
   * The systemd unit (or process) behind each failing local peer and its journal over the incident window
   * (`diagnose --systemd`, bundles' backends.json). Absent when not collected.
   */
  backends?: BackendUnit[];
  /** Set in paste mode: how the paste was sorted. */
  paste?: PasteReport;
  /**
   * Inputs that were given but could not be read or understood in full (damaged or unsupported compression,
   * a file that is not the kind of log it was given as, a format nginx would refuse): the diagnosis is
   * incomplete, and `diagnose` exits 2 after its report. Optional: evidence built elsewhere may omit it.
   */
  unread?: string[];
  /** Kubernetes ingress-nginx: what its access log, configuration and the cluster say (see docs/kubernetes.md). */
  ingress?: IngressEvidence;
}

/** One address of a Service's EndpointSlices (or Endpoints), as the cluster lists it now. */
export interface K8sEndpoint {
  ip: string;
  /** `conditions.ready` (absent counts as ready, as the API says); from Endpoints: addresses vs notReadyAddresses. */
  ready: boolean;
  terminating: boolean;
  /** targetRef name when it is a Pod. */
  pod: string | null;
  node: string | null;
}

export interface K8sService {
  namespace: string;
  name: string;
  /** Where the addresses came from; null when neither could be read (see `error`). */
  source: "endpointslices" | "endpoints" | null;
  endpoints: K8sEndpoint[];
  error?: string;
}

export interface K8sPod {
  namespace: string;
  name: string;
  ip: string | null;
  phase: string | null;
  ready: boolean;
  /** metadata.deletionTimestamp is set: the pod is terminating. */
  deleting: boolean;
  node: string | null;
  restarts: number;
}

export interface IngressEvidence {
  /** "kubectl" (gathered from the cluster) or "access-log" (an upstreaminfo log read from files). */
  source: "kubectl" | "access-log";
  context: string | null;
  controller: { namespace: string; pods: string[] } | null;
  access: IngressAccessSummary | null;
  /** Locations of the generated nginx.conf by upstream name (empty without `nginx -T`). */
  routes: IngressRoute[];
  /** Services of the failing upstream names, with their addresses now (empty without the cluster). */
  services: K8sService[];
  /** Pods of those Services' namespaces, now. */
  pods: K8sPod[];
  /** `Service "ns/name" does not have any active Endpoint` warnings of the controller. */
  noEndpointWarnings: Array<{ namespace: string; service: string; count: number; sample: string }>;
}

export function emptyEvidence(mode: Evidence["mode"]): Evidence {
  return {
    mode,
    collectedAt: new Date().toISOString(),
    nginxVersion: null,
    config: null,
    errorLog: null,
    accessLog: null,
    probes: null,
    missing: [],
    warnings: [],
    unread: [],
  };
}
