/**
 * Where a configuration serves stub_status, as a URL badgateway can read from this host. Pure.
 */
import type { ConfigModel } from "./model.js";

/**
 * The first `stub_status` location reachable over plain HTTP: an exact (`=`) or prefix location of a server with a
 * TCP `listen` without `ssl`. The address is the listen address, or 127.0.0.1 for a wildcard or a name; null when
 * the configuration has no such location.
 */
export function stubStatusUrl(model: ConfigModel): string | null {
  for (const loc of model.locations) {
    if (loc.server.stream || !(loc.modifier === "" || loc.modifier === "=" || loc.modifier === "^~"))
      continue;
    if (!loc.scope.directives.some((d) => d.name === "stub_status")) continue;
    if (!loc.path.startsWith("/") || /[\s?#]/.test(loc.path)) continue;
    const listen = loc.server.listen.find((l) => l.port !== null && l.unixPath === null && !l.ssl);
    if (!listen) continue;
    const a = listen.address;
    const host =
      a === null || a === "*" || a === "0.0.0.0" || a === "[::]" || a === "::"
        ? "127.0.0.1"
        : /^[\d.]+$/.test(a) || a.startsWith("[")
          ? a
          : a.includes(":")
            ? `[${a}]`
            : "127.0.0.1";
    return `http://${host}:${listen.port}${loc.path}`;
  }
  return null;
}
