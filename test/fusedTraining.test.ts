import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FusedMlpEngine } from '../src/core/engines/fused/fusedMlp';
import { layerSizes, type Algo } from '../src/core/experiment';
import { createRegressionRun } from '../src/core/families/regression/lookup';
import { Rng } from '../src/core/random';
import { sinusoid } from '../src/core/families/sinusoid/sampler';
import { assertComparable, experiment, relDiff, startBackend } from './helpers';

/** Fused training runs against RegressionRun (tfjs cpu) fed the same task stream from the same seed. */
type Change = { at: number; alpha: number; beta: number; inner: number; algo?: Algo };

async function curves(
  algo: Algo,
  steps: number,
  over: { batch?: number; inner?: number } = {},
  change: Change | null = null,
) {
  const config = experiment({ algo, seed: 5, ...over });
  const run = createRegressionRun(config, { pretrained: true });
  let engine = await FusedMlpEngine.create(
    { sizes: layerSizes(config), algo, alpha: config.alpha, beta: config.beta, inner: config.inner },
    run.theta0,
    { pretrained: true },
  );
  // the task stream RegressionRun draws from: Rng.stream(seed, 'train') + sampleBatch
  const rng = Rng.stream(config.seed, 'train');
  const ref = { meta: [] as number[], pretrained: [] as number[] };
  const fused = { meta: [] as number[], pretrained: [] as number[] };
  for (let s = 0; s < steps; s++) {
    if (change && s === change.at) {
      const { alpha, beta, inner } = change;
      expect(run.update({ ...config, alpha, beta, inner, algo: change.algo ?? algo })).toBe(true);
      engine.setHyper({ alpha, beta, inner });
      if (change.algo) {
        const previous = engine;
        engine = await previous.withAlgo(change.algo);
        previous.dispose();
      }
    }
    const { meta, pretrained } = run.step();
    ref.meta.push(meta.dataSync()[0] as number);
    ref.pretrained.push(pretrained?.dataSync()[0] as number);
    tf.dispose([meta, pretrained as tf.Scalar]);
    const f = engine.step(sinusoid.sampleBatch(rng, config.batch, config.k, config.query));
    fused.meta.push(f.meta);
    fused.pretrained.push(f.pretrained as number);
  }
  const thetaRef = run.learner.theta.dataSync() as Float32Array;
  const out = { ref, fused, thetaRef, thetaFused: engine.theta() };
  run.dispose();
  engine.dispose();
  return out;
}

/** the largest |a − b| / |b| over the same non-empty length (else it throws) */
function maxRel(a: number[], b: number[]): number {
  assertComparable(a, b);
  return Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number)) / Math.abs(b[i] as number)));
}

describe('fused MLP engine: training runs', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('50 MAML steps, paper configuration: the same loss curves as the tfjs run (1e-4)', async () => {
    const c = await curves('maml', 50);
    expect(maxRel(c.fused.meta, c.ref.meta)).toBeLessThan(1e-4);
    expect(maxRel(c.fused.pretrained, c.ref.pretrained)).toBeLessThan(1e-4);
    expect(relDiff(c.thetaFused, c.thetaRef)).toBeLessThan(1e-4);
    // and it learned something: the last losses are below the first ones
    expect(c.fused.meta.slice(-10).reduce((s, x) => s + x, 0)).toBeLessThan(
      c.fused.meta.slice(0, 10).reduce((s, x) => s + x, 0),
    );
  });

  // Reptile feeds Adam θ − mean θ′, a difference of nearly equal f32 vectors whose round-off Adam
  // then normalises to full-size steps: tfjs cpu and tfjs wasm themselves drift apart by 4.7e-4 on
  // this run, so the fused engine is held to that scale (2e-3) rather than 1e-4.
  const tolerance = { fomaml: 1e-4, metasgd: 1e-4, reptile: 2e-3 };
  for (const algo of ['fomaml', 'metasgd', 'reptile'] as const) {
    it(`20 ${algo} steps (batch 10, 2 inner steps): the same loss curve (${tolerance[algo]})`, async () => {
      const c = await curves(algo, 20, { batch: 10, inner: 2 });
      expect(maxRel(c.fused.meta, c.ref.meta)).toBeLessThan(tolerance[algo]);
      expect(maxRel(c.fused.pretrained, c.ref.pretrained)).toBeLessThan(1e-4);
    });
  }

  it('α, β and inner steps changed mid-run apply from the next step, as in RegressionRun', async () => {
    const change = { at: 6, alpha: 0.02, beta: 0.003, inner: 2 };
    const c = await curves('maml', 12, { batch: 8 }, change);
    expect(maxRel(c.fused.meta, c.ref.meta)).toBeLessThan(1e-4);
    expect(maxRel(c.fused.pretrained, c.ref.pretrained)).toBeLessThan(1e-4);
  });

  for (const target of ['fomaml', 'metasgd', 'reptile'] as const) {
    it(`switching MAML to ${target} mid-run keeps θ and the pretrained baseline, as RegressionRun does`, async () => {
      const change = { at: 5, alpha: 0.01, beta: 0.001, inner: 1, algo: target };
      const c = await curves('maml', 10, { batch: 8 }, change);
      expect(maxRel(c.fused.meta, c.ref.meta)).toBeLessThan(1e-4);
      expect(maxRel(c.fused.pretrained, c.ref.pretrained)).toBeLessThan(1e-4);
    });
  }
});

describe('fused MLP engine: save and restore', () => {
  for (const algo of ['maml', 'metasgd'] as const) {
    it(`${algo}: a restored engine continues bit-identically`, async () => {
      const config = experiment({ algo, hidden: [24, 10], batch: 6, inner: 2 });
      const sizes = layerSizes(config);
      const settings = { sizes, algo, alpha: config.alpha, beta: config.beta, inner: config.inner };
      const theta0 = new Float32Array(
        Array.from({ length: 1 * 24 + 24 + 24 * 10 + 10 + 10 + 1 }, (_, i) => Math.sin(i) * 0.3),
      );
      const rng = Rng.stream(9, 'train');
      const batches = Array.from({ length: 20 }, () => sinusoid.sampleBatch(rng, 6, 10, 10));
      const a = await FusedMlpEngine.create(settings, theta0, { pretrained: true });
      for (const b of batches.slice(0, 10)) a.step(b);
      const saved = a.state();
      // a fresh engine from a different start, then restored
      const b = await FusedMlpEngine.create(
        settings,
        theta0.map((x) => -x),
        { pretrained: true },
      );
      b.restore(saved);
      expect(b.state()).toEqual(saved);
      for (const batch of batches.slice(10)) {
        expect(b.step(batch)).toEqual(a.step(batch));
      }
      expect(b.state()).toEqual(a.state());
      expect(a.state().thetaAdam.t).toBe(20);
      a.dispose();
      b.dispose();
    });
  }
});
