/**
 * access-log-no-upstream-fields: define an `upstream_timing` log_format (combined plus the upstream address,
 * status and times) at the top of the http block — a log_format must come before the access_log lines that
 * use it — and switch the access_log lines to it, keeping their paths and buffer/gzip parameters.
 */
import type { Edit } from "../../nginx/config/edits.js";
import { accessLogs, logFormats } from "../../nginx/config/logs.js";
import type { LintFix } from "./types.js";
import { plan } from "./util.js";

export const UPSTREAM_TIMING_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" rt=$request_time ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" uct="$upstream_connect_time" uht="$upstream_header_time"';
const NEEDED = ["$upstream_addr", "$upstream_status", "$upstream_response_time"];

export const accessLogNoUpstreamFieldsFix: LintFix = {
  rule: "access-log-no-upstream-fields",
  plan(report, { model }) {
    const http = model.http;
    if (!http?.block) return null;
    const formats = logFormats(model);
    let name = "upstream_timing";
    for (let i = 2; formats.has(name) && !NEEDED.every((v) => formats.get(name)?.format.includes(v)); i++)
      name = `upstream_timing${i}`;
    const edits: Edit[] = [];
    if (!formats.has(name))
      edits.push({
        op: "insert",
        scope: http,
        first: true,
        directive: { name: "log_format", args: [name, UPSTREAM_TIMING_FORMAT] },
      });
    for (const l of accessLogs(model)) {
      if (NEEDED.every((v) => formats.get(l.formatName)?.format.includes(v))) continue;
      const d = l.directive;
      const rest = d.args.slice(d.args[1] && !d.args[1].includes("=") ? 2 : 1);
      edits.push({ op: "set", directive: d, args: [l.path, name, ...rest] });
    }
    return plan("access-log-no-upstream-fields", report.directive, {
      title: `log_format ${name} with $upstream_addr, $upstream_status and the upstream times; access_log uses it`,
      explanation:
        "The combined format shows only what the client got; with the upstream fields the access log shows which peer answered, what each try returned and how long connect, header and response took.",
      edits,
    });
  },
};
