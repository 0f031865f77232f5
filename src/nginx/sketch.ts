/**
 * A mergeable streaming quantile sketch with a relative-error guarantee (the DDSketch idea: values are counted in
 * logarithmic buckets, bucket i covering (γ^(i-1), γ^i] with γ = (1+α)/(1-α), so any reported quantile is within
 * a relative error α of a true sample value of that rank). Memory is bounded by `maxBuckets`: when exceeded the
 * lowest buckets are merged (only the low quantiles lose accuracy). Pure and allocation-light.
 */
export interface SketchJSON {
  alpha: number;
  count: number;
  zeros: number;
  min: number;
  max: number;
  sum: number;
  /** [bucketIndex, count] pairs. */
  buckets: Array<[number, number]>;
}

/**
 * A sketch as one flat array, [alpha, count, zeros, min, max, sum, bucket, count, bucket, count, …] with the
 * buckets ascending: the cheap form for posting many sketches between threads (one array each, no objects).
 */
export type PackedSketch = number[];

const UNSET = -32768;
/** Largest count a Uint16Array or Uint32Array window holds. */
const U16_MAX = 0xffff;
const U32_MAX = 0xffffffff;
/** The counts of a dense window: as narrow as they fit (see QuantileSketch.buf). */
type Counts = Uint16Array | Uint32Array | Float64Array;
/** Buckets a sketch lists before it makes its dense window. */
const SPARSE_MAX = 8;
/**
 * What every sketch of one accuracy shares: γ, its logarithm, the bucket cap and the bucket of each
 * whole-millisecond value. Kept out of the sketch so that a sketch's own fields (read on every value) fill
 * fewer cache lines.
 */
interface Params {
  readonly alpha: number;
  readonly gamma: number;
  readonly lnGamma: number;
  readonly maxBuckets: number;
  readonly cache: Int16Array;
}
const caches = new Map<number, Int16Array>();
const shared = new Map<string, Params>();
let lastParams: Params | null = null;
function paramsOf(alpha: number, maxBuckets: number): Params {
  if (lastParams !== null && lastParams.alpha === alpha && lastParams.maxBuckets === maxBuckets)
    return lastParams;
  const key = `${alpha}/${maxBuckets}`;
  let p = shared.get(key);
  if (p === undefined) {
    let cache = caches.get(alpha);
    if (!cache) {
      cache = new Int16Array(65536).fill(UNSET);
      caches.set(alpha, cache);
    }
    const gamma = (1 + alpha) / (1 - alpha);
    p = { alpha, gamma, lnGamma: Math.log(gamma), maxBuckets, cache };
    shared.set(key, p);
  }
  lastParams = p;
  return p;
}

export class QuantileSketch {
  private readonly p: Params;
  /**
   * Bucket counts in a dense window: buf[k] counts bucket lo + k (typed array: no per-insert hashing). Until
   * more than SPARSE_MAX buckets are in use the window is not made: the few buckets are listed in `sparse`
   * (bucket, count pairs, unsorted), so the many sketches that see a handful of values (a table's rare keys)
   * stay small. The window starts with 16-bit counts and is widened (32-bit, then 64-bit floats) when a count
   * would not fit (`limit`: the largest whole count it holds): a summary keeps thousands of sketches and each
   * line updates several of them at random, so their windows are read from memory, not from the CPU's cache,
   * and a quarter of the bytes is a quarter of the traffic.
   */
  private buf: Counts = new Uint16Array(0);
  private limit = U16_MAX;
  private sparse: number[] | null = null;
  private lo = 0;
  private nonzero = 0;
  count = 0;
  zeros = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;

