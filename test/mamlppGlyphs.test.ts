import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classAdapt, classifierMetaModel, type ClassBatch } from '../src/core/families/glyphs/classification';
import { NORM_SETS, StepNormClassifier } from '../src/core/families/glyphs/stepNorm';
import { MetaLearner } from '../src/core/meta/learners';
import { LSLR_STEPS, lslrSize, type MamlppSchedule } from '../src/core/meta/mamlppSchedule';
import { ConvNet } from '../src/core/models/convnet';
import { FcClassifier } from '../src/core/models/fcClassifier';
import '../src/core/ops/convGradients';
import { Rng } from '../src/core/random';
import { dot, startBackend } from './helpers';

/**
 * MAML++ on the glyph networks (tfjs): the per-step batch-norm sets' layout and shift, the
 * meta-gradient (θ with its sets, and the LSLR rates) against central differences of the
 * multi-step objective on a tiny conv net and a tiny fully connected net, second order against
 * first order.
 */

const SECOND: MamlppSchedule = { msl: 100, firstOrder: 0, span: 100 };
const FIRST: MamlppSchedule = { msl: 100, firstOrder: 1_000_000, span: 100 };

beforeAll(async () => {
  await startBackend('cpu');
});

const tinyConv = () =>
  new StepNormClassifier(
    new ConvNet({ ways: 3, filters: 4, blocks: 2, imageSize: 8, activation: 'softplus' }),
  );
const tinyFc = () =>
  new StepNormClassifier(
    new FcClassifier({ ways: 3, hidden: [8, 6], inputSize: 64, activation: 'softplus' }),
  );

/** 2 tasks, 3-way, 2 support and 2 query images per class, 8×8. */
function batch(seed: number): ClassBatch {
  const labels = tf.tensor2d([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2], [2, 6], 'int32');
  return {
    xs: tf.randomUniform([2, 6, 8, 8, 1], 0, 1, 'float32', seed) as tf.Tensor5D,
    ys: labels,
    xq: tf.randomUniform([2, 6, 8, 8, 1], 0, 1, 'float32', seed + 1) as tf.Tensor5D,
    yq: tf.clone(labels),
  };
}

/** θ with every batch-norm set moved off its initial γ = 1, β = 0, so each set is told apart. */
function spreadTheta(model: StepNormClassifier, seed: number): Float32Array {
  const theta = model.init(new Rng(seed, 'init'));
  const rng = new Rng(seed, 'sets');
  model.layout.specs.forEach((spec, i) => {
    if (!spec.name.includes('.gamma') && !spec.name.includes('.beta')) return;
    const o = model.layout.offsets[i] as number;
    for (let j = 0; j < (model.layout.sizes[i] as number); j++)
      theta[o + j] = (theta[o + j] as number) + rng.uniform(-0.3, 0.3);
  });
  return theta;
}

describe('per-step batch-norm sets', () => {
  it('θ is the base θ then NORM_SETS − 1 sets; init copies the base batch norm into every set', () => {
    const model = tinyConv();
    const base = model.base;
    // per block: γ, β of 4 filters
    expect(model.setSize).toBe(2 * 2 * 4);
    expect(model.numParams).toBe(base.numParams + (NORM_SETS - 1) * model.setSize);
    const theta = model.init(new Rng(3, 'init'));
    expect(Array.from(theta.subarray(0, base.numParams))).toEqual(Array.from(base.init(new Rng(3, 'init'))));
    const g0 = base.layout.offsetOf('bn0.gamma');
    expect(theta[model.layout.offsetOf(`set${NORM_SETS - 1}.bn0.gamma`)]).toBe(theta[g0]);
    expect(model.rateSizes.reduce((a, b) => a + b, 0)).toBe(model.numParams);
  });

  it('advance brings set s into place after s steps and leaves everything else where it was', () => {
    const model = tinyFc();
    const theta = Float32Array.from({ length: model.numParams }, (_, i) => i);
    let t: tf.Tensor = tf.tensor2d(theta, [1, model.numParams]);
    const beta1 = model.base.layout.offsetOf('bn1.beta');
    const w0 = model.base.layout.offsetOf('fc0.w');
    for (let s = 1; s <= LSLR_STEPS; s++) {
      const next = model.advance(t);
      t.dispose();
      t = next;
      const row = t.dataSync();
      expect(row[beta1]).toBe(theta[model.layout.offsetOf(`set${s}.bn1.beta`)]);
      expect(row[w0 + 5]).toBe(theta[w0 + 5]);
      expect(Array.from(row).sort((a, b) => a - b)).toEqual(Array.from(theta));
    }
    t.dispose();
  });

  it('the network after s inner steps runs with set s', () => {
    const model = tinyConv();
    const theta = spreadTheta(model, 4);
    const b = batch(7);
    const [stepped, byHand] = tf.tidy(() => {
      // adapted one step at rate 0, θ′ = θ with set 1 in place: the base network with set 1
      const adapted = classAdapt(model, tf.tensor1d(theta), b.xs, b.ys, 0, 1);
      const logits = model.apply(model.unflatten(adapted), b.xq);
      const base = theta.slice(0, model.baseParams);
      for (const name of ['bn0.gamma', 'bn0.beta', 'bn1.gamma', 'bn1.beta']) {
        const from = model.layout.offsetOf(`set1.${name}`);
        base.set(theta.subarray(from, from + 4), model.base.layout.offsetOf(name));
      }
      return [logits, model.base.apply(model.base.unflatten(tf.tensor1d(base)), b.xq)];
    });
    expect(Array.from(stepped.dataSync())).toEqual(Array.from(byHand.dataSync()));
    tf.dispose([stepped, byHand, ...Object.values(b)]);
  });
});

