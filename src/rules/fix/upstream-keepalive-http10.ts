/**
 * upstream-keepalive-http10: keepalive to an upstream needs HTTP/1.1 and an empty Connection header. The
 * proxy_set_header goes to the level the other proxy_set_header lines come from (one written deeper would drop
 * them, Host included).
 */
import type { Edit } from "../../nginx/config/edits.js";
import { effective } from "../../nginx/config/model.js";
import type { LintFix } from "./types.js";
import { arrayLevel, plan, setOrInsert } from "./util.js";

export const upstreamKeepaliveHttp10Fix: LintFix = {
  rule: "upstream-keepalive-http10",
  plan(report, { model }) {
    const p = model.passes.find((x) => x.directive === report.directive);
    if (!p) return null;
    const edits: Edit[] = [];
    if (effective(model, p.scope, "proxy_http_version").args?.[0] !== "1.1")
      edits.push(setOrInsert(p.scope, "proxy_http_version", ["1.1"]));
    const headers = effective(model, p.scope, "proxy_set_header").directives;
    const conn = headers.find((h) => h.args[0]?.toLowerCase() === "connection");
    if (conn && (conn.args[1] ?? "") !== "")
      edits.push({ op: "set", directive: conn, args: [conn.args[0] as string, ""] });
    else if (!conn)
      edits.push({
        op: "insert",
        scope: arrayLevel(model, p.scope, "proxy_set_header"),
        directive: { name: "proxy_set_header", args: ["Connection", ""] },
      });
    if (edits.length === 0) return null;
    return plan("upstream-keepalive-http10", p.directive, {
      title: `proxy_http_version 1.1 and proxy_set_header Connection "" for ${p.raw}`,
      explanation: `upstream ${p.upstream?.name ?? ""} keeps idle connections (keepalive), but nginx only reuses them when it talks HTTP/1.1 and does not forward the client's "Connection: close".`,
      edits,
    });
  },
};
