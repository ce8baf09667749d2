import * as tf from '@tensorflow/tfjs';
import { relDiff } from './helpers';

/**
 * Finite-difference checks for float32 tfjs functions of several tensors. Everything is compared
 * along directions: the directional derivative g·v against (f(x + εv) − f(x − εv)) / 2ε, and the
 * Hessian-vector product H·v (from nested autodiff) against (∇f(x + εv) − ∇f(x − εv)) / 2ε.
 */
export type ScalarFn = (...xs: tf.Tensor[]) => tf.Scalar;

/** A random direction per input, scaled so the whole direction has unit norm. */
export function randomDirection(xs: tf.Tensor[], seed: number): tf.Tensor[] {
  return tf.tidy(() => {
    const raw = xs.map((x, i) => tf.randomNormal(x.shape, 0, 1, 'float32', seed + 17 * i));
    const norm = Math.sqrt(raw.reduce((s, r) => s + (tf.sum(tf.square(r)).dataSync()[0] as number), 0));
    return raw.map((r) => tf.div(r, norm));
  });
}

/** Run fn and dispose every tensor it made; for results that are plain numbers or arrays. */
function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

function shifted(xs: tf.Tensor[], v: tf.Tensor[], eps: number): tf.Tensor[] {
  return xs.map((x, i) => tf.add(x, tf.mul(v[i] as tf.Tensor, eps)));
}

function flat(ts: tf.Tensor[]): Float64Array {
  const parts = ts.map((t) => t.dataSync());
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function dotFlat(a: tf.Tensor[], b: tf.Tensor[]): number {
  return scoped(() =>
    a.reduce((s, t, i) => s + (tf.sum(tf.mul(t, b[i] as tf.Tensor)).dataSync()[0] as number), 0),
  );
}

/** Analytic and central-difference directional derivatives along v. */
export function directionalCheck(
  f: ScalarFn,
  xs: tf.Tensor[],
  v: tf.Tensor[],
  eps: number,
): [number, number] {
  return scoped(() => {
    const g = tf.grads(f)(xs);
    const analytic = dotFlat(g, v);
    const fp = f(...shifted(xs, v, eps)).dataSync()[0] as number;
    const fm = f(...shifted(xs, v, eps * -1)).dataSync()[0] as number;
    return [analytic, (fp - fm) / (2 * eps)];
  });
}

/** H·v by differentiating (∇f · v) again, and by central differences of ∇f along v. */
export function hessianVectorCheck(
  f: ScalarFn,
  xs: tf.Tensor[],
  v: tf.Tensor[],
  eps: number,
): [Float64Array, Float64Array] {
  return scoped(() => {
    const gradDotV = (...ys: tf.Tensor[]) => {
      const g = tf.grads(f)(ys);
      return g.reduce(
        (s: tf.Tensor, gi, i) => tf.add(s, tf.sum(tf.mul(gi, v[i] as tf.Tensor))),
        tf.scalar(0),
      ) as tf.Scalar;
    };
    const hv = flat(tf.grads(gradDotV)(xs));
    const gp = flat(tf.grads(f)(shifted(xs, v, eps)));
    const gm = flat(tf.grads(f)(shifted(xs, v, eps * -1)));
    const fd = gp.map((p, i) => (p - (gm[i] as number)) / (2 * eps));
    return [hv, fd];
  });
}

/** ‖a − b‖ / ‖b‖ over the same non-empty length (else it throws): helpers.ts's relDiff. */
export const relError = relDiff;

/** |a − b| / max(|a|, |b|, floor) */
export function relScalar(a: number, b: number, floor = 1e-6): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}