  constructor(alpha = 0.01, maxBuckets = 2048) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError("alpha must be in (0, 1)");
    this.p = paramsOf(alpha, maxBuckets);
  }

  get alpha(): number {
    return this.p.alpha;
  }

  /** Values at or below this are counted as zero (nginx times have 1 ms resolution). */
  static readonly MIN_POSITIVE = 1e-9;

  add(v: number, n = 1): void {
    if (!(v >= 0) || !Number.isFinite(v)) return; // negative/NaN: ignored
    this.count += n;
    this.sum += v * n;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v <= QuantileSketch.MIN_POSITIVE) {
      this.zeros += n;
      return;
    }
    // nginx times have millisecond resolution: cache the bucket of each whole-millisecond value.
    const ms = v * 1000;
    let i: number;
    if (ms < 65536 && ms === Math.round(ms)) {
      const cache = this.p.cache;
      i = cache[ms] as number;
      if (i === UNSET) {
        i = Math.ceil(Math.log(v) / this.p.lnGamma);
        cache[ms] = i;
      }
    } else i = Math.ceil(Math.log(v) / this.p.lnGamma);
    // Buckets beyond γ^±4096 (about 1e±35) are clamped: such values are garbage in a log, and the clamp keeps the
    // dense window small.
    this.bump(i < -4096 ? -4096 : Math.min(i, 4096), n);
    if (this.nonzero > this.p.maxBuckets) this.collapse();
  }

  private bump(i: number, n: number): void {
    if (this.buf.length === 0 && this.bumpListed(i, n)) return;
    let k = i - this.lo;
    if (k < 0 || k >= this.buf.length) {
      this.grow(i);
      k = i - this.lo;
    }
    const c = this.buf[k] as number;
    if (c === 0) this.nonzero++;
    const next = c + n;
    if (next > this.limit || (n !== 1 && !Number.isInteger(n))) this.widen(next);
    this.buf[k] = next;
  }

  /** Makes the window's counts wide enough for `count` (a whole number up to 2^32 - 1, or any number). */
  private widen(count: number): void {
    const whole = Number.isInteger(count) && Number.isInteger(this.limit);
    if (whole && count <= U16_MAX) return;
    if (whole && count <= U32_MAX) {
      this.buf = Uint32Array.from(this.buf);
      this.limit = U32_MAX;
    } else if (!(this.buf instanceof Float64Array)) {
      this.buf = Float64Array.from(this.buf);
      this.limit = Number.POSITIVE_INFINITY;
    }
  }

  /** A window of the current width. */
  private window(size: number): Counts {
    if (this.limit === U16_MAX) return new Uint16Array(size);
    if (this.limit === U32_MAX) return new Uint32Array(size);
    return new Float64Array(size);
  }

  /**
   * Counts bucket i in the list while the sketch has no window (true), or moves the listed buckets into a new
   * window when the list is full (false: the caller counts i there).
   */
  private bumpListed(i: number, n: number): boolean {
    const sp = this.sparse;
    if (sp === null) {
      this.sparse = [i, n];
      this.nonzero++;
      return true;
    }
    for (let j = 0; j < sp.length; j += 2)
      if (sp[j] === i) {
        if (sp[j + 1] === 0) this.nonzero++;
        sp[j + 1] = (sp[j + 1] as number) + n;
        return true;
      }
    if (sp.length < 2 * Math.min(SPARSE_MAX, this.p.maxBuckets)) {
      sp.push(i, n);
      this.nonzero++;
      return true;
    }
    this.sparse = null;
    this.nonzero = 0;
    this.grow(i);
    for (let j = 0; j < sp.length; j += 2) this.bump(sp[j] as number, sp[j + 1] as number);
    return false;
  }

  private grow(i: number): void {
    if (this.buf.length === 0) {
      this.buf = this.window(64);
      this.lo = i - 32;
      return;
    }
    const lo = Math.min(this.lo, i - 16);
    const hi = Math.max(this.lo + this.buf.length, i + 17);
    const size = Math.max(hi - lo, this.buf.length * 2);
    const next = this.window(size);
    const newLo = i < this.lo ? hi - size : lo;
    next.set(this.buf, this.lo - newLo);
    this.buf = next;
    this.lo = newLo;
  }

  /** Non-empty buckets in ascending order. */
  private *entries(): Generator<[number, number]> {
    const sp = this.sparse;
    if (sp !== null) {
      const order: number[] = [];
      for (let j = 0; j < sp.length; j += 2) if (sp[j + 1] !== 0) order.push(j);
      order.sort((a, b) => (sp[a] as number) - (sp[b] as number));
      for (const j of order) yield [sp[j] as number, sp[j + 1] as number];
      return;
    }
    for (let k = 0; k < this.buf.length; k++) {
      const c = this.buf[k] as number;
      if (c !== 0) yield [this.lo + k, c];
    }
  }

  /** Folds the lowest buckets into the next one until at most maxBuckets are non-empty. */
  private collapse(): void {
    let excess = this.nonzero - this.p.maxBuckets;
    let moved = 0;
    for (let k = 0; k < this.buf.length && excess > 0; k++) {
      const c = this.buf[k] as number;
      if (c === 0) continue;
      moved += c;
      this.buf[k] = 0;
      this.nonzero--;
      excess--;
    }
    for (let k = 0; k < this.buf.length; k++)
      if ((this.buf[k] as number) !== 0) {
        const next = (this.buf[k] as number) + moved;
        if (next > this.limit || !Number.isInteger(next)) this.widen(next);
        this.buf[k] = next;
        return;
      }
  }

  merge(o: QuantileSketch): void {
    if (o.alpha !== this.alpha) throw new RangeError("cannot merge sketches with different alpha");
    this.count += o.count;
    this.zeros += o.zeros;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    for (const [i, c] of o.entries()) this.bump(i, c);
    if (this.nonzero > this.p.maxBuckets) this.collapse();
  }

  /** Adds a sketch given as its toJSON() form: the same as merge(QuantileSketch.fromJSON(j)), without building it. */
  mergeJSON(j: SketchJSON): void {
    const b = j.buckets;
    // toJSON lists buckets ascending, the order merge() takes them in; anything else goes the long way
    for (let k = 1; k < b.length; k++)
      if ((b[k] as [number, number])[0] <= (b[k - 1] as [number, number])[0]) {
        this.merge(QuantileSketch.fromJSON(j));
        return;
      }
    if (j.alpha !== this.alpha) throw new RangeError("cannot merge sketches with different alpha");
    this.count += j.count;
    this.zeros += j.zeros;
    this.sum += j.sum;
    this.min = Math.min(this.min, j.min ?? Number.POSITIVE_INFINITY);
    this.max = Math.max(this.max, j.max ?? Number.NEGATIVE_INFINITY);
    for (const [i, c] of b) if (c !== 0) this.bump(i, c);
    if (this.nonzero > this.p.maxBuckets) this.collapse();
  }

  /** The q-quantile (0 ≤ q ≤ 1), or null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    // nearest-rank definition: the smallest value with at least q of the values at or below it
    const rank = Math.max(0, Math.min(this.count - 1, Math.ceil(q * this.count) - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (const [k, c] of this.entries()) {
      seen += c;
      if (seen > rank) {
        // bucket midpoint in the relative sense: 2γ^i/(γ+1)
        const v = (2 * this.p.gamma ** k) / (this.p.gamma + 1);
        return Math.min(this.max, Math.max(this.min, v));
      }
    }
    return this.max;
  }

  /**
   * How many values fall in each of the ranges cut by `bounds` (ascending upper bounds in the values' unit):
   * element i counts values in (bounds[i-1], bounds[i]], the last element those above every bound, so the
   * result has bounds.length + 1 elements and sums to `count`. A value is placed by its bucket's
   * representative, so it may land one range off when a bound falls inside its bucket (relative error α).
   */
  histogram(bounds: readonly number[]): number[] {
    const out = new Array<number>(bounds.length + 1).fill(0);
    const slot = (v: number) => {
      let i = 0;
      while (i < bounds.length && v > (bounds[i] as number)) i++;
      return i;
    };
    if (this.zeros > 0) out[slot(0)] = (out[slot(0)] as number) + this.zeros;
    for (const [k, c] of this.entries()) {
      const v = Math.min(this.max, Math.max(this.min, (2 * this.p.gamma ** k) / (this.p.gamma + 1)));
      const i = slot(v);
      out[i] = (out[i] as number) + c;
    }
    return out;
  }

  toJSON(): SketchJSON {
    return {
      alpha: this.alpha,
      count: this.count,
      zeros: this.zeros,
      min: this.min,
      max: this.max,
      sum: this.sum,
      buckets: [...this.entries()],
    };
  }

  toPacked(): PackedSketch {
    const out = [this.alpha, this.count, this.zeros, this.min, this.max, this.sum];
    for (const [i, c] of this.entries()) out.push(i, c);
    return out;
  }

  static fromPacked(p: PackedSketch): QuantileSketch {
    const s = new QuantileSketch(p[0]);
    s.mergePacked(p);
    return s;
  }

  /** Adds a sketch given as its toPacked() form: the same as merge(QuantileSketch.fromPacked(p)). */
  mergePacked(p: PackedSketch): void {
    if (p[0] !== this.alpha) throw new RangeError("cannot merge sketches with different alpha");
    this.count += p[1] as number;
    this.zeros += p[2] as number;
    this.sum += p[5] as number;
    this.min = Math.min(this.min, p[3] as number);
    this.max = Math.max(this.max, p[4] as number);
    for (let k = 6; k + 1 < p.length; k += 2) {
      const c = p[k + 1] as number;
      if (c !== 0) this.bump(p[k] as number, c);
    }
    if (this.nonzero > this.p.maxBuckets) this.collapse();
  }

  static fromJSON(j: SketchJSON): QuantileSketch {
    const s = new QuantileSketch(j.alpha);
    s.count = j.count;
    s.zeros = j.zeros;
    s.min = j.min ?? Number.POSITIVE_INFINITY;
    s.max = j.max ?? Number.NEGATIVE_INFINITY;
    s.sum = j.sum;
    for (const [i, c] of j.buckets) s.bump(i, c);
    return s;
  }
}
