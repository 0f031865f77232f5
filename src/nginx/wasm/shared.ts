// AssemblyScript (compiled to WebAssembly by scripts/build.mjs; type-checked with src/nginx/wasm/tsconfig.json).
//
// What the two scanner cores (errorlog.ts, accesslog.ts) share: SIMD byte search, the line loop and the intern
// table. The memory layout is in layout.ts, which the TypeScript side reads too.

import {
  ARENA_BASE,
  ARENA_BYTES,
  CONFIG_BASE,
  INPUT_CAPACITY,
  RECORD_BASE,
  TABLE_BASE,
  TABLE_ENTRY_BYTES,
  TABLE_SLOTS,
} from "./layout";

const TAB_MASK: u32 = <u32>(TABLE_SLOTS - 1);
/** The table is never filled beyond three quarters (probe chains stay short). */
const MAX_IDS: i32 = (TABLE_SLOTS * 3) >> 2;

let arenaUsed: usize = 0;
let ids: i32 = 0;
let consumed: i32 = 0;
/** The intern table or its arena refused an entry: the scan stops until JavaScript empties the table. */
let full: bool = false;

/** How many ids the intern table has given since it was last emptied (a new entry's id is this minus 1). */
export function internedIds(): i32 {
  return ids;
}

/** 1 when the intern table is full (the last scan stopped early); JavaScript then calls internReset. */
export function internFull(): i32 {
  return full ? 1 : 0;
}

/** Empties the intern table: ids start again from 0 (JavaScript forgets what it cached by id). */
export function internReset(): void {
  memory.fill(<usize>TABLE_BASE, 0, <usize>TABLE_SLOTS * <usize>TABLE_ENTRY_BYTES);
  arenaUsed = 0;
  ids = 0;
  full = false;
}

export function inputCapacity(): i32 {
  return INPUT_CAPACITY;
}
export function recordBase(): i32 {
  return RECORD_BASE;
}
export function configBase(): i32 {
  return CONFIG_BASE;
}
/** Sets what nextLine() tells (for a core that runs its own line loop, as the error-log core does). */
export function setNextLine(i: i32): void {
  consumed = i;
}

/**
 * First index >= p of byte b before lim, or lim, 32 bytes per turn (for long searches, such as line ends;
 * findByte suits short ones).
 */
export function findByteWide(p: i32, lim: i32, b: i32): i32 {
  const vb = i8x16.splat(<i8>b);
  while (p + 32 <= lim) {
    const m =
      i8x16.bitmask(i8x16.eq(v128.load(<usize>p), vb)) |
      (i8x16.bitmask(i8x16.eq(v128.load(<usize>p + 16), vb)) << 16);
    if (m !== 0) return p + ctz<i32>(m);
    p += 32;
  }
  return findByte(p, lim, b);
}

/** Offset of the first line the last scan call did not reach. */
export function nextLine(): i32 {
  return consumed;
}

export function at(p: i32): i32 {
  return <i32>load<u8>(<usize>p);
}

export function isDigit(c: i32): bool {
  return <u32>(c - 48) <= 9;
}

/** First index >= p of byte b before lim, or lim. */
export function findByte(p: i32, lim: i32, b: i32): i32 {
  const vb = i8x16.splat(<i8>b);
  while (p + 16 <= lim) {
    const m = i8x16.bitmask(i8x16.eq(v128.load(<usize>p), vb));
    if (m !== 0) return p + ctz<i32>(m);
    p += 16;
  }
  while (p < lim && at(p) !== b) p++;
  return p;
}

/** Whether the ASCII string `m` is at p (entirely before lim). */
export function bytesAt(p: i32, lim: i32, m: string): bool {
  const n = m.length;
  if (p + n > lim) return false;
  for (let k = 0; k < n; k++) if (at(p + k) !== <i32>m.charCodeAt(k)) return false;
  return true;
}

// 64-bit odd constants of the hash (written as two halves: JavaScript numbers cannot spell them).
const K_9E37: u64 = ((<u64>0x9e3779b9) << 32) | 0x7f4a7c15;
const K_C2B2: u64 = ((<u64>0xc2b2ae3d) << 32) | 0x27d4eb4f;
const K_FF51: u64 = ((<u64>0xff51afd7) << 32) | 0xed558ccd;
const K_C4CE: u64 = ((<u64>0xc4ceb9fe) << 32) | 0x1a85ec53;

