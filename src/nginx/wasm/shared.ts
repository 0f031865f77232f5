// AssemblyScript (compiled to WebAssembly by scripts/build.mjs; not TypeScript for tsc).
//
// What the two scanner cores (errorlog.ts, accesslog.ts) share: the memory layout, SIMD byte search and the
// intern table. Memory (fixed size): [0, IN_CAP) the block JavaScript copies in; records from REC_BASE;
// the intern table and its byte arena; CFG_BASE a small area for the access-log format program; the
// compiler's own data above MEMORY_BASE (scripts/build.mjs passes it as --memoryBase).

export const IN_CAP: i32 = 3 << 20;
export const REC_BASE: usize = 3 << 20;
export const REC_BYTES: usize = 3 << 19;
const TAB_BASE: usize = REC_BASE + REC_BYTES;
const TAB_SLOTS: i32 = 1 << 15;
const TAB_MASK: u32 = <u32>(TAB_SLOTS - 1);
const MAX_IDS: i32 = (TAB_SLOTS * 3) >> 2;
const ARENA_BASE: usize = TAB_BASE + <usize>(TAB_SLOTS * 16);
const ARENA_CAP: usize = 3 << 19;
export const CFG_BASE: usize = ARENA_BASE + ARENA_CAP;

let arenaUsed: usize = 0;
let ids: i32 = 0;
let consumed: i32 = 0;

export function inputCapacity(): i32 {
  return IN_CAP;
}
export function recordBase(): i32 {
  return <i32>REC_BASE;
}
export function configBase(): i32 {
  return <i32>CFG_BASE;
}
/** Offset of the first line the last scan call did not reach. */
export function nextLine(): i32 {
  return consumed;
}

@inline export function at(p: i32): i32 {
  return <i32>load<u8>(<usize>p);
}

@inline export function isDigit(c: i32): bool {
  return <u32>(c - 48) <= 9;
}

/** First index >= p of byte b before lim, or lim. */
export function findByte(p: i32, lim: i32, b: i32): i32 {
  const vb = i8x16.splat(<i8>b);
  while (p + 16 <= lim) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(<usize>p), vb));
    if (m != 0) return p + ctz<i32>(m);
    p += 16;
  }
  while (p < lim && at(p) != b) p++;
  return p;
}

/** Whether the ASCII string `m` is at p (entirely before lim). */
export function bytesAt(p: i32, lim: i32, m: string): bool {
  const n = m.length;
  if (p + n > lim) return false;
  for (let k = 0; k < n; k++) if (at(p + k) != <i32>m.charCodeAt(k)) return false;
  return true;
}

function hashOf(kind: i32, s: i32, e: i32): u32 {
  let h: u32 = 2166136261 ^ <u32>kind;
  let p = s;
  while (p + 4 <= e) {
    h = (h ^ load<u32>(<usize>p)) * 16777619;
    h ^= h >> 15;
    p += 4;
  }
  while (p < e) {
    h = (h ^ <u32>at(p)) * 16777619;
    p++;
  }
  return h ^ (h >> 13);
}

/** The id of (kind, bytes [s, e)), added when new; -1 when the table or its arena is full. */
export function intern(kind: i32, s: i32, e: i32): i32 {
  const n = e - s;
  const h = hashOf(kind, s, e);
  let slot = h & TAB_MASK;
  const tag = (n << 8) | kind;
  for (;;) {
    const ent = TAB_BASE + (<usize>slot << 4);
    const idPlus = load<i32>(ent, 12);
    if (idPlus == 0) {
      if (ids >= MAX_IDS || arenaUsed + <usize>n > ARENA_CAP) return -1;
      const off = ARENA_BASE + arenaUsed;
      memory.copy(off, <usize>s, <usize>n);
      arenaUsed += <usize>n;
      store<u32>(ent, h);
      store<i32>(ent, <i32>off, 4);
      store<i32>(ent, tag, 8);
      store<i32>(ent, ++ids, 12);
      return ids - 1;
    }
    if (
      load<u32>(ent) == h &&
      load<i32>(ent, 8) == tag &&
      memory.compare(<usize>load<i32>(ent, 4), <usize>s, <usize>n) == 0
    )
      return idPlus - 1;
    slot = (slot + 1) & TAB_MASK;
  }
  return -1;
}

/**
 * Runs `each` on the lines of the block [0, len) from `from` on (line start, end without CR, record address),
 * at most `maxRecords` of them; returns how many it ran. `nextLine()` then tells where to continue.
 */
export function eachLine(
  len: i32,
  from: i32,
  recordBytes: i32,
  maxRecords: i32,
  each: (s: i32, e: i32, rec: usize) => void,
): i32 {
  let i = from;
  let r = 0;
  while (i < len && r < maxRecords) {
    const j = findByte(i, len, 0x0a);
    let end = j;
    if (end > i && at(end - 1) == 0x0d) end--;
    each(i, end, REC_BASE + <usize>(r * recordBytes));
    r++;
    i = j + 1;
  }
  consumed = i;
  return r;
}
