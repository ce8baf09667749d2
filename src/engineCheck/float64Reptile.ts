import type { RegressionBatch } from '../core/families/regression/tasks';

/**
 * Reptile with Adam in double precision, as the arbiter for the Reptile step check. Reptile feeds
 * Adam θ − mean θ′; where that difference is tiny, tfjs's f32 θ − mean θ′ is mostly rounding
 * (±1 ulp of θ) and Adam's normalisation turns rounding into full-size steps, so f32 against f32
 * cannot say which side is right. In f64 the rounding is 10⁹ times smaller.
 */
function adaptTask(
  sizes: number[],
  theta: Float64Array,
  xs: Float32Array,
  ys: Float32Array,
  off: number,
  k: number,
  alpha: number,
  steps: number,
): Float64Array {
  const L = sizes.length - 1;
  let p = Float64Array.from(theta);
  for (let s = 0; s < steps; s++) {
    const grad = new Float64Array(p.length);
    for (let n = 0; n < k; n++) {
      // forward, keeping each layer's input and pre-activation
      const inputs: Float64Array[] = [Float64Array.of(xs[off + n] as number)];
      let o = 0;
      const offs: number[] = [];
      for (let l = 0; l < L; l++) {
        const a = inputs[l] as Float64Array;
        const nin = sizes[l] as number;
        const nout = sizes[l + 1] as number;
        offs.push(o);
        const z = new Float64Array(nout);
        for (let j = 0; j < nout; j++) {
          let acc = 0;
          for (let i = 0; i < nin; i++) acc += (a[i] as number) * (p[o + i * nout + j] as number);
          z[j] = acc + (p[o + nin * nout + j] as number);
        }
        o += nin * nout + nout;
        inputs.push(l < L - 1 ? z.map((v) => (v > 0 ? v : 0)) : z);
      }
      // backward of (1/K)·Σ(f − y)²
      let d = Float64Array.of(
        (2 / k) * (((inputs[L] as Float64Array)[0] as number) - (ys[off + n] as number)),
      );
      for (let l = L - 1; l >= 0; l--) {
        const a = inputs[l] as Float64Array;
        const nin = sizes[l] as number;
        const nout = sizes[l + 1] as number;
        const w = offs[l] as number;
        for (let i = 0; i < nin; i++)
          for (let j = 0; j < nout; j++) grad[w + i * nout + j]! += (a[i] as number) * (d[j] as number);
        for (let j = 0; j < nout; j++) grad[w + nin * nout + j]! += d[j] as number;
        if (l === 0) break;
        const dn = new Float64Array(nin);
        for (let i = 0; i < nin; i++) {
          if (!((a[i] as number) > 0)) continue;
          let acc = 0;
          for (let j = 0; j < nout; j++) acc += (d[j] as number) * (p[w + i * nout + j] as number);
          dn[i] = acc;
        }
        d = dn;
      }
    }
    p = p.map((v, j) => v - alpha * (grad[j] as number));
  }
  return p;
}

/** θ after Reptile-with-Adam steps (FlatAdam's formulas, β1 0.9, β2 0.999, ε 1e-8). */
export function reptileAdamF64(
  sizes: number[],
  theta0: Float32Array,
  batches: RegressionBatch[],
  alpha: number,
  inner: number,
  lr: number,
): Float64Array {
  const theta = Float64Array.from(theta0);
  const m = new Float64Array(theta.length);
  const v = new Float64Array(theta.length);
  batches.forEach((b, step) => {
    const g = new Float64Array(theta.length);
    for (let t = 0; t < b.tasks; t++) {
      const adapted = adaptTask(sizes, theta, b.xs, b.ys, t * b.support, b.support, alpha, inner);
      for (let j = 0; j < g.length; j++) g[j]! += ((theta[j] as number) - (adapted[j] as number)) / b.tasks;
    }
    const t = step + 1;
    const c1 = lr / (1 - Math.pow(0.9, t));
    const c2 = 1 / Math.sqrt(1 - Math.pow(0.999, t));
    for (let j = 0; j < theta.length; j++) {
      const gj = g[j] as number;
      m[j] = (m[j] as number) * 0.9 + gj * (1 - 0.9);
      v[j] = (v[j] as number) * 0.999 + gj * gj * (1 - 0.999);
      theta[j] = (theta[j] as number) - ((m[j] as number) * c1) / (Math.sqrt(v[j] as number) * c2 + 1e-8);
    }
  });
  return theta;
}