/** The bytes [p, p + n) as one little-endian number, n in 0…7 (reads 8 bytes, keeps n). */
function tailOf(p: usize, n: i32): u64 {
  return n === 0 ? 0 : load<u64>(p) & (<u64>-1 >> <u64>(64 - (n << 3)));
}

/**
 * A hash of (kind, bytes [s, e)): two independent multiply chains take 16 bytes per step (the multiplications
 * overlap), then the last 0–15 bytes and the length, then a final mix. Only the table uses it.
 */
function hashOf(kind: i32, s: i32, e: i32): u32 {
  const n = e - s;
  let a: u64 = K_9E37 ^ <u64>kind;
  let b: u64 = K_C2B2 ^ <u64>n;
  let p = <usize>s;
  const end = <usize>e;
  while (p + 16 <= end) {
    a = (a ^ load<u64>(p)) * 0x100000001b3;
    b = (b ^ load<u64>(p, 8)) * K_FF51;
    a ^= a >> 29;
    b ^= b >> 31;
    p += 16;
  }
  if (p + 8 <= end) {
    a = (a ^ load<u64>(p)) * 0x100000001b3;
    a ^= a >> 29;
    p += 8;
  }
  b = (b ^ tailOf(p, <i32>(end - p))) * K_FF51;
  let h = (a ^ rotl<u64>(b, 23)) * K_C4CE;
  h ^= h >> 32;
  return <u32>h ^ <u32>(h >> 17);
}

/** Whether the n bytes at a and b are equal (16 at a time, then 8, then the rest as one masked number). */
function sameBytes(a: usize, b: usize, n: i32): bool {
  let k = 0;
  while (k + 16 <= n) {
    if (!i8x16.all_true(i8x16.eq(v128.load(a + <usize>k), v128.load(b + <usize>k)))) return false;
    k += 16;
  }
  if (k + 8 <= n) {
    if (load<u64>(a + <usize>k) !== load<u64>(b + <usize>k)) return false;
    k += 8;
  }
  return tailOf(a + <usize>k, n - k) === tailOf(b + <usize>k, n - k);
}

/** The id of (kind, bytes [s, e)), added when new; -1 when the table or its arena is full. */
export function intern(kind: i32, s: i32, e: i32): i32 {
  const n = e - s;
  const h = hashOf(kind, s, e);
  let slot = h & TAB_MASK;
  const tag = (n << 8) | kind;
  for (;;) {
    const ent = <usize>TABLE_BASE + <usize>slot * <usize>TABLE_ENTRY_BYTES;
    const idPlus = load<i32>(ent, 12);
    if (idPlus === 0) {
      if (ids >= MAX_IDS || arenaUsed + <usize>n > <usize>ARENA_BYTES) {
        full = true;
        return -1;
      }
      const off = <usize>ARENA_BASE + arenaUsed;
      memory.copy(off, <usize>s, <usize>n);
      arenaUsed += <usize>n;
      store<u32>(ent, h);
      store<i32>(ent, <i32>off, 4);
      store<i32>(ent, tag, 8);
      store<i32>(ent, ++ids, 12);
      return ids - 1;
    }
    if (load<u32>(ent) === h && load<i32>(ent, 8) === tag && sameBytes(<usize>load<i32>(ent, 4), <usize>s, n))
      return idPlus - 1;
    slot = (slot + 1) & TAB_MASK;
  }
  // biome-ignore lint/correctness/noUnreachable: AssemblyScript wants a return after the endless loop.
  return -1;
}

/**
 * Runs `each` on the lines of the block [0, len) from `from` on (line start, end without CR, record address),
 * stopping after a line that found the intern table full. `each` returns how many records it wrote at `rec`
 * and after (at least 1), and a line starts only while `reserve` records (the most one line takes) still fit
 * below `maxRecords`. Returns the records written; `nextLine()` then tells where to continue.
 */
export function eachLineRecords(
  len: i32,
  from: i32,
  recordBytes: i32,
  maxRecords: i32,
  reserve: i32,
  each: (s: i32, e: i32, rec: usize) => i32,
): i32 {
  let i = from;
  let r = 0;
  while (i < len && r + reserve <= maxRecords && !full) {
    const j = findByte(i, len, 0x0a);
    let end = j;
    if (end > i && at(end - 1) === 0x0d) end--;
    r += each(i, end, <usize>RECORD_BASE + <usize>(r * recordBytes));
    i = j + 1;
  }
  consumed = i;
  return r;
}
