/** Registry of lint rules. One module per rule: src/rules/lint/<id>.ts. */
import { accessLogNoUpstreamFields } from "./access-log-no-upstream-fields/rule.js";
import { connectTimeoutTooLow } from "./connect-timeout-too-low/rule.js";
import { duplicateUpstreamServer } from "./duplicate-upstream-server/rule.js";
import { errorPageSameUpstream } from "./error-page-same-upstream/rule.js";
import { fastcgiNoScriptFilename } from "./fastcgi-no-script-filename/rule.js";
import { httpsUpstreamNoSni } from "./https-upstream-no-sni/rule.js";
import { maxFailsLongFailTimeout } from "./max-fails-long-fail-timeout/rule.js";
import { nextUpstreamNonIdempotent } from "./next-upstream-non-idempotent/rule.js";
import { noStubStatus } from "./no-stub-status/rule.js";
import { passVariableNoResolver } from "./pass-variable-no-resolver/rule.js";
import { proxyBufferSizeSmall } from "./proxy-buffer-size-small/rule.js";
import { proxyPassHostnameNoResolver } from "./proxy-pass-hostname-no-resolver/rule.js";
import { proxyPassUriPrefix } from "./proxy-pass-uri-prefix/rule.js";
import { proxyReadTimeoutLow } from "./proxy-read-timeout-low/rule.js";
import { rlimitNofileLow } from "./rlimit-nofile-low/rule.js";
import { schemePortMismatch } from "./scheme-port-mismatch/rule.js";
import { singleServerNoBackup } from "./single-server-no-backup/rule.js";
import { sslVerifyWithoutTrustedCert } from "./ssl-verify-without-trusted-cert/rule.js";
import type { LintRule } from "./types.js";
import { unixSocketInTmp } from "./unix-socket-in-tmp/rule.js";
import { unknownUpstream } from "./unknown-upstream/rule.js";
import { upstreamAllDown } from "./upstream-all-down/rule.js";
import { upstreamKeepaliveHttp10 } from "./upstream-keepalive-http10/rule.js";
import { workerConnectionsSmall } from "./worker-connections-small/rule.js";

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