const unit = (raw: Float32Array) => {
  const n = Math.sqrt(dot(raw, raw));
  return raw.map((x) => x / n);
};

/** The learner's meta-gradient (θ, rates) at θ and rates under a schedule. */
function gradients(
  model: StepNormClassifier,
  theta: Float32Array,
  rates: Float32Array,
  b: ClassBatch,
  schedule: MamlppSchedule,
) {
  const hyper = { alpha: 0.3, beta: 0.001, inner: 2, schedule };
  const learner = new MetaLearner(classifierMetaModel(model), 'mamlpp', theta, hyper, rates);
  const { loss, grads } = learner.metaGradient(b);
  const out = grads.map((g) => Float32Array.from(g.dataSync()));
  tf.dispose([loss, ...grads]);
  return { learner, theta: out[0] as Float32Array, rates: out[1] as Float32Array };
}

function checkAgainstDifferences(model: StepNormClassifier, seed: number) {
  const theta = spreadTheta(model, seed);
  const rng = new Rng(seed, 'rates');
  const tensors = model.rateSizes.length;
  const rates = Float32Array.from({ length: lslrSize(tensors) }, () => rng.uniform(0.2, 0.4));
  const b = batch(seed);
  const second = gradients(model, theta, rates, b, SECOND);
  const first = gradients(model, theta, rates, b, FIRST);
  const objective = (th: Float32Array, r: Float32Array) =>
    tf.tidy(() => second.learner.metaLoss(tf.tensor1d(th), b, tf.tensor1d(r)).dataSync()[0] as number);
  const fd = (move: (eps: number) => number, eps: number) => (move(eps) - move(-eps)) / (2 * eps);
  const dirs = (g: Float32Array, used: number) => [
    unit(g),
    ...Array.from({ length: 2 }, () => unit(g.map((_, i) => (i < used ? rng.normal() : 0)))),
  ];
  const errors = { second: [] as number[], first: [] as number[] };
  for (const v of dirs(second.theta, second.theta.length)) {
    const numeric = fd(
      (e) =>
        objective(
          theta.map((x, i) => x + e * (v[i] as number)),
          rates,
        ),
      1e-3,
    );
    const norm = Math.sqrt(dot(second.theta, second.theta));
    errors.second.push(Math.abs(numeric - dot(second.theta, v)) / norm);
    errors.first.push(Math.abs(numeric - dot(first.theta, v)) / norm);
  }
  // only the two steps in use move the objective
  for (const v of dirs(second.rates, 2 * tensors)) {
    const numeric = fd(
      (e) =>
        objective(
          theta,
          rates.map((x, i) => x + e * (v[i] as number)),
        ),
      1e-3,
    );
    errors.second.push(Math.abs(numeric - dot(second.rates, v)) / Math.sqrt(dot(second.rates, second.rates)));
  }
  const setGradient = (g: Float32Array, s: number) =>
    Math.hypot(
      ...g.subarray(model.baseParams + (s - 1) * model.setSize, model.baseParams + s * model.setSize),
    );
  const result = {
    errors,
    // sets 1 and 2 are read (after steps 1 and 2), set 3 is not
    sets: [setGradient(second.theta, 1), setGradient(second.theta, 2), setGradient(second.theta, 3)],
  };
  tf.dispose(Object.values(b));
  second.learner.dispose();
  first.learner.dispose();
  return result;
}

describe('MAML++ meta-gradient on the glyph networks: finite differences', () => {
  for (const [name, make] of [
    ['conv net', tinyConv],
    ['fully connected net', tinyFc],
  ] as const) {
    it(`${name}: θ, its batch-norm sets and the rates match central differences; first order does not`, () => {
      const r = checkAgainstDifferences(make(), 5);
      for (const e of r.errors.second) expect(e).toBeLessThan(3e-3);
      // first order misses the second-order term by far more than second order's round-off
      expect(Math.max(...r.errors.first)).toBeGreaterThan(10 * Math.max(...r.errors.second));
      expect(r.sets[0]).toBeGreaterThan(1e-4);
      expect(r.sets[1]).toBeGreaterThan(1e-4);
      expect(r.sets[2]).toBe(0);
    });
  }
});
