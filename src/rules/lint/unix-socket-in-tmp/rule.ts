import type { Directive } from "../../../nginx/config/model.js";
import type { LintReport, LintRule } from "../types.js";

const TMP = /^\/(var\/)?tmp\//;

/** Unix sockets under /tmp are invisible to nginx when either service runs with systemd PrivateTmp. */
export const unixSocketInTmp: LintRule = {
  meta: {
    id: "unix-socket-in-tmp",
    title: "Upstream unix socket under /tmp",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "Many distributions start nginx and PHP-FPM/app servers with systemd's PrivateTmp=true: each sees its own /tmp. A socket created in the backend's /tmp does not exist in nginx's, so connects fail with \"No such file or directory\" (502).",
    why: "With PrivateTmp the socket is in another mount namespace.",
    fix: "Put sockets under /run (e.g. /run/php/php-fpm.sock, created via RuntimeDirectory=) and point nginx there.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    const add = (d: Directive, path: string) =>
      out.push({
        directive: d,
        message: `unix socket ${path} is under /tmp; with systemd PrivateTmp nginx cannot see it`,
      });
    for (const p of model.passes) if (p.unixPath && TMP.test(p.unixPath)) add(p.directive, p.unixPath);
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
      for (const s of u.servers) if (s.unixPath && TMP.test(s.unixPath)) add(s.directive, s.unixPath);
    return out;
  },
};
