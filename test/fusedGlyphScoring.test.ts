import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { FusedGlyphScorer } from '../src/core/engines/fusedGlyph/scoring';
import type { FusedGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { classAdaptationCurve, classBatchTensors } from '../src/core/families/glyphs/classification';
import { Rng } from '../src/core/random';
import { startBackend } from './helpers';
import { glyphBatch, modelFor, randomAlpha, relError, settings } from './fusedGlyphReference';

/**
 * The fused evaluation (fine-tune on each task's support set, score its query set after 0..S
 * steps) against classAdaptationCurve on tfjs kernels, for the same θ, rate and tasks.
 */
interface Case {
  name: string;
  over: Partial<FusedGlyphSettings>;
  tasks: number;
  steps: number;
  vectorRate?: boolean;
}

const CASES: Case[] = [
  { name: 'conv, batch norm, 3 steps', over: { query: 3 }, tasks: 3, steps: 3 },
  { name: 'conv, bias, 0 steps', over: { batchNorm: false }, tasks: 2, steps: 0 },
  { name: 'conv, 7 steps (more than training allows)', over: { filters: 4, blocks: 2 }, tasks: 2, steps: 7 },
  {
    name: 'conv, α per parameter (Meta-SGD)',
    over: { ways: 3, shots: 2 },
    tasks: 2,
    steps: 2,
    vectorRate: true,
  },
  { name: 'fc, batch norm, 10 ways', over: { net: 'fc', ways: 10, query: 4 }, tasks: 2, steps: 2 },
];

describe('fused glyph scoring against the tfjs adaptation curve', () => {
  beforeAll(async () => {
    await startBackend('cpu');
    await loadFusedGlyph();
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const s = settings(c.over);
      const model = modelFor(s);
      const theta = model.init(new Rng(3, 'scoring-theta'));
      const thetaT = tf.tensor1d(theta);
      const rate = c.vectorRate ? randomAlpha(theta.length, 5, 0.4) : 0.4;
      const batch = glyphBatch(s, c.tasks, 11);
      const t = classBatchTensors(batch);
      const rateT = typeof rate === 'number' ? rate : tf.tensor1d(rate);
      const ref = classAdaptationCurve(model, thetaT, rateT, t, c.steps);
      const refAcc = await ref.accuracy.data();
      const refLoss = await ref.loss.data();
      tf.dispose([thetaT, ref.accuracy, ref.loss, t.xs, t.ys, t.xq, t.yq]);
      if (typeof rateT !== 'number') rateT.dispose();

      const scorer = FusedGlyphScorer.createSync(s, { ...s, maxTasks: c.tasks });
      const got = scorer.score(theta, rate, batch, c.steps);
      scorer.dispose();
      expect(got.loss).toHaveLength(c.tasks * (c.steps + 1));
      expect(relError(got.loss, refLoss)).toBeLessThan(1e-4);
      // the same queries right (the shares may differ in the last bit: f32 means in other orders)
      const nq = s.ways * s.query;
      const right = (a: ArrayLike<number>) => Array.from(a, (v) => Math.round(v * nq));
      expect(right(got.accuracy)).toEqual(right(refAcc));
      expect(relError(got.accuracy, refAcc)).toBeLessThan(1e-6);
      // the fine-tuning moves the loss: a scorer that ignored the inner steps would not match
      if (c.steps > 0) expect(got.loss[c.steps]).not.toBeCloseTo(got.loss[0] as number, 3);
    });
  }

  it('refuses a θ or α of the wrong length and too many steps', () => {
    const s = settings();
    const scorer = FusedGlyphScorer.createSync(s, { ...s, maxTasks: 1 });
    const batch = glyphBatch(s, 1, 1);
    expect(() => scorer.score(new Float32Array(3), 0.4, batch, 1)).toThrow(/θ has 3 numbers/);
    const size = modelFor(s).numParams;
    expect(() => scorer.score(new Float32Array(size), new Float32Array(2), batch, 1)).toThrow(/α has 2/);
    expect(() => scorer.score(new Float32Array(size), 0.4, batch, scorer.stepsLimit + 1)).toThrow(/steps/);
    scorer.dispose();
  });
});
