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
  /** Byte offsets into the file's text as given (only with `ParseOptions.offsets`; not part of crossplane's JSON). */
  span?: Span;
}

/**
 * Where a directive sits in its file: offsets into the text as given (UTF-16 code units of the JS string, end
 * exclusive). `args` are the raw tokens (quotes included; for `if` they still carry the parentheses the parser
 * strips from `args`). `end` is just past the `;` (or the `{` of a block); `close` is the block's `}`.
 */
export interface Span {
  start: number;
  nameEnd: number;
  args: Array<[number, number]>;
  end: number;
  close?: number;
}

export interface ParseError {
  file: string;
  line: number | null;
  message: string;
}

export interface ParseOptions {
  file: string;
  comments?: boolean;
  /** Deepest nesting read (default DEFAULT_MAX_DEPTH); deeper blocks are skipped with an error. */
  maxDepth?: number;
  /** Levels of nesting the including files already use at the `include` that reads this file. */
  depthOffset?: number;
  /** Record each node's `span` (for the byte-preserving writer, src/nginx/config/writer.ts). */
  offsets?: boolean;
  /**
   * Called when the block of `owner` is closed, its contents complete (at the end of the text for blocks still
   * open, innermost first): a writer can turn them into output right away and let them go
   * (src/nginx/config/payload.ts, `config parse`).
   */
  onBlockClosed?: (owner: ConfNode) => void;
  /**
   * Called for each directive once its arguments are read (and its block, if any, opened but not yet read),
   * and for each comment node, in document order, with its nesting level in this file (0 at the top): the
   * order and levels of a pre-order walk of the finished tree (a comment among a directive's arguments comes
   * after that directive's block, where the tree has it), so includes can be wired and output written while
   * parsing. Directives inside a stray `{ … }` (an error; the tree drops them) are reported too, at their level.
   */
  onDirective?: (node: ConfNode, level: number) => void;
  /**
   * false: nodes are only reported (onDirective, onBlockClosed), not kept — `parsed` and every block stay empty,
   * so nothing of the tree outlives its directive (a writer that has already written it needs no tree).
   */
  tree?: boolean;
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

/**
 * How deep blocks may nest (levels of `{`, counting the levels of the files that include this one). nginx has
 * no limit of its own — its parser recurses and crashes (SIGSEGV) somewhere between 30,000 and 100,000 levels
 * with an 8 MiB stack — so this is badgateway's: deeper blocks are skipped with an error instead of
 * exhausting the call stacks of everything that walks the tree afterwards.
 */
export const DEFAULT_MAX_DEPTH = 256;

/** The error for blocks nested deeper than `max` levels. */
export function tooDeepMessage(max: number): string {
  return `blocks and includes nested more than ${max} levels deep: the deeper levels are not read (badgateway's limit; raise it with BADGATEWAY_MAX_CONFIG_DEPTH)`;
}

/**
 * Parses one file's text. Never throws: syntax problems become errors and parsing continues. Iterative, so
 * the nesting depth is limited only by `maxDepth` (levels already used by the including files: `depthOffset`).
 */
export function parseConfig(src: string, opts: ParseOptions): { parsed: ConfNode[]; errors: ParseError[] } {
  const lx = new Lexer(src);
  const file = opts.file;
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  const offset = opts.depthOffset ?? 0;
  const spans = Boolean(opts.offsets);
  const errors: ParseError[] = [];
  const err = (line: number, message: string) => errors.push({ file, line, message });
  const eof = (line: number, message: string) => {
    if (lx.tooLong) return;
    const q = lx.unclosedQuote;
    err(line, q ? `${message} (the ${q.quote} quote opened on line ${q.line} is never closed)` : message);
  };

  const parsed: ConfNode[] = [];
  const keep = opts.tree !== false;
  // The open blocks, innermost last; parsed is the top level.
  const stack: ConfNode[][] = [parsed];
  // How many entries each open block has so far (kept or not).
  const sizes: number[] = [0];
  let tooDeep = false;
  // Braces still open inside a block skipped for being too deep (0: not skipping).
  let skipping = 0;
  // The directive that opened each block in `stack` (null for the top level and anonymous blocks).
  const owners: Array<ConfNode | null> = [null];
  // Comments among the arguments of the directive that opened each block: reported once the block is closed.
  const later: Array<ConfNode[] | null> = [null];
  const report = opts.onDirective;
  const open = (line: number, owner: ConfNode | null, comments: ConfNode[] | null): ConfNode[] | null => {
    if (stack.length + offset <= maxDepth) {
      const inner: ConfNode[] = [];
      stack.push(inner);
      sizes.push(0);
      owners.push(owner);
      later.push(comments);
      return inner;
    }
    if (!tooDeep) err(line, tooDeepMessage(maxDepth));
    tooDeep = true;
    skipping = 1;
    return null;
  };

  // Closes the innermost block: its owner is told, then the comments that followed the owner's arguments.
  const close = (): ConfNode | null | undefined => {
    stack.pop();
    sizes.pop();
    const owner = owners.pop();
    const comments = later.pop();
    if (owner && opts.onBlockClosed) opts.onBlockClosed(owner);
    if (comments && report) for (const c of comments) report(c, stack.length - 1);
    return owner;
  };

  for (;;) {
    const depth = stack.length - 1;
    const out = stack[depth] as ConfNode[];
    const k = lx.next();
    if (skipping > 0) {
      if (k === OPEN) skipping++;
      else if (k === CLOSE) skipping--;
      else if (k === END) {
        eof(lx.line, 'unexpected end of file, expecting "}"');
        while (stack.length > 1) close();
        break;
      }
      continue;
    }
    if (k === END) {
      if (depth > 0) eof(lx.line, 'unexpected end of file, expecting "}"');
      while (stack.length > 1) close();
      break;
    }
    if (k === CLOSE) {
      if (depth > 0) {
        if (spans) {
          const owner = owners[depth];
          if (owner?.span) owner.span.close = lx.original(lx.start);
        }
        close();
      } else err(lx.line, 'unexpected "}"');
      continue;
    }
    if (k === COMMENT) {
      if (opts.comments) {
        const c: ConfNode = { directive: "#", line: lx.line, args: [], file, comment: lx.value };
        if (spans) {
          const a = lx.original(lx.start);
          const b = lx.original(lx.end);
          c.span = { start: a, nameEnd: b, args: [], end: b };
        }
        if (keep) out.push(c);
        sizes[depth] = (sizes[depth] as number) + 1;
        report?.(c, depth);
      }
      continue;
    }
    if (k === SEMI) {
      err(lx.line, 'unexpected ";"');
      continue;
    }
    if (k === OPEN) {
      err(lx.line, 'unexpected "{"');
      open(lx.line, null, null); // an anonymous block: read and dropped
      continue;
    }
    const node: ConfNode = { directive: lx.value, line: lx.line, args: [], file };
    const span: Span | null = spans
      ? { start: lx.original(lx.start), nameEnd: lx.original(lx.end), args: [], end: 0 }
      : null;
    if (span) node.span = span;
    // `location ~ ^/a{2}$ {`: nginx opens the block at the first `{` and then reads `2}$` as a directive
    // name, which it rejects first ("unknown directive"). Say so, where nginx does, with what to do about it.
    const owner = owners[depth];
    if (
      owner?.directive === "location" &&
      sizes[depth] === 0 &&
      owner.line === node.line &&
      !lx.quoted &&
      node.directive.includes("}")
    )
      err(
        node.line,
        `unknown directive "${node.directive}" (the "{" after "${owner.args[owner.args.length - 1] ?? ""}" opened the block: quote a regular expression that contains "{" or "}")`,
      );
    let argComments: ConfNode[] | null = null;
    let term: number;
    for (;;) {
      const t = lx.next();
      if (t === WORD) {
        node.args.push(lx.value);
        span?.args.push([lx.original(lx.start), lx.original(lx.end)]);
      } else if (t === COMMENT) {
        if (opts.comments) {
          argComments ??= [];
          argComments.push({ directive: "#", line: node.line, args: [], file, comment: lx.value });
        }
      } else {
        term = t;
        if (span) span.end = lx.original(lx.end);
        break;
      }
    }
    if (node.directive === "if") prepareIf(node.args);
    if (keep) {
      out.push(node);
      if (argComments) out.push(...argComments);
    }
    sizes[depth] = (sizes[depth] as number) + 1 + (argComments ? argComments.length : 0);
    let opened = false;
    if (term === OPEN) {
      const inner = open(node.line, node, argComments);
      if (inner) {
        node.block = inner;
        opened = true;
      }
    }
    if (report) {
      report(node, depth);
      if (argComments && !opened) for (const c of argComments) report(c, depth);
    }
    if (term === CLOSE) {
      err(lx.line, 'unexpected "}"');
      if (depth > 0) close();
    } else if (term === END) {
      eof(lx.line, 'unexpected end of file, expecting ";" or "}"');
      while (stack.length > 1) close();
      break;
    }
  }
  for (const e of lx.errors) err(e.line, e.message);
  errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { parsed, errors };
}
