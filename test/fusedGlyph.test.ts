import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  FusedGlyphEngine,
  fusedGlyphSettings,
  type FusedGlyphSettings,
} from '../src/core/engines/fusedGlyph/fusedGlyph';
import { parseExperiment } from '../src/core/experiment';
import { classBatchTensors, type ClassBatch } from '../src/core/families/glyphs/classification';
import type { MetaLearner } from '../src/core/meta/learners';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { GlyphLayout } from '../src/core/engines/fusedGlyph/layout';
import { Rng } from '../src/core/random';
import { startBackend } from './helpers';
import {
  glyphBatch,
  modelFor,
  randomAlpha,
  referenceGradient,
  relError,
  settings,
} from './fusedGlyphReference';

/**
 * The fused glyph engine against the tfjs reference (MetaLearner with classifierMetaModel on the
 * cpu backend) on identical θ, α and batches. Agreement is ‖fused − ref‖/‖ref‖ over the whole
 * vector (f32 sums in different orders): required ≤ 1e-4, observed ~1e-6.
 */

const TOL = 1e-4;

interface Case {
  name: string;
  over: Partial<FusedGlyphSettings>;
  tasks: number;
}

const CASES: Case[] = [
  { name: 'conv, batch norm, MAML, 1 step', over: {}, tasks: 2 },
  { name: 'conv, MAML, 2 steps, meta-batch 3', over: { inner: 2 }, tasks: 3 },
  { name: 'conv, MAML, 5 steps, 2 blocks', over: { inner: 5, blocks: 2, filters: 4 }, tasks: 1 },
  { name: 'conv, FOMAML, 2 steps', over: { algo: 'fomaml', inner: 2 }, tasks: 2 },
  { name: 'conv, Meta-SGD, 2 steps', over: { algo: 'metasgd', inner: 2 }, tasks: 2 },
  { name: 'conv, Reptile, 2 steps', over: { algo: 'reptile', inner: 2 }, tasks: 2 },
  { name: 'conv, bias (no batch norm), MAML', over: { batchNorm: false }, tasks: 2 },
  { name: 'conv, 13 filters (padded), 3 ways, 2 shots', over: { filters: 13, ways: 3, shots: 2 }, tasks: 2 },
  { name: 'conv, meta-batch 8, 1 block', over: { blocks: 1, filters: 4 }, tasks: 8 },
  { name: 'conv, Meta-SGD, bias, meta-batch 1', over: { algo: 'metasgd', batchNorm: false }, tasks: 1 },
  { name: 'fc, batch norm, MAML, 2 steps', over: { net: 'fc', inner: 2 }, tasks: 2 },
  {
    name: 'fc, bias, odd widths, Meta-SGD',
    over: { net: 'fc', batchNorm: false, hidden: [30, 17, 6], algo: 'metasgd' },
    tasks: 3,
  },
  { name: 'fc, Reptile, 7 ways', over: { net: 'fc', algo: 'reptile', ways: 7 }, tasks: 2 },
];

