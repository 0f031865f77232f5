import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0] as number;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j] as number;
      d[j] = Math.min((d[j] as number) + 1, (d[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length] as number;
}

/** proxy_pass to a bare name that is no upstream{} block: usually a typo, nginx then treats it as a hostname. */
export const unknownUpstream: LintRule = {
  meta: {
    id: "unknown-upstream",
    title: "proxy_pass names an upstream that does not exist",
    kind: "lint",
    severity: "error",
    status: 502,
    description:
      'When the name in proxy_pass matches no upstream{} block, nginx treats it as a hostname: start-up fails with "host not found in upstream", or — if the name happens to resolve — traffic goes somewhere unexpected.',
    why: "A typo in an upstream name turns into a DNS lookup of that name.",
    fix: "Use the exact name of the upstream{} block (names compare case-insensitively), or define the block.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    const names = [...model.upstreams.values()].map((u) => u.name);
    for (const p of httpPasses(model)) {
      if (p.upstream || p.hasVariables || p.unixPath || !p.host) continue;
      if (
        p.host.includes(".") ||
        p.host.includes(":") ||
        p.host.startsWith("[") ||
        p.host.toLowerCase() === "localhost"
      )
        continue;
      if (!p.portIsDefault && p.port !== null) continue;
      const best = names
        .map((n) => ({ n, d: distance(n.toLowerCase(), p.host?.toLowerCase() ?? "") }))
        .sort((a, b) => a.d - b.d)[0];
      const hint =
        best && best.d <= Math.max(2, Math.floor(best.n.length / 3))
          ? ` — did you mean upstream "${best.n}"?`
          : "";
      out.push({
        directive: p.directive,
        message: `"${p.host}" in \`${p.directive.name} ${p.raw}\` is not an upstream{} block, so nginx will look it up as a hostname${hint}`,
      });
    }
    return out;
  },
};
