/**
 * Redaction of what a bundle must not carry (pure, no I/O): credentials in configuration text, client
 * addresses, user names and credentials in access-log and error-log lines. Client addresses and user names
 * become stable pseudonyms (`ip-1`, `user-1`, the same value always gets the same name within one
 * `Pseudonyms`), so counting per client still works; credentials become `REDACTED`.
 *
 * Upstream peer addresses are kept: they are what the diagnosis is about, and they are already written in the
 * configuration. Every regular expression here is linear-time (bounded repetitions, no nested unbounded
 * quantifiers).
 */
import { createHmac, randomBytes } from "node:crypto";
import type { CompiledLogFormat } from "./logformat.js";

export const REDACTED = "REDACTED";

/** Names of headers, parameters, variables and JSON keys whose values are credentials. */
const SENSITIVE_NAME = /authori[sz]ation|cookie|key|token|secret|passw(?:or)?d|auth|credential|session/i;

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/** What was redacted (occurrences per category) and how many distinct values got pseudonyms. */
export interface RedactionCounts {
  clientAddress: number;
  userName: number;
  credential: number;
  queryValue: number;
  configValue: number;
  /** Lines that did not match their log format and were redacted by patterns only. */
  patternOnlyLines: number;
}

export function emptyCounts(): RedactionCounts {
  return { clientAddress: 0, userName: 0, credential: 0, queryValue: 0, configValue: 0, patternOnlyLines: 0 };
}

/**
 * Stable pseudonyms per kind, consistent within one bundle. The first `maxNumbered` distinct values get short
 * numbers (`ip-1`); later ones get a keyed hash (`ip-h1a2b3c4d5e6f`, the key random per instance, so names cannot
 * be linked across bundles or reversed by trying addresses), which keeps memory bounded whatever the input.
 */
export class Pseudonyms {
  readonly counts: RedactionCounts = emptyCounts();
  private readonly ips = new Map<string, string>();
  private readonly users = new Map<string, string>();
  private readonly key = randomBytes(32);
  private hashed = { clientAddress: 0, userName: 0 };
  constructor(private readonly maxNumbered = 100_000) {}

  private name(
    map: Map<string, string>,
    prefix: string,
    value: string,
    kind: "clientAddress" | "userName",
  ): string {
    let v = map.get(value);
    if (v !== undefined) return v;
    if (map.size < this.maxNumbered) {
      v = `${prefix}-${map.size + 1}`;
      map.set(value, v);
      return v;
    }
    this.hashed[kind]++;
    return `${prefix}-h${createHmac("sha256", this.key).update(`${prefix}\0${value}`).digest("hex").slice(0, 12)}`;
  }

  ip(addr: string): string {
    this.counts.clientAddress++;
    return this.name(this.ips, "ip", addr.toLowerCase(), "clientAddress");
  }

  user(name: string): string {
    this.counts.userName++;
    return this.name(this.users, "user", name, "userName");
  }

  /** Distinct values numbered (values named by hash beyond that are counted per occurrence in `hashedUses`). */
  get distinct(): { clientAddress: number; userName: number } {
    return { clientAddress: this.ips.size, userName: this.users.size };
  }

  /** Occurrences named by keyed hash because more than `maxNumbered` distinct values were seen. */
  get hashedUses(): { clientAddress: number; userName: number } {
    return { ...this.hashed };
  }
}

// --- patterns ---------------------------------------------------------------------------------------------

