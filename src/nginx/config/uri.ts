/**
 * How nginx maps a request URI through `location PREFIX { proxy_pass …URI; }`: when proxy_pass has a URI part
 * (even a lone "/"), the part of the request matching the location prefix is replaced by that URI. Pure.
 */

/** The path the upstream receives for `requestPath` (which must start with `locationPrefix`). */
export function rewritePath(locationPrefix: string, passUri: string, requestPath: string): string {
  return passUri + requestPath.slice(locationPrefix.length);
}

/** An example request under the prefix and where it ends up. */
export function rewriteExample(locationPrefix: string, passUri: string): { from: string; to: string } {
  const from = `${locationPrefix}${locationPrefix.endsWith("/") ? "" : "/"}items`;
  return { from, to: rewritePath(locationPrefix, passUri, from) };
}

/**
 * Mistakes visible in the configuration alone: "doubled slash" (`location /api` + `…/api/` gives `/api//x`),
 * "missing slash" (`location /api/` + `…/v1` gives `/v1x`), or "prefix doubled" (`location /api/` +
 * `…/api/api/`). Null when the join is clean.
 */
export function uriJoinProblem(locationPrefix: string, passUri: string): string | null {
  if (passUri === "") return null;
  if (passUri.endsWith("/") && !locationPrefix.endsWith("/")) return "doubled slash";
  if (!passUri.endsWith("/") && locationPrefix.endsWith("/")) return "missing slash";
  if (
    locationPrefix !== "/" &&
    passUri !== locationPrefix &&
    passUri.endsWith(locationPrefix + locationPrefix.slice(1))
  )
    return "prefix doubled";
  return null;
}
