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

const UNSET = -32768;
const caches = new Map<number, Int16Array>();
function bucketCache(alpha: number): Int16Array {
  let c = caches.get(alpha);
  if (!c) {
    c = new Int16Array(65536).fill(UNSET);
    caches.set(alpha, c);
  }
  return c;
}

export class QuantileSketch {
  readonly alpha: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  private readonly maxBuckets: number;
  private readonly cache: Int16Array;
  private readonly counts = new Map<number, number>();
  count = 0;
  zeros = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  sum = 0;

  constructor(alpha = 0.01, maxBuckets = 2048) {
    if (!(alpha > 0 && alpha < 1)) throw new RangeError("alpha must be in (0, 1)");
    this.alpha = alpha;
    this.gamma = (1 + alpha) / (1 - alpha);
    this.lnGamma = Math.log(this.gamma);
    this.maxBuckets = maxBuckets;
    this.cache = bucketCache(alpha);
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
      const cache = this.cache;
      i = cache[ms] as number;
      if (i === UNSET) {
        i = Math.ceil(Math.log(v) / this.lnGamma);
        cache[ms] = i;
      }
    } else i = Math.ceil(Math.log(v) / this.lnGamma);
    this.counts.set(i, (this.counts.get(i) ?? 0) + n);
    if (this.counts.size > this.maxBuckets) this.collapse();
  }

  private collapse(): void {
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    const excess = keys.length - this.maxBuckets;
    const target = keys[excess] as number;
    let moved = 0;
    for (let k = 0; k < excess; k++) {
      moved += this.counts.get(keys[k] as number) as number;
      this.counts.delete(keys[k] as number);
    }
    this.counts.set(target, (this.counts.get(target) ?? 0) + moved);
  }

  merge(o: QuantileSketch): void {
    if (o.alpha !== this.alpha) throw new RangeError("cannot merge sketches with different alpha");
    this.count += o.count;
    this.zeros += o.zeros;
    this.sum += o.sum;
    this.min = Math.min(this.min, o.min);
    this.max = Math.max(this.max, o.max);
    for (const [i, c] of o.counts) this.counts.set(i, (this.counts.get(i) ?? 0) + c);
    while (this.counts.size > this.maxBuckets) this.collapse();
  }

  /** The q-quantile (0 ≤ q ≤ 1), or null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    // nearest-rank definition: the smallest value with at least q of the values at or below it
    const rank = Math.max(0, Math.min(this.count - 1, Math.ceil(q * this.count) - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    const keys = [...this.counts.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      seen += this.counts.get(k) as number;
      if (seen > rank) {
        // bucket midpoint in the relative sense: 2γ^i/(γ+1)
        const v = (2 * this.gamma ** k) / (this.gamma + 1);
        return Math.min(this.max, Math.max(this.min, v));
      }
    }
    return this.max;
  }

  toJSON(): SketchJSON {
    return {
      alpha: this.alpha,
      count: this.count,
      zeros: this.zeros,
      min: this.min,
      max: this.max,
      sum: this.sum,
      buckets: [...this.counts.entries()],
    };
  }

  static fromJSON(j: SketchJSON): QuantileSketch {
    const s = new QuantileSketch(j.alpha);
    s.count = j.count;
    s.zeros = j.zeros;
    s.min = j.min ?? Number.POSITIVE_INFINITY;
    s.max = j.max ?? Number.NEGATIVE_INFINITY;
    s.sum = j.sum;
    for (const [i, c] of j.buckets) s.counts.set(i, c);
    return s;
  }
}