const IPV4 = String.raw`(?<![0-9A-Za-z.])(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}(?![0-9A-Za-z]|\.\d)`;
const H = "[0-9A-Fa-f]{1,4}";
/** IPv6: full 8 groups, or a `::` form (at most 8 groups in all), optionally ending in an IPv4 address. */
const IPV6 = String.raw`(?<![0-9A-Za-z:.])(?:(?:${H}:){7}${H}|(?:${H}(?::${H}){0,6})?::(?:(?:${H}:){0,5}(?:\d{1,3}\.){3}\d{1,3}|(?:${H}(?::${H}){0,6})?))(?![0-9A-Za-z:]|\.\d)`;
const IPV4_RE = new RegExp(IPV4, "g");
const IPV6_RE = new RegExp(IPV6, "g");
const DIGIT_DOT = /\d\.\d/;
/** Three dots between digits: could be an IPv4 address. */
const DIGIT_DOT_DOT = /\d\.\d{1,3}\.\d{1,3}\.\d/;
const AUTH_SCHEME_RE = /\b(Bearer|Basic|Digest|Negotiate|NTLM)(\s{1,8})([A-Za-z0-9._~+/=-]{1,8192})/gi;
const USERINFO_RE = /(\b[A-Za-z][A-Za-z0-9+.-]{0,15}:\/\/)([^/\s@"?#]{1,256})@/g;
const KEY_VALUE_RE =
  /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]{0,64}(?:authori[sz]ation|cookie|key|token|secret|passw(?:or)?d|auth|credential|session|sid)[A-Za-z0-9_.-]{0,64})=([^&\s";,]{1,8192})/gi;
const HEADER_RE =
  /(?<![A-Za-z0-9-])(Authorization|Proxy-Authorization|Cookie|Set-Cookie|X-[A-Za-z0-9-]{0,64}(?:key|token|secret|auth|passw(?:or)?d)[A-Za-z0-9-]{0,64})(\s{0,4}:\s{0,4})([^"\r\n]{1,8192})/gi;
const JSON_PAIR_RE =
  /"([A-Za-z0-9_.-]{0,64}(?:authori[sz]ation|cookie|key|token|secret|passw(?:or)?d|auth|credential|session)[A-Za-z0-9_.-]{0,64})"(\s{0,4}:\s{0,4})"((?:[^"\\]|\\.){0,8192})"/gi;
/** Quick tests before the full patterns (no allocation): an auth scheme word, a credential-name word. */
const AUTH_WORD = /bearer|basic|digest|negotiate|ntlm/i;
/** Every credential name pattern above contains one of these. */
const SENSITIVE_WORD = /auth|cookie|key|token|secret|passw|credential|session|sid/i;

/** Calls `f` for each address in `text` (IPv6 first, so a v4-mapped address is one match) and substitutes. */
function replaceAddresses(text: string, f: (m: string) => string): string {
  let t = text;
  if (t.includes(":") && (t.includes("::") || colons(t) >= 7)) t = t.replace(IPV6_RE, f);
  if (DIGIT_DOT.test(t)) t = t.replace(IPV4_RE, f);
  return t;
}

function colons(t: string): number {
  let n = 0;
  for (let i = t.indexOf(":"); i >= 0; i = t.indexOf(":", i + 1)) n++;
  return n;
}

/** Replaces client addresses in free text; addresses in `keep` (upstream peers) stay. */
export function redactAddresses(text: string, p: Pseudonyms, keep?: ReadonlySet<string>): string {
  return replaceAddresses(text, (m) => (keep?.has(m.toLowerCase()) ? m : p.ip(m)));
}

/** Replaces the values of a query string (`a=1&b=2` → `a=REDACTED&b=REDACTED`); names stay. */
export function redactQuery(q: string, p: Pseudonyms): string {
  if (q === "" || q === "-") return q;
  let out = "";
  let i = 0;
  while (i <= q.length) {
    let amp = q.indexOf("&", i);
    if (amp < 0) amp = q.length;
    const part = q.slice(i, amp);
    const eq = part.indexOf("=");
    if (part === "") out += "";
    else if (eq < 0) {
      out += REDACTED;
      p.counts.queryValue++;
    } else if (eq === part.length - 1) out += part;
    else {
      out += `${part.slice(0, eq + 1)}${REDACTED}`;
      p.counts.queryValue++;
    }
    if (amp < q.length) out += "&";
    i = amp + 1;
  }
  return out;
}

/** Redacts every query string in a text (from `?` to a space, quote or `#`). */
function redactQueries(text: string, p: Pseudonyms): string {
  let q = text.indexOf("?");
  if (q < 0) return text;
  let out = "";
  let from = 0;
  while (q >= 0) {
    let end = q + 1;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 32 || c === 34 || c === 35 || c === 9) break;
      // `\x22` (an escaped quote in escape=default logs) ends it too
      if (c === 92 && text.startsWith("\\x22", end)) break;
      end++;
    }
    out += text.slice(from, q + 1) + redactQuery(text.slice(q + 1, end), p);
    from = end;
    q = text.indexOf("?", end);
  }
  return out + text.slice(from);
}

/**
 * Pattern redaction of free text: credentials (auth schemes, URL user info, `name=value` and `Name: value`
 * with a credential name, JSON pairs with one), query-string values, then client addresses.
 */
