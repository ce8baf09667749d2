import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerLeanGradients, restoreOriginalGradients } from '../src/core/ops/leanGradients';
import { Rng } from '../src/core/random';
import { relDiff, startBackend } from './helpers';

/** Central finite-difference gradient of a scalar function of one tensor. */
function fdGrad(f: (x: tf.Tensor) => tf.Scalar, x: Float32Array, shape: number[], eps = 1e-2): Float32Array {
  const g = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const p = x.slice();
    const m = x.slice();
    p[i] = (p[i] as number) + eps;
    m[i] = (m[i] as number) - eps;
    const fp = tf.tidy(() => f(tf.tensor(p, shape)).dataSync()[0] as number);
    const fm = tf.tidy(() => f(tf.tensor(m, shape)).dataSync()[0] as number);
    g[i] = (fp - fm) / (2 * eps);
  }
  return g;
}

function random(n: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'lean');
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

describe('lean gradients (Multiply, Add, Sub, Relu) with broadcasting', () => {
  beforeAll(() => startBackend('cpu'));

  const aShape = [3, 1, 4];
  const bShape = [1, 2, 4];
  const a0 = random(12, 1);
  const b0 = random(8, 2);
  const w0 = random(24, 3);
  // a scalar mixing every op, with broadcasting on both sides
  const f = (a: tf.Tensor, b: tf.Tensor, relu = true) =>
    tf.tidy(() => {
      const w = tf.tensor(w0, [3, 2, 4]);
      const z = tf.add(tf.sub(tf.mul(a, b), tf.mul(b, 0.5)), tf.mul(a, a));
      const u = tf.add(z, tf.mul(z, z));
      return tf.sum(tf.mul(w, relu ? tf.relu(u) : u)) as tf.Scalar;
    });

  /** gradients of f and of the squared norm of f's gradient (second order), w.r.t. a and b */
  function derivatives(): Float32Array[] {
    return tf.tidy(() => {
      const a = tf.tensor(a0, aShape);
      const b = tf.tensor(b0, bShape);
      const first = tf.grads((x: tf.Tensor, y: tf.Tensor) => f(x, y))([a, b]);
      const second = tf.grads((x: tf.Tensor, y: tf.Tensor) => {
        const [gx, gy] = tf.grads((p: tf.Tensor, q: tf.Tensor) => f(p, q))([x, y]);
        return tf.add(tf.sum(tf.square(gx!)), tf.sum(tf.square(gy!))) as tf.Scalar;
      })([a, b]);
      return [...first, ...second].map((g) => g.dataSync() as Float32Array);
    });
  }

  it("equal tfjs's own gradients to first and second order", () => {
    const lean = derivatives();
    restoreOriginalGradients();
    const original = derivatives();
    registerLeanGradients();
    expect(lean.length).toBe(4);
    lean.forEach((g, i) => expect(relDiff(g, original[i] as Float32Array)).toBeLessThan(1e-6));
  });

  it('first derivatives of a smooth composition match finite differences', () => {
    const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a, b, false))([
      tf.tensor(a0, aShape),
      tf.tensor(b0, bShape),
    ]);
    const b = tf.tensor(b0, bShape);
    const a = tf.tensor(a0, aShape);
    expect(
      relDiff(
        ga!.dataSync(),
        fdGrad((x) => f(x, b, false), a0, aShape, 1e-3),
      ),
    ).toBeLessThan(2e-3);
    expect(
      relDiff(
        gb!.dataSync(),
        fdGrad((x) => f(a, x, false), b0, bShape, 1e-3),
      ),
    ).toBeLessThan(2e-3);
  });

  it('second derivatives (gradient of a gradient norm) match finite differences', () => {
    const b = tf.tensor(b0, bShape);
    const gnorm = (x: tf.Tensor) => {
      const g = tf.grad((y: tf.Tensor) => f(y, b, false))(x);
      return tf.sum(tf.square(g)) as tf.Scalar;
    };
    const analytic = tf.grad(gnorm)(tf.tensor(a0, aShape));
    expect(relDiff(analytic.dataSync(), fdGrad(gnorm, a0, aShape, 1e-3))).toBeLessThan(5e-3);
  });

  it('x + x gets the summed gradient (two inputs, one tensor)', () => {
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.add(x, x)))(tf.tensor([1, 2, 3]));
    expect(Array.from(g.dataSync())).toEqual([2, 2, 2]);
  });
});
