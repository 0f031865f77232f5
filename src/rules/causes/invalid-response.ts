import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";
import { curlFor } from "./util.js";

/** The upstream answered with something that is not a valid HTTP (or FastCGI…) response, or hung up early. */
export const invalidResponse: CauseRule = classRule({
  meta: {
    id: "invalid-response",
    title: "Upstream sent an invalid or incomplete response",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "The connection worked, but what came back was not a usable response: garbage bytes, an empty reply, a malformed header, or the upstream closed or reset the connection before the header was complete — typically a crashing worker, a protocol mismatch or a keepalive race.",
    nginxVersions: "all",
  },
  classes: ["invalid-response", "premature-close", "connection-reset", "broken-pipe"],
  base: 0.85,
  what: "invalid or cut-off upstream responses",
  message: (gs, refs) => {
    const kinds = new Set(gs.map((g) => g.class));
    const what = kinds.has("invalid-response")
      ? "answers with bytes that are not a valid response header"
      : kinds.has("premature-close")
        ? "closes the connection before sending a complete response header"
        : "resets the connection mid-request";
    return `${peersText(gs)}${atConfig(refs)} ${what}. nginx cannot forward that and returns 502 Bad Gateway. Usual reasons: the backend process crashes or is killed (OOM, worker timeout), it speaks another protocol on that port, or it closes idle keepalive connections that nginx reuses.`;
  },
  fix: (gs) =>
    `Look at the backend's own logs at the times of these lines for crashes, OOM kills (\`journalctl -k | grep -i oom\`) or worker timeouts (gunicorn --timeout, php-fpm request_terminate_timeout). If it only happens on reused connections, make the upstream's keepalive timeout longer than nginx's (\`keepalive_timeout\` in upstream{}), or add \`proxy_next_upstream error timeout http_502\` carefully for idempotent requests. Check that ${peersText(gs)} really serves HTTP on that port.`,
  verify: (gs) =>
    `\`${curlFor(gs[0]?.peer ?? null)}\` returns a normal status with headers (\`curl -sv\` shows "HTTP/1.1 200"), and "upstream prematurely closed"/"invalid header" lines stop.`,
});