export function scrub(text: string, p: Pseudonyms, keep?: ReadonlySet<string>, json = false): string {
  let t = text;
  const named = SENSITIVE_WORD.test(t);
  const count = () => {
    p.counts.credential++;
  };
  if (AUTH_WORD.test(t))
    t = t.replace(AUTH_SCHEME_RE, (_m, s: string, sp: string) => {
      count();
      return `${s}${sp}${REDACTED}`;
    });
  if (t.includes("@") && t.includes("://"))
    t = t.replace(USERINFO_RE, (_m, s: string) => {
      count();
      return `${s}${REDACTED}@`;
    });
  if (named && json && t.includes('"'))
    t = t.replace(JSON_PAIR_RE, (_m, k: string, sep: string) => {
      count();
      return `"${k}"${sep}"${REDACTED}"`;
    });
  if (named && t.includes(":"))
    t = t.replace(HEADER_RE, (_m, k: string, sep: string) => {
      count();
      return `${k}${sep}${REDACTED}`;
    });
  if (t.includes("?")) t = redactQueries(t, p);
  if (named && t.includes("="))
    t = t.replace(KEY_VALUE_RE, (m, k: string, v: string) => {
      if (v === REDACTED) return m;
      count();
      return `${k}=${REDACTED}`;
    });
  return redactAddresses(t, p, keep);
}

// --- access logs ------------------------------------------------------------------------------------------

type VarPolicy = "peer" | "plain" | "ip" | "user" | "secret" | "query" | "scrub";

const IP_VARS = new Set([
  "remote_addr",
  "realip_remote_addr",
  "binary_remote_addr",
  "proxy_protocol_addr",
  "http_x_forwarded_for",
  "proxy_add_x_forwarded_for",
  "http_x_real_ip",
  "http_forwarded",
  "http_true_client_ip",
  "http_cf_connecting_ip",
  "http_x_client_ip",
  "http_client_ip",
  "http_x_cluster_client_ip",
  "http_fastly_client_ip",
  "http_x_original_forwarded_for",
]);
const SECRET_VARS = new Set([
  "http_authorization",
  "http_proxy_authorization",
  "http_cookie",
  "sent_http_set_cookie",
  "upstream_http_set_cookie",
  "request_body",
  "request_body_file",
]);
const PEER_VAR =
  /^upstream_(addr|status|response_time|connect_time|header_time|bytes_sent|bytes_received|response_length|cache_status|queue_time)$/;

/** Variables that hold numbers, times or protocol words: kept when they look like that. */
const PLAIN_VARS = new Set([
  "status",
  "body_bytes_sent",
  "bytes_sent",
  "request_length",
  "request_time",
  "time_local",
  "time_iso8601",
  "msec",
  "request_method",
  "server_protocol",
  "scheme",
  "https",
  "connection",
  "connection_requests",
  "pipe",
  "pid",
  "gzip_ratio",
  "ssl_protocol",
  "ssl_cipher",
  "server_port",
  "remote_port",
  "content_length",
  "request_id",
]);
const PLAIN_VALUE = /^[0-9A-Za-z_.:/+ -]{0,64}$/;

/** How a log_format variable's value is treated. */
export function accessVarPolicy(name: string): VarPolicy {
  if (PEER_VAR.test(name)) return "peer";
  if (PLAIN_VARS.has(name)) return "plain";
  if (IP_VARS.has(name)) return "ip";
  if (name === "remote_user") return "user";
  if (SECRET_VARS.has(name) || name.startsWith("cookie_") || name.startsWith("arg_")) return "secret";
  if (name.startsWith("upstream_cookie_")) return "secret";
  if (
    /^(?:sent_http_|upstream_http_|http_|sent_trailer_|upstream_trailer_)/.test(name) &&
    isSensitiveName(name)
  )
    return "secret";
  if (name === "args" || name === "query_string") return "query";
  return "scrub";
}

const PEER_VALUE = /^[0-9A-Za-z.:[\]/_, -]{0,4096}$/;

/**
 * Redacts access-log lines written with one `log_format`: each variable by its type (client addresses,
 * user names, credentials, query strings), the rest by patterns; lines that do not match the format are
 * redacted by patterns only (all addresses except `keep`).
 */
export class AccessLineRedactor {
  private readonly policy: VarPolicy[];
  private readonly out: string[];
  private readonly json: boolean;
  constructor(
    private readonly fmt: CompiledLogFormat,
    private readonly p: Pseudonyms,
    private readonly keep?: ReadonlySet<string>,
  ) {
    this.policy = fmt.vars.map(accessVarPolicy);
    this.out = new Array(fmt.vars.length);
    this.json = fmt.escape === "json";
  }

