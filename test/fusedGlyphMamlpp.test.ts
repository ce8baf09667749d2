import { beforeAll, describe, expect, it } from 'vitest';
import { FusedGlyphEngine, type WasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { ratesLength } from '../src/core/engines/fusedGlyph/mamlpp';
import { startBackend } from './helpers';
import { relError } from './fusedGlyphReference';
import {
  mamlppLearner,
  mamlppRates,
  mamlppTheta,
  ppBatch,
  ppSettings,
  schedule,
  stateAt,
  tfjsGradient,
  toFused,
} from './fusedGlyphMamlppReference';

/**
 * MAML++ on the fused glyph engine against the tfjs MetaLearner (cpu backend) with the glyph
 * classifier's per-step batch-norm sets, on identical θ (sets moved apart), rates (one per tensor
 * and step, all different) and batches: the meta-gradient of θ, its sets and the rates, and the
 * reported loss. ‖fused − ref‖/‖ref‖ over each whole vector ≤ 1e-4 (f32 sums in other orders).
 */

const TOL = 1e-4;

interface Case {
  name: string;
  over: Partial<WasmGlyphSettings>;
  tasks: number;
  /** meta-updates already applied: the schedules' clock */
  n: number;
}

const second = schedule();
const first = schedule({ firstOrder: 1000 });

const CASES: Case[] = [
  { name: 'conv, batch norm, 1 step, second order', over: { schedule: second }, tasks: 1, n: 0 },
  { name: 'conv, 2 steps, meta-batch 3, second order', over: { inner: 2, schedule: second }, tasks: 3, n: 0 },
  {
    name: 'conv, 2 steps, first order, weights annealing',
    over: { inner: 2, schedule: first },
    tasks: 3,
    n: 37,
  },
  {
    name: 'conv, 5 steps, 2 blocks, annealing weights, second order',
    over: { inner: 5, blocks: 2, filters: 4, schedule: second },
    tasks: 1,
    n: 61,
  },
  {
    name: 'conv, 5 steps, only the last step weighed (n ≥ msl)',
    over: { inner: 5, blocks: 2, filters: 4, schedule: second },
    tasks: 3,
    n: 150,
  },
  {
    name: 'conv, 5 steps, first order',
    over: { inner: 5, blocks: 2, filters: 4, schedule: first },
    tasks: 1,
    n: 10,
  },
  {
    name: 'conv, bias (no batch norm), 2 steps',
    over: { batchNorm: false, inner: 2, schedule: second },
    tasks: 3,
    n: 20,
  },
  {
    name: 'fc, batch norm, 2 steps, second order',
    over: { net: 'fc', inner: 2, schedule: second },
    tasks: 3,
    n: 5,
  },
  { name: 'fc, batch norm, 1 step, first order', over: { net: 'fc', schedule: first }, tasks: 1, n: 0 },
  {
    name: 'fc, bias, odd widths, 2 steps',
    over: { net: 'fc', batchNorm: false, hidden: [30, 17, 6], inner: 2, schedule: second },
    tasks: 1,
    n: 0,
  },
];

async function gradients(c: Case) {
  const s = ppSettings(c.over);
  const theta = mamlppTheta(s, 3);
  const rates = mamlppRates(s, 4);
  const b = ppBatch(s, c.tasks, 5);
  const learner = mamlppLearner(s, theta, rates);
  learner.restoreState(stateAt(theta, rates, c.n));
  const ref = tfjsGradient(learner, b);
  learner.dispose();
  const engine = await FusedGlyphEngine.create(s, theta, { alpha0: rates });
  engine.restore(toFused(stateAt(theta, rates, c.n)));
  const got = engine.metaGradient(b);
  engine.dispose();
  return { ref, got, s };
}

describe('fused glyph engine: MAML++ against the tfjs reference', () => {
  beforeAll(async () => {
    await startBackend('cpu');
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const { ref, got, s } = await gradients(c);
      expect(got.theta.length).toBe(ref.theta.length);
      expect(got.alpha?.length).toBe(ratesLength(s));
      expect(Math.abs(got.loss - ref.loss)).toBeLessThan(1e-5 * Math.abs(ref.loss));
      expect(relError(got.theta, ref.theta)).toBeLessThan(TOL);
      expect(relError(got.alpha as Float32Array, ref.rates)).toBeLessThan(TOL);
    });
  }

  it('the second-order phase differs from the first-order one', async () => {
    const over = { inner: 2, tasks: 1, n: 0 };
    const a = await gradients({ name: '', over: { inner: 2, schedule: second }, ...over });
    const b = await gradients({ name: '', over: { inner: 2, schedule: first }, ...over });
    expect(relError(b.got.theta, a.got.theta)).toBeGreaterThan(100 * TOL);
  });

  it('one inner step reads the base network and set 1: sets 2-10 get no gradient', async () => {
    const s = ppSettings({ inner: 1, schedule: second });
    const theta = mamlppTheta(s, 3);
    const engine = await FusedGlyphEngine.create(s, theta, { alpha0: mamlppRates(s, 4) });
    const g = engine.metaGradient(ppBatch(s, 1, 5)).theta;
    engine.dispose();
    const set = s.blocks * 2 * s.filters; // every γ and β of the conv net
    expect(g.length).toBe(theta.length);
    expect(g.subarray(g.length - 9 * set).every((v) => v === 0)).toBe(true);
    expect(g.subarray(g.length - 10 * set, g.length - 9 * set).some((v) => v !== 0)).toBe(true);
  });
});
