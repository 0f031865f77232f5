/**
 * FNV-1a hashes of table keys, compared with the bytes a new interned id of a scanner core spans: a table that
 * is full takes no new key, so a value whose bytes hash to none of its keys is certainly not one of them and
 * folds into "(other)" without its string being made (the adversarial logs bring new peers, servers, hosts and
 * locations on every line once the tables are full). Equal hashes prove nothing: the caller then decodes and
 * looks the key up as usual.
 */

export const FNV_BASIS = 0x811c9dc5 | 0;

/** FNV-1a over bytes [s, e) of a block, continuing from `h`. */
export function hashBytes(h: number, b: Uint8Array, s: number, e: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ (b[i] as number), 16777619);
  return h;
}

/** hashBytes of a string read as latin1 (one char per byte): equal strings, equal hashes. */
export function hashText(h: number, t: string): number {
  for (let i = 0; i < t.length; i++) h = Math.imul(h ^ t.charCodeAt(i), 16777619);
  return h;
}

/** The hashes of keys that were decoded as latin1 (one byte per char). */
export function keysOf(keys: Iterable<string>): Set<number> {
  const out = new Set<number>();
  for (const k of keys) out.add(hashText(FNV_BASIS, k));
  return out;
}

/**
 * The hashes of the bytes keys were decoded from, when each key was decoded as latin1 from ASCII or as UTF-8.
 * Null when a key holds U+FFFD: bytes that were not UTF-8 may have become it, so its bytes are not known and
 * no value can be ruled out.
 */
export function utf8KeysOf(keys: Iterable<string>): Set<number> | null {
  const out = new Set<number>();
  for (const k of keys) {
    let ascii = true;
    for (let i = 0; i < k.length && ascii; i++) ascii = k.charCodeAt(i) < 0x80;
    if (ascii) out.add(hashText(FNV_BASIS, k));
    else if (k.includes("\ufffd")) return null;
    else {
      const b = Buffer.from(k, "utf8");
      out.add(hashBytes(FNV_BASIS, b, 0, b.length));
    }
  }
  return out;
}
