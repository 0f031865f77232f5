/** Turns probe results into the ProbeFacts the diagnose rules read (one fact per failed step, plus nearby listeners). */
import type { ProbeFact } from "../types.js";
import type { ProbeReport } from "./types.js";

export function probeFacts(report: ProbeReport): ProbeFact[] {
  const out: ProbeFact[] = [];
  for (const r of report.results) {
    const t = r.target;
    const peer = t.kind === "unix" ? `unix:${t.unixPath}` : t.host && t.port ? `${t.host}:${t.port}` : null;
    const near = r.steps.find((s) => s.check === "listeners")?.data?.["nearbyListeners"];
    for (const s of r.steps) {
      if (s.check === "listeners") continue;
      // A check the deadline stopped says nothing about the upstream.
      if (s.problem === "deadline") continue;
      if (s.ok && s.check !== "tls") continue;
      out.push({
        target: t.id,
        peer,
        check: s.check,
        ok: s.ok,
        problem: s.problem,
        summary:
          Array.isArray(near) && near.length && s.problem === "connection-refused"
            ? `${s.summary}; listening nearby: ${(near as Array<{ address: string; port: number }>).map((l) => `${l.address}:${l.port}`).join(", ")}`
            : s.summary,
        data: {
          ...(s.data ?? {}),
          ...(near && s.problem === "connection-refused" ? { nearbyListeners: near } : {}),
          ...(s.check === "tls" ? { tls: true } : {}),
        },
      });
    }
  }
  return out;
}
