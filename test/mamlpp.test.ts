import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedMlpEngine, type MlpAlgo } from '../src/core/engines/fused/fusedMlp';
import { batchTensors } from '../src/core/families/regression/evaluate';
import type { RegressionBatch } from '../src/core/families/regression/tasks';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { MetaLearner } from '../src/core/meta/learners';
import {
  cosineBeta,
  firstOrderAt,
  lslrSize,
  mslWeights,
  type MamlppSchedule,
} from '../src/core/meta/mamlppSchedule';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import { dot, relDiff, startBackend } from './helpers';

/**
 * MAML++ on the tfjs reference and the fused WebAssembly engine: its schedules at chosen steps,
 * the meta-gradient (θ and the LSLR rates) of both engines against each other, against finite
 * differences, and its first-order phase against its second-order phase.
 */

const SECOND: MamlppSchedule = { msl: 100, firstOrder: 0, span: 100 };
const FIRST: MamlppSchedule = { msl: 100, firstOrder: 1_000_000, span: 100 };

function closeTo(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(g).toBeCloseTo(want[i] as number, 12));
}

describe('MAML++ schedules', () => {
  it('multi-step loss weights: uniform at 0, annealed towards the last step, one-hot from msl on', () => {
    closeTo(mslWeights(0, 5, 100), [0.2, 0.2, 0.2, 0.2, 0.2]);
    closeTo(mslWeights(50, 5, 100), [0.1, 0.1, 0.1, 0.1, 0.6]);
    closeTo(mslWeights(90, 5, 100), [0.02, 0.02, 0.02, 0.02, 0.92]);
    // floored at 0.03/S, the last capped at 1 − (S − 1)·0.03/S
    closeTo(mslWeights(99, 5, 100), [0.006, 0.006, 0.006, 0.006, 0.976]);
    closeTo(mslWeights(100, 5, 100), [0, 0, 0, 0, 1]);
    closeTo(mslWeights(7, 1, 100), [1]);
  });

  it('derivative order: first order before the switch, second order from it on', () => {
    expect(firstOrderAt(0, 1000)).toBe(true);
    expect(firstOrderAt(999, 1000)).toBe(true);
    expect(firstOrderAt(1000, 1000)).toBe(false);
    expect(firstOrderAt(0, 0)).toBe(false);
  });

  it('cosine β: β at 0, halfway between β and β/100 at span/2, β/100 from span on', () => {
    expect(cosineBeta(0, 1e-3, 100)).toBeCloseTo(1e-3, 15);
    expect(cosineBeta(50, 1e-3, 100)).toBeCloseTo(5.05e-4, 15);
    expect(cosineBeta(100, 1e-3, 100)).toBeCloseTo(1e-5, 15);
    expect(cosineBeta(250, 1e-3, 100)).toBeCloseTo(1e-5, 15);
  });
});

function batchOf(seed: number, tasks: number): RegressionBatch {
  return sinusoid.sampleBatch(new Rng(seed, 'mamlpp-test'), tasks, 10, 10);
}

/** LSLR rates that differ per step and per tensor, so a mix-up of rows or tensors shows. */
function randomRates(tensors: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'rates');
  return Float32Array.from({ length: lslrSize(tensors) }, () => rng.uniform(0.01, 0.06));
}

interface Gradient {
  loss: number;
  theta: Float32Array;
  rates: Float32Array;
}

function tfjsGradient(
  sizes: number[],
  algo: MlpAlgo,
  theta: Float32Array,
  rates: Float32Array | undefined,
  inner: number,
  schedule: MamlppSchedule,
  b: RegressionBatch,
): Gradient {
  const learner = new MetaLearner(
    new Mlp(sizes),
    algo,
    theta,
    { alpha: 0.03, beta: 0.001, inner, schedule },
    rates,
  );
  const t = batchTensors(b);
  const { loss, grads } = learner.metaGradient(t);
  const out = {
    loss: loss.dataSync()[0] as number,
    theta: Float32Array.from((grads[0] as tf.Tensor).dataSync()),
    rates: grads[1] ? Float32Array.from(grads[1].dataSync()) : new Float32Array(0),
  };
  tf.dispose([loss, ...grads, t]);
  learner.dispose();
  return out;
}

function fusedGradient(
  sizes: number[],
  algo: MlpAlgo,
  theta: Float32Array,
  rates: Float32Array | undefined,
  inner: number,
  schedule: MamlppSchedule,
  b: RegressionBatch,
): Gradient {
  const engine = FusedMlpEngine.createSync(
    { sizes, algo, alpha: 0.03, beta: 0.001, inner, schedule },
    theta,
    { alpha0: rates },
  );
  const g = engine.metaGradient(b);
  engine.dispose();
  return { loss: g.loss, theta: g.theta, rates: g.alpha ?? new Float32Array(0) };
}

