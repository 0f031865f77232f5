/** One line in, one explanation out: the data behind `badgateway explain` (pure). */
import { CLASS_INFO } from "./catalogue.js";
import { parseErrorLine } from "./grammar.js";
import { type Classification, classify, type Errno, type ErrorClass, type Phase } from "./taxonomy.js";

export interface LineExplanation {
  input: string;
  parsed: boolean;
  /** True when the line reports an upstream failure (not a note, not another subsystem). */
  failure: boolean;
  class: ErrorClass | null;
  detail: string | null;
  errno: Errno | null;
  phase: Phase;
  status: 502 | 504 | 500 | null;
  /** The failure came after the response header was sent: the client got the upstream's own status, cut short. */
  afterHeaders: boolean;
  nextUpstream: boolean | null;
  since: string | null;
  time: string | null;
  level: string | null;
  connection: number | null;
  message: string | null;
  /** The upstream URL as logged. */
  upstream: string | null;
  module: string | null;
  peer: string | null;
  client: string | null;
  server: string | null;
  host: string | null;
  request: { method: string; uri: string; protocol: string | null } | null;
  confFile: string | null;
  confLine: number | null;
  title: string;
  meaning: string;
  causes: string[];
  checks: string[];
  fix: string;
  statusWhy: string;
}

const AFTER_HEADERS_WHY =
  "nginx had already sent the response header when this happened, so the client got the upstream's own status (usually 200, as the access log records) with a truncated body, not a 502/504; nginx cannot retry another peer at that point.";

function fill(cmd: string, peer: string | null, host: string | null, path: string | null): string {
  const p = peer ?? "HOST:PORT";
  const unix = p.startsWith("unix:") ? p.slice(5) : null;
  const h = unix ? "localhost" : p.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const port = unix ? "" : (/:(\d+)$/.exec(p)?.[1] ?? "PORT");
  return cmd
    .replaceAll("PEER", p)
    .replaceAll("PORT", port)
    .replaceAll("HOST", host && cmd.includes("-servername HOST") ? host : h)
    .replaceAll("PATH", unix ?? (path ?? "/").replace(/^\//, ""));
}

export function explainLine(input: string): LineExplanation {
  const line = parseErrorLine(input);
  const c: Classification | null = line ? classify(line) : null;
  const cls = c?.class ?? "not-upstream";
  const info = CLASS_INFO[cls];
  const peer = line?.upstream?.peer ?? null;
  const failure =
    c !== null && cls !== "not-upstream" && c.detail !== "non-fatal" && c.detail !== "peer-disabled";
  return {
    input,
    parsed: line !== null,
    failure,
    class: c ? c.class : null,
    detail: c?.detail ?? null,
    errno: c?.errno ?? null,
    phase: c?.phase ?? "other",
    status: c?.status ?? null,
    afterHeaders: c?.afterHeaders ?? false,
    nextUpstream: c?.nextUpstream ?? null,
    since: c?.since ?? null,
    time: line?.time ?? null,
    level: line?.level ?? null,
    connection: line?.connection ?? null,
    message: line?.message ?? null,
    upstream: line?.upstream?.raw ?? null,
    module: line?.upstream?.module ?? null,
    peer,
    client: line?.client ?? null,
    server: line?.server ?? null,
    host: line?.host ?? null,
    request: line?.request ?? null,
    confFile: line?.confFile ?? null,
    confLine: line?.confLine ?? null,
    title: line ? info.title : "Not an nginx error-log line",
    meaning: info.meaning,
    causes: info.causes,
    checks: info.checks.map((k) => fill(k, peer, line?.host ?? null, line?.request?.uri ?? null)),
    fix: info.fix,
    statusWhy: c?.afterHeaders ? AFTER_HEADERS_WHY : info.statusWhy,
  };
}
