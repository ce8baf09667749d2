import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classifierMetaModel, type ClassBatch } from '../src/core/families/glyphs/classification';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { orderCompareBatch } from '../src/core/families/regression/orderTasks';
import { kernelsOf } from '../src/core/meta/profile';
import {
  MetaLearner,
  regressionMetaModel,
  type BatchTensors,
  type MetaModel,
} from '../src/core/meta/learners';
import {
  compareOrders,
  firstOrderOnly,
  orderGradients,
  orderReading,
  reptileReading,
  SecondOrderUnsupportedError,
  triangleAngle,
  type InnerSettings,
  type OrderComparison,
} from '../src/core/meta/orderCompare';
import { ConvNet } from '../src/core/models/convnet';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import { dot, relDiff, sinusoidBatch, startBackend } from './helpers';

// ---------------------------------------------------------------------------------------------
// An independent reference: one task at a time, shared 2-D parameters, plain tf.matMul, and the
// inner gradient from nested autodiff (tf.grads) rather than the model's hand-written backprop.
// ---------------------------------------------------------------------------------------------

function refForward(model: Mlp, p: tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  for (let l = 0; l < model.layers; l++) {
    h = tf.add(tf.matMul(h, p[2 * l] as tf.Tensor2D), p[2 * l + 1] as tf.Tensor2D);
    if (l < model.layers - 1) h = tf.relu(h);
  }
  return h;
}

function refLoss(model: Mlp, p: tf.Tensor[], x: tf.Tensor2D, y: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.squaredDifference(refForward(model, p, x), y));
}

function task(a: tf.Tensor3D, t: number): tf.Tensor2D {
  return tf.squeeze(tf.slice(a, [t, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
}

function refAdapt(model: Mlp, theta: tf.Tensor, b: BatchTensors, t: number, alpha: number, steps: number) {
  let p = model.unflatten(theta);
  for (let s = 0; s < steps; s++) {
    const g = tf.grads((...q: tf.Tensor[]) => refLoss(model, q, task(b.xs, t), task(b.ys, t)))(p);
    p = p.map((q, i) => tf.sub(q, tf.mul(g[i] as tf.Tensor, alpha)));
  }
  return p;
}

/** The true MAML meta-loss at θ (mean query loss after the inner steps), as a number. */
function refMetaLoss(model: Mlp, theta: Float32Array, b: BatchTensors, alpha: number, steps: number): number {
  return tf.tidy(() => {
    const T = b.xs.shape[0];
    let total = 0;
    for (let t = 0; t < T; t++) {
      const p = refAdapt(model, tf.tensor1d(theta), b, t, alpha, steps);
      total += refLoss(model, p, task(b.xq, t), task(b.yq, t)).dataSync()[0] as number;
    }
    return total / T;
  });
}

/** FOMAML's gradient (query gradient at each adapted θ′ᵢ, averaged), θ − mean θ′ and the loss. */
function refFirstOrder(model: Mlp, theta: Float32Array, b: BatchTensors, alpha: number, steps: number) {
  return tf.tidy(() => {
    const T = b.xs.shape[0];
    const th = tf.tensor1d(theta);
    let g: tf.Tensor = tf.zeros([model.numParams]);
    let adapted: tf.Tensor = tf.zeros([model.numParams]);
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const p = model.flatten(refAdapt(model, th, b, t, alpha, steps));
      const q = (x: tf.Tensor) => refLoss(model, model.unflatten(x), task(b.xq, t), task(b.yq, t));
      g = tf.add(g, tf.grad(q)(p));
      adapted = tf.add(adapted, p);
      loss += q(p).dataSync()[0] as number;
    }
    return {
      g1: tf.div(g, T).dataSync() as Float32Array,
      reptile: tf.sub(th, tf.div(adapted, T)).dataSync() as Float32Array,
      loss: loss / T,
    };
  });
}

interface Vectors {
  loss: number;
  g2: Float32Array;
  g1: Float32Array;
  r: Float32Array;
  alphaGrad: Float32Array | null;
}

function vectors<B, A>(model: MetaModel<B, A>, theta: Float32Array, batch: B, inner: InnerSettings): Vectors {
  const th = tf.tensor1d(theta);
  const g = orderGradients(model, th, batch, inner);
  const out = {
    loss: g.loss.dataSync()[0] as number,
    g2: g.second.dataSync() as Float32Array,
    g1: g.first.dataSync() as Float32Array,
    r: g.reptile.dataSync() as Float32Array,
    alphaGrad: g.alphaGrad ? (g.alphaGrad.dataSync() as Float32Array) : null,
  };
  tf.dispose([th, g.loss, g.second, g.first, g.reptile]);
  g.alphaGrad?.dispose();
  return out;
}

const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));
const sub = (a: Float32Array, b: Float32Array) => a.map((v, i) => v - (b[i] as number));