describe('MAML++ meta-gradient: fused WebAssembly against tfjs', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await FusedMlpEngine.create(
      { sizes: [1, 4, 1], algo: 'maml', alpha: 0.01, beta: 0.001, inner: 1 },
      new Float32Array(13),
    );
  });

  const cases = [1, 2, 5].flatMap((inner) => [1, 3].map((tasks) => ({ inner, tasks })));
  for (const { inner, tasks } of cases) {
    for (const [phase, schedule] of [
      ['second order', SECOND],
      ['first order', FIRST],
    ] as const) {
      it(`${inner} inner steps, meta-batch ${tasks}, ${phase}`, () => {
        const sizes = [1, 20, 13, 1];
        const theta = new Mlp(sizes).init(new Rng(inner * 10 + tasks, 'init'));
        const rates = randomRates(6, inner + tasks);
        const b = batchOf(inner * 100 + tasks, tasks);
        const ref = tfjsGradient(sizes, 'mamlpp', theta, rates, inner, schedule, b);
        const got = fusedGradient(sizes, 'mamlpp', theta, rates, inner, schedule, b);
        expect(Math.abs(got.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
        expect(relDiff(got.theta, ref.theta)).toBeLessThan(1e-5);
        expect(got.rates.length).toBe(lslrSize(6));
        expect(relDiff(got.rates, ref.rates)).toBeLessThan(1e-5);
        // rows past the inner steps get no gradient
        expect(got.rates.slice(inner * 6).every((g) => g === 0)).toBe(true);
      });
    }
  }
});

describe('MAML++ first-order phase against its second-order phase', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  // with one inner step and every rate at α, MAML++ is FOMAML in its first-order phase and MAML after
  for (const engine of ['tfjs', 'fused'] as const) {
    it(`${engine}: first order equals FOMAML, second order equals MAML, and they differ`, () => {
      const sizes = [1, 16, 16, 1];
      const theta = new Mlp(sizes).init(new Rng(5, 'init'));
      const b = batchOf(9, 4);
      const grad = engine === 'tfjs' ? tfjsGradient : fusedGradient;
      const first = grad(sizes, 'mamlpp', theta, undefined, 1, FIRST, b).theta;
      const second = grad(sizes, 'mamlpp', theta, undefined, 1, SECOND, b).theta;
      expect(relDiff(first, grad(sizes, 'fomaml', theta, undefined, 1, FIRST, b).theta)).toBeLessThan(1e-6);
      expect(relDiff(second, grad(sizes, 'maml', theta, undefined, 1, SECOND, b).theta)).toBeLessThan(1e-6);
      expect(relDiff(first, second)).toBeGreaterThan(0.05);
    });
  }
});

describe('MAML++ meta-gradient on tfjs: finite differences', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  const unit = (raw: Float32Array) => {
    const n = Math.sqrt(dot(raw, raw));
    return raw.map((x) => x / n);
  };

  /**
   * Central differences of the multi-step objective (3 inner steps, uniform weights, second order)
   * along unit directions in θ and in the rates: the gradient's own direction and random ones.
   * The inner gradient of a ReLU net jumps where a unit's pre-activation changes sign, so the
   * objective is only piecewise smooth: ε is small enough to stay between such jumps here, and
   * the tolerance (1% of the gradient's norm) allows for f32 round-off at that ε.
   */
  it('θ and the rates match central differences of the multi-step objective', () => {
    const sizes = [1, 12, 12, 1];
    const theta = new Mlp(sizes).init(new Rng(7, 'init'));
    const rates = randomRates(6, 3);
    const b = batchTensors(batchOf(3, 4));
    const hyper = { alpha: 0.05, beta: 0.001, inner: 3, schedule: SECOND };
    const learner = new MetaLearner(new Mlp(sizes), 'mamlpp', theta, hyper, rates);
    const objective = (th: Float32Array, r: Float32Array) =>
      tf.tidy(() => learner.metaLoss(tf.tensor1d(th), b, tf.tensor1d(r)).dataSync()[0] as number);
    const { loss, grads } = learner.metaGradient(b);
    const gTheta = Float32Array.from((grads[0] as tf.Tensor).dataSync());
    const gRates = Float32Array.from((grads[1] as tf.Tensor).dataSync());
    tf.dispose([loss, ...grads]);
    const rng = new Rng(11, 'directions');
    const along = (
      g: Float32Array,
      used: number,
      move: (eps: number, v: Float32Array) => number,
      eps: number,
    ) => {
      const dirs = [g, ...Array.from({ length: 2 }, () => g.map((_, i) => (i < used ? rng.normal() : 0)))];
      for (const raw of dirs) {
        const v = unit(raw);
        const fd = (move(eps, v) - move(-eps, v)) / (2 * eps);
        expect(Math.abs(fd - dot(g, v)) / Math.sqrt(dot(g, g))).toBeLessThan(1e-2);
      }
    };
    expect(Math.sqrt(dot(gRates, gRates))).toBeGreaterThan(1e-3);
    along(
      gTheta,
      gTheta.length,
      (e, v) =>
        objective(
          theta.map((x, i) => x + e * (v[i] as number)),
          rates,
        ),
      3e-4,
    );
    // only the 3 steps in use (18 rates) move the objective
    along(
      gRates,
      18,
      (e, v) =>
        objective(
          theta,
          rates.map((x, i) => x + e * (v[i] as number)),
        ),
      1e-4,
    );
    tf.dispose(b);
    learner.dispose();
  });
});

