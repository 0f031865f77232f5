/** wrong-port: point the proxy_pass / upstream server at the port the backend really listens on. */
import type { Edit } from "../../nginx/config/edits.js";
import { configRefs, splitPeer } from "../causes/util.js";
import { nearbyListener } from "../causes/wrong-port.js";
import { where } from "../finding.js";
import type { CauseFix, FixPlan } from "./types.js";
import { passArgument, plan, serverWithPort } from "./util.js";

export const wrongPortFix: CauseFix = {
  rule: "wrong-port",
  plan(finding, { model, evidence }) {
    if (!evidence?.errorLog) return [];
    const at = new Set(finding.locations.map((l) => where(l)));
    const out: FixPlan[] = [];
    for (const g of evidence.errorLog.groups) {
      if (g.class !== "connection-refused" || !g.peer) continue;
      const right = nearbyListener(evidence, g);
      if (right === null) continue;
      const { port } = splitPeer(g.peer);
      const refs = configRefs(model, g);
      for (const { upstream, server } of refs.servers) {
        if (!at.has(where(server.directive)) || server.port !== port) continue;
        const edit: Edit = { op: "set", directive: server.directive, args: serverWithPort(server, right) };
        out.push(
          plan("wrong-port", server.directive, {
            title: `upstream ${upstream.name}: server ${server.address} → port ${right}`,
            explanation: `${g.peer} refuses connections while port ${right} on the same host accepts them (probe), so the server line names the wrong port.`,
            edits: [edit],
          }),
        );
      }
      for (const p of refs.passes) {
        if (p.upstream || !at.has(where(p.directive)) || p.port !== port) continue;
        out.push(
          plan("wrong-port", p.directive, {
            title: `${p.directive.name} ${p.raw} → port ${right}`,
            explanation: `${g.peer} refuses connections while port ${right} on the same host accepts them (probe), so the ${p.directive.name} names the wrong port.`,
            edits: [{ op: "set", directive: p.directive, args: [passArgument(p, { port: right })] }],
          }),
        );
      }
    }
    return out;
  },
};