beforeAll(async () => {
  await startBackend('cpu');
});

describe('second-order, first-order and Reptile directions on an MLP', () => {
  const model = new Mlp([1, 12, 12, 1]);
  const meta = regressionMetaModel(model);
  const theta0 = model.init(new Rng(7, 'init'));
  // a large α and two inner steps make the second-order terms large
  const alpha = 0.08;
  const steps = 2;
  let batch: BatchTensors;
  beforeAll(() => {
    batch = sinusoidBatch(3, 4, 5, 6);
  });

  it('g2 matches central differences of the true MAML meta-loss; g1 does not', () => {
    const v = vectors(meta, theta0, batch, { rate: alpha, steps });
    const scale = norm(v.g2);
    const rng = new Rng(11, 'directions');
    const diff = sub(v.g2, v.g1);
    const dirs = [v.g2, diff, ...Array.from({ length: 3 }, () => v.g2.map(() => rng.normal()))];
    const eps = 1e-3;
    const fdAlong = (raw: Float32Array) => {
      const n = norm(raw);
      const u = raw.map((x) => x / n);
      const plus = refMetaLoss(
        model,
        theta0.map((x, i) => x + eps * (u[i] as number)),
        batch,
        alpha,
        steps,
      );
      const minus = refMetaLoss(
        model,
        theta0.map((x, i) => x - eps * (u[i] as number)),
        batch,
        alpha,
        steps,
      );
      return { u, fd: (plus - minus) / (2 * eps) };
    };
    for (const raw of dirs) {
      const { u, fd } = fdAlong(raw);
      // relative to |g2|, so near-orthogonal random directions are not ill-posed (ReLU kinks and
      // float32 rounding bound the agreement at about 1%)
      expect(Math.abs(fd - dot(v.g2, u)) / scale).toBeLessThan(0.02);
    }
    // along the second-order correction itself, the first-order gradient is clearly wrong
    const { u, fd } = fdAlong(diff);
    expect(Math.abs(fd - dot(v.g1, u)) / scale).toBeGreaterThan(0.1);
  });

  it('g1 is the query gradient at the adapted θ′ and r is θ − mean θ′ (a per-task loop)', () => {
    const v = vectors(meta, theta0, batch, { rate: alpha, steps });
    const ref = refFirstOrder(model, theta0, batch, alpha, steps);
    expect(relDiff(v.g1, ref.g1)).toBeLessThan(1e-5);
    expect(relDiff(v.r, ref.reptile)).toBeLessThan(1e-5);
    expect(Math.abs(v.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
    expect(Math.abs(v.loss - refMetaLoss(model, theta0, batch, alpha, steps)) / v.loss).toBeLessThan(1e-5);
    // and r is a real move: each task's θ′ is away from θ
    expect(norm(v.r)).toBeGreaterThan(1e-3);
  });

  it("agrees with the project's MAML and FOMAML learners", () => {
    const v = vectors(meta, theta0, batch, { rate: alpha, steps });
    const hyper = { alpha, beta: 0.001, inner: steps };
    for (const [algo, mine] of [
      ['maml', v.g2],
      ['fomaml', v.g1],
    ] as const) {
      const learner = new MetaLearner(model, algo, theta0, hyper);
      const g = tf.tidy(() => learner.metaGradient(batch).grads[0] as tf.Tensor);
      expect(relDiff(mine, g.dataSync())).toBeLessThan(1e-5);
      g.dispose();
      learner.dispose();
    }
  });

  it('second order differs from first order measurably here; with 0 steps or α = 0 they are equal', async () => {
    const curved = await compareOrders(meta, theta0, batch, { rate: alpha, steps });
    expect(curved.correctionNorm / curved.g2Norm).toBeGreaterThan(0.2);
    expect(curved.angleG2G1Deg).toBeGreaterThan(5);
    expect(curved.cosG2G1).toBeLessThan(0.99);
    for (const inner of [
      { rate: alpha, steps: 0 },
      { rate: 0, steps },
    ]) {
      const v = vectors(meta, theta0, batch, inner);
      expect(relDiff(v.g2, v.g1)).toBeLessThan(1e-6);
      const c = await compareOrders(meta, theta0, batch, inner);
      expect(c.cosG2G1).toBeCloseTo(1, 6);
      expect(c.angleG2G1Deg).toBeLessThan(1e-3);
      expect(c.normRatio).toBeCloseTo(1, 6);
      expect(c.correctionNorm).toBeLessThan(1e-6 * c.g2Norm);
      // Reptile does not move with no inner steps (or α = 0): its cosines are undefined
      expect(c.reptileNorm).toBe(0);
      expect(c.cosG2Reptile).toBeNaN();
      expect(c.steps).toBe(inner.steps);
    }
  });

  it('the plain numbers are those of the vectors', async () => {
    const v = vectors(meta, theta0, batch, { rate: alpha, steps });
    const c = await compareOrders(meta, theta0, batch, { rate: alpha, steps });
    const close = (a: number, b: number, tol = 1e-5) =>
      expect(Math.abs(a - b) / Math.abs(b)).toBeLessThan(tol);
    close(c.metaLoss, v.loss);
    close(c.g2Norm, norm(v.g2));
    close(c.g1Norm, norm(v.g1));
    close(c.reptileNorm, norm(v.r));
    close(c.correctionNorm, norm(sub(v.g2, v.g1)));
    const cos = (a: Float32Array, b: Float32Array) => dot(a, b) / (norm(a) * norm(b));
    close(c.cosG2G1, cos(v.g2, v.g1));
    close(c.cosG2Reptile, cos(v.g2, v.r));
    close(c.cosG1Reptile, cos(v.g1, v.r));
    close(c.angleG2G1Deg, (Math.acos(cos(v.g2, v.g1)) * 180) / Math.PI);
    close(c.angleG2ReptileDeg, (Math.acos(cos(v.g2, v.r)) * 180) / Math.PI);
    close(c.normRatio, norm(v.g1) / norm(v.g2));
    expect(c.tasks).toBe(4);
    expect(c.alphaGradNorm).toBeNull();
  });

  it('Meta-SGD: g2 and the α gradient equal the learner’s; g1 and r use the α vector', async () => {
    const rng = new Rng(5, 'alpha');
    const alpha0 = new Float32Array(model.numParams).map(() => rng.uniform(0.02, 0.1));
    const learner = new MetaLearner(
      model,
      'metasgd',
      theta0,
      { alpha: 0.05, beta: 0.001, inner: steps },
      alpha0,
    );
    const ref = tf.tidy(() => learner.metaGradient(batch).grads.map((g) => g.dataSync() as Float32Array));
    const rate = tf.tensor1d(alpha0);
    const v = vectors(meta, theta0, batch, { rate, steps });
    expect(relDiff(v.g2, ref[0] as Float32Array)).toBeLessThan(1e-5);
    expect(relDiff(v.alphaGrad as Float32Array, ref[1] as Float32Array)).toBeLessThan(1e-5);
    const c = await compareOrders(meta, theta0, batch, { rate, steps });
    expect(Math.abs((c.alphaGradNorm as number) - norm(ref[1] as Float32Array))).toBeLessThan(
      1e-5 * norm(ref[1] as Float32Array),
    );
    // no inner step: α has no effect, its gradient is zero
    const none = await compareOrders(meta, theta0, batch, { rate, steps: 0 });
    expect(none.alphaGradNorm).toBe(0);
    // g1 and r with a per-parameter α differ from those with a scalar one
    const scalar = vectors(meta, theta0, batch, { rate: 0.05, steps });
    expect(relDiff(v.r, scalar.r)).toBeGreaterThan(0.05);
    rate.dispose();
    learner.dispose();
  });

  it('leaves no tensor behind, and the same seed gives the same numbers', async () => {
    const run = async (seed: number) => {
      const b = orderCompareBatch(sinusoid, seed, 6, 5);
      const th = new Mlp([1, 12, 12, 1]).init(Rng.stream(seed, 'init'));
      const before = tf.memory().numTensors;
      const c = await compareOrders(meta, th, b, { rate: alpha, steps });
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(Object.values(b));
      return c;
    };
    const a = await run(4);
    expect(await run(4)).toEqual(a);
    expect((await run(5)).g2Norm).not.toBe(a.g2Norm);
    // a θ tensor (e.g. the learner's variable) is left alone, orderGradients inside a tidy leaks nothing
    const th = tf.tensor1d(theta0);
    const before = tf.memory().numTensors;
    await compareOrders(meta, th, batch, { rate: alpha, steps });
    tf.tidy(() => {
      orderGradients(meta, th, batch, { rate: alpha, steps });
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(th.isDisposed).toBe(false);
    th.dispose();
  });
});

describe('cost', () => {
  it('kernels per call do not depend on the number of tasks (paper MLP 1-40-40-1)', async () => {
    const model = new Mlp([1, 40, 40, 1]);
    const meta = regressionMetaModel(model);
    const theta = tf.tensor1d(model.init(new Rng(1, 'init')));
    const counts: number[] = [];
    for (const tasks of [2, 5, 25]) {
      const b = sinusoidBatch(8, tasks, 10, 10);
      counts.push((await kernelsOf(() => compareOrders(meta, theta, b, { rate: 0.01, steps: 1 }))).total);
      tf.dispose(Object.values(b));
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(50);
    // more inner steps cost more kernels: the count above is the real work
    const b = sinusoidBatch(8, 5, 10, 10);
    const two = (await kernelsOf(() => compareOrders(meta, theta, b, { rate: 0.01, steps: 2 }))).total;
    expect(two).toBeGreaterThan(counts[0] as number);
    tf.dispose([theta, ...Object.values(b)]);
  });
});

/** Balanced labels 0..n−1, each repeated per class, for t tasks: [t, n·per]. */
function labels(t: number, n: number, per: number): tf.Tensor2D {
  const a = new Int32Array(t * n * per);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor((i % (n * per)) / per);
  return tf.tensor2d(a, [t, n * per], 'int32');
}

function classBatch(tasks: number, seed: number): ClassBatch {
  const images = (s: number) => tf.randomUniform([tasks, 6, 8, 8, 1], 0, 1, 'float32', s) as tf.Tensor5D;
  return { xs: images(seed), ys: labels(tasks, 3, 2), xq: images(seed + 1), yq: labels(tasks, 3, 2) };
}

describe('glyph classifier (conv net, batch norm, cross-entropy)', () => {
  const net = new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8 });
  const meta = classifierMetaModel(net);
  const theta0 = net.init(new Rng(5, 'init'));
  const alpha = 0.4;

  it("second order through the conv net: g2 and g1 equal the project's MAML and FOMAML", async () => {
    const b = classBatch(2, 21);
    const v = vectors(meta, theta0, b, { rate: alpha, steps: 1 });
    for (const [algo, mine] of [
      ['maml', v.g2],
      ['fomaml', v.g1],
    ] as const) {
      const learner = new MetaLearner(meta, algo, theta0, { alpha, beta: 0.001, inner: 1 });
      const g = tf.tidy(() => learner.metaGradient(b).grads[0] as tf.Tensor);
      expect(relDiff(mine, g.dataSync())).toBeLessThan(1e-5);
      g.dispose();
      learner.dispose();
    }
    expect(relDiff(v.g2, v.g1)).toBeGreaterThan(0.05);
    const before = tf.memory().numTensors;
    const c = await compareOrders(meta, theta0, b, { rate: alpha, steps: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(c.angleG2G1Deg).toBeGreaterThan(1);
    expect(c.reptileNorm).toBeGreaterThan(0);
    expect(c.tasks).toBe(2);
    tf.dispose(Object.values(b));
  });

  it('kernels per call do not depend on the number of tasks', async () => {
    const counts: number[] = [];
    for (const tasks of [2, 5]) {
      const b = classBatch(tasks, 3);
      counts.push((await kernelsOf(() => compareOrders(meta, theta0, b, { rate: alpha, steps: 1 }))).total);
      tf.dispose(Object.values(b));
    }
    expect(counts[1]).toBe(counts[0]);
  });
});

describe('refusal', () => {
  const model = new Mlp([1, 6, 1]);
  const theta0 = model.init(new Rng(2, 'init'));

  it('a model declared first-order only is refused with its reason', async () => {
    const b = sinusoidBatch(1, 3, 5, 5);
    const meta = firstOrderOnly(regressionMetaModel(model), 'its activation saves its output');
    const before = tf.memory().numTensors;
    await expect(compareOrders(meta, theta0, b, { rate: 0.01, steps: 1 })).rejects.toThrow(
      /second-order MAML meta-gradient unavailable.*its activation saves its output/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
  });

  it('a model whose inner gradient has no gradient is refused, cleanly, and the next call works', async () => {
    const b = sinusoidBatch(1, 3, 5, 5);
    // a line fitted by its worst point: tf.max's gradient goes through Equal, which has none
    const worst = (p: tf.Tensor, x: tf.Tensor3D, y: tf.Tensor3D) => {
      const T = x.shape[0];
      const w = tf.reshape(tf.slice(p, [0, 0], [T, 1]), [T, 1, 1]);
      const c = tf.reshape(tf.slice(p, [0, 1], [T, 1]), [T, 1, 1]);
      return tf.sum(tf.max(tf.squaredDifference(tf.add(tf.mul(x, w), c), y), [1, 2])) as tf.Scalar;
    };
    const meta: MetaModel<BatchTensors, tf.Tensor> = {
      numParams: 2,
      adapt: (theta, batch, rate, steps) => {
        const T = batch.xs.shape[0];
        let p = theta.rank === 1 ? tf.add(tf.expandDims(theta, 0), tf.zeros([T, 2])) : theta;
        for (let s = 0; s < steps; s++) {
          const g = tf.grad((q: tf.Tensor) => worst(q, batch.xs, batch.ys))(p);
          p = tf.sub(p, tf.mul(g, rate as number));
        }
        return p;
      },
      queryLoss: (p, batch) => tf.div(worst(p, batch.xq, batch.yq), batch.xq.shape[0]) as tf.Scalar,
      flatten: (p) => p,
    };
    const theta = new Float32Array([0.5, -0.2]);
    const before = tf.memory().numTensors;
    const error = await compareOrders(meta, theta, b, { rate: 0.01, steps: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecondOrderUnsupportedError);
    expect(String(error)).toMatch(/gradient function not found for Equal/);
    expect(tf.memory().numTensors).toBe(before);
    // without inner steps there is nothing to differentiate twice
    const flat = await compareOrders(meta, theta, b, { rate: 0.01, steps: 0 });
    expect(flat.cosG2G1).toBeCloseTo(1, 6);
    // and the engine is fine afterwards
    const ok = await compareOrders(regressionMetaModel(model), theta0, b, { rate: 0.05, steps: 1 });
    expect(ok.g2Norm).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(b));
  });

  it('wrong shapes and settings are rejected before any work', async () => {
    const meta = regressionMetaModel(model);
    const b = sinusoidBatch(1, 2, 5, 5);
    await expect(compareOrders(meta, new Float32Array(3), b, { rate: 0.01, steps: 1 })).rejects.toThrow(
      /θ must be/,
    );
    await expect(compareOrders(meta, theta0, b, { rate: 0.01, steps: 1.5 })).rejects.toThrow(/inner steps/);
    await expect(compareOrders(meta, theta0, b, { rate: NaN, steps: 1 })).rejects.toThrow(/α must be finite/);
    tf.dispose(Object.values(b));
  });
});

describe('reading', () => {
  const base: OrderComparison = {
    metaLoss: 1,
    g2Norm: 0.91,
    g1Norm: 1,
    reptileNorm: 0.02,
    correctionNorm: 0.4,
    cosG2G1: Math.cos((23.2 * Math.PI) / 180),
    cosG2Reptile: 0.5,
    cosG1Reptile: 0.6,
    angleG2G1Deg: 23.2,
    angleG2ReptileDeg: 60,
    angleG1ReptileDeg: 53.13,
    normRatio: 1 / 0.91,
    alphaGradNorm: null,
    tasks: 25,
    steps: 1,
  };

  it('says how the Hessian term turns and scales the meta-gradient', () => {
    expect(orderReading(base)).toBe('the Hessian term turns the meta-gradient by 23° and scales it by 0.91');
    expect(orderReading({ ...base, angleG2G1Deg: 3.14, g2Norm: 2.5 })).toBe(
      'the Hessian term turns the meta-gradient by 3.1° and scales it by 2.50',
    );
    expect(orderReading({ ...base, angleG2G1Deg: 0.02 })).toMatch(/by less than 0\.1°/);
    expect(orderReading({ ...base, correctionNorm: 0, steps: 0 })).toBe(
      'the Hessian term is zero (no inner steps): second and first order give the same meta-gradient',
    );
    expect(orderReading({ ...base, g2Norm: NaN })).toMatch(/not finite/);
    expect(orderReading({ ...base, g2Norm: 0, g1Norm: 0 })).toMatch(/zero/);
  });

  it('says where the Reptile direction points', () => {
    expect(reptileReading(base)).toBe(
      'the Reptile direction is 60° from the second-order meta-gradient and 53° from the first-order one',
    );
    expect(reptileReading({ ...base, reptileNorm: 0, steps: 0 })).toMatch(/does not move/);
  });

  it('the angle from three side lengths is exact where acos of the cosine is not', () => {
    expect((triangleAngle(3, 4, 5) * 180) / Math.PI).toBeCloseTo(90, 10);
    expect(triangleAngle(1, 2, 3)).toBeCloseTo(Math.PI, 10);
    expect(triangleAngle(2, 2, 0)).toBe(0);
    expect(triangleAngle(0, 2, 2)).toBeNaN();
    for (const t of [1e-9, 1e-5, 0.3, 2, 3.1]) {
      const c = 2 * Math.sin(t / 2); // unit vectors at angle t
      expect(Math.abs(triangleAngle(1, 1, c) - t) / t).toBeLessThan(1e-12);
    }
    // two vectors of different lengths at a tiny angle
    const t = 1e-5;
    const [a, b] = [1, 0.9];
    const c = Math.hypot(a - b * Math.cos(t), b * Math.sin(t));
    expect(Math.abs(triangleAngle(a, b, c) - t) / t).toBeLessThan(1e-6);
  });
});
