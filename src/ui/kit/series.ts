/**
 * A growing (step, value) series kept outside React: the learning curve appends up to 20 batches a
 * second and redraws from it once per frame. Plus the two views the chart needs: TensorBoard's
 * debiased exponential smoothing, and per-pixel binning so 100k steps draw as a few hundred points.
 */

/** entries a series keeps before it halves its resolution (bounded work per frame, bounded memory) */
export const SERIES_CAPACITY = 16384;

/**
 * A growing (step, value) series. It keeps at most SERIES_CAPACITY entries: when full, adjacent
 * pairs merge (mean value, the later step, min and max kept for the envelope) and each new entry
 * then stands for twice as many steps. So a run of a million fast fused steps costs the chart the
 * same per frame as one of sixteen thousand.
 */
export class Series {
  steps = new Float64Array(1024);
  values = new Float32Array(1024);
  lows = new Float32Array(1024);
  highs = new Float32Array(1024);
  length = 0;
  /** steps per entry */
  stride = 1;
  private pending = { n: 0, sum: 0, lo: Infinity, hi: -Infinity, finite: 0 };

  push(step: number, value: number): void {
    const p = this.pending;
    p.n += 1;
    if (Number.isFinite(value)) {
      p.sum += value;
      p.finite += 1;
      p.lo = Math.min(p.lo, value);
      p.hi = Math.max(p.hi, value);
    }
    if (p.n < this.stride) return;
    const mean = p.finite > 0 ? p.sum / p.finite : value;
    this.append(step, mean, p.finite > 0 ? p.lo : value, p.finite > 0 ? p.hi : value);
    this.pending = { n: 0, sum: 0, lo: Infinity, hi: -Infinity, finite: 0 };
  }

  private append(step: number, value: number, lo: number, hi: number): void {
    if (this.length === SERIES_CAPACITY) this.halve();
    if (this.length === this.steps.length) this.grow();
    this.steps[this.length] = step;
    this.values[this.length] = value;
    this.lows[this.length] = lo;
    this.highs[this.length] = hi;
    this.length += 1;
  }

  private grow(): void {
    const n = this.steps.length * 2;
    const copy = <T extends Float64Array | Float32Array>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      out.set(a);
      return out;
    };
    this.steps = copy(this.steps, (k) => new Float64Array(k));
    this.values = copy(this.values, (k) => new Float32Array(k));
    this.lows = copy(this.lows, (k) => new Float32Array(k));
    this.highs = copy(this.highs, (k) => new Float32Array(k));
  }

  /** Merge adjacent pairs: half the entries, each standing for twice the steps. */
  private halve(): void {
    const half = Math.floor(this.length / 2);
    for (let j = 0; j < half; j++) {
      const a = 2 * j;
      const b = a + 1;
      const va = this.values[a] as number;
      const vb = this.values[b] as number;
      this.steps[j] = this.steps[b] as number;
      this.values[j] =
        Number.isFinite(va) && Number.isFinite(vb) ? (va + vb) / 2 : Number.isFinite(va) ? va : vb;
      this.lows[j] = Math.min(this.lows[a] as number, this.lows[b] as number);
      this.highs[j] = Math.max(this.highs[a] as number, this.highs[b] as number);
    }
    this.length = half;
    this.stride *= 2;
  }

  /** Drop every point after `step` (a rewind: reset, divergence restore). */
  truncateAfter(step: number): void {
    while (this.length > 0 && (this.steps[this.length - 1] as number) > step) this.length -= 1;
    this.pending = { n: 0, sum: 0, lo: Infinity, hi: -Infinity, finite: 0 };
    if (this.length === 0) this.stride = 1;
  }

  clear(): void {
    this.length = 0;
    this.stride = 1;
    this.pending = { n: 0, sum: 0, lo: Infinity, hi: -Infinity, finite: 0 };
  }

  last(): number | null {
    return this.length > 0 ? (this.values[this.length - 1] as number) : null;
  }
}

/**
 * TensorBoard's smoothing: an exponential moving average with weight w in [0, 1), debiased so
 * the first points are not pulled towards zero. Non-finite values are passed through.
 */
export function smooth(values: ArrayLike<number>, length: number, weight: number): Float32Array {
  const out = new Float32Array(length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * weight + (1 - weight) * v;
    count += 1;
    const debias = weight === 0 ? 1 : 1 - Math.pow(weight, count);
    out[i] = last / debias;
  }
  return out;
}

export interface Binned {
  x: number[];
  mean: number[];
  min: number[];
  max: number[];
}

/**
 * Bin points by x into at most `bins` equal-width buckets between the first and last step; each
 * bucket keeps its mean x, mean/min/max value. Small series are returned point by point.
 */
export function binSeries(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  length: number,
  bins: number,
  /** per-point envelope (a thinned series' entries stand for several steps); default: the values */
  lows: ArrayLike<number> = values,
  highs: ArrayLike<number> = values,
): Binned {
  const out: Binned = { x: [], mean: [], min: [], max: [] };
  if (length === 0) return out;
  if (length <= bins) {
    for (let i = 0; i < length; i++) {
      const v = values[i] as number;
      out.x.push(steps[i] as number);
      out.mean.push(v);
      out.min.push(lows[i] as number);
      out.max.push(highs[i] as number);
    }
    return out;
  }
  const x0 = steps[0] as number;
  const x1 = steps[length - 1] as number;
  const width = (x1 - x0) / bins || 1;
  let b = -1;
  let sx = 0;
  let sv = 0;
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const flush = () => {
    if (n === 0) return;
    out.x.push(sx / n);
    out.mean.push(sv / n);
    out.min.push(lo);
    out.max.push(hi);
  };
  for (let i = 0; i < length; i++) {
    const x = steps[i] as number;
    const v = values[i] as number;
    const bi = Math.min(bins - 1, Math.floor((x - x0) / width));
    if (bi !== b) {
      flush();
      b = bi;
      sx = 0;
      sv = 0;
      n = 0;
      lo = Infinity;
      hi = -Infinity;
    }
    if (!Number.isFinite(v)) continue;
    sx += x;
    sv += v;
    n += 1;
    lo = Math.min(lo, lows[i] as number);
    hi = Math.max(hi, highs[i] as number);
  }
  flush();
  return out;
}
