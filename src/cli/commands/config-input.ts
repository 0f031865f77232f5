/** How commands get a configuration: a file (includes followed), `-` (stdin), saved `nginx -T` text, or `nginx -T` run here. */
import {
  loadConfig,
  loadNginxT,
  maxConfigBytes,
  maxConfigDepth,
  readConfigText,
  runNginxT,
} from "../../evidence/config-loader.js";
import type { ConfNode } from "../../nginx/config/parser.js";
import type { ConfigPayload } from "../../nginx/config/payload.js";
import { loadPayload } from "../../nginx/config/payload.js";
import { UserError } from "../exit.js";

export interface ConfigInputOptions {
  nginxT?: string;
  fromNginx?: boolean;
  singleFile?: boolean;
  comments?: boolean;
  /** Passed to the parser (see LoadOptions.onBlockClosed). */
  onBlockClosed?: (owner: ConfNode) => void;
  /** Passed to the parser (see LoadOptions.onDirective). */
  onDirective?: (node: ConfNode, level: number) => void;
  /** false: the payload's trees are left empty (see LoadOptions.tree). */
  tree?: boolean;
}

function readText(file: string): string {
  const r = readConfigText(file === "-" ? 0 : file, { allowPipe: true });
  if ("error" in r) throw new UserError(`cannot read ${file === "-" ? "stdin" : file}: ${r.error}`);
  return r.text;
}

export async function loadConfigInput(
  file: string | undefined,
  o: ConfigInputOptions,
): Promise<{ payload: ConfigPayload; source: string }> {
  try {
    maxConfigBytes();
    maxConfigDepth();
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const opts = { comments: Boolean(o.comments), singleFile: Boolean(o.singleFile) };
  const streaming = {
    ...(o.onBlockClosed ? { onBlockClosed: o.onBlockClosed } : {}),
    ...(o.onDirective ? { onDirective: o.onDirective } : {}),
    ...(o.tree === false ? { tree: false } : {}),
  };
  if (o.fromNginx) {
    let text: string;
    try {
      text = await runNginxT();
    } catch (e) {
      throw new UserError((e as Error).message);
    }
    return { payload: loadNginxT(text, opts), source: "nginx -T" };
  }
  if (o.nginxT)
    return {
      payload: loadNginxT(readText(o.nginxT), opts),
      source: o.nginxT === "-" ? "nginx -T (stdin)" : o.nginxT,
    };
  if (!file) throw new UserError("give a configuration file, '-' for stdin, --nginx-t FILE or --from-nginx");
  if (file === "-") {
    const text = readText("-");
    const payload = loadPayload(
      "(stdin)",
      { read: () => ({ text }), glob: () => [] },
      { ...opts, ...streaming, singleFile: true },
    );
    return { payload, source: "(stdin)" };
  }
  const payload = loadConfig(file, { ...opts, ...streaming });
  if (payload.config.length === 0) throw new UserError(payload.errors[0]?.error ?? `cannot read ${file}`);
  return { payload, source: file };
}
