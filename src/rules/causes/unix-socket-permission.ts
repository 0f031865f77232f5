import { globalValue } from "../../nginx/config/model.js";
import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** The nginx worker user may not connect to the unix socket (EACCES). */
export const unixSocketPermission: CauseRule = classRule({
  meta: {
    id: "unix-socket-permission",
    title: "nginx workers may not connect to the upstream unix socket",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "Connecting to a unix socket needs write permission on the socket file (and search permission on its directories). When the socket's owner/group/mode exclude nginx's worker user, connect() fails with EACCES, logged at [crit], and clients get 502.",
    nginxVersions: "all",
  },
  classes: ["unix-socket-permission"],
  base: 0.96,
  what: "connect() to a unix socket: Permission denied",
  message: (gs, refs, ev) => {
    const user = ev.config ? globalValue(ev.config.model, "user") : null;
    const who = user?.args
      ? `${user.args[0]}${user.source === "default" ? " (build default)" : ""}`
      : "the worker user";
    return `nginx workers (running as ${who}) are denied access to ${peersText(gs)}${atConfig(refs)}. Clients got 502.`;
  },
  fix: (gs, _r, ev) => {
    const user = ev.config ? globalValue(ev.config.model, "user").args?.[0] : undefined;
    return `Let the worker user connect: for PHP-FPM set \`listen.owner = ${user ?? "www-data"}\`, \`listen.group = ${user ?? "www-data"}\`, \`listen.mode = 0660\` in the pool and restart it; for other apps create the socket with a group nginx is in (and mode 0660). Check parent directories too (\`namei -l ${(gs[0]?.peer ?? "unix:/run/app.sock").replace(/^unix:/, "")}\`).`;
  },
  verify: (gs, _r, ev) => {
    const user = ev.config ? globalValue(ev.config.model, "user").args?.[0] : undefined;
    const path = (gs[0]?.peer ?? "unix:/run/app.sock").replace(/^unix:/, "");
    return `\`sudo -u ${user ?? "www-data"} test -w ${path} && echo ok\` prints ok, and "(13: Permission denied) while connecting to upstream" lines stop.`;
  },
});
