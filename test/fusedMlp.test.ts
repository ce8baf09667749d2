import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedMlpEngine, type FusedAlgo } from '../src/core/engines/fused/fusedMlp';
import { batchTensors } from '../src/core/families/regression/evaluate';
import { MetaLearner, regressionMetaModel } from '../src/core/meta/learners';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import type { RegressionBatch } from '../src/core/families/regression/tasks';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { relDiff, startBackend } from './helpers';

/**
 * The fused engine against the tfjs reference (MetaLearner on the cpu backend) on identical θ,
 * α and batches. Agreement is measured as ‖fused − ref‖/‖ref‖ over the whole vector: both sides
 * are f32 with different summation orders, so single elements near zero can differ relatively by
 * far more than the vector does, while the norm-based error stays at f32 round-off (~1e-7..1e-6).
 */

const ALPHA = 0.03; // larger than the paper's 0.01 so the second-order terms are not negligible

function batch(seed: number, tasks: number, k = 10, q = 10): RegressionBatch {
  return sinusoid.sampleBatch(new Rng(seed, 'fused-test'), tasks, k, q);
}

function metaSgdAlpha(size: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'alpha');
  return Float32Array.from({ length: size }, () => rng.uniform(0.005, 0.05));
}

/** The reference meta-gradient (θ and Meta-SGD's α); for Reptile θ − mean θ′, what Adam is fed. */
function referenceGradient(
  sizes: number[],
  algo: FusedAlgo,
  theta: Float32Array,
  alpha0: Float32Array | undefined,
  inner: number,
  b: RegressionBatch,
): { loss: number; theta: Float32Array; alpha: Float32Array | null } {
  const model = new Mlp(sizes);
  const learner = new MetaLearner(model, algo, theta, { alpha: ALPHA, beta: 0.001, inner }, alpha0);
  const t = batchTensors(b);
  try {
    if (algo === 'reptile') {
      const task = regressionMetaModel(model);
      const [loss, g] = tf.tidy(() => {
        const adapted = task.adapt(learner.theta, t, ALPHA, inner, false);
        return [task.queryLoss(adapted, t), tf.sub(learner.theta, tf.mean(task.flatten(adapted), 0))];
      });
      const out = { loss: loss.dataSync()[0] as number, theta: g.dataSync() as Float32Array, alpha: null };
      tf.dispose([loss, g]);
      return out;
    }
    const { loss, grads } = learner.metaGradient(t);
    const out = {
      loss: loss.dataSync()[0] as number,
      theta: (grads[0] as tf.Tensor).dataSync() as Float32Array,
      alpha: grads[1] ? (grads[1].dataSync() as Float32Array) : null,
    };
    tf.dispose([loss, ...grads]);
    return out;
  } finally {
    tf.dispose(t);
    learner.dispose();
  }
}

async function fusedGradient(
  sizes: number[],
  algo: FusedAlgo,
  theta: Float32Array,
  alpha0: Float32Array | undefined,
  inner: number,
  b: RegressionBatch,
) {
  const engine = await FusedMlpEngine.create({ sizes, algo, alpha: ALPHA, beta: 0.001, inner }, theta, {
    alpha0,
  });
  const g = engine.metaGradient(b);
  engine.dispose();
  return g;
}

const WIDTHS = [[40, 40], [16], [32, 24, 16]];
const INNER = [1, 2, 5];
const BATCH = [1, 7, 25];
const ALGOS: FusedAlgo[] = ['maml', 'fomaml', 'metasgd', 'reptile'];

// a Latin square per algorithm: every width, inner-step count and batch size appears for each one
const CASES = ALGOS.flatMap((algo, a) =>
  [0, 1, 2].map((i) => ({
    algo,
    hidden: WIDTHS[i] as number[],
    inner: INNER[(i + a) % 3] as number,
    batch: BATCH[(i + 2 * a) % 3] as number,
  })),
);
// widths that are not multiples of 4 exercise the padded layout; 4 hidden layers the deepest net
CASES.push(
  { algo: 'maml', hidden: [7, 13], inner: 2, batch: 5 },
  { algo: 'metasgd', hidden: [5, 9, 3, 6], inner: 3, batch: 4 },
  { algo: 'reptile', hidden: [1], inner: 2, batch: 3 },
);

describe('fused MLP engine: meta-gradients against tfjs', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.algo} [${c.hidden.join(',')}] inner ${c.inner} batch ${c.batch}`, async () => {
      const sizes = [1, ...c.hidden, 1];
      const model = new Mlp(sizes);
      const theta = model.init(new Rng(c.batch * 31 + c.inner, 'init'));
      const alpha0 = c.algo === 'metasgd' ? metaSgdAlpha(model.numParams, c.inner) : undefined;
      const b = batch(c.batch + 100 * c.inner, c.batch);
      const ref = referenceGradient(sizes, c.algo, theta, alpha0, c.inner, b);
      const got = await fusedGradient(sizes, c.algo, theta, alpha0, c.inner, b);
      expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expect(relDiff(got.theta, ref.theta)).toBeLessThan(1e-5);
      if (c.algo === 'metasgd') {
        expect(got.alpha).not.toBeNull();
        expect(relDiff(got.alpha as Float32Array, ref.alpha as Float32Array)).toBeLessThan(1e-5);
      } else {
        expect(got.alpha).toBeNull();
      }
    });
  }
});

describe('fused MLP engine: limits', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('the largest network and point counts (4 × 256 units, K 50, query 100) agree with tfjs', async () => {
    const sizes = [1, 256, 256, 256, 256, 1];
    const theta = new Mlp(sizes).init(new Rng(1, 'init'));
    const b = batch(4, 2, 50, 100);
    const ref = referenceGradient(sizes, 'maml', theta, undefined, 2, b);
    const got = await fusedGradient(sizes, 'maml', theta, undefined, 2, b);
    expect(relDiff(got.theta, ref.theta)).toBeLessThan(1e-5);
  });

  it('rejects settings and batches outside the limits it was sized for', async () => {
    const sizes = [1, 8, 1];
    const theta = new Mlp(sizes).init(new Rng(1, 'init'));
    const settings = { sizes, algo: 'maml' as const, alpha: 0.01, beta: 0.001, inner: 1 };
    await expect(FusedMlpEngine.create({ ...settings, sizes: [1, 300, 1] }, theta)).rejects.toThrow();
    await expect(
      FusedMlpEngine.create({ ...settings, sizes: [1, 4, 4, 4, 4, 4, 1] }, theta),
    ).rejects.toThrow();
    await expect(FusedMlpEngine.create({ ...settings, inner: 11 }, theta)).rejects.toThrow();
    await expect(FusedMlpEngine.create(settings, theta.subarray(1))).rejects.toThrow();
    const engine = await FusedMlpEngine.create(settings, theta);
    expect(() => engine.step(batch(1, 101, 10, 10))).toThrow();
    expect(() => engine.step(batch(1, 5, 51, 10))).toThrow();
    expect(() => engine.setHyper({ inner: 0 })).toThrow();
    engine.dispose();
    expect(() => engine.step(batch(1, 5, 10, 10))).toThrow();
  });
});
