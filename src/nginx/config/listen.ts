/** What nginx itself listens on, from the configuration model (pure). */
import type { ConfigModel } from "./model.js";

/**
 * The TCP ports nginx itself listens on, from every server's `listen` (http and stream); a server without
 * `listen` listens on 80 (nginx's default `*:80`, or `*:8000` when not started as root: both are counted).
 */
export function listenPorts(model: ConfigModel): number[] {
  const out = new Set<number>();
  for (const s of model.servers) {
    if (s.listen.length === 0 && !s.stream) {
      out.add(80);
      out.add(8000);
    }
    for (const l of s.listen) if (l.port !== null) out.add(l.port);
  }
  return [...out].sort((a, b) => a - b);
}
