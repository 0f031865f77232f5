/**
 * `diagnose --paste`: one mixed paste (error lines, access lines, a config snippet or `nginx -T`, `ss -tlnp`,
 * `ls -la` of a socket, `systemctl status`, `curl -v`) sorted into Evidence. Every line is either used as one
 * kind of evidence or listed as ignored, so the operator sees what the answer rests on.
 */
import { logFormats } from "../nginx/config/logs.js";
import { buildModel } from "../nginx/config/model.js";
import { parseConfig } from "../nginx/config/parser.js";
import { payloadFromNginxT } from "../nginx/config/payload.js";
import { isContinuation, parseErrorLine } from "../nginx/errorlog/grammar.js";
import type { ErrorClass } from "../nginx/errorlog/taxonomy.js";
import { COMBINED_FORMAT } from "../nginx/logformat.js";
import { AccessAccumulator } from "./access-log.js";
import { ErrorLogAccumulator, errorEvidence } from "./error-log.js";
import { type ErrorGroup, type Evidence, emptyEvidence, type PasteReport, type ProbeFact } from "./types.js";

export type { PasteReport };

export type PasteKind =
  | "error-log"
  | "access-log"
  | "config"
  | "nginx-T"
  | "listeners"
  | "socket-listing"
  | "service-status"
  | "curl";

export interface Listener {
  address: string;
  port: number;
  process: string | null;
}

const ACCESS_LINE = /^\S+ \S+ \S+ \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "/;
const SS_LINE =
  /^(?:(?:tcp6?|udp6?|u_str)\s+)?(?:LISTEN|ESTAB|TIME-WAIT|SYN-SENT|CLOSE-WAIT|UNCONN)\s+\d+\s+\d+\s+(\S+)\s+\S+(?:\s+(.*))?$/;
const NETSTAT_LINE = /^tcp6?\s+\d+\s+\d+\s+(\S+)\s+\S+\s+LISTEN\s*(.*)$/;
const LS_LINE =
  /^([-dlspcb])([rwxsStT-]{9})[.+@]?\s+\d+\s+(\S+)\s+(\S+)\s+\d+(?:,\s*\d+)?\s+\w{3}\s+\d{1,2}\s+[\d:]{4,5}\s+(\S+)$/;
const LS_MISSING = /^ls: cannot access '?([^':]+)'?: No such file or directory/;
const SYSTEMCTL_HEAD = /^\s*[●○×*]?\s*([\w@.:-]+\.(?:service|socket))\s+-\s/;
const SYSTEMCTL_FIELD =
  /^\s*(?:Loaded|Active|Main PID|Process|Tasks|Memory|CPU|CGroup|Docs|Invocation|Status|TriggeredBy|Drop-In|Triggers|Listen):\s/;
