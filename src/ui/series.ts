/**
 * A growing (step, value) series kept outside React: the learning curve appends up to 20 batches a
 * second and redraws from it once per frame. Plus the two views the chart needs: TensorBoard's
 * debiased exponential smoothing, and per-pixel binning so 100k steps draw as a few hundred points.
 */

export class Series {
  steps = new Float64Array(1024);
  values = new Float32Array(1024);
  length = 0;

  push(step: number, value: number): void {
    if (this.length === this.steps.length) {
      const steps = new Float64Array(this.steps.length * 2);
      steps.set(this.steps);
      const values = new Float32Array(this.values.length * 2);
      values.set(this.values);
      this.steps = steps;
      this.values = values;
    }
    this.steps[this.length] = step;
    this.values[this.length] = value;
    this.length += 1;
  }

  /** Drop every point after `step` (a rewind: reset, divergence restore). */
  truncateAfter(step: number): void {
    while (this.length > 0 && (this.steps[this.length - 1] as number) > step) this.length -= 1;
  }

  clear(): void {
    this.length = 0;
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
): Binned {
  const out: Binned = { x: [], mean: [], min: [], max: [] };
  if (length === 0) return out;
  if (length <= bins) {
    for (let i = 0; i < length; i++) {
      const v = values[i] as number;
      out.x.push(steps[i] as number);
      out.mean.push(v);
      out.min.push(v);
      out.max.push(v);
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
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  flush();
  return out;
}
