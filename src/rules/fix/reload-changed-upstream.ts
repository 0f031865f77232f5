/**
 * reload-changed-upstream: a reload moved traffic from a peer that answered to one that does not. The fix puts
 * the address that answered (from the access log) back on the line now in force.
 */
import { splitPeer } from "../causes/util.js";
import type { CauseFix, FixPlan } from "./types.js";
import { passArgument, plan, refsOf, serverWithPort } from "./util.js";

export const reloadChangedUpstreamFix: CauseFix = {
  rule: "reload-changed-upstream",
  plan(finding, { model }) {
    const peerOf = (source: string) =>
      finding.evidence.find((e) => e.source === source && typeof e.data?.["peer"] === "string")?.data?.[
        "peer"
      ] as string | undefined;
    const oldPeer = peerOf("access-log");
    const newPeer = peerOf("error-log");
    if (!oldPeer || !newPeer) return [];
    const was = splitPeer(oldPeer);
    const now = splitPeer(newPeer);
    if (was.host === null || was.port === null || was.host !== now.host) return [];
    const port = was.port;
    const out: FixPlan[] = [];
    const refs = refsOf(finding, model);
    const why = `Before the reload ${oldPeer} answered these requests (access log); since it, ${newPeer} fails. Only the port differs, so the old one goes back.`;
    for (const p of refs.passes)
      if (!p.upstream && p.port === now.port)
        out.push(
          plan("reload-changed-upstream", p.directive, {
            title: `${p.directive.name} ${p.raw} → back to port ${port}`,
            explanation: why,
            edits: [{ op: "set", directive: p.directive, args: [passArgument(p, { port })] }],
          }),
        );
    for (const { server } of refs.servers)
      if (server.port === now.port)
        out.push(
          plan("reload-changed-upstream", server.directive, {
            title: `server ${server.address} → back to port ${port}`,
            explanation: why,
            edits: [{ op: "set", directive: server.directive, args: serverWithPort(server, port) }],
          }),
        );
    return out;
  },
};
