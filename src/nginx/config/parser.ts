/** nginx configuration parser (pure). Output nodes are shaped like crossplane's `parsed` entries. */
import { CLOSE, COMMENT, END, Lexer, OPEN, SEMI, WORD } from "./lexer.js";

export interface ConfNode {
  directive: string;
  line: number;
  args: string[];
  /** File the directive was read from (not part of crossplane's JSON). */
  file: string;
  includes?: number[];
  block?: ConfNode[];
  comment?: string;
}

export interface ParseError {
  file: string;
  line: number | null;
  message: string;
}

export interface ParseOptions {
  file: string;
  comments?: boolean;
}

/** `file:line: message`, the way badgateway prints configuration errors. */
export function formatParseError(e: ParseError): string {
  return `${e.file}${e.line === null ? "" : `:${e.line}`}: ${e.message}`;
}

function prepareIf(args: string[]): void {
  const first = args[0];
  const last = args[args.length - 1];
  if (first === undefined || last === undefined || !first.startsWith("(") || !last.endsWith(")")) return;
  args[0] = first.slice(1).trimStart();
  args[args.length - 1] = (args[args.length - 1] as string).slice(0, -1).trimEnd();
  const start = args[0] === "" ? 1 : 0;
  const end = args.length - (args[args.length - 1] === "" ? 1 : 0);
  args.splice(0, args.length, ...args.slice(start, Math.max(start, end)));
}

/** Parses one file's text. Never throws: syntax problems become errors and parsing continues. */
export function parseConfig(src: string, opts: ParseOptions): { parsed: ConfNode[]; errors: ParseError[] } {
  const lx = new Lexer(src);
  const file = opts.file;
  const errors: ParseError[] = [];
  const err = (line: number, message: string) => errors.push({ file, line, message });

  const block = (depth: number): ConfNode[] => {
    const out: ConfNode[] = [];
    for (;;) {
      const k = lx.next();
      if (k === END) {
        if (depth > 0) err(lx.line, 'unexpected end of file, expecting "}"');
        return out;
      }
      if (k === CLOSE) {
        if (depth > 0) return out;
        err(lx.line, 'unexpected "}"');
        continue;
      }
      if (k === COMMENT) {
        if (opts.comments) out.push({ directive: "#", line: lx.line, args: [], file, comment: lx.value });
        continue;
      }
      if (k === SEMI) {
        err(lx.line, 'unexpected ";"');
        continue;
      }
      if (k === OPEN) {
        err(lx.line, 'unexpected "{"');
        block(depth + 1);
        continue;
      }
      const node: ConfNode = { directive: lx.value, line: lx.line, args: [], file };
      let argComments: ConfNode[] | null = null;
      let term: number;
      for (;;) {
        const t = lx.next();
        if (t === WORD) node.args.push(lx.value);
        else if (t === COMMENT) {
          if (opts.comments) {
            argComments ??= [];
            argComments.push({ directive: "#", line: node.line, args: [], file, comment: lx.value });
          }
        } else {
          term = t;
          break;
        }
      }
      if (node.directive === "if") prepareIf(node.args);
      out.push(node);
      if (term === OPEN) node.block = block(depth + 1);
      if (argComments) out.push(...argComments);
      if (term === CLOSE) {
        err(lx.line, 'unexpected "}"');
        if (depth > 0) return out;
      } else if (term === END) {
        err(lx.line, 'unexpected end of file, expecting ";" or "}"');
        return out;
      }
    }
  };
  const parsed = block(0);
  for (const e of lx.errors) err(e.line, e.message);
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { parsed, errors };
}
