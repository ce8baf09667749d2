import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeGlyphThreads } from '../src/cli/engineThreads';
import { FusedGlyphEngine, type WasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import type { FusedState } from '../src/core/engines/fused/fusedMlp';
import { thetaLayout } from '../src/core/engines/fusedGlyph/mamlpp';
import type { GlyphThreadPool } from '../src/core/engines/fusedGlyph/threads';
import { mamlppPhase } from '../src/core/meta/mamlppSchedule';
import type { GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { Rng } from '../src/core/random';
import { glyphBatch, modelFor, settings, stateBits as bits } from './fusedGlyphReference';

/**
 * MAML++ on the fused glyph engine with its tasks split over worker threads gives the single
 * call's bits: θ with its batch-norm sets, the learned rates, the pretrained θ and every Adam
 * moment, and each step's loss, on 1, 2 and 3 threads, with batch norm and without, through the
 * first-order phase into second order while the multi-step loss weights anneal (2 inner steps),
 * meta-batches of 1-5 tasks (so some shards are empty), and across a resume on another count.
 */

const STEPS = 8;
/** first order for 3 meta-steps, the weights annealing over 6, β over 10 */
const SCHEDULE = { msl: 6, firstOrder: 3, span: 10 };
const pools = new Map<number, GlyphThreadPool | null>();

beforeAll(async () => {
  for (const n of [1, 2, 3]) pools.set(n, await nodeGlyphThreads(n));
});
afterAll(() => pools.forEach((p) => p?.dispose()));

function mamlppSettings(batchNorm: boolean): WasmGlyphSettings {
  const base = settings({ filters: 6, blocks: 3, inner: 2, maxTasks: 5, alpha: 0.3, beta: 0.003, batchNorm });
  return { ...base, algo: 'mamlpp', schedule: SCHEDULE };
}

/** the network and batch shape of MAML++ settings, for the reference helpers */
const classic = (s: WasmGlyphSettings) => ({ ...s, algo: 'maml' as const });

const pretrainedClasses = Array.from({ length: 30 }, (_, i) => i);

function engineFor(s: WasmGlyphSettings, threads: number, withPretrained: boolean) {
  // θ₀ with every batch-norm set moved apart, so the queue's order matters
  const theta0 = new Float32Array(thetaLayout(s).size);
  const rng = new Rng(7, 'init');
  theta0.set(modelFor(classic(s)).init(rng));
  for (let i = modelFor(classic(s)).init(rng).length; i < theta0.length; i++)
    theta0[i] = rng.uniform(0.5, 1.5);
  const pre = withPretrained
    ? {
        classes: pretrainedClasses,
        theta0: modelFor({ ...classic(s), ways: pretrainedClasses.length }).init(new Rng(8, 'init')),
      }
    : undefined;
  return FusedGlyphEngine.create(s, theta0, { pretrained: pre, threads: pools.get(threads) ?? null });
}

function train(engine: FusedGlyphEngine, batches: GlyphBatch[], from?: FusedState) {
  if (from) engine.restore(from);
  const losses = batches.map((b) => engine.step(b));
  return { losses, state: engine.state() };
}

describe('fused glyph MAML++ over threads', () => {
  for (const batchNorm of [true, false]) {
    it(`${batchNorm ? 'batch norm' : 'bias'}: ${STEPS} steps through both orders are the same bits on 1, 2 and 3 threads`, async () => {
      const s = mamlppSettings(batchNorm);
      const orders = Array.from({ length: STEPS }, (_, n) => mamlppPhase(n, 2, s.beta, SCHEDULE).firstOrder);
      expect(orders).toContain(true);
      expect(orders).toContain(false);
      const batches = Array.from({ length: STEPS }, (_, i) =>
        glyphBatch(classic(s), 1 + (i % s.maxTasks), 400 + i),
      );
      const runs = [];
      for (const n of [1, 2, 3]) {
        const engine = await engineFor(s, n, batchNorm);
        expect(engine.threads).toBe(n);
        runs.push(train(engine, batches));
        engine.dispose();
      }
      const [one, ...more] = runs as [ReturnType<typeof train>, ...ReturnType<typeof train>[]];
      expect(one.losses.every((l) => Number.isFinite(l.meta))).toBe(true);
      expect(one.state.thetaAdam.t).toBe(STEPS);
      expect(one.state.alphaAdam?.t).toBe(STEPS);
      for (const r of more) {
        expect(r.losses).toEqual(one.losses);
        expect(bits(r.state)).toEqual(bits(one.state));
      }
    });
  }

  it('the meta-gradient without an update, and a resume on another thread count, to the bit', async () => {
    const s = mamlppSettings(true);
    const batches = Array.from({ length: STEPS }, (_, i) => glyphBatch(classic(s), 5 - (i % 3), 500 + i));
    const single = await engineFor(s, 1, false);
    const whole = train(single, batches);
    const first = await engineFor(s, 2, false);
    const a = train(first, batches.slice(0, 4));
    const resumed = await engineFor(s, 3, false);
    resumed.restore(a.state);
    single.restore(a.state);
    const [g1, g3] = [
      single.metaGradient(batches[4] as GlyphBatch),
      resumed.metaGradient(batches[4] as GlyphBatch),
    ];
    expect(g3.loss).toBe(g1.loss);
    expect(new Uint32Array(g3.theta.buffer)).toEqual(new Uint32Array(g1.theta.buffer));
    expect(new Uint32Array((g3.alpha as Float32Array).buffer)).toEqual(
      new Uint32Array((g1.alpha as Float32Array).buffer),
    );
    const b = train(resumed, batches.slice(4));
    expect([...a.losses, ...b.losses]).toEqual(whole.losses);
    expect(bits(b.state)).toEqual(bits(whole.state));
    [single, first, resumed].forEach((e) => e.dispose());
  });
});
