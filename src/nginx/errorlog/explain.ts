/** One line in, one explanation out: the data behind `badgateway explain` (pure). */
import { CLASS_INFO, type ClassInfo } from "./catalogue.js";
import { type ErrorLine, messagePeer, parseErrorLine } from "./grammar.js";
import { type Classification, classify, type Errno, type ErrorClass, type Phase } from "./taxonomy.js";

/** A line explained: what was read from it, then its class's entry of the catalogue (ClassInfo). */
export interface LineExplanation extends ClassInfo {
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
  /**
   * How sure the answer is: "high" (nginx's full line and a wording that names the failure), "medium" (a partial
   * line, or a message without its context), "low" (the class is guessed from the phase, or the line is cut).
   */
  confidence: "high" | "medium" | "low" | null;
  /** How much of nginx's layout the line carries: "full", "partial", "message"; null when not parsed. */
  shape: "full" | "partial" | "message" | null;
  /** Parts of nginx's layout the line does not show (time, level, pid, context…): what could not be seen. */
  missing: string[];
  /** Parts that were there but redacted (time, connection, client…). */
  redacted: string[];
  /** What was in front of the nginx line: syslog, journald, docker, compose, kubectl, paste. */
  prefix: string | null;
}

const AFTER_HEADERS_WHY =
  "nginx had already sent the response header when this happened, so the client got the upstream's own status (usually 200, as the access log records) with a truncated body, not a 502/504; nginx cannot retry another peer at that point.";

function fill(cmd: string, peer: string | null, host: string | null, path: string | null): string {
  const p = peer ?? "HOST:PORT";
  const unix = p.startsWith("unix:") ? p.slice(5) : null;
  const h = peer === null ? "HOST" : unix ? "localhost" : p.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
  const port = unix ? "" : (/:(\d+)$/.exec(p)?.[1] ?? "PORT");
  const values: Record<string, string> = {
    PEER: p,
    PORT: port,
    HOST: host && cmd.includes("-servername HOST") ? host : h,
    PATH: unix ?? (path ?? "/").replace(/^\//, ""),
  };
  // one pass, so a value that itself reads HOST or PORT (the placeholders kept when the line names no peer) is
  // never substituted again
  return cmd.replace(/PEER|PORT|HOST|PATH/g, (m) => values[m] ?? m);
}

function confidenceOf(line: ErrorLine, c: Classification): "high" | "medium" | "low" {
  if (c.detail === "unknown-message" || line.truncated) return "low";
  if (c.class === "not-upstream") return line.shape === "full" ? "high" : "medium";
  if (line.shape === "full" && line.missing.length === 0) return "high";
  if (line.shape === "message" && c.phase === "other" && line.upstream === null) return "low";
  return "medium";
}

export function explainLine(input: string): LineExplanation {
  const line = parseErrorLine(input);
  const c: Classification | null = line ? classify(line) : null;
  const cls = c?.class ?? "not-upstream";
  const info = CLASS_INFO[cls];
  const peer = line?.upstream?.peer ?? (line ? messagePeer(line.message) : null);
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
    confidence: line && c ? confidenceOf(line, c) : null,
    shape: line?.shape ?? null,
    missing: line?.missing ?? [],
    redacted: line?.redacted ?? [],
    prefix: line?.prefix ?? null,
    title: line ? info.title : "Not an nginx error-log line",
    meaning: info.meaning,
    causes: info.causes,
    checks: info.checks.map((k) => fill(k, peer, line?.host ?? null, line?.request?.uri ?? null)),
    fix: info.fix,
    statusWhy: c?.afterHeaders ? AFTER_HEADERS_WHY : info.statusWhy,
  };
}