  line(line: string): string {
    const f = this.fmt;
    const out = this.out;
    if (f.vars.length === 0 || !f.split(line, out)) {
      this.p.counts.patternOnlyLines++;
      return scrub(line, this.p, this.keep, true);
    }
    const { lead, seps } = f.program;
    let r = lead;
    for (let k = 0; k < f.vars.length; k++) {
      r += this.value(this.policy[k] as VarPolicy, out[k] as string) + (seps[k] as string);
    }
    return r;
  }

  private value(policy: VarPolicy, v: string): string {
    if (v === "-" || v === "") return v;
    const p = this.p;
    switch (policy) {
      case "peer":
        return PEER_VALUE.test(v) ? v : scrub(v, p, this.keep, this.json);
      case "plain":
        // a value that does not look like a number/time/word (a mis-split line) is scrubbed like the rest
        return PLAIN_VALUE.test(v) && !DIGIT_DOT_DOT.test(v) && !v.includes("::") && colons(v) <= 3
          ? v
          : scrub(v, p, undefined, this.json);
      case "ip": {
        let found = false;
        const r = replaceAddresses(v, (m) => {
          found = true;
          return p.ip(m);
        });
        // Not an address we recognise (binary_remote_addr, "unknown", a mangled list): pseudonymise it whole.
        return found ? scrub(r, p, undefined, this.json) : p.ip(v);
      }
      case "user":
        return p.user(v);
      case "secret":
        p.counts.credential++;
        return REDACTED;
      case "query":
        return redactQuery(v, p);
      default:
        return scrub(v, p, undefined, this.json);
    }
  }
}

// --- error logs -------------------------------------------------------------------------------------------

const CLIENT_RE = /, client: ([^,\s]{1,256})/;
const USER_RE = /\buser "((?:[^"\\]|\\.){0,512})"(?=:| was not found| is not allowed)/g;
const UPSTREAM_FIELD_RE =
  /, upstream: "(?:[a-z][a-z0-9+.-]{0,15}:\/\/)?(\[[0-9A-Fa-f:.]{2,64}\]|[^:/"\s]{1,256})/g;
const CONTEXT_HOST_RE = /, (?:server|host): "?([^,"\s]{1,256})/g;

/**
 * Redacts one error-log line: the `client:` address, every other client address in the text (addresses of
 * this line's `upstream:`, its `server:`/`host:` and the configured peers in `keep` stay), user names of auth
 * messages, credentials and query-string values.
 */
export function redactErrorLine(line: string, p: Pseudonyms, keep?: ReadonlySet<string>): string {
  let t = line;
  let keepHere = keep;
  if (t.includes(", upstream: ") || t.includes(", server: ") || t.includes(", host: ")) {
    const k = new Set(keep ?? []);
    for (const re of [UPSTREAM_FIELD_RE, CONTEXT_HOST_RE]) {
      re.lastIndex = 0;
      for (let m = re.exec(t); m; m = re.exec(t)) {
        const h = (m[1] as string).replace(/^\[|\]$/g, "").toLowerCase();
        k.add(h);
        // a host:port value
        k.add(h.replace(/:\d{1,5}$/, ""));
      }
    }
    keepHere = k;
  }
  // The client field is always pseudonymised, even when the address is also a peer's.
  let clientAt = -1;
  let clientEnd = -1;
  const c = CLIENT_RE.exec(t);
  if (c) {
    clientAt = c.index;
    clientEnd = c.index + c[0].length;
  }
  if (t.includes('user "')) t = t.replace(USER_RE, (_m, u: string) => `user "${p.user(u)}"`);
  if (clientAt >= 0) {
    const c2 = CLIENT_RE.exec(t) as RegExpExecArray;
    clientAt = c2.index;
    clientEnd = c2.index + c2[0].length;
    const head = scrub(t.slice(0, clientAt), p, keepHere);
    const tail = scrub(t.slice(clientEnd), p, keepHere);
    return `${head}, client: ${p.ip(c2[1] as string)}${tail}`;
  }
  return scrub(t, p, keepHere);
}

// --- configuration ----------------------------------------------------------------------------------------

interface Tok {
  start: number;
  end: number;
  /** Value with quotes removed (escapes kept). */
  value: string;
  quote: "" | '"' | "'";
  kind: "word" | "{" | "}" | ";";
}

function isSpaceCode(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11;
}

