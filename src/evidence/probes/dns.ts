/** DNS: what the system resolver and nginx's configured resolvers say now, and whether nginx's address is stale. */
import { promises as dns } from "node:dns";
import { stoppedStep } from "./tcp.js";
import type { ProbeStep } from "./types.js";

/** `p`, or a rejection after `ms` or when the overall deadline fires (the timer never outlives the race). */
function withTimeout<T>(p: Promise<T>, ms: number, signal?: AbortSignal, cancel?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { code: "ETIMEOUT" })), ms);
    onAbort = () => {
      cancel?.();
      reject(Object.assign(new Error("stopped by the overall deadline"), { code: "DEADLINE" }));
    };
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([p, stop]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  });
}

export async function resolveName(
  name: string,
  opts: { resolvers?: string[]; seen?: string[]; timeoutMs: number; signal?: AbortSignal },
): Promise<ProbeStep> {
  const t0 = performance.now();
  const answers = new Set<string>();
  const sources: string[] = [];
  const failures: string[] = [];
  if (opts.resolvers?.length) {
    for (const r of opts.resolvers) {
      const res = new dns.Resolver({ timeout: opts.timeoutMs, tries: 1 });
      res.setServers([r]);
      try {
        for (const a of await withTimeout(res.resolve4(name), opts.timeoutMs + 200, opts.signal, () =>
          res.cancel(),
        ))
          answers.add(a);
        sources.push(r);
      } catch (e) {
        failures.push(`${r}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  } else {
    try {
      for (const a of await withTimeout(dns.lookup(name, { all: true }), opts.timeoutMs, opts.signal))
        answers.add(a.address);
      sources.push("system resolver");
    } catch (e) {
      failures.push(`system resolver: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const addresses = [...answers];
  if (addresses.length === 0 && opts.signal?.aborted)
    return stoppedStep("dns", `no answer for ${name}`, performance.now() - t0);
  if (addresses.length === 0)
    return {
      check: "dns",
      ok: false,
      problem: "dns-unresolvable",
      summary: `${name} does not resolve (${failures.join("; ")}); nginx would fail to load with "host not found in upstream"`,
      data: { name, failures },
    };
  const stale = (opts.seen ?? []).filter((ip) => !answers.has(ip));
  if (stale.length)
    return {
      check: "dns",
      ok: false,
      problem: "dns-stale",
      summary: `${name} now resolves to ${addresses.join(", ")}, but nginx was seen using ${stale.join(", ")}`,
      data: { name, addresses, seen: stale, sources },
    };
  return {
    check: "dns",
    ok: true,
    problem: null,
    summary: `${name} → ${addresses.join(", ")} (${sources.join(", ")})`,
    data: { name, addresses, sources },
  };
}