describe('MAML++ training: fused WebAssembly against tfjs across the schedule switches', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('per-step losses, θ and the rates agree over 8 steps (first order → second, MSL → last step, β annealed)', async () => {
    const sizes = [1, 16, 16, 1];
    const theta = new Mlp(sizes).init(new Rng(2, 'init'));
    const schedule = { msl: 5, firstOrder: 3, span: 6 };
    const hyper = { alpha: 0.03, beta: 0.01, inner: 2, schedule };
    const ref = new MetaLearner(new Mlp(sizes), 'mamlpp', theta, hyper);
    const fused = await FusedMlpEngine.create({ sizes, algo: 'mamlpp', ...hyper }, theta);
    for (let n = 0; n < 8; n++) {
      const b = batchOf(50 + n, 3);
      const t = batchTensors(b);
      const loss = ref.step(t);
      const want = loss.dataSync()[0] as number;
      tf.dispose([loss, t]);
      expect(Math.abs(fused.step(b).meta - want) / want).toBeLessThan(1e-4);
    }
    expect(ref.metaSteps).toBe(8);
    expect(fused.metaSteps).toBe(8);
    expect(relDiff(fused.theta(), ref.theta.dataSync())).toBeLessThan(1e-4);
    const rates = fused.alphaVec() as Float32Array;
    expect(relDiff(rates, (ref.rates as tf.Variable).dataSync())).toBeLessThan(1e-4);
    // the rates of the two steps in use moved; the other rows stayed at α
    expect(rates.slice(0, 12).every((r) => r !== Math.fround(0.03))).toBe(true);
    expect(rates.slice(12).every((r) => r === Math.fround(0.03))).toBe(true);
    ref.dispose();
    fused.dispose();
  });
});

describe('MAML++ cosine β in training', () => {
  it("the pretrained baseline keeps the constant β: its steps are MAML's, whatever MAML++'s cosine β", async () => {
    const sizes = [1, 16, 16, 1];
    const theta = new Mlp(sizes).init(new Rng(2, 'init'));
    const baseline = async (algo: 'maml' | 'mamlpp') => {
      const schedule = { msl: 0, firstOrder: 0, span: 1 };
      const engine = await FusedMlpEngine.create(
        { sizes, algo, alpha: 0.03, beta: 0.01, inner: 1, schedule },
        theta,
        { pretrained: true },
      );
      for (let n = 0; n < 4; n++) engine.step(batchOf(70 + n, 3));
      const pre = engine.pretrainedTheta() as Float32Array;
      engine.dispose();
      return pre;
    };
    const maml = await baseline('maml');
    expect(maml.some((x, i) => x !== theta[i])).toBe(true);
    // with span 1 MAML++'s θ steps at β/100 from the second step on; the baseline must not
    expect(Array.from(await baseline('mamlpp'))).toEqual(Array.from(maml));
  });
  it('once the span is over, Adam moves θ by about β/100 instead of β', async () => {
    const sizes = [1, 16, 16, 1];
    const theta = new Mlp(sizes).init(new Rng(2, 'init'));
    const secondMove = async (span: number) => {
      const schedule = { msl: 0, firstOrder: 0, span };
      const engine = await FusedMlpEngine.create(
        { sizes, algo: 'mamlpp', alpha: 0.03, beta: 0.01, inner: 1, schedule },
        theta,
      );
      engine.step(batchOf(1, 3));
      const before = engine.theta();
      engine.step(batchOf(2, 3));
      const d = engine.theta().map((x, i) => x - (before[i] as number));
      engine.dispose();
      return Math.sqrt(dot(d, d));
    };
    const ratio = (await secondMove(1_000_000)) / (await secondMove(1));
    expect(ratio).toBeGreaterThan(80);
    expect(ratio).toBeLessThan(120);
  });
});
