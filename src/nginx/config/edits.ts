/**
 * Configuration edits in terms of the semantic model (pure): set a directive's arguments, insert a directive
 * into a scope, delete a directive. `applyEdits` turns them into new file texts with the byte-preserving
 * writer, each edit landing in the file that holds its directive (or, for an insertion, the file that holds the
 * block it goes into) — an included file when that is where the directive is written.
 */
import type { ConfigModel, Directive, Scope } from "./model.js";
import type { ConfNode } from "./parser.js";
import { EditableConfig, type NewDirective } from "./writer.js";

export type Edit =
  | { op: "set"; directive: Directive; args: string[] }
  | {
      op: "insert";
      /** The level to insert into; main means the main file's top level. */
      scope: Scope;
      directive: NewDirective;
      /** Insert right before this directive of the same level instead of at the end (e.g. `set` before `proxy_pass`). */
      before?: Directive;
      /** Insert as the block's first directive (e.g. a log_format that later lines use). */
      first?: boolean;
    }
  | { op: "delete"; directive: Directive };

export class EditError extends Error {}

const utf8 = new TextEncoder();

/**
 * A value as a "binary string" (one character per byte of its UTF-8 encoding). Files are edited as binary
 * strings so that bytes that are not UTF-8 (a Latin-1 comment) are written back exactly; new values are
 * turned into the same representation. ASCII is unchanged.
 */
export function toBinary(s: string): string {
  if (!/[^\x20-\x7e\t\r\n]/.test(s)) return s;
  let out = "";
  for (const b of utf8.encode(s)) out += String.fromCharCode(b);
  return out;
}

/** The file an edit changes. */
export function editFile(model: ConfigModel, e: Edit): string {
  if (e.op !== "insert") return e.directive.file;
  if (e.before) return e.before.file;
  return e.scope.block?.file ?? (model.files[0] as string);
}

function nodeFor(ed: EditableConfig, d: Directive, enc: (s: string) => string): ConfNode {
  const n = ed.find(d.name, d.line, d.args.map(enc));
  if (!n) throw new EditError(`${d.file}:${d.line}: no "${d.name}" directive there any more`);
  return n;
}

/**
 * Applies edits to the texts of the files they touch. `texts` maps each configuration file to its current text
 * (with `binary`, as binary strings: see toBinary);
 * the result maps every touched file to its new text. Throws EditError when a directive cannot be found where
 * the model says it is (the file changed since it was read) or two edits overlap.
 */
export function applyEdits(
  model: ConfigModel,
  texts: Map<string, string>,
  edits: Edit[],
  opts: { binary?: boolean } = {},
): Map<string, string> {
  const enc = opts.binary ? toBinary : (s: string) => s;
  const nd = (d: { name: string; args: string[] }) => ({ name: enc(d.name), args: d.args.map(enc) });
  const editors = new Map<string, EditableConfig>();
  const editor = (file: string) => {
    let ed = editors.get(file);
    if (!ed) {
      const text = texts.get(file);
      if (text === undefined) throw new EditError(`${file}: its text is not available`);
      ed = new EditableConfig(file, text);
      editors.set(file, ed);
    }
    return ed;
  };
  for (const e of edits) {
    const ed = editor(editFile(model, e));
    try {
      if (e.op === "set") ed.setArgs(nodeFor(ed, e.directive, enc), e.args.map(enc));
      else if (e.op === "delete") ed.remove(nodeFor(ed, e.directive, enc));
      else if (e.before) ed.insertBefore(nodeFor(ed, e.before, enc), nd(e.directive));
      else if (e.scope.block) {
        const b = ed.findBlock(e.scope.block.name, e.scope.block.line, e.scope.block.args.map(enc));
        if (!b)
          throw new EditError(
            `${e.scope.block.file}:${e.scope.block.line}: no "${e.scope.block.name}" block there`,
          );
        ed.insertInBlock(b, nd(e.directive), Boolean(e.first));
      } else {
        // The main level: after the main file's last simple top-level directive (worker_processes, pid…), so the
        // new line sits with its peers rather than after the http block.
        const simple = ed.parsed.filter((n) => n.directive !== "#" && !n.block && n.directive !== "include");
        const last = simple[simple.length - 1];
        const first = ed.parsed.find((n) => n.directive !== "#");
        if (last) ed.insertAfter(last, nd(e.directive));
        else if (first) ed.insertBefore(first, nd(e.directive));
        else ed.insertInBlock(null, nd(e.directive));
      }
    } catch (err) {
      if (err instanceof EditError) throw err;
      throw new EditError((err as Error).message);
    }
  }
  const out = new Map<string, string>();
  for (const [file, ed] of editors) if (ed.changed) out.set(file, ed.text());
  return out;
}
