import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { broadcastTasks, type Classifier, type Params } from '../src/core/models/classifier';
import { ConvNet } from '../src/core/models/convnet';
import { FcClassifier } from '../src/core/models/fcClassifier';
import '../src/core/ops/convGradients';
import { softmaxCrossEntropy, summedTaskCrossEntropy } from '../src/core/ops/crossEntropy';
import { stopGradient } from '../src/core/ops/stopGradient';
import { Rng } from '../src/core/random';
import { relError } from './finiteDifference';
import { startBackend } from './helpers';

beforeAll(async () => {
  await startBackend('cpu');
});

function images(t: number, b: number, size: number, seed: number): tf.Tensor5D {
  return tf.randomUniform([t, b, size, size, 1], 0, 1, 'float32', seed) as tf.Tensor5D;
}

/** Balanced labels 0..n−1, each repeated per class, for t tasks: [t, n·per]. */
function labels(t: number, n: number, per: number): tf.Tensor2D {
  const a = new Int32Array(t * n * per);
  for (let i = 0; i < a.length; i++) a[i] = Math.floor((i % (n * per)) / per);
  return tf.tensor2d(a, [t, n * per], 'int32');
}

function describeModel(name: string, make: (ways: number) => Classifier, size: number) {
  describe(name, () => {
    it('θ round-trips through unflatten / flatten, shared and per task', () => {
      const model = make(5);
      const theta = tf.tensor1d(model.init(new Rng(1, 'init')));
      expect(relError(model.flatten(model.unflatten(theta)).dataSync(), theta.dataSync())).toBe(0);
      const perTask = broadcastTasks(theta, 3);
      const back = model.flatten(model.unflatten(perTask));
      expect(back.shape).toEqual([3, model.numParams]);
      expect(relError(back.dataSync(), perTask.dataSync())).toBe(0);
      expect(model.headOffset).toBe(model.numParams - (model.layout.specs.at(-2)?.shape[0] ?? 0) * 5 - 5);
    });

    it('init is deterministic per seed and differs between seeds', () => {
      const model = make(5);
      const a = model.init(new Rng(3, 'init'));
      expect(model.init(new Rng(3, 'init'))).toEqual(a);
      expect(model.init(new Rng(4, 'init'))).not.toEqual(a);
      expect(a.every(Number.isFinite)).toBe(true);
    });

    it('per-task parameters act per task: each task equals that task run alone with shared parameters', () => {
      const model = make(4);
      tf.tidy(() => {
        const x = images(3, 6, size, 5);
        const thetas = [0, 1, 2].map((i) => tf.tensor1d(model.init(new Rng(10 + i, 'init'))));
        const logits = model.apply(model.unflatten(tf.stack(thetas)), x);
        expect(logits.shape).toEqual([3, 6, 4]);
        for (let t = 0; t < 3; t++) {
          const alone = model.apply(model.unflatten(thetas[t] as tf.Tensor), tf.slice(x, [t], [1]));
          expect(relError(tf.slice(logits, [t], [1]).dataSync(), alone.dataSync())).toBeLessThan(1e-5);
        }
        // shared parameters equal the same parameters broadcast to every task
        const shared = model.apply(model.unflatten(thetas[0] as tf.Tensor), x);
        const broadcast = model.apply(model.unflatten(broadcastTasks(thetas[0] as tf.Tensor, 3)), x);
        expect(relError(broadcast.dataSync(), shared.dataSync())).toBeLessThan(1e-5);
      });
    });
  });
}

describeModel('conv net (4 × 8, batch norm)', (ways) => new ConvNet({ ways, filters: 8 }), 28);
describeModel(
  'conv net (3 × 6, no batch norm)',
  (ways) => new ConvNet({ ways, filters: 6, blocks: 3, batchNorm: false }),
  28,
);
describeModel('fully connected net (batch norm)', (ways) => new FcClassifier({ ways, hidden: [32, 16] }), 28);
describeModel(
  'fully connected net (no batch norm)',
  (ways) => new FcClassifier({ ways, hidden: [24], batchNorm: false }),
  28,
);

describe('model shapes', () => {
  it('the paper conv net has 4 blocks of 64 filters and ends 2×2 on 28×28 images', () => {
    const net = new ConvNet({ ways: 5, filters: 64, blocks: 4 });
    expect(net.featureSize).toBe(2);
    // 3·3·1·64 + 3·3·64·64·3 conv weights, 2·64 batch norm per block, 64·5 + 5 head
    expect(net.numParams).toBe(9 * 64 + 3 * 9 * 64 * 64 + 4 * 128 + 64 * 5 + 5);
  });

  it('the paper fully connected net is 784-256-128-64-64-N', () => {
    const net = new FcClassifier({ ways: 5, batchNorm: false });
    expect(net.layout.specs.filter((s) => s.name.endsWith('.w')).map((s) => s.shape)).toEqual([
      [784, 256],
      [256, 128],
      [128, 64],
      [64, 64],
      [64, 5],
    ]);
  });
});

