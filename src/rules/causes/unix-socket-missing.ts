import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** The unix socket file nginx connects to does not exist (ENOENT) — or exists with nobody listening. */
export const unixSocketMissing: CauseRule = classRule({
  meta: {
    id: "unix-socket-missing",
    title: "Upstream unix socket does not exist or nothing listens on it",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "fastcgi_pass/proxy_pass points at a unix socket path that is missing (service stopped, different path or PHP version, PrivateTmp) or stale (file left behind, no process accepting). nginx logs it at [crit] (missing) or [error] (refused) and returns 502.",
    nginxVersions: "all",
  },
  classes: ["unix-socket-missing", "connection-refused"],
  accept: (g) => g.class === "unix-socket-missing" || Boolean(g.peer?.startsWith("unix:")),
  base: 0.95,
  what: "connect() to a unix socket failed",
  message: (gs, refs) => {
    const stale = gs.every((g) => g.class === "connection-refused");
    return stale
      ? `The socket ${peersText(gs)}${atConfig(refs)} exists but no process accepts on it (a stale file from a stopped service). Clients got 502.`
      : `nginx connects to ${peersText(gs)}${atConfig(refs)}, but that file does not exist: the backend (often PHP-FPM, gunicorn or uWSGI) is stopped or listens on another path. Clients got 502.`;
  },
  fix: (gs, refs) => {
    const mod = refs.passes[0]?.module;
    const how =
      mod === "fastcgi"
        ? "for PHP-FPM the pool's `listen =` line (`grep -R '^listen' /etc/php/*/fpm/pool.d/`)"
        : mod === "uwsgi"
          ? "for uWSGI the app's `socket =` option (Debian: /run/uwsgi/app/<name>/socket, present only while the app in apps-enabled runs)"
          : "the app's own bind/listen setting (e.g. gunicorn `--bind unix:…`)";
    return `Start the backend (e.g. \`systemctl start <service>\`) and make the path in nginx match the one it creates — ${how}. Avoid /tmp for sockets (systemd PrivateTmp hides them). Current path: ${peersText(gs)}.`;
  },
  verify: (gs) => {
    const path = (gs[0]?.peer ?? "unix:/run/app.sock").replace(/^unix:/, "");
    return `\`ls -l ${path}\` shows a socket (type "s") and \`curl -sS --unix-socket ${path} http://localhost/ -o /dev/null -w '%{http_code}\\n'\` (HTTP backends) or \`cgi-fcgi -bind -connect ${path}\` (FastCGI) gets an answer.`;
  },
});
