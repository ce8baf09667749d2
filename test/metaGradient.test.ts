import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MetaLearner, type BatchTensors } from '../src/core/meta/learners';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import { dot, relDiff, sinusoidBatch, startBackend } from './helpers';

/**
 * A per-task reference written the obvious way: a loop over tasks, shared parameters, plain
 * tf.matMul, and the inner gradient taken by nested autodiff (tf.grads), not by the model's
 * hand-written backprop. The batched learner must agree with it.
 */
function referenceMetaLoss(
  model: Mlp,
  theta: tf.Tensor,
  batch: BatchTensors,
  alpha: number,
  steps: number,
  firstOrderAt: tf.Tensor[] | null = null,
): tf.Scalar {
  const T = batch.xs.shape[0];
  const forward = (p: tf.Tensor[], x: tf.Tensor2D) => {
    let h: tf.Tensor2D = x;
    for (let l = 0; l < model.layers; l++) {
      h = tf.add(tf.matMul(h, p[2 * l] as tf.Tensor2D), p[2 * l + 1] as tf.Tensor2D);
      if (l < model.layers - 1) h = tf.relu(h);
    }
    return h;
  };
  const loss = (p: tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D) =>
    tf.mean(tf.squaredDifference(forward(p, x), y));
  let total: tf.Scalar = tf.scalar(0);
  for (let t = 0; t < T; t++) {
    const take = (a: tf.Tensor3D) => tf.squeeze(tf.slice(a, [t, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
    const [xs, ys, xq, yq] = [take(batch.xs), take(batch.ys), take(batch.xq), take(batch.yq)];
    let p = model.unflatten(theta);
    if (firstOrderAt) {
      // FOMAML by definition: θ + (θ′ − θ) with the shift a constant, so the query gradient
      // evaluated at θ′ is applied to θ unchanged
      const shift = firstOrderAt.map((a) => tf.squeeze(tf.slice(a, [t], [1]), [0]));
      p = p.map((q, i) => tf.add(q, shift[i] as tf.Tensor));
    } else {
      for (let s = 0; s < steps; s++) {
        const g = tf.grads((...q: tf.Tensor[]) => loss(q, xs, ys))(p);
        p = p.map((q, i) => tf.sub(q, tf.mul(g[i] as tf.Tensor, alpha)));
      }
    }
    total = tf.add(total, loss(p, xq, yq));
  }
  return tf.div(total, T);
}

describe('meta-gradient', () => {
  let batch: BatchTensors;
  beforeAll(async () => {
    await startBackend('cpu');
    batch = sinusoidBatch(3, 4, 5, 6);
  });

  const model = new Mlp([1, 12, 12, 1]);
  const theta0 = model.init(new Rng(7, 'init'));
  // a large α and two inner steps make the second-order terms large (checked below)
  const hyper = { alpha: 0.08, beta: 0.001, inner: 2 };

  function gradient(algo: 'maml' | 'fomaml'): Float32Array {
    const learner = new MetaLearner(model, algo, theta0, hyper);
    const g = tf.tidy(() => learner.metaGradient(batch).grads[0] as tf.Tensor);
    const out = g.dataSync() as Float32Array;
    g.dispose();
    learner.dispose();
    return out;
  }

  it('second order differs from first order by more than 20% here', () => {
    expect(relDiff(gradient('fomaml'), gradient('maml'))).toBeGreaterThan(0.2);
  });

  it('second-order meta-gradient matches central finite differences within 2%', () => {
    const g2 = gradient('maml');
    const g1 = gradient('fomaml');
    const learner = new MetaLearner(model, 'maml', theta0, hyper);
    const rng = new Rng(11, 'directions');
    const f = (theta: Float32Array) =>
      tf.tidy(() => learner.metaLoss(tf.tensor1d(theta), batch).dataSync()[0] as number);
    // directions: the gradient itself, the first/second-order difference, and random ones
    const diff = g2.map((v, i) => v - (g1[i] as number));
    const dirs = [g2, diff, ...Array.from({ length: 3 }, () => g2.map(() => rng.normal()))];
    for (const raw of dirs) {
      const n = Math.sqrt(dot(raw, raw));
      const v = raw.map((x) => x / n);
      const eps = 1e-3;
      const plus = theta0.map((x, i) => x + eps * (v[i] as number));
      const minus = theta0.map((x, i) => x - eps * (v[i] as number));
      const fd = (f(plus) - f(minus)) / (2 * eps);
      const analytic = dot(g2, v);
      const scale = Math.sqrt(dot(g2, g2));
      // relative to the gradient's norm, so near-orthogonal random directions are not ill-posed
      expect(Math.abs(fd - analytic) / scale).toBeLessThan(0.02);
    }
    // and first order does NOT pass that check along the direction where they differ
    const n = Math.sqrt(dot(diff, diff));
    const v = diff.map((x) => x / n);
    const fd =
      (f(theta0.map((x, i) => x + 1e-3 * (v[i] as number))) -
        f(theta0.map((x, i) => x - 1e-3 * (v[i] as number)))) /
      2e-3;
    expect(Math.abs(fd - dot(g1, v)) / Math.sqrt(dot(g2, g2))).toBeGreaterThan(0.1);
    learner.dispose();
  });

  it('batched meta-gradient equals a per-task reference loop (1e-5 relative)', () => {
    const g = gradient('maml');
    const ref = tf.tidy(() => {
      const theta = tf.tensor1d(theta0);
      return tf.grad((th: tf.Tensor) => referenceMetaLoss(model, th, batch, hyper.alpha, hyper.inner))(theta);
    });
    expect(relDiff(g, ref.dataSync())).toBeLessThan(1e-5);
    ref.dispose();
  });

  it('first-order MAML equals the query gradient at the adapted parameters', () => {
    const g = gradient('fomaml');
    const learner = new MetaLearner(model, 'maml', theta0, hyper);
    const ref = tf.tidy(() => {
      const theta = tf.tensor1d(theta0);
      // adapted parameters computed without any tape, by the reference inner loop
      const adapted = tf.tidy(() => {
        const T = batch.xs.shape[0];
        const perTask: tf.Tensor[][] = [];
        for (let t = 0; t < T; t++) {
          const one = {
            xs: tf.slice(batch.xs, [t], [1]),
            ys: tf.slice(batch.ys, [t], [1]),
            xq: tf.slice(batch.xq, [t], [1]),
            yq: tf.slice(batch.yq, [t], [1]),
          } as BatchTensors;
          let p = model.unflatten(theta);
          for (let s = 0; s < hyper.inner; s++) {
            const gr = tf.grads((...q: tf.Tensor[]) =>
              tf.mean(
                tf.squaredDifference(
                  model.predict(
                    q.map((w) => tf.expandDims(w, 0)),
                    one.xs,
                  ),
                  one.ys,
                ),
              ),
            )(p);
            p = p.map((q, i) => tf.sub(q, tf.mul(gr[i] as tf.Tensor, hyper.alpha)));
          }
          const base = model.unflatten(theta);
          perTask.push(p.map((q, i) => tf.expandDims(tf.sub(q, base[i] as tf.Tensor), 0)));
        }
        return (perTask[0] as tf.Tensor[]).map((_, i) =>
          tf.concat(
            perTask.map((p) => p[i] as tf.Tensor),
            0,
          ),
        );
      });
      return tf.grad((th: tf.Tensor) =>
        referenceMetaLoss(model, th, batch, hyper.alpha, hyper.inner, adapted),
      )(theta);
    });
    expect(relDiff(g, ref.dataSync())).toBeLessThan(1e-5);
    ref.dispose();
    learner.dispose();
  });
});
