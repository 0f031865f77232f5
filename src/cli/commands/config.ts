import type { Command } from "commander";
import type { ConfNode } from "../../nginx/config/parser.js";
import { EXIT } from "../exit.js";
import { loadConfigInput } from "./config-input.js";

function toJson(n: ConfNode): Record<string, unknown> {
  const o: Record<string, unknown> = { directive: n.directive, line: n.line, args: n.args };
  if (n.comment !== undefined) o["comment"] = n.comment;
  if (n.includes) o["includes"] = n.includes;
  if (n.block) o["block"] = n.block.map(toJson);
  return o;
}

interface ParseCliOptions {
  includeComments?: boolean;
  singleFile?: boolean;
  nginxT?: string;
  fromNginx?: boolean;
  indent?: string;
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("Work with nginx configuration files.");
  config
    .command("parse [file]")
    .description("Parse a configuration (following includes) into crossplane-compatible JSON.")
    .option("--json", "print JSON (the default output)")
    .option("--include-comments", "keep comments as '#' entries")
    .option("--single-file", "do not follow include directives")
    .option("--nginx-t <file>", "parse saved `nginx -T` output ('-' for stdin)")
    .option("--from-nginx", "run `nginx -T` on this host and parse its output")
    .option("--indent <n>", "pretty-print with this many spaces")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway config parse /etc/nginx/nginx.conf --json
  $ nginx -T 2>/dev/null | badgateway config parse --nginx-t -
  $ cat site.conf | badgateway config parse -

Output: {status, errors[], config[{file, status, errors[], parsed[]}]} as crossplane prints it; each directive
has directive, line, args and, when present, includes (indices into config[]) and block.
Exit codes: 0 parsed cleanly, 2 syntax errors or unreadable files (still printed as far as possible).`,
    )
    .action(async (file: string | undefined, opts: ParseCliOptions) => {
      const { payload } = await loadConfigInput(file, {
        ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
        fromNginx: Boolean(opts.fromNginx),
        singleFile: Boolean(opts.singleFile),
        comments: Boolean(opts.includeComments),
      });
      const out = {
        status: payload.status,
        errors: payload.errors.map((e) => ({ file: e.file, error: e.error, line: e.line })),
        config: payload.config.map((c) => ({
          file: c.file,
          status: c.status,
          errors: c.errors.map((e) => ({ error: e.error, line: e.line })),
          parsed: c.parsed.map(toJson),
        })),
      };
      const indent = opts.indent ? Number.parseInt(opts.indent, 10) : undefined;
      process.stdout.write(`${JSON.stringify(out, null, indent)}\n`);
      for (const e of payload.errors)
        process.stderr.write(
          `${e.message !== undefined ? `${e.file}:${e.line ?? "?"}: ${e.message}` : e.error}\n`,
        );
      if (payload.errors.length) process.exitCode = EXIT.ERROR;
    });
}
