/**
 * JSON in pieces: the same text as `JSON.stringify(value, null, 2)`, produced member by member for the outer
 * objects and arrays, so that a large summary (10 MB of JSON for a log where every line names a new peer) is
 * written out without first being built as one string and then copied once more into a buffer.
 */

const INDENT = "  ";

/** Below this depth objects and arrays are opened member by member; deeper values are stringified whole. */
const OPEN_DEPTH = 3;

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

function withToJson(v: unknown, key: string): unknown {
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function")
    return (v as { toJSON(k: string): unknown }).toJSON(key);
  return v;
}

/** `JSON.stringify(v, null, 2)` of a value placed at `pad` indentation (its inner lines indented by `pad`). */
function whole(v: unknown, pad: string): string {
  const text = JSON.stringify(v, null, 2);
  // Strings inside JSON never hold a raw newline (it is escaped), so every newline is a line break of the layout.
  return pad === "" ? text : text.replaceAll("\n", `\n${pad}`);
}

/** Pieces of a value whose toJSON (if any) was already applied. */
function* pieces(value: unknown, pad: string, depth: number): Generator<string> {
  if (depth >= OPEN_DEPTH || value === null || typeof value !== "object") {
    yield whole(value, pad);
    return;
  }
  const inner = pad + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield "[]";
      return;
    }
    for (let i = 0; i < value.length; i++) {
      yield i === 0 ? `[\n${inner}` : `,\n${inner}`;
      const item = withToJson(value[i], String(i));
      if (skipped(item)) yield "null";
      else yield* pieces(item, inner, depth + 1);
    }
    yield `\n${pad}]`;
    return;
  }
  let first = true;
  for (const k of Object.keys(value)) {
    const item = withToJson((value as Record<string, unknown>)[k], k);
    if (skipped(item)) continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    yield* pieces(item, inner, depth + 1);
  }
  yield first ? "{}" : `\n${pad}}`;
}

/**
 * The text of `JSON.stringify(value, null, 2)` in pieces (their concatenation is exactly that text). Values
 * JSON.stringify would not write at the top (undefined, a function) give the piece "undefined" as
 * `${JSON.stringify(v)}` would; callers pass summaries, which are plain data.
 */
export function* jsonPieces(value: unknown): Generator<string> {
  const v = withToJson(value, "");
  if (skipped(v)) {
    yield "undefined";
    return;
  }
  yield* pieces(v, "", 0);
}
