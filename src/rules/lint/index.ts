/** Registry of lint rules. One module per rule: src/rules/lint/<id>.ts. */
import { accessLogNoUpstreamFields } from "./access-log-no-upstream-fields.js";
import { connectTimeoutTooLow } from "./connect-timeout-too-low.js";
import { duplicateUpstreamServer } from "./duplicate-upstream-server.js";
import { errorPageSameUpstream } from "./error-page-same-upstream.js";
import { fastcgiNoScriptFilename } from "./fastcgi-no-script-filename.js";
import { httpsUpstreamNoSni } from "./https-upstream-no-sni.js";
import { maxFailsLongFailTimeout } from "./max-fails-long-fail-timeout.js";
import { nextUpstreamNonIdempotent } from "./next-upstream-non-idempotent.js";
import { noStubStatus } from "./no-stub-status.js";
import { passVariableNoResolver } from "./pass-variable-no-resolver.js";
import { proxyBufferSizeSmall } from "./proxy-buffer-size-small.js";
import { proxyPassHostnameNoResolver } from "./proxy-pass-hostname-no-resolver.js";
import { proxyPassUriPrefix } from "./proxy-pass-uri-prefix.js";
import { proxyReadTimeoutLow } from "./proxy-read-timeout-low.js";
import { rlimitNofileLow } from "./rlimit-nofile-low.js";
import { schemePortMismatch } from "./scheme-port-mismatch.js";
import { singleServerNoBackup } from "./single-server-no-backup.js";
import { sslVerifyWithoutTrustedCert } from "./ssl-verify-without-trusted-cert.js";
import type { LintRule } from "./types.js";
import { unixSocketInTmp } from "./unix-socket-in-tmp.js";
import { unknownUpstream } from "./unknown-upstream.js";
import { upstreamAllDown } from "./upstream-all-down.js";
import { upstreamKeepaliveHttp10 } from "./upstream-keepalive-http10.js";
import { workerConnectionsSmall } from "./worker-connections-small.js";

export const LINT_RULES: LintRule[] = [
  accessLogNoUpstreamFields,
  connectTimeoutTooLow,
  duplicateUpstreamServer,
  errorPageSameUpstream,
  fastcgiNoScriptFilename,
  httpsUpstreamNoSni,
  maxFailsLongFailTimeout,
  nextUpstreamNonIdempotent,
  noStubStatus,
  passVariableNoResolver,
  proxyBufferSizeSmall,
  proxyPassHostnameNoResolver,
  proxyPassUriPrefix,
  proxyReadTimeoutLow,
  rlimitNofileLow,
  schemePortMismatch,
  singleServerNoBackup,
  sslVerifyWithoutTrustedCert,
  unixSocketInTmp,
  unknownUpstream,
  upstreamAllDown,
  upstreamKeepaliveHttp10,
  workerConnectionsSmall,
];
