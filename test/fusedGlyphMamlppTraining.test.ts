import { beforeAll, describe, expect, it } from 'vitest';
import { FusedGlyphEngine } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { startBackend } from './helpers';
import { relError } from './fusedGlyphReference';
import {
  fromFused,
  mamlppLearner,
  mamlppRates,
  mamlppTheta,
  ppBatch,
  ppSettings,
  schedule,
  tfjsGradient,
  tfjsLosses,
} from './fusedGlyphMamlppReference';

/**
 * MAML++ training on the fused glyph engine against the tfjs MetaLearner: 20 meta-steps across
 * every schedule switch (the multi-step loss annealing to the last step at 8, first order until 6,
 * β cosine-annealed over 20), the loss curve and the final θ (with its sets) and rates to 1e-3;
 * a bit-identical resume from state(); the state read by a tfjs learner continues the schedules.
 */

const S = ppSettings({
  inner: 2,
  blocks: 2,
  alpha: 0.2,
  beta: 0.003,
  schedule: schedule({ msl: 8, firstOrder: 6, span: 20 }),
});
const STEPS = 20;

describe('fused glyph engine: MAML++ training', () => {
  const theta0 = mamlppTheta(S, 5);
  const rates0 = mamlppRates(S, 6);
  const batches = Array.from({ length: STEPS }, (_, i) => ppBatch(S, 2, 200 + i));

  beforeAll(async () => {
    await startBackend('cpu');
  });

  it('follows the tfjs loss curve for 20 steps through the phase switches', async () => {
    const learner = mamlppLearner(S, theta0, rates0);
    const ref = tfjsLosses(learner, batches);
    const refState = await learner.exportState();
    learner.dispose();
    const engine = await FusedGlyphEngine.create(S, theta0, { alpha0: rates0 });
    const got = batches.map((b) => engine.step(b).meta);
    const state = engine.state();
    engine.dispose();
    got.forEach((l, i) =>
      expect(Math.abs(l - (ref[i] as number))).toBeLessThan(1e-3 * Math.abs(ref[i] as number)),
    );
    expect(relError(state.theta, refState.theta.value)).toBeLessThan(1e-3);
    expect(relError(state.alpha as Float32Array, refState.alpha?.value as Float32Array)).toBeLessThan(1e-3);
    expect(state.thetaAdam.t).toBe(STEPS);
    expect(state.alphaAdam?.t).toBe(STEPS);
    // the rates moved (they are learned, in both phases)
    expect(relError(state.alpha as Float32Array, rates0)).toBeGreaterThan(1e-4);
  });

  it('resumes bit for bit from state()', async () => {
    const whole = await FusedGlyphEngine.create(S, theta0, { alpha0: rates0 });
    for (const b of batches) whole.step(b);
    const half = await FusedGlyphEngine.create(S, theta0, { alpha0: rates0 });
    for (const b of batches.slice(0, STEPS / 2)) half.step(b);
    const resumed = await FusedGlyphEngine.create(S, new Float32Array(theta0.length));
    resumed.restore(half.state());
    for (const b of batches.slice(STEPS / 2)) resumed.step(b);
    const [a, b] = [whole.state(), resumed.state()];
    expect(Array.from(b.theta)).toEqual(Array.from(a.theta));
    expect(Array.from(b.alpha as Float32Array)).toEqual(Array.from(a.alpha as Float32Array));
    expect(Array.from(b.thetaAdam.v)).toEqual(Array.from(a.thetaAdam.v));
    expect(Array.from(b.alphaAdam?.m as Float32Array)).toEqual(Array.from(a.alphaAdam?.m as Float32Array));
    [whole, half, resumed].forEach((e) => e.dispose());
  });

  it('a fused state continues on tfjs at the same point of the schedules', async () => {
    const engine = await FusedGlyphEngine.create(S, theta0, { alpha0: rates0 });
    for (const b of batches.slice(0, 7)) engine.step(b);
    const next = batches[7] as (typeof batches)[number];
    const learner = mamlppLearner(S, theta0, rates0);
    learner.restoreState(fromFused(engine.state()));
    const ref = tfjsGradient(learner, next);
    learner.dispose();
    const got = engine.metaGradient(next);
    engine.dispose();
    expect(relError(got.theta, ref.theta)).toBeLessThan(1e-4);
    expect(relError(got.alpha as Float32Array, ref.rates)).toBeLessThan(1e-4);
  });

  it('refuses rates of the wrong length', async () => {
    await expect(FusedGlyphEngine.create(S, theta0, { alpha0: rates0.subarray(1) })).rejects.toThrow(/rates/);
  });
});
