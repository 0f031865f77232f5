import { effective } from "../../../nginx/config/model.js";
import { parseSize } from "../../../nginx/config/units.js";
import type { LintReport, LintRule } from "../types.js";
import { httpPasses } from "../util.js";

const AUTHY = /(auth|login|logout|oauth|oidc|sso|saml|session|callback|token|account)/i;

/** Response headers with big cookies overflow the default one-page proxy_buffer_size. */
export const proxyBufferSizeSmall: LintRule = {
  meta: {
    id: "proxy-buffer-size-small",
    title: "proxy_buffer_size may be too small for this location's headers",
    kind: "lint",
    severity: "info",
    status: 502,
    description:
      'The whole upstream response header must fit in proxy_buffer_size (one memory page, 4k, by default). Login, SSO and session endpoints often send several large Set-Cookie headers; when they do not fit, nginx logs "upstream sent too big header" and returns 502.',
    why: "Large Set-Cookie/Location headers overflow the header buffer.",
    fix: "Raise it where big headers are expected: `proxy_buffer_size 16k; proxy_buffers 8 16k; proxy_busy_buffers_size 32k;`.",
    nginxVersions: "all",
  },
  check(model) {
    const out: LintReport[] = [];
    for (const p of httpPasses(model, ["proxy"])) {
      const size = effective(model, p.scope, "proxy_buffer_size");
      const bytes = size.args?.[0] ? parseSize(size.args[0]) : null;
      if (bytes === null || bytes > 4096) continue;
      const buffers = effective(model, p.scope, "proxy_buffers").directives[0];
      const biggerBuffers = buffers ? (parseSize(buffers.args[1] ?? "") ?? 0) > bytes : false;
      const authy = p.location !== null && AUTHY.test(p.location.path);
      if (!biggerBuffers && !authy) continue;
      out.push({
        directive: p.directive,
        related: buffers ? [buffers] : [],
        message: biggerBuffers
          ? `proxy_buffers were raised but proxy_buffer_size is still ${size.args?.[0]}${size.source === "default" ? " (default)" : ""}; response headers must fit in proxy_buffer_size`
          : `location ${p.location?.path} looks like an auth/session endpoint but proxy_buffer_size is ${size.args?.[0]}${size.source === "default" ? " (default)" : ""}`,
      });
    }
    return out;
  },
};