/**
 * One-step MAML meta-loss, written out with a nested tf.grads: the support loss of each task is
 * differentiated with respect to that task's copy of θ, θ′ = θ − α∇, and the query loss at θ′ is
 * averaged over tasks. With firstOrder the inner gradient is a constant (FOMAML).
 */
function metaLoss(
  model: Classifier,
  theta: tf.Tensor,
  xs: tf.Tensor5D,
  ys: tf.Tensor2D,
  xq: tf.Tensor5D,
  yq: tf.Tensor2D,
  alpha: number,
  firstOrder: boolean,
): tf.Scalar {
  const p = model.unflatten(broadcastTasks(theta, xs.shape[0]));
  const g = tf.grads((...q: tf.Tensor[]) => summedTaskCrossEntropy(model.apply(q, xs), ys))(p);
  const adapted: Params = p.map((w, i) => {
    const step = firstOrder ? stopGradient(g[i] as tf.Tensor) : (g[i] as tf.Tensor);
    return tf.sub(w, tf.mul(step, alpha));
  });
  return softmaxCrossEntropy(model.apply(adapted, xq), yq);
}

interface MetaData {
  xs: tf.Tensor5D;
  ys: tf.Tensor2D;
  xq: tf.Tensor5D;
  yq: tf.Tensor2D;
  theta: tf.Tensor1D;
}

function metaData(model: Classifier, size: number): MetaData {
  // 2 tasks, 3-way, 2 support and 2 query images per class
  return {
    xs: images(2, 6, size, 21),
    ys: labels(2, 3, 2),
    xq: images(2, 6, size, 22),
    yq: labels(2, 3, 2),
    theta: tf.tensor1d(model.init(new Rng(5, 'init'))),
  };
}

function metaGradient(model: Classifier, d: MetaData, alpha: number, firstOrder: boolean): Float32Array {
  const g = tf.tidy(() =>
    tf.grad((th: tf.Tensor) => metaLoss(model, th, d.xs, d.ys, d.xq, d.yq, alpha, firstOrder))(d.theta),
  );
  const out = g.dataSync() as Float32Array;
  g.dispose();
  return out;
}

/** Central differences of the second-order meta-loss along unit vectors e_c and random directions. */
function finiteDifferences(
  model: Classifier,
  d: MetaData,
  alpha: number,
  eps: number,
  directions: Float32Array[],
): number[] {
  const at = (delta: Float32Array) =>
    tf.tidy(
      () =>
        metaLoss(
          model,
          tf.add(d.theta, tf.tensor1d(delta)),
          d.xs,
          d.ys,
          d.xq,
          d.yq,
          alpha,
          false,
        ).dataSync()[0] as number,
    );
  return directions.map((v) => {
    const step = v.map((x) => x * eps);
    return (at(step) - at(step.map((x) => -x))) / (2 * eps);
  });
}

function project(g: Float32Array, directions: Float32Array[]): number[] {
  return directions.map((v) => v.reduce((s, vi, i) => s + vi * (g[i] as number), 0));
}

function unitVectors(model: Classifier, coords: number[], randomCount: number, seed: number): Float32Array[] {
  const out = coords.map((c) => {
    const v = new Float32Array(model.numParams);
    v[c] = 1;
    return v;
  });
  const rng = new Rng(seed, 'directions');
  for (let r = 0; r < randomCount; r++) {
    const v = new Float32Array(model.numParams).map(() => rng.normal());
    const norm = Math.hypot(...v);
    out.push(v.map((x) => x / norm));
  }
  return out;
}

