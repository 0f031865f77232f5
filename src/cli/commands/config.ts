import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { type ConfNode, formatParseError, parseConfig } from "../../nginx/config/parser.js";
import { EXIT, UserError } from "../exit.js";

function toJson(n: ConfNode): Record<string, unknown> {
  const o: Record<string, unknown> = { directive: n.directive, line: n.line, args: n.args };
  if (n.comment !== undefined) o["comment"] = n.comment;
  if (n.includes) o["includes"] = n.includes;
  if (n.block) o["block"] = n.block.map(toJson);
  return o;
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description("Work with nginx configuration files.");
  config
    .command("parse <file>")
    .description("Parse one nginx configuration file ('-' for stdin) into crossplane-shaped JSON.")
    .option("--json", "print JSON (the default output)")
    .option("--include-comments", "keep comments as '#' entries")
    .addHelpText(
      "after",
      "\nExamples:\n  $ badgateway config parse /etc/nginx/nginx.conf --json\n  $ cat site.conf | badgateway config parse -",
    )
    .action((file: string, opts: { includeComments?: boolean }) => {
      let text: string;
      try {
        text = readFileSync(file === "-" ? 0 : file, "utf8");
      } catch (e) {
        throw new UserError(`cannot read ${file}: ${(e as Error).message}`);
      }
      const name = file === "-" ? "(stdin)" : file;
      const r = parseConfig(text, { file: name, comments: Boolean(opts.includeComments) });
      const status = r.errors.length ? "failed" : "ok";
      const payload = {
        status,
        errors: r.errors.map((e) => ({
          file: e.file,
          error: `${e.message} in ${e.file}:${e.line}`,
          line: e.line,
        })),
        config: [
          {
            file: name,
            status,
            errors: r.errors.map((e) => ({ error: `${e.message} in ${e.file}:${e.line}`, line: e.line })),
            parsed: r.parsed.map(toJson),
          },
        ],
      };
      process.stdout.write(`${JSON.stringify(payload)}\n`);
      for (const e of r.errors) process.stderr.write(`${formatParseError(e)}\n`);
      if (r.errors.length) process.exitCode = EXIT.ERROR;
    });
}