/** Tokens of one configuration file with their positions (words end at space, `;` or `{`, as in nginx). */
function* confTokens(s: string): Generator<Tok> {
  let i = 0;
  let expectDirective = true;
  let lua = false;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isSpaceCode(c)) {
      i++;
      continue;
    }
    if (c === 35) {
      const e = s.indexOf("\n", i);
      i = e < 0 ? s.length : e;
      continue;
    }
    if (c === 123 && lua) {
      // a raw Lua body: skip to its matching brace
      lua = false;
      let depth = 1;
      i++;
      while (i < s.length && depth > 0) {
        const d = s.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 45 && s.charCodeAt(i + 1) === 45) {
          const e = s.indexOf("\n", i);
          i = e < 0 ? s.length : e;
        } else if (d === 34 || d === 39) {
          i++;
          while (i < s.length && s.charCodeAt(i) !== d) i += s.charCodeAt(i) === 92 ? 2 : 1;
          i++;
        } else {
          if (d === 123) depth++;
          else if (d === 125) depth--;
          i++;
        }
      }
      yield { start: i, end: i, value: "", quote: "", kind: ";" };
      expectDirective = true;
      continue;
    }
    if (c === 123 || c === 125 || c === 59) {
      yield {
        start: i,
        end: i + 1,
        value: s[i] as string,
        quote: "",
        kind: c === 123 ? "{" : c === 125 ? "}" : ";",
      };
      expectDirective = true;
      i++;
      continue;
    }
    const start = i;
    if (c === 34 || c === 39) {
      i++;
      while (i < s.length && s.charCodeAt(i) !== c) i += s.charCodeAt(i) === 92 ? 2 : 1;
      const end = Math.min(i + 1, s.length);
      yield {
        start,
        end,
        value: s.slice(start + 1, Math.min(i, s.length)),
        quote: c === 34 ? '"' : "'",
        kind: "word",
      };
      i = end;
    } else {
      while (i < s.length) {
        const d = s.charCodeAt(i);
        if (isSpaceCode(d) || d === 59 || d === 123) break;
        if (d === 92) {
          i += 2;
          continue;
        }
        if (d === 36 && s.charCodeAt(i + 1) === 123) {
          const close = s.indexOf("}", i);
          i = close < 0 ? s.length : close + 1;
          continue;
        }
        i++;
      }
      i = Math.min(i, s.length);
      yield { start, end: i, value: s.slice(start, i), quote: "", kind: "word" };
    }
    if (expectDirective && s.slice(start, i).endsWith("_by_lua_block")) lua = true;
    expectDirective = false;
  }
}

/** Directives whose first argument names a header/parameter and whose second is its value. */
const NAME_VALUE = new Set([
  "proxy_set_header",
  "grpc_set_header",
  "fastcgi_param",
  "uwsgi_param",
  "scgi_param",
  "add_header",
  "add_trailer",
  "proxy_set_body",
]);
const HEADER_STRINGS = new Set(["more_set_headers", "more_set_input_headers"]);
const ONLY_VARIABLES = /^(?:\s{0,16}\$(?:\{[A-Za-z0-9_]{1,128}\}|[A-Za-z0-9_]{1,128})){1,32}\s{0,16}$/;

/** A value that is only variable references carries no secret of its own (`$http_authorization`). */
function isOnlyVariables(v: string): boolean {
  return ONLY_VARIABLES.test(v);
}

/**
 * Redacts credentials in configuration text (one file, or a whole `nginx -T` dump): values of header and
 * parameter directives whose name is a credential name, `set`/`map`/`env` values of credential-named
 * variables, map keys and `if` literals compared with credential variables, `secure_link_secret`, inline
 * `data:` private keys, and any `Basic`/`Bearer` credentials left in the text. Paths (`auth_basic_user_file`,
 * key files) are kept. Returns the new text; counts go to `p.counts.configValue`.
 */
