import type { Command } from "commander";
import type { ConfNode } from "../../nginx/config/parser.js";
import { type ConfigPayload, CrossplaneJsonWriter, toCrossplaneJson } from "../../nginx/config/payload.js";
import { renderConfigErrors } from "../../report/config-errors.js";
import { safeText } from "../../report/terminal.js";
import { colors } from "../color.js";
import { EXIT } from "../exit.js";
import { writeStdoutSync } from "../stdout-sync.js";
import { loadConfigInput } from "./config-input.js";
import { summaryOf } from "./index.js";

interface InputCliOptions {
  includeComments?: boolean;
  singleFile?: boolean;
  nginxT?: string;
  fromNginx?: boolean;
}

interface ParseCliOptions extends InputCliOptions {
  indent?: string;
}

const INPUT_HELP = `Input: a main configuration file (includes are followed, relative paths resolved against its directory as
nginx does), '-' for one file on stdin (includes not followed), --nginx-t FILE|- for saved \`nginx -T\` output, or
--from-nginx to run \`nginx -T\` here (the only program badgateway runs for this; nothing else is executed).`;

function withInputOptions(cmd: Command): Command {
  return cmd
    .option("--single-file", "do not follow include directives")
    .option("--nginx-t <file>", "parse saved `nginx -T` output ('-' for stdin)")
    .option("--from-nginx", "run `nginx -T` on this host and parse its output");
}

async function load(file: string | undefined, opts: InputCliOptions, writer?: CrossplaneJsonWriter) {
  return loadConfigInput(file, {
    ...(opts.nginxT ? { nginxT: opts.nginxT } : {}),
    fromNginx: Boolean(opts.fromNginx),
    singleFile: Boolean(opts.singleFile),
    comments: Boolean(opts.includeComments),
    // The writer has written each directive when the parser reports it: no tree is kept.
    ...(writer ? { onBlockClosed: writer.blockClosed, onDirective: writer.directive, tree: false } : {}),
  });
}

/** Errors as `file:line: message` on stderr, each distinct message once with its count; exit 2 when any. */
function reportErrors(payload: ConfigPayload): void {
  if (payload.errors.length) process.stderr.write(renderConfigErrors(payload.errors));
  if (payload.errors.length) process.exitCode = EXIT.ERROR;
}

export interface ConfigFileSummary {
  index: number;
  file: string;
  status: "ok" | "failed";
  directives: number;
  includedFrom: Array<{ file: string; line: number }>;
  errors: string[];
}

/** One entry per file of the payload: how many directives it holds and which include directives pulled it in. */
export function summarizeFiles(payload: ConfigPayload): ConfigFileSummary[] {
  const out: ConfigFileSummary[] = payload.config.map((c, index) => ({
    index,
    file: c.file,
    status: c.status,
    directives: 0,
    includedFrom: [],
    errors: c.errors.map((e) => e.error),
  }));
  const walk = (owner: ConfigFileSummary, nodes: ConfNode[]) => {
    for (const n of nodes) {
      if (n.directive !== "#") owner.directives++;
      for (const i of n.includes ?? []) out[i]?.includedFrom.push({ file: owner.file, line: n.line });
      if (n.block) walk(owner, n.block);
    }
  };
  for (const [i, c] of payload.config.entries()) walk(out[i] as ConfigFileSummary, c.parsed);
  return out;
}

export function registerConfig(program: Command): void {
  const config = program.command("config").description(summaryOf("config"));
  withInputOptions(
    config
      .command("parse [file]")
      .description("Parse a configuration (following includes) into crossplane-compatible JSON."),
  )
    .option("--json", "print JSON (the default output)")
    .option("--include-comments", "keep comments as '#' entries")
    .option("--indent <n>", "pretty-print with this many spaces")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway config parse /etc/nginx/nginx.conf --json
  $ badgateway config parse /etc/nginx/nginx.conf --include-comments --indent 2
  $ badgateway config parse --single-file /etc/nginx/sites-available/default
  $ nginx -T 2>/dev/null | badgateway config parse --nginx-t -
  $ badgateway config parse --from-nginx
  $ cat site.conf | badgateway config parse -

${INPUT_HELP}

Output: {status, errors[], config[{file, status, errors[], parsed[]}]} as crossplane prints it; each directive
has directive, line, args and, when present, includes (indices into config[]) and block.
Errors are also printed on stderr as file:line: message.
Exit codes: 0 parsed cleanly, 2 syntax errors or unreadable files (still printed as far as possible).`,
    )
    .action(async (file: string | undefined, opts: ParseCliOptions) => {
      const indent = opts.indent ? Number.parseInt(opts.indent, 10) : undefined;
      // Compact output is written as UTF-8 bytes while the file is parsed (each directive as the parser meets
      // it), then in pieces with synchronous writes: large configurations take less memory and time.
      const writer = indent ? undefined : new CrossplaneJsonWriter();
      const { payload } = await load(file, opts, writer);
      if (!writer) process.stdout.write(`${JSON.stringify(toCrossplaneJson(payload), null, indent)}\n`);
      else {
        writer.write(payload, (piece) => writeStdoutSync(piece));
        writeStdoutSync("\n");
      }
      reportErrors(payload);
    });

  withInputOptions(
    config
      .command("files [file]")
      .description("List the files a configuration is made of, and where each one is included from."),
  )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      `
Examples:
  $ badgateway config files /etc/nginx/nginx.conf
  $ nginx -T 2>/dev/null | badgateway config files --nginx-t - --json

${INPUT_HELP}

JSON: [{index, file, status, directives, includedFrom[{file, line}], errors[]}], index as in config parse.
Exit codes: 0 every file read and parsed, 2 syntax errors or unreadable files.`,
    )
    .action(async (file: string | undefined, opts: InputCliOptions & { json?: boolean }) => {
      const { payload } = await load(file, opts);
      const files = summarizeFiles(payload);
      if (opts.json) process.stdout.write(`${JSON.stringify(files, null, 2)}\n`);
      else
        for (const f of files) {
          const from = safeText(f.includedFrom.map((x) => `${x.file}:${x.line}`).join(", "));
          const pc = colors();
          const status = f.status === "ok" ? pc.green("ok") : pc.red("failed");
          process.stdout.write(
            `${String(f.index).padStart(3)}  ${status}  ${safeText(f.file)}  ${pc.dim(`${f.directives} directives${from ? `, included from ${from}` : ""}`)}\n`,
          );
        }
      reportErrors(payload);
    });
}