describe('fused glyph engine against the tfjs reference', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const s = settings(c.over);
      const theta = modelFor(s).init(new Rng(3, 'init'));
      const alpha0 = s.algo === 'metasgd' ? randomAlpha(theta.length, 4, s.alpha) : undefined;
      const b = glyphBatch(s, c.tasks, 5);
      const ref = referenceGradient(s, theta, alpha0, b);
      const engine = await FusedGlyphEngine.create(s, theta, { alpha0 });
      const got = engine.metaGradient(b);
      engine.dispose();
      expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.abs(ref.loss));
      expect(relError(got.theta, ref.theta)).toBeLessThan(TOL);
      if (s.algo === 'metasgd') {
        expect(got.alpha).not.toBeNull();
        expect(relError(got.alpha as Float32Array, ref.alpha as Float32Array)).toBeLessThan(TOL);
      } else expect(got.alpha).toBeNull();
    });
  }

  it('the second-order term matters here (MAML differs from FOMAML)', async () => {
    const s = settings({ inner: 2 });
    const theta = modelFor(s).init(new Rng(3, 'init'));
    const b = glyphBatch(s, 2, 5);
    const maml = (await FusedGlyphEngine.create(s, theta)).metaGradient(b).theta;
    const fo = (await FusedGlyphEngine.create({ ...s, algo: 'fomaml' }, theta)).metaGradient(b).theta;
    expect(relError(fo, maml)).toBeGreaterThan(100 * TOL);
  });

  it('buffers sized for larger batches give the same bits', async () => {
    const s = settings({ inner: 2 });
    const theta = modelFor(s).init(new Rng(3, 'init'));
    const b = glyphBatch(s, 2, 5);
    const tight = (await FusedGlyphEngine.create({ ...s, maxTasks: 2 }, theta)).metaGradient(b).theta;
    const roomy = await FusedGlyphEngine.create({ ...s, maxTasks: 5, shots: 3, query: 4 }, theta);
    expect(Array.from(roomy.metaGradient(b).theta)).toEqual(Array.from(tight));
  });

  it('the comparison fails on a length mismatch', () => {
    expect(() => relError(new Float32Array(3), new Float32Array(4))).toThrow(/length/);
    expect(() => relError(new Float32Array(0), new Float32Array(0))).toThrow();
  });

  it('maps θ to the padded layout and back', () => {
    for (const over of [{}, { filters: 13, ways: 3 }, { net: 'fc' as const, hidden: [30, 17, 6] }]) {
      const s = settings(over);
      const layout = new GlyphLayout(s);
      const theta = modelFor(s).init(new Rng(1, 'init'));
      expect(layout.size).toBe(theta.length);
      const padded = new Float32Array(layout.paddedSize);
      layout.pad(theta, padded);
      expect(Array.from(layout.unpad(padded))).toEqual(Array.from(theta));
      expect(() => layout.pad(theta.subarray(1), padded)).toThrow(/parameters/);
    }
  });

  it('rejects settings and batches outside its limits', async () => {
    const s = settings();
    const theta = modelFor(s).init(new Rng(3, 'init'));
    await expect(FusedGlyphEngine.create({ ...s, inner: 6 }, theta)).rejects.toThrow(/inner/);
    await expect(FusedGlyphEngine.create({ ...s, ways: 21 }, theta)).rejects.toThrow(/ways/);
    const engine = await FusedGlyphEngine.create({ ...s, maxTasks: 2 }, theta);
    expect(() => engine.metaGradient(glyphBatch(s, 3, 1))).toThrow(/outside/);
    expect(() => engine.setHyper({ inner: 0 })).toThrow(/inner/);
  });

  for (const net of ['conv', 'fc'] as const) {
    it(`a glyph run's ${net} network and batches, from fusedGlyphSettings(config)`, async () => {
      const config = parseExperiment(`task=glyphs&net=${net}&batch=2&query=2&filters=8`).config;
      const run = new GlyphRun(config, { pretrained: false });
      const b = run.nextBatch();
      const theta = Float32Array.from(run.learner.theta.dataSync());
      const engine = await FusedGlyphEngine.create(fusedGlyphSettings(config), theta);
      const got = engine.metaGradient(b);
      const t = classBatchTensors(b);
      const { loss, grads } = (run.learner as MetaLearner<ClassBatch, tf.Tensor>).metaGradient(t);
      const ref = Float32Array.from((grads[0] as tf.Tensor).dataSync());
      expect(relError(got.theta, ref)).toBeLessThan(TOL);
      expect(Math.abs(got.loss - (loss.dataSync()[0] as number))).toBeLessThan(1e-5 * got.loss);
      tf.dispose([loss, ...grads, t.xs, t.ys, t.xq, t.yq]);
      run.dispose();
    });
  }
});
