import { globalValue } from "../../nginx/config/model.js";
import { where } from "../finding.js";
import { classRule } from "./simple.js";
import type { CauseRule } from "./types.js";
import { configItem, loc } from "./util.js";

/** EMFILE/ENFILE: the worker's file-descriptor limit is exhausted. */
export const fdLimit: CauseRule = classRule({
  meta: {
    id: "fd-limit",
    title: "nginx workers ran out of file descriptors",
    kind: "cause",
    severity: "error",
    status: 500,
    description:
      'Every client connection, upstream connection and open file costs a descriptor. When a worker reaches its RLIMIT_NOFILE (worker_rlimit_nofile, or the service\'s LimitNOFILE), socket() and accept() fail with "Too many open files". A failed socket() for the upstream makes nginx answer 500 (ngx_event_connect_peer returns NGX_ERROR, not a retryable failure); a failed accept() leaves clients with no answer at all.',
    nginxVersions: "all",
  },
  classes: ["too-many-open-files"],
  base: 0.95,
  what: '"Too many open files"',
  message: (_gs, _r, ev) => {
    const m = ev.config?.model;
    const n = m ? globalValue(m, "worker_rlimit_nofile") : null;
    const wc = m ? globalValue(m, "worker_connections") : null;
    return `Workers hit their open-file limit (worker_rlimit_nofile ${n?.args?.[0] ?? "not set — the service's LimitNOFILE applies"}, worker_connections ${wc?.args?.[0] ?? "?"}). New upstream connections cannot be created: those requests got 500 Internal Server Error (not 502), and clients arriving while accept() failed got no answer at all.`;
  },
  fix: (_gs, _r, ev) => {
    const d = ev.config ? globalValue(ev.config.model, "worker_rlimit_nofile").directives[0] : undefined;
    return `Set \`worker_rlimit_nofile\` to at least 2 × worker_connections (e.g. 65535)${d ? ` at ${where(d)}` : " in the main context"}, and raise the systemd limit (\`systemctl edit nginx\` → \`[Service] LimitNOFILE=65535\`), then restart nginx.`;
  },
  verify: () =>
    "`grep 'Max open files' /proc/$(pgrep -f 'nginx: worker' | head -1)/limits` shows the new limit and \"Too many open files\" lines stop.",
  locations: (_gs, _r, ev) => {
    const d = ev.config ? globalValue(ev.config.model, "worker_rlimit_nofile").directives[0] : undefined;
    return d ? [loc(d)] : [];
  },
  extra: (_gs, _r, ev) => {
    const d = ev.config ? globalValue(ev.config.model, "worker_rlimit_nofile").directives[0] : undefined;
    return d ? [configItem(d)] : [];
  },
});
