import type { LintReport, LintRule } from "../types.js";

/** The same server twice in one upstream (doubled weight by accident), or an upstream name defined twice. */
export const duplicateUpstreamServer: LintRule = {
  meta: {
    id: "duplicate-upstream-server",
    title: "Duplicate server or upstream definition",
    kind: "lint",
    severity: "warning",
    status: 502,
    description:
      "A server listed twice gets twice the traffic and counts twice toward the pool, so when it fails more requests fail than expected, often after a copy-paste that meant another address. An upstream name defined twice is rejected by nginx.",
    why: "The pool is not what it looks like: one address carries extra traffic and a real server may be missing.",
    fix: "List each address once (use `weight=` for more traffic) and give each upstream a unique name.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const u of [...model.upstreams.values(), ...model.streamUpstreams.values()]) {
      const seen = new Map<string, number>();
      for (const s of u.servers) {
        const key = s.address.toLowerCase();
        const first = seen.get(key);
        if (first !== undefined)
          out.push({
            directive: s.directive,
            message: `server ${s.address} appears twice in upstream ${u.name} (first at line ${first})`,
          });
        else seen.set(key, s.directive.line);
      }
    }
    for (const p of model.problems)
      if (p.message.startsWith("duplicate upstream") && p.line !== null)
        out.push({
          directive: { name: "upstream", args: [], file: p.file, line: p.line },
          message: p.message,
        });
    return out;
  },
};
