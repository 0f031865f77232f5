import type { Evidence } from "../../evidence/types.js";
import type { ConfigModel } from "../../nginx/config/model.js";
import type { ErrorClass } from "../../nginx/errorlog/taxonomy.js";
import { finding, where } from "../finding.js";
import type { Finding } from "../types.js";
import type { CauseContext, CauseRule } from "./types.js";
import { claim, configRefs, errorItem, groupsOf, refItems, refLocations, splitPeer } from "./util.js";

/** Failures that start the moment a configuration points somewhere else. */
const CLASSES: ErrorClass[] = [
  "connection-refused",
  "connect-timeout",
  "host-unreachable",
  "network-unreachable",
  "unix-socket-missing",
  "unix-socket-permission",
  "tls-handshake",
  "dns-failure",
];

/** How soon after a reload the first failure must come for the reload to be named. */
const WINDOW_MS = 10 * 60 * 1000;

const ms = (iso: string) => Date.parse(`${iso}Z`);

/** Is host:port (or unix:path) used anywhere in the configuration as a backend? */
function inConfig(model: ConfigModel, peer: string): boolean {
  const p = splitPeer(peer);
  const same = (h: string | null) =>
    h !== null &&
    p.host !== null &&
    h.replace(/^\[|\]$/g, "").toLowerCase() === p.host.replace(/^\[|\]$/g, "").toLowerCase();
  for (const t of model.passes) {
    if (p.unix ? t.unixPath === p.unix : same(t.host) && t.port === p.port) return true;
    // A name may resolve to any address: a peer on its port is not called gone.
    if (t.isHostname && t.port === p.port) return true;
  }
  for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()])
    for (const s of u.servers)
      if (p.unix ? s.unixPath === p.unix : same(s.host) && s.port === p.port) return true;
  return false;
}

/**
 * A reload changed where a location sends its requests: failures toward a peer start right after nginx's
 * "reconfiguring", while the access log shows another peer — one the current configuration no longer names —
 * answering before. The fix is to put the old target back or correct the new line.
 */
export const reloadChangedUpstream: CauseRule = {
  meta: {
    id: "reload-changed-upstream",
    title: "A configuration reload pointed nginx at a backend that does not answer",
    kind: "cause",
    severity: "error",
    status: 502,
    uses: "Error-log reload notes (`…, reconfiguring`) and the first failure after them; access-log peers that answered but that the current configuration no longer names; the proxy_pass/upstream lines now in force, which must name the failing peer.",
    description:
      "The failures began right after nginx loaded a new configuration, and requests were answered by another peer before: the reload changed the address, port or socket a location sends to, and the new one does not answer.",
    nginxVersions: "all",
  },
  diagnose(ev: Evidence, ctx: CauseContext): Finding[] {
    const reloads = ev.errorLog?.reloads ?? [];
    const model = ev.config?.model;
    const acc = ev.accessLog;
    if (reloads.length === 0 || !model || !acc || !acc.fields.upstreamAddr) return [];
    // Peers that answered (anything but 502/504) and that the configuration no longer names.
    const gone = Object.entries(acc.byPeer)
      .filter(([peer, s]) => s.requests - s.s502 - s.s504 > 0 && !inConfig(model, peer))
      .sort((a, b) => b[1].requests - a[1].requests);
    if (gone.length === 0) return [];
    const out: Finding[] = [];
    for (const g of groupsOf(ev, ctx, CLASSES)) {
      // The failing peer must be what the configuration in force names: otherwise the reload did not send
      // requests there, and old answered peers elsewhere are no evidence that it did.
      if (!g.first || !g.peer || !inConfig(model, g.peer)) continue;
      const first = ms(g.first);
      const before = reloads.filter((r) => ms(r) <= first + 1000);
      const at = before[before.length - 1];
      if (at === undefined || first - ms(at) > WINDOW_MS) continue;
      // The old peer: on the same host as the new one when there is such a peer, else the busiest one gone.
      const host = splitPeer(g.peer).host;
      const old =
        gone.find(([p]) => host !== null && splitPeer(p).host === host) ?? (gone[0] as (typeof gone)[number]);
      const [oldPeer, oldStats] = old;
      const refs = configRefs(model, g);
      const line = refs.passes[0]?.directive ?? refs.servers[0]?.server.directive;
      const loc = refs.passes[0]?.location?.path ?? g.uris[0] ?? null;
      claim(ctx, [g]);
      const answered = oldStats.requests - oldStats.s502 - oldStats.s504;
      out.push(
        finding(this.meta, {
          confidence: 0.96,
          status: g.class === "connect-timeout" ? 504 : 502,
          message: `At ${at.replace("T", " ")} nginx was reloaded; ${loc ? `${loc} ` : "requests "}went from ${oldPeer} (${answered} answered in the access log) to ${g.peer} (${g.class.replace(/-/g, " ")}, ${g.count} line${g.count === 1 ? "" : "s"} from ${g.first.replace("T", " ")}).${line ? ` The line now in force is \`${line.name} ${line.args.join(" ")}\` at ${where(line)}.` : ""} The new configuration points at a backend that does not answer; the old one did.`,
          evidence: [
            {
              source: "error-log",
              summary: `configuration reloaded at ${at}; first ${g.class} toward ${g.peer} at ${g.first}`,
              data: { reload: at, first: g.first, peer: g.peer },
            },
            errorItem(g, g.class),
            {
              source: "access-log",
              summary: `${oldPeer} answered ${answered} request(s) and is not named in the current configuration`,
              data: { peer: oldPeer, requests: oldStats.requests, count: answered },
            },
            ...refItems(refs),
          ],
          fix: `Put the target back to ${oldPeer}${line ? ` in \`${line.name} ${line.args.join(" ")}\` at ${where(line)}` : ""} (or correct it to the address the backend really listens on), then \`nginx -t && nginx -s reload\`. Compare with the previous version of the file (\`git diff\`, your config management, or the backup) to see what else the change touched.`,
          verify: `After the reload, \`curl -sS -o /dev/null -w '%{http_code}\\n' http://${oldPeer}/\` answers, the error log shows no new lines toward ${g.peer}, and the access log's $upstream_addr is ${oldPeer} again.`,
          locations: refLocations(refs),
        }),
      );
    }
    return out;
  },
};