const CURL_LINE = /^(?:[*<>] |[*<>]$|curl: \(\d+\)|HTTP\/[\d.]+ \d{3}\b)/;
const CONFIG_LINE = /^\s*(?:[a-z_][a-z0-9_]*(?:\s+[^;{}]*)?[;{]\s*(?:#.*)?|\}\s*|#.*)$/;

function braceDelta(line: string): number {
  let d = 0;
  let quote = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "#") break;
    else if (c === "{") d++;
    else if (c === "}") d--;
  }
  return d;
}

/** `127.0.0.1:3000`, `[::1]:80`, `*:80`, `0.0.0.0:80` → address and port. */
function splitAddr(a: string): { address: string; port: number } | null {
  const i = a.lastIndexOf(":");
  if (i <= 0) return null;
  const port = Number(a.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null;
  let address = a.slice(0, i).replace(/^\[|\]$/g, "");
  const pct = address.indexOf("%");
  if (pct >= 0) address = address.slice(0, pct);
  return { address, port };
}

function processOf(rest: string | undefined): string | null {
  if (!rest) return null;
  const m = /users:\(\("([^"]+)"/.exec(rest) ?? /\d+\/([\w.-]+)/.exec(rest);
  return m ? (m[1] as string) : null;
}

const WILDCARD = new Set(["*", "0.0.0.0", "::", ""]);
const LOCAL = (h: string) => h === "localhost" || h.startsWith("127.") || h === "::1";

interface Sorted {
  errorLines: Array<{ text: string; line: number }>;
  accessLines: string[];
  configLines: string[];
  nginxT: string[];
  listeners: Listener[];
  sockets: Array<{ path: string; type: string; mode: string; owner: string; group: string }>;
  missingSockets: string[];
  services: Array<{ unit: string; active: string }>;
  curl: string[];
  report: PasteReport;
}

/** Sorts each line of a paste into the kind of evidence it is (pure). */
export function sortPaste(text: string): Sorted {
  const raw = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const out: Sorted = {
    errorLines: [],
    accessLines: [],
    configLines: [],
    nginxT: [],
    listeners: [],
    sockets: [],
    missingSockets: [],
    services: [],
    curl: [],
    report: { used: {}, ignored: { lines: 0, samples: [] }, facts: [] },
  };
  const used = (k: PasteKind, n = 1) => {
    out.report.used[k] = (out.report.used[k] ?? 0) + n;
  };
  let depth = 0;
  let inNginxT = false;
  let unit: string | null = null;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i] as string;
    const t = line.trim();
    if (t === "" || /^```/.test(t)) continue;
    if (t.startsWith("# configuration file ") && t.endsWith(":")) {
      inNginxT = true;
      out.nginxT.push(t);
      used("nginx-T");
      continue;
    }
    if (inNginxT && depth === 0 && /^nginx: (?:the configuration file|configuration file)/.test(t)) {
      used("nginx-T");
      continue;
    }
    if (depth > 0 || (inNginxT && (CONFIG_LINE.test(line) || t.startsWith("#")))) {
      (inNginxT ? out.nginxT : out.configLines).push(line);
      used(inNginxT ? "nginx-T" : "config");
      depth = Math.max(0, depth + braceDelta(line));
      continue;
    }
    // Error lines first: nginx's own wording decides, wherever the line came from.
    const parsed = parseErrorLine(t);
    if (parsed) {
      let joined = t;
      while (i + 1 < raw.length && isContinuation(joined, raw[i + 1] as string)) {
        i++;
        joined = `${joined} ${(raw[i] as string).trim()}`;
      }
      out.errorLines.push({ text: joined, line: i + 1 });
      used("error-log");
      continue;
    }
    if (ACCESS_LINE.test(t)) {
      out.accessLines.push(t);
      used("access-log");
      continue;
    }
    const ss = SS_LINE.exec(t) ?? NETSTAT_LINE.exec(t);
    if (ss) {
      const a = splitAddr(ss[1] as string);
      if (a && /LISTEN/.test(t)) out.listeners.push({ ...a, process: processOf(ss[2]) });
      used("listeners");
      continue;
    }
    if (/^(?:State|Netid|Proto)\s+/.test(t) || /^Active Internet connections/.test(t)) {
      used("listeners");
      continue;
    }
    const ls = LS_LINE.exec(t);
    if (ls) {
      out.sockets.push({
        type: ls[1] as string,
        mode: ls[2] as string,
        owner: ls[3] as string,
        group: ls[4] as string,
        path: ls[5] as string,
      });
      used("socket-listing");
      continue;
    }
    const miss = LS_MISSING.exec(t);
    if (miss) {
      out.missingSockets.push(miss[1] as string);
      used("socket-listing");
      continue;
    }
    const head = SYSTEMCTL_HEAD.exec(t);
    if (head) {
      unit = head[1] as string;
      used("service-status");
      continue;
    }
    if (SYSTEMCTL_FIELD.test(t)) {
      const act = /^\s*Active:\s+(\S+(?:\s+\([^)]*\))?)/.exec(t);
      if (act && unit) out.services.push({ unit, active: act[1] as string });
      used("service-status");
      continue;
    }
    if (CURL_LINE.test(t)) {
      out.curl.push(t);
      used("curl");
      continue;
    }
    if (CONFIG_LINE.test(line) && !t.startsWith("#")) {
      out.configLines.push(line);
      used("config");
      depth = Math.max(0, depth + braceDelta(line));
      continue;
    }
    out.report.ignored.lines++;
    if (out.report.ignored.samples.length < 5) out.report.ignored.samples.push(t.slice(0, 160));
  }
  return out;
}

/** A config snippet made into a whole configuration: blocks that belong inside `http {}` are wrapped in it. */
function wholeConfig(lines: string[]): string {
  const text = lines.join("\n");
  const { parsed } = parseConfig(text, { file: "(paste)" });
  const top = new Set(parsed.map((n) => n.directive));
  if (top.has("http") || top.has("stream")) return text;
  if (top.has("location")) return `http {\nserver {\n${text}\n}\n}\n`;
  return `http {\n${text}\n}\n`;
}

/** Facts from `ss`, `ls`, `systemctl` and `curl` output, joined to the peers the error lines name. */
function factsFor(s: Sorted, ev: Evidence): ProbeFact[] {
  const facts: ProbeFact[] = [];
  const groups = ev.errorLog?.groups ?? [];
  const nginxPorts = new Set(s.listeners.filter((l) => l.process === "nginx").map((l) => l.port));
  if (s.listeners.length > 0) {
    for (const g of groups) {
      if (g.class !== "connection-refused" || !g.peer || g.peer.startsWith("unix:")) continue;
      const a = splitAddr(g.peer);
      if (!a) continue;
      const sameHost = (l: Listener) =>
        l.address === a.address ||
        (WILDCARD.has(l.address) && LOCAL(a.address)) ||
        (LOCAL(l.address) && LOCAL(a.address));
      const listening = s.listeners.some((l) => l.port === a.port && sameHost(l));
      if (listening) continue;
      const near = s.listeners
        .filter((l) => sameHost(l) && l.port !== a.port && l.process !== "nginx" && !nginxPorts.has(l.port))
        .map((l) => ({ address: l.address, port: l.port, process: l.process }));
      facts.push({
        target: g.peer,
        peer: g.peer,
        check: "tcp",
        ok: false,
        problem: "connection-refused",
        summary: `the pasted listener list has nothing on port ${a.port}${near.length ? `; listening: ${near.map((n) => `${n.address}:${n.port}${n.process ? ` (${n.process})` : ""}`).join(", ")}` : ""}`,
        data: { source: "paste", ...(near.length ? { nearbyListeners: near } : {}) },
      });
      s.report.facts.push(`nothing listens on ${g.peer} in the pasted ss/netstat output`);
    }
  }
  for (const p of s.missingSockets) {
    facts.push({
      target: `unix:${p}`,
      peer: `unix:${p}`,
      check: "unix",
      ok: false,
      problem: "unix-socket-missing",
      summary: `ls: ${p} does not exist`,
      data: { source: "paste" },
    });
    s.report.facts.push(`the socket ${p} does not exist (ls)`);
  }
  // A socket the nginx worker cannot write to: from the owner, group and mode `ls -l` shows.
  const users = workerUsers(ev);
  for (const k of s.sockets) {
    if (k.type !== "s") continue;
    const m = k.mode;
    const writable =
      m.charAt(7) === "w" ||
      (users.includes(k.owner) && m.charAt(1) === "w") ||
      (users.includes(k.group) && m.charAt(4) === "w");
    if (writable) continue;
    const peer = `unix:${k.path}`;
    if (
      (ev.errorLog?.groups ?? []).some(
        (g) => g.peer === peer || g.peer?.endsWith(k.path.split("/").pop() ?? "\0"),
      )
    )
      continue;
    ev.errorLog ??= { files: ["(paste)"], lines: 0, byClass: {}, groups: [], first: null, last: null };
    ev.errorLog.groups.push(
      pastedGroup("unix-socket-permission", peer, `s${m} ${k.owner} ${k.group} ${k.path}`, "ls", [
        `not writable by ${users.join("/")} (ls -l)`,
      ]),
    );
  }
  for (const k of s.sockets) {
    const kind =
      k.type === "s" ? "a socket" : k.type === "-" ? "a regular file, not a socket" : `type ${k.type}`;
    s.report.facts.push(`${k.path} is ${kind}, ${k.type}${k.mode} ${k.owner}:${k.group} (ls)`);
    facts.push({
      target: `unix:${k.path}`,
      peer: `unix:${k.path}`,
      check: "unix",
      ok: k.type === "s",
      problem: k.type === "s" ? null : "not-a-socket",
      summary: `ls: ${k.type}${k.mode} ${k.owner}:${k.group} ${k.path}`,
      data: { source: "paste", mode: `${k.type}${k.mode}`, owner: k.owner, group: k.group },
    });
  }
  for (const u of s.services) {
    const down = /^(?:failed|inactive|activating \(auto-restart\)|deactivating)/.test(u.active);
    s.report.facts.push(`${u.unit} is ${u.active} (systemctl status)`);
    facts.push({
      target: u.unit,
      peer: null,
      check: "service",
      ok: !down,
      problem: down ? "service-down" : null,
      summary: `systemctl: ${u.unit} ${u.active}`,
      data: { source: "paste", unit: u.unit, active: u.active },
    });
  }
  return facts;
}

/** The users nginx workers may run as: the configuration's `user`, else the packages' usual ones. */
function workerUsers(ev: Evidence): string[] {
  const user = ev.config?.model.main.directives.find((d) => d.name === "user")?.args ?? [];
  if (user[0]) return [user[0], ...(user[1] ? [user[1]] : [])];
  return ["www-data", "nginx", "http", "nobody", "nogroup"];
}

/** One error group read from a pasted command's output (one sample, no request, no time). */
function pastedGroup(
  cls: ErrorClass,
  peer: string | null,
  sample: string,
  origin: "ls" | "curl",
  details: string[],
): ErrorGroup {
  return {
    class: cls,
    peer,
    upstream: null,
    group: null,
    server: null,
    host: null,
    count: 1,
    first: null,
    last: null,
    samples: [{ text: sample }],
    uris: [],
    details,
    origin,
  };
}

/** What curl -v said, as the error-line class nginx would log for the same failure. */
function curlGroups(curl: string[]): ErrorGroup[] {
  const out: ErrorGroup[] = [];
  const text = curl.join("\n");
  let host: string | null = null;
  const conn = /(?:Trying|Connected to) (\S+?)(?:\.\.\.|:(\d+)| \(([^)]*)\) port (\d+))/.exec(text);
  if (conn)
    host =
      conn[3] && conn[4] ? `${conn[3]}:${conn[4]}` : conn[2] ? `${conn[1]}:${conn[2]}` : (conn[1] ?? null);
  const failed = /Failed to connect to (\S+) port (\d+)(?:[^:]*): (.*)$/m.exec(text);
  const add = (cls: ErrorClass, peer: string | null, sample: string, detail?: string) =>
    out.push(
      pastedGroup(cls, peer, sample, "curl", ["from curl -v in the paste", ...(detail ? [detail] : [])]),
    );
  if (failed) {
    const peer = `${failed[1]}:${failed[2]}`;
    const why = failed[3] as string;
    const cls: ErrorClass | null = /refused/i.test(why)
      ? "connection-refused"
      : /timed out/i.test(why)
        ? "connect-timeout"
        : /no route|unreachable/i.test(why)
          ? "host-unreachable"
          : null;
    if (cls) add(cls, peer, failed[0]);
  } else if (/Empty reply from server|curl: \(52\)/.test(text))
    add("invalid-response", host, "curl: (52) Empty reply from server");
  else if (/SSL certificate problem|curl: \(60\)/.test(text))
    add("tls-verify", host, /SSL certificate problem.*$/m.exec(text)?.[0] ?? "curl: (60)");
  else if (/wrong version number|curl: \(35\)/.test(text)) {
    const said = /.*wrong version number.*$/m.exec(text)?.[0];
    // The same typed detail the error-line classifier gives OpenSSL's "not TLS" wordings.
    add("tls-handshake", host, said ?? "curl: (35)", said ? "wrong-version-number" : undefined);
  } else if (/Could not resolve host|curl: \(6\)/.test(text))
    add("dns-failure", host, /Could not resolve host.*$/m.exec(text)?.[0] ?? "curl: (6)");
  else if (/Operation timed out|curl: \(28\)/.test(text))
    add("read-timeout", host, /.*timed out.*$/m.exec(text)?.[0] ?? "curl: (28)");
  return out;
}

/** Builds Evidence from one paste. */
export function evidenceFromPaste(text: string): { evidence: Evidence; report: PasteReport } {
  const s = sortPaste(text);
  const ev = emptyEvidence("paste");
  // Configuration: an nginx -T dump as it is, or a snippet made whole.
  if (s.nginxT.length > 0 || s.configLines.length > 0) {
    const dump =
      s.nginxT.length > 0
        ? s.nginxT.join("\n")
        : `# configuration file /paste/nginx.conf:\n${wholeConfig(s.configLines)}`;
    const payload = payloadFromNginxT(dump);
    if (payload.config.length > 0) {
      ev.config = {
        model: buildModel(payload),
        source: s.nginxT.length > 0 ? "nginx -T in the paste" : "config snippet in the paste",
        errors: payload.errors.map((e) => ({ file: e.file, line: e.line, message: e.message ?? e.error })),
      };
    }
  } else ev.missing.push("the configuration (paste `nginx -T` or the server/location block)");
  if (s.errorLines.length > 0) {
    const acc = new ErrorLogAccumulator({});
    for (const l of s.errorLines) acc.addLine(l.text, "(paste)", l.line);
    ev.errorLog = errorEvidence(acc.result(["(paste)"], []));
  }
  const fromCurl = curlGroups(s.curl);
  if (fromCurl.length) {
    ev.errorLog ??= { files: ["(paste)"], lines: 0, byClass: {}, groups: [], first: null, last: null };
    ev.errorLog.groups.push(...fromCurl);
    s.report.facts.push(`curl -v: ${fromCurl.map((g) => g.samples[0]?.text).join("; ")}`);
  }
  if (!ev.errorLog) ev.missing.push("error-log lines (`tail -n 50 /var/log/nginx/error.log`)");
  if (s.accessLines.length > 0) {
    // The configuration's own formats first, then combined: whichever reads the most lines.
    const formats = ev.config ? [...logFormats(ev.config.model).values()] : [];
    let best: AccessAccumulator | null = null;
    for (const f of formats.length ? formats : [{ format: COMBINED_FORMAT, escape: "default" as const }]) {
      let acc: AccessAccumulator;
      try {
        acc = new AccessAccumulator(f.format, f.escape);
      } catch {
        continue;
      }
      for (const l of s.accessLines) acc.addLine(l);
      if (!best || acc.matched > best.matched) best = acc;
    }
    if (best && best.matched > 0) ev.accessLog = best.result(["(paste)"], []);
  }
  const facts = factsFor(s, ev);
  if (facts.length) ev.probes = facts;
  ev.paste = s.report;
  return { evidence: ev, report: s.report };
}
