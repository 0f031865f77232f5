/**
 * Registry of root-cause rules in the order they run: specific explanations first (they claim the
 * error lines they explain), generic ones after, then no-live-upstreams (which cites the others) and
 * the catch-all.
 */
import { backendDied } from "./backend-died.js";
import { configPredicts } from "./config-predicts.js";
import { connectionLimit } from "./connection-limit.js";
import { dnsStale } from "./dns-stale.js";
import { dnsUnresolvable } from "./dns-unresolvable.js";
import { ephemeralPorts } from "./ephemeral-ports.js";
import { fastcgiScriptPath } from "./fastcgi-script-path.js";
import { fdLimit } from "./fd-limit.js";
import { ingressNoEndpoints } from "./ingress-no-endpoints.js";
import { ingressStaleEndpoint } from "./ingress-stale-endpoint.js";
import { ingressUpstreamTimeout } from "./ingress-upstream-timeout.js";
import { interceptedStatus } from "./intercepted-status.js";
import { invalidResponse } from "./invalid-response.js";
import { noLiveUpstreams } from "./no-live-upstreams.js";
import { noResolver } from "./no-resolver.js";
import { permissionDenied } from "./permission-denied.js";
import { reloadChangedUpstream } from "./reload-changed-upstream.js";
import { schemeMismatch } from "./scheme-mismatch.js";
import { tlsUpstream } from "./tls-upstream.js";
import { tooBigHeader } from "./too-big-header.js";
import type { CauseRule } from "./types.js";
import { unexplained } from "./unexplained.js";
import { unixSocketMissing } from "./unix-socket-missing.js";
import { unixSocketPermission } from "./unix-socket-permission.js";
import { upstreamDown } from "./upstream-down.js";
import { upstreamOverloaded } from "./upstream-overloaded.js";
import { upstreamTimeout } from "./upstream-timeout.js";
import { uriRewrite } from "./uri-rewrite.js";
import { wrongPort } from "./wrong-port.js";

export const CAUSE_RULES: CauseRule[] = [
  backendDied,
  ingressStaleEndpoint,
  ingressNoEndpoints,
  ingressUpstreamTimeout,
  reloadChangedUpstream,
  schemeMismatch,
  wrongPort,
  dnsStale,
  tlsUpstream,
  unixSocketMissing,
  unixSocketPermission,
  upstreamOverloaded,
  permissionDenied,
  fastcgiScriptPath,
  dnsUnresolvable,
  noResolver,
  tooBigHeader,
  invalidResponse,
  upstreamTimeout,
  upstreamDown,
  connectionLimit,
  fdLimit,
  ephemeralPorts,
  uriRewrite,
  interceptedStatus,
  noLiveUpstreams,
  unexplained,
  configPredicts,
];
