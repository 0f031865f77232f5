import { atConfig, classRule, peersText } from "./simple.js";
import type { CauseRule } from "./types.js";

/** EACCES on a TCP connect: a security policy (SELinux, AppArmor, firewall owner match) blocks nginx. */
export const permissionDenied: CauseRule = classRule({
  meta: {
    id: "permission-denied",
    title: "The OS denies nginx's connection to the upstream (SELinux or similar)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "connect() on a TCP socket failing with EACCES is not a network error: a local policy forbids it. On RHEL/CentOS/Fedora this is SELinux refusing httpd_t network connections; elsewhere AppArmor or an iptables owner rule.",
    nginxVersions: "all",
  },
  classes: ["permission-denied"],
  accept: (g) => !g.peer?.startsWith("unix:"),
  base: 0.93,
  what: "connect() failed (13: Permission denied)",
  message: (gs, refs) =>
    `The kernel refuses to let nginx connect to ${peersText(gs)}${atConfig(refs)} (Permission denied on a TCP socket). Clients got 502. This is a local security policy, not the backend.`,
  fix: () =>
    "On SELinux systems: `setsebool -P httpd_can_network_connect 1` (or label the port: `semanage port -a -t http_port_t -p tcp <port>`). With AppArmor, allow network access in nginx's profile. Check `ausearch -m avc -ts recent` / `dmesg | grep -i denied` for the exact denial.",
  verify: () =>
    "`getsebool httpd_can_network_connect` prints `on`; `ausearch -m avc -ts recent` shows no new nginx denials and requests succeed.",
});
