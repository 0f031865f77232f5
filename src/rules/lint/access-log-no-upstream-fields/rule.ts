import { accessLogs, logFormats } from "../../../nginx/config/logs.js";
import type { LintReport, LintRule } from "../types.js";

const NEEDED = ["$upstream_addr", "$upstream_status", "$upstream_response_time"];

/** Without upstream fields in the access log nobody can tell which peer failed or how slow it was. */
export const accessLogNoUpstreamFields: LintRule = {
  meta: {
    id: "access-log-no-upstream-fields",
    title: "Access log does not record upstream address, status and time",
    kind: "lint",
    severity: "info",
    status: null,
    description:
      "The default `combined` format only shows what the client got. During a 502/504 incident you need $upstream_addr (which peer), $upstream_status (what each try returned) and $upstream_response_time (how long), including retries.",
    why: "Failed peers and retry chains are invisible in the access log.",
    fix: 'Define a format with the upstream fields (`log_format upstreams \'… ua="$upstream_addr" us="$upstream_status" urt="$upstream_response_time" rt=$request_time\';`) and use it in access_log.',
    nginxVersions: "all",
  },
  check(model) {
    if (model.passes.length === 0 || !model.http?.block) return [];
    const formats = logFormats(model);
    const logs = accessLogs(model);
    const used = logs.length ? logs.map((l) => l.formatName) : ["combined"];
    if (used.some((n) => NEEDED.every((v) => formats.get(n)?.format.includes(v)))) return [];
    const first = logs[0];
    const out: LintReport[] = [
      {
        directive: first?.directive ?? model.http.block,
        message: `no access_log format records ${NEEDED.join(", ")}${first ? ` (this one uses ${first.formatName})` : " (the default combined format is in use)"}`,
      },
    ];
    return out;
  },
};