export function redactConfigText(text: string, p: Pseudonyms): string {
  const edits: Array<{ start: number; end: number; text: string }> = [];
  const redact = (t: Tok, replacement?: string) => {
    if (t.value === REDACTED || (replacement === undefined && isOnlyVariables(t.value))) return;
    p.counts.configValue++;
    const r = replacement ?? REDACTED;
    edits.push({ start: t.start, end: t.end, text: t.quote ? `${t.quote}${r}${t.quote}` : r });
  };
  // Directive words of the current statement, and the map blocks we are inside.
  let words: Tok[] = [];
  const blocks: Array<{ name: string; keys: boolean; values: boolean }> = [];
  const inMap = () => {
    const b = blocks[blocks.length - 1];
    return b && b.name === "map" ? b : null;
  };
  const finish = (opensBlock: boolean) => {
    const name = words[0]?.value ?? "";
    const args = words.slice(1);
    const map = inMap();
    if (map && words.length > 0 && !opensBlock) {
      const key = words[0] as Tok;
      if (map.keys && !["default", "hostnames", "volatile", "include"].includes(key.value)) redact(key);
      if (map.values) for (const a of args) redact(a);
    } else if (NAME_VALUE.has(name) && args.length >= 2) {
      if (isSensitiveName((args[0] as Tok).value)) redact(args[1] as Tok);
    } else if (HEADER_STRINGS.has(name)) {
      for (const a of args) {
        const colon = a.value.indexOf(":");
        if (colon > 0 && isSensitiveName(a.value.slice(0, colon))) {
          const rest = a.value.slice(colon + 1).trim();
          if (rest !== "" && !isOnlyVariables(rest)) {
            p.counts.configValue++;
            const q = a.quote || '"';
            edits.push({
              start: a.start,
              end: a.end,
              text: `${q}${a.value.slice(0, colon)}: ${REDACTED}${q}`,
            });
          }
        }
      }
    } else if ((name === "set" || name === "js_var") && args.length >= 2) {
      if (isSensitiveName((args[0] as Tok).value)) redact(args[1] as Tok);
    } else if (name === "env" && args[0]) {
      const a = args[0];
      const eq = a.value.indexOf("=");
      if (eq > 0 && isSensitiveName(a.value.slice(0, eq))) {
        p.counts.configValue++;
        edits.push({
          start: a.start,
          end: a.end,
          text: `${a.quote}${a.value.slice(0, eq)}=${REDACTED}${a.quote}`,
        });
      }
    } else if (name === "secure_link_secret" || name === "secure_link_md5") {
      for (const a of args) redact(a);
    } else if (/certificate_key$/.test(name)) {
      for (const a of args) if (a.value.startsWith("data:")) redact(a, `data:${REDACTED}`);
    } else if (name === "if") {
      // if ($http_x_api_key = "secret") — the literal compared with a credential variable
      const sensitive = args.some((a) => /\$\{?[A-Za-z0-9_]*/.test(a.value) && isSensitiveName(a.value));
      if (sensitive)
        for (const a of args.slice(1)) {
          const v = a.value.replace(/\)$/, "");
          if (v !== "" && !["=", "!=", "~", "~*", "!~", "!~*", "-f", "!-f"].includes(v) && !v.startsWith("$"))
            redact(a);
        }
    }
    if (opensBlock) {
      if (name === "map") {
        const src = args[0]?.value ?? "";
        const dst = args[1]?.value ?? "";
        blocks.push({ name, keys: isSensitiveName(src), values: isSensitiveName(dst) });
      } else blocks.push({ name, keys: false, values: false });
    }
    words = [];
  };
  for (const t of confTokens(text)) {
    if (t.kind === "word") words.push(t);
    else if (t.kind === ";") finish(false);
    else if (t.kind === "{") finish(true);
    else {
      words = [];
      blocks.pop();
    }
  }
  let out = "";
  let pos = 0;
  for (const e of edits.sort((a, b) => a.start - b.start)) {
    if (e.start < pos) continue;
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  out += text.slice(pos);
  // Anything left that looks like an Authorization value (in Lua bodies, comments, return texts…).
  return out.replace(AUTH_SCHEME_RE, (m, s: string, sp: string, v: string) => {
    if (v === REDACTED || v.startsWith("$")) return m;
    p.counts.configValue++;
    return `${s}${sp}${REDACTED}`;
  });
}

/**
 * Redacts a whole `nginx -T` dump file by file (each `# configuration file PATH:` section on its own, so one
 * file's unbalanced quote cannot hide the next file's secrets).
 */
export function redactNginxT(text: string, p: Pseudonyms): string {
  const marker = /^# configuration file [^\n]{1,4096}:\r?$/gm;
  const starts: number[] = [];
  for (let m = marker.exec(text); m; m = marker.exec(text)) starts.push(m.index + m[0].length);
  if (starts.length === 0) return redactConfigText(text, p);
  let out = text.slice(0, starts[0] as number);
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i] as number;
    // the next marker begins right after its own line start
    const nextStart = starts[i + 1];
    let to = text.length;
    if (nextStart !== undefined) {
      const lineStart = text.lastIndexOf("\n# configuration file ", nextStart);
      to = lineStart < from ? from : lineStart + 1;
    }
    out += redactConfigText(text.slice(from, to), p);
    if (nextStart !== undefined) out += text.slice(to, nextStart);
  }
  return out;
}
