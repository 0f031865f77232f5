/**
 * The variables nginx knows without any configuration (core and the modules of the common builds), the
 * prefixes that stand for a family ($http_NAME, $arg_NAME, …), and the variables a configuration defines
 * itself (map, geo, set, regex captures…). Used to refuse a `log_format` naming a variable nginx would reject
 * with `unknown "NAME" variable` — such a format matches lines it should not and counts nothing. Pure.
 */
import type { ConfigModel } from "./config/model.js";
import { tokenizeLogFormat } from "./logformat.js";

const CORE = `
  args binary_remote_addr body_bytes_sent bytes_sent connection connection_requests connection_time content_length
  content_type document_root document_uri host hostname https is_args limit_rate msec nginx_version pid pipe
  proxy_protocol_addr proxy_protocol_port proxy_protocol_server_addr proxy_protocol_server_port query_string
  realpath_root remote_addr remote_port remote_user request request_body request_body_file request_completion
  request_filename request_id request_length request_method request_time request_uri scheme server_addr
  server_name server_port server_protocol status time_iso8601 time_local uri
  tcpinfo_rtt tcpinfo_rttvar tcpinfo_snd_cwnd tcpinfo_rcv_space
  http_host http_user_agent http_referer http_via http_x_forwarded_for http_cookie
  sent_http_content_type sent_http_content_length sent_http_location sent_http_last_modified
  sent_http_connection sent_http_keep_alive sent_http_transfer_encoding sent_http_cache_control sent_http_link
  upstream_addr upstream_bytes_received upstream_bytes_sent upstream_cache_status upstream_connect_time
  upstream_header_time upstream_queue_time upstream_response_length upstream_response_time upstream_status
  proxy_host proxy_port proxy_add_x_forwarded_for fastcgi_script_name fastcgi_path_info
  ssl_alpn_protocol ssl_cipher ssl_ciphers ssl_client_cert ssl_client_escaped_cert ssl_client_fingerprint
  ssl_client_i_dn ssl_client_i_dn_legacy ssl_client_raw_cert ssl_client_s_dn ssl_client_s_dn_legacy
  ssl_client_serial ssl_client_sigalg ssl_client_v_end ssl_client_v_remain ssl_client_v_start ssl_client_verify
  ssl_curve ssl_curves ssl_early_data ssl_protocol ssl_server_name ssl_session_id ssl_session_reused ssl_sigalg
  realip_remote_addr realip_remote_port gzip_ratio limit_conn_status limit_req_status
  connections_active connections_reading connections_writing connections_waiting
  uid_got uid_reset uid_set secure_link secure_link_expires invalid_referer date_gmt date_local
  memcached_key slice_range modern_browser ancient_browser msie http2 http3 quic
  geoip_area_code geoip_city geoip_city_continent_code geoip_city_country_code geoip_city_country_code3
  geoip_city_country_name geoip_country_code geoip_country_code3 geoip_country_name geoip_dma_code
  geoip_latitude geoip_longitude geoip_org geoip_postal_code geoip_region geoip_region_name
`;

/** nginx's built-in variables (those of the modules in the usual builds). */
export const NGINX_VARIABLES: ReadonlySet<string> = new Set(CORE.split(/\s+/).filter(Boolean));

/** Families: any name after the prefix is valid ($http_x_request_id, $cookie_session, …). */
export const NGINX_VARIABLE_PREFIXES: readonly string[] = [
  "http_",
  "sent_http_",
  "sent_trailer_",
  "cookie_",
  "arg_",
  "upstream_http_",
  "upstream_trailer_",
  "upstream_cookie_",
  "proxy_protocol_tlv_",
  "jwt_",
];

/** Directives that define a variable, and which argument names it (negative: from the end). */
const DEFINERS: Record<string, number> = {
  set: 0,
  map: 1,
  split_clients: 1,
  geo: -1,
  perl_set: 0,
  js_set: 0,
  auth_request_set: 0,
  set_by_lua: 0,
  set_by_lua_block: 0,
  set_by_lua_file: 0,
};

/** A directive as the config model and the crossplane-shaped payload both have it. */
export interface VariableSource {
  directive: string;
  args: string[];
}

/**
 * Variables a configuration defines itself: map, geo, set, split_clients, perl_set, js_set, auth_request_set,
 * set_by_lua*, the `$name …` lines of geoip2-style blocks, and named captures `(?<name>…)` / `(?P<name>…)` of
 * regexes anywhere in it.
 */
export function definedVariables(directives: Iterable<VariableSource>): Set<string> {
  const out = new Set<string>();
  const add = (w: string | undefined) => {
    if (w?.startsWith("$"))
      out.add(
        w
          .slice(1)
          .replace(/^\{|\}$/g, "")
          .toLowerCase(),
      );
  };
  for (const d of directives) {
    const at = DEFINERS[d.directive];
    if (at !== undefined) add(at >= 0 ? d.args[at] : d.args[d.args.length + at]);
    // Inside geoip2 {} and similar module blocks each line starts with the variable it defines.
    if (d.directive.startsWith("$")) add(d.directive);
    for (const a of d.args) {
      for (let i = a.indexOf("(?"); i >= 0; i = a.indexOf("(?", i + 2)) {
        const m = /^\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(a.slice(i, i + 80));
        if (m) out.add((m[1] as string).toLowerCase());
      }
    }
  }
  return out;
}

/** True if nginx knows the variable without configuration (regex captures $1…$9 included). */
export function isBuiltinVariable(name: string): boolean {
  const n = name.toLowerCase();
  if (NGINX_VARIABLES.has(n) || /^\d+$/.test(n)) return true;
  for (const p of NGINX_VARIABLE_PREFIXES) if (n.startsWith(p) && n.length > p.length) return true;
  return false;
}

/** Variables of a log format that neither nginx nor the configuration (`defined`) knows, in order. */
export function unknownVariables(format: string, defined: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const t of tokenizeLogFormat(format)) {
    const n = t.name;
    if (n === null || isBuiltinVariable(n) || defined.has(n) || out.includes(n)) continue;
    out.push(n);
  }
  return out;
}

/** The variables a configuration model defines (see definedVariables). */
export function configVariables(model: ConfigModel): Set<string> {
  return definedVariables(model.all.map((e) => ({ directive: e.directive.name, args: e.directive.args })));
}
