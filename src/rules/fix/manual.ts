/**
 * Causes whose fix is outside nginx's configuration: the plan is commands for the operator, with what they
 * do. badgateway prints them and never runs them.
 */
import { globalValue } from "../../nginx/config/model.js";
import type { CauseFix, FixPlan, LintFix } from "./types.js";
import { fixId } from "./util.js";

function peerOf(f: { evidence: Array<{ data?: Record<string, unknown> }> }): string | null {
  for (const e of f.evidence) if (typeof e.data?.["peer"] === "string") return e.data["peer"] as string;
  return null;
}

function manual(
  rule: string,
  at: { file: string; line?: number } | undefined,
  p: Omit<FixPlan, "rule" | "id" | "edits">,
): FixPlan {
  return { rule, id: at?.line ? fixId(rule, { file: at.file, line: at.line }) : rule, edits: [], ...p };
}

export const upstreamDownFix: CauseFix = {
  rule: "upstream-down",
  plan(f) {
    const peer = peerOf(f) ?? "HOST:PORT";
    return [
      manual("upstream-down", f.locations[0], {
        title: `start the backend at ${peer}`,
        explanation:
          "Nothing accepts connections there: the backend is stopped or crashed. The configuration is not what is wrong.",
        commands: [
          `ss -ltnp | grep ':${peer.split(":").pop()}'   # is anything listening?`,
          "systemctl status <backend-service>   # why it stopped",
          "systemctl restart <backend-service>",
        ],
      }),
    ];
  },
};

export const unixSocketMissingFix: CauseFix = {
  rule: "unix-socket-missing",
  plan(f) {
    const path = (peerOf(f) ?? "unix:/run/app.sock").replace(/^unix:/, "");
    return [
      manual("unix-socket-missing", f.locations[0], {
        title: `make the backend create ${path}`,
        explanation:
          "The socket file does not exist: the service is stopped, or it listens on another path (compare its `listen` with the path in nginx).",
        commands: [`ls -l ${path}`, "systemctl restart <backend-service>   # e.g. php8.2-fpm"],
      }),
    ];
  },
};

export const unixSocketPermissionFix: CauseFix = {
  rule: "unix-socket-permission",
  plan(f, { model }) {
    const path = (peerOf(f) ?? "unix:/run/app.sock").replace(/^unix:/, "");
    const user = globalValue(model, "user").args?.[0] ?? "www-data";
    return [
      manual("unix-socket-permission", f.locations[0], {
        title: `let ${user} connect to ${path}`,
        explanation: `nginx workers run as ${user} and may not write to the socket. For PHP-FPM the pool's listen.owner/listen.group/listen.mode decide; change them and restart the pool.`,
        commands: [
          `namei -l ${path}`,
          `# in the FPM pool (e.g. /etc/php/*/fpm/pool.d/www.conf): listen.owner = ${user}, listen.group = ${user}, listen.mode = 0660`,
          "systemctl restart php*-fpm",
        ],
      }),
    ];
  },
};

export const singleServerNoBackupFix: LintFix = {
  rule: "single-server-no-backup",
  plan(report) {
    return manual("single-server-no-backup", report.directive, {
      title: "add a second server or a backup",
      explanation:
        "Only the operator knows a second instance to send traffic to: add `server HOST:PORT backup;` (or another peer) to the upstream, then run `nginx -t`; badgateway cannot pick the server for you.",
    });
  },
};
