/**
 * JSON in pieces: the same text as `JSON.stringify(value, null, 2)`, produced member by member for the outer
 * object and in batches of elements for its arrays, so that a large summary (10 MB of JSON for a log where every
 * line names a new peer) is written out without first being built as one string and then copied once more into
 * a buffer. Each piece is made by JSON.stringify itself (a batch of BATCH array elements at a time): per-member
 * pieces cost ten times the time of one native call.
 */

/** Array elements stringified together at first; later batches are sized to about PIECE_CHARS of text. */
const BATCH = 512;
/**
 * Aimed size of a batch's text: below V8's largest regular heap object (128 KB), so that a piece is freed by
 * the young collector. A bigger string goes to the large-object space, which only a full collection frees:
 * ten 1 MB batches and their copies added 35 MB of peak memory at the end of a run.
 */
const PIECE_CHARS = 48 << 10;

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
function skipped(v: unknown): boolean {
  return v === undefined || typeof v === "function" || typeof v === "symbol";
}

function hasToJson(v: unknown): boolean {
  return v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function";
}

function withToJson(v: unknown, key: string): unknown {
  return hasToJson(v) ? (v as { toJSON(k: string): unknown }).toJSON(key) : v;
}

/** `JSON.stringify(v, null, 2)` of a value placed at `pad` indentation (its inner lines indented by `pad`). */
function whole(v: unknown, pad: string): string {
  const text = JSON.stringify(v, null, 2);
  // Strings inside JSON never hold a raw newline (it is escaped), so every newline is a line break of the layout.
  return pad === "" ? text : text.replaceAll("\n", `\n${pad}`);
}

/** An array at `pad` indentation, a batch of elements per piece (see PIECE_CHARS). */
function* arrayPieces(a: readonly unknown[], pad: string): Generator<string> {
  if (a.length === 0) {
    yield "[]";
    return;
  }
  // toJSON is given the element's index: a batch would give its index within the batch, so such arrays are
  // written element by element.
  const single = a.some(hasToJson);
  // The first batch is small; the next ones hold as many elements as fit PIECE_CHARS at the sizes seen so far.
  let batch = single ? 1 : 16;
  for (let i = 0; i < a.length; ) {
    const part = single ? [withToJson(a[i], String(i))] : a.slice(i, i + batch);
    // "[\n<pad>  e,\n<pad>  e\n<pad>]": keep what is between the brackets.
    const text = whole(part, pad);
    yield `${i === 0 ? "[" : ","}${text.slice(1, text.length - pad.length - 2)}`;
    i += part.length;
    if (!single) batch = Math.max(1, Math.min(BATCH, Math.floor((part.length * PIECE_CHARS) / text.length)));
  }
  yield `\n${pad}]`;
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
  if (Array.isArray(v)) {
    yield* arrayPieces(v, "");
    return;
  }
  if (v === null || typeof v !== "object") {
    yield whole(v, "");
    return;
  }
  let first = true;
  for (const k of Object.keys(v)) {
    const item = withToJson((v as Record<string, unknown>)[k], k);
    if (skipped(item)) continue;
    yield `${first ? "{" : ","}\n  ${JSON.stringify(k)}: `;
    first = false;
    if (Array.isArray(item)) yield* arrayPieces(item, "  ");
    else yield whole(item, "  ");
  }
  yield first ? "{}" : "\n}";
}
