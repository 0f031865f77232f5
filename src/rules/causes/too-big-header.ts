import { effective } from "../../nginx/config/model.js";
import { where } from "../finding.js";
import { atConfig, classRule } from "./simple.js";
import type { CauseRule } from "./types.js";

/** The upstream's response header did not fit proxy_buffer_size. */
export const tooBigHeader: CauseRule = classRule({
  meta: {
    id: "too-big-header",
    title: "Upstream response headers exceed the buffer (proxy_buffer_size)",
    kind: "cause",
    severity: "error",
    status: 502,
    description:
      "nginx reads the whole response header into one buffer of proxy_buffer_size (fastcgi_buffer_size…). Large cookies, long redirects or many headers overflow it and the request fails with 502.",
    nginxVersions: "all",
  },
  classes: ["too-big-header"],
  base: 0.96,
  what: '"upstream sent too big header"',
  message: (_gs, refs, ev) => {
    const p = refs.passes[0];
    const model = ev.config?.model;
    const mod = p?.module === "stream-proxy" ? "proxy" : (p?.module ?? "proxy");
    const size = p && model ? effective(model, p.scope, `${mod}_buffer_size`) : null;
    const cur = size?.args
      ? ` (currently ${size.args[0]}${size.source === "default" ? ", the default" : ""})`
      : "";
    return `The upstream${atConfig(refs)} sends response headers larger than ${mod}_buffer_size${cur}; nginx gives up with 502. Typical culprits: big Set-Cookie headers, long Location URLs, many Link headers.`;
  },
  fix: (_gs, refs) => {
    const p = refs.passes[0];
    const mod = p?.module === "stream-proxy" ? "proxy" : (p?.module ?? "proxy");
    return `Raise the buffers where ${p ? `${where(p.directive)} is` : "the upstream is"} configured: \`${mod}_buffer_size 16k; ${mod}_buffers 8 16k;\`${mod === "proxy" ? " `proxy_busy_buffers_size 32k;`" : ""} — and ask the app team to shrink what they send in headers.`;
  },
  verify: (gs) =>
    `\`curl -s -o /dev/null -D - ${gs[0]?.upstream ?? "http://UPSTREAM/PATH"} | wc -c\` shows the header size the backend sends; after reload it fits in the new buffer and no "too big header" lines appear.`,
});