describe('second-order MAML meta-gradient through a conv net and cross-entropy', () => {
  // α as in the paper's Omniglot runs; large enough that the second-order term matters
  const alpha = 0.4;

  it('smooth conv net (softplus, batch norm): matches finite differences, and first order does not', () => {
    // with a smooth activation the meta-loss is smooth, so central differences are exact up to
    // float32 rounding and the check is tight
    const model = new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8, activation: 'softplus' });
    const d = metaData(model, 8);
    // the first conv (9 taps × 4 filters), the first batch norm, two of the second conv, the head
    const coords = [
      ...Array(44).keys(),
      50,
      150,
      ...Array.from({ length: 15 }, (_, i) => model.headOffset + i),
    ];
    const dirs = unitVectors(model, coords, 4, 9);
    const numeric = finiteDifferences(model, d, alpha, 3e-3, dirs);
    const second = project(metaGradient(model, d, alpha, false), dirs);
    const first = project(metaGradient(model, d, alpha, true), dirs);
    expect(relError(second, numeric)).toBeLessThan(5e-3);
    expect(relError(first, numeric)).toBeGreaterThan(0.1);
  });

  it('fully connected net (softplus, batch norm): matches finite differences', () => {
    const model = new FcClassifier({ ways: 3, hidden: [8, 6], inputSize: 64, activation: 'softplus' });
    const d = metaData(model, 8);
    const dirs = unitVectors(
      model,
      [0, 9, 100, 300, 515, 520, 530, model.headOffset, model.numParams - 1],
      4,
      3,
    );
    const numeric = finiteDifferences(model, d, alpha, 3e-3, dirs);
    expect(relError(project(metaGradient(model, d, alpha, false), dirs), numeric)).toBeLessThan(5e-3);
  });

  it('paper conv net (ReLU, batch norm): batched per-task convolution equals a per-task loop with tf.conv2d', () => {
    const model = new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8 });
    const d = metaData(model, 8);
    const batched = metaGradient(model, d, alpha, false);
    const reference = tf.tidy(() =>
      tf
        .grad((th: tf.Tensor) => referenceMetaLoss(model, th, d, alpha))(d.theta)
        .dataSync(),
    );
    expect(relError(batched, reference)).toBeLessThan(1e-4);
  });

  it('paper conv net (ReLU, batch norm): matches finite differences with a small step; first order differs', () => {
    // ReLU makes the inner gradient jump where a unit switches on or off, so the meta-loss is only
    // piecewise smooth: a small step keeps the differences inside one piece
    const model = new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8 });
    const d = metaData(model, 8);
    const dirs = unitVectors(model, [], 8, 1);
    const numeric = finiteDifferences(model, d, alpha, 3e-4, dirs);
    const g2 = metaGradient(model, d, alpha, false);
    expect(relError(project(g2, dirs), numeric)).toBeLessThan(2e-2);
    const g1 = metaGradient(model, d, alpha, true);
    expect(relError(project(g1, dirs), numeric)).toBeGreaterThan(0.1);
  });
});

/**
 * The same conv net written the obvious way, one task at a time with shared parameters, tf.conv2d
 * (so its second-order gradient needs the registered Conv2DBackpropFilter gradient) and the inner
 * gradient from a nested tf.grads.
 */
function referenceMetaLoss(model: ConvNet, theta: tf.Tensor, d: MetaData, alpha: number): tf.Scalar {
  const forward = (p: tf.Tensor[], x: tf.Tensor4D): tf.Tensor2D => {
    let h = x;
    let i = 0;
    for (let l = 0; l < model.blocks; l++) {
      h = tf.conv2d(h, p[i++] as tf.Tensor4D, 2, 'same');
      const mean = tf.mean(h, [0, 1, 2]);
      const variance = tf.mean(tf.square(tf.sub(h, mean)), [0, 1, 2]);
      h = tf.add(
        tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-3))), p[i++] as tf.Tensor),
        p[i++] as tf.Tensor,
      );
      h = tf.relu(h);
    }
    const features = tf.mean(h, [1, 2]) as tf.Tensor2D;
    return tf.add(tf.matMul(features, p[i++] as tf.Tensor2D), p[i] as tf.Tensor);
  };
  const ce = (logits: tf.Tensor2D, y: tf.Tensor1D) => softmaxCrossEntropy(logits, y);
  const tasks = d.xs.shape[0];
  let total: tf.Scalar = tf.scalar(0);
  for (let t = 0; t < tasks; t++) {
    const take = (a: tf.Tensor5D) => tf.squeeze(tf.slice(a, [t], [1]), [0]) as tf.Tensor4D;
    const label = (a: tf.Tensor2D) => tf.squeeze(tf.slice(a, [t], [1]), [0]) as tf.Tensor1D;
    let p = model.unflatten(theta);
    const g = tf.grads((...q: tf.Tensor[]) => ce(forward(q, take(d.xs)), label(d.ys)))(p);
    p = p.map((w, i) => tf.sub(w, tf.mul(g[i] as tf.Tensor, alpha)));
    total = tf.add(total, ce(forward(p, take(d.xq)), label(d.yq)));
  }
  return tf.div(total, tasks);
}

describe('backends', () => {
  it('the second-order meta-gradient is the same on wasm as on cpu (conv and fully connected)', async () => {
    const models: Classifier[] = [
      new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8 }),
      new FcClassifier({ ways: 3, hidden: [8, 6], inputSize: 64 }),
    ];
    const run = () =>
      models.map((model) => {
        const d = metaData(model, 8);
        const g = metaGradient(model, d, 0.4, false);
        tf.dispose(Object.values(d));
        return g;
      });
    const onCpu = run();
    await startBackend('wasm');
    try {
      const onWasm = run();
      onWasm.forEach((g, i) => expect(relError(g, onCpu[i] as Float32Array)).toBeLessThan(1e-4));
    } finally {
      await startBackend('cpu');
    }
  });
});
