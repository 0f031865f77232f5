import { effective } from "../../../nginx/config/model.js";
import { where } from "../../finding.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

/** upstream keepalive only works with HTTP/1.1 and a cleared Connection header. */
export const upstreamKeepaliveHttp10: LintRule = {
  meta: {
    id: "upstream-keepalive-http10",
    title: "Upstream keepalive without HTTP/1.1 and a cleared Connection header",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      '`keepalive` in an upstream only reuses connections if nginx speaks HTTP/1.1 to it and does not send `Connection: close`. Before 1.29.7 the defaults are HTTP/1.0 and `Connection: close`, so every request opens a new connection: TIME_WAIT pile-up, ephemeral port exhaustion ("Cannot assign requested address", 502) and extra latency.',
    why: "Connections are not reused; under load the local ports run out.",
    fix: 'In the locations that proxy to this upstream: `proxy_http_version 1.1;` and `proxy_set_header Connection "";`.',
    nginxVersions: "< 1.29.7 (HTTP/1.1 and keepalive are defaults from 1.29.7)",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy"])) {
      const u = p.upstream;
      if (!u?.keepalive || !u.keepaliveDirective) continue;
      const version = effective(model, p.scope, "proxy_http_version").args?.[0] ?? "1.0";
      const headers = effective(model, p.scope, "proxy_set_header").directives;
      const cleared = headers.some(
        (h) => h.args[0]?.toLowerCase() === "connection" && (h.args[1] ?? "") === "",
      );
      const missing = [
        version !== "1.1" ? `proxy_http_version is ${version}` : null,
        cleared ? null : "the Connection header is not cleared",
      ].filter(Boolean);
      if (missing.length === 0) continue;
      out.push({
        directive: p.directive,
        related: [u.keepaliveDirective],
        message: `upstream ${u.name} has keepalive (${where(u.keepaliveDirective)}) but here ${missing.join(" and ")}, so connections are not reused`,
      });
    }
    return out;
  },
};
