import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SteppingRun } from '../src/worker/backend';
import { REGRESSION_BUDGET } from '../src/worker/host/backendPlan';
import { raceBackends } from '../src/worker/race';
import {
  boundVerdict,
  OUTPACED,
  predictFullStep,
  predictStepMs,
  STEP_CEILING_MS,
} from '../src/worker/stepBound';
import { startBackend } from './helpers';

/**
 * A fake clock: `performance.now()` reads it, and a fake run's step advances it by its cost
 * (fixed + perTask × meta-batch), so the timings below are exact and independent of the machine.
 */
function fakeClock() {
  let t = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => t);
  const made: string[] = [];
  const run = (label: string, batch: number, cost: (batch: number) => number): SteppingRun => {
    made.push(`${label}@${batch}`);
    return {
      step() {
        t += cost(batch);
        return { meta: tf.scalar(1), pretrained: null };
      },
      dispose() {},
    };
  };
  return { run, made };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the bound on a contender whose step cannot be interrupted', () => {
  it('predicts the full step with a line through meta-batch 1 and 2, never below meta-batch 1', () => {
    expect(predictStepMs(10, 13, 100)).toBe(10 + 3 * 99);
    expect(predictStepMs(10, 13, 1)).toBe(10);
    expect(predictStepMs(10, 13, 2)).toBe(13);
    // noise that makes meta-batch 2 look faster predicts no less than meta-batch 1
    expect(predictStepMs(10, 9, 50)).toBe(10);
  });

  it('skips a prediction over the ceiling or an order of magnitude behind the leader, and says why', () => {
    expect(boundVerdict(STEP_CEILING_MS + 1, 0)).toMatch(
      /predict 3\.0 s a step .* over the race's 3\.0 s ceiling/,
    );
    expect(boundVerdict(STEP_CEILING_MS, 0)).toBeNull();
    // 10 steps/s against a leader at 10 × OUTPACED + 1: skipped; at exactly 10 × OUTPACED: timed
    expect(boundVerdict(100, 10 * OUTPACED + 1)).toMatch(
      /10\.0 steps\/s\), over 10× behind the leader's 101/,
    );
    expect(boundVerdict(100, 10 * OUTPACED)).toBeNull();
    expect(boundVerdict(100, 0)).toBeNull();
  });

  it('times one warm-up and one step at meta-batch 1 and one at meta-batch 2, nothing at the full meta-batch', async () => {
    await startBackend('cpu');
    const clock = fakeClock();
    const ms = await predictFullStep((b) => clock.run('tfjs', b, (n) => 50 + 20 * n), 100);
    expect(ms).toBe(70 + 20 * 99);
    expect(clock.made).toEqual(['tfjs@1', 'tfjs@2']);
    // a warm-up step already over the ceiling ends it there: meta-batch 2 is never run
    const slow = fakeClock();
    expect(await predictFullStep((b) => slow.run('tfjs', b, () => STEP_CEILING_MS + 500), 100)).toBe(
      STEP_CEILING_MS + 500,
    );
    expect(slow.made).toEqual(['tfjs@1']);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('the race skips wasm tfjs predicted far behind the fused engine, without a full-size tfjs step', async () => {
    await startBackend('cpu');
    const clock = fakeClock();
    // fused: 2 ms a step at meta-batch 40 (500 steps/s); tfjs: 5 + 1 ms per task (45 ms, 22 steps/s)
    const makeRun = (engine: string, batch = 40) =>
      clock.run(engine, batch, engine === 'fused' ? () => 2 : (n) => 5 + n);
    const contenders = { fused: true, fusedWebgpu: false, webgpu: false };
    const choice = await raceBackends(makeRun, 'cpu', { ...REGRESSION_BUDGET, batch: 40 }, contenders);
    expect(clock.made.filter((m) => m.startsWith('tfjs'))).toEqual(['tfjs@1', 'tfjs@2']);
    expect(choice.winner).toMatchObject({ backend: 'wasm', engine: 'fused' });
    expect(choice.skipped).toEqual([
      { backend: 'wasm', engine: 'tfjs', reason: expect.stringMatching(/predict 45 ms a step .* behind/) },
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('times wasm tfjs predicted within reach, on the full workload; the training contender is not timed again', async () => {
    await startBackend('cpu');
    const clock = fakeClock();
    const makeRun = (engine: string, batch = 4) => clock.run(engine, batch, () => 10);
    const contenders = { fused: true, fusedWebgpu: false, webgpu: false };
    const trained = { backend: 'wasm' as const, engine: 'fused' as const, rate: 50, bounded: false };
    const choice = await raceBackends(
      makeRun,
      'cpu',
      { ...REGRESSION_BUDGET, batch: 4, trained },
      contenders,
    );
    expect(clock.made).toEqual(['tfjs@1', 'tfjs@2', 'tfjs@4']);
    expect(choice.entries[0]).toBe(trained);
    expect(choice.entries[1]).toMatchObject({ backend: 'wasm', engine: 'tfjs', rate: 100 });
    expect(choice.winner).toMatchObject({ backend: 'wasm', engine: 'tfjs' });
  });

  it('engine=tfjs races only tfjs kernels, engine=fused only fused engines', async () => {
    await startBackend('cpu');
    const clock = fakeClock();
    const makeRun = (engine: string, batch = 4) => clock.run(engine, batch, () => 10);
    const budgets = { ...REGRESSION_BUDGET, batch: 4 };
    await raceBackends(makeRun, 'cpu', budgets, {
      fused: false,
      fusedWebgpu: false,
      webgpu: false,
      tfjs: true,
    });
    expect(clock.made.every((m) => m.startsWith('tfjs'))).toBe(true);
    clock.made.length = 0;
    const fusedOnly = await raceBackends(makeRun, 'cpu', budgets, {
      fused: true,
      fusedWebgpu: false,
      webgpu: false,
      tfjs: false,
    });
    expect(clock.made).toEqual(['fused@4']);
    expect(fusedOnly.winner).toMatchObject({ backend: 'wasm', engine: 'fused' });
  });
});

describe('timing a contender that trains already fast enough to time', () => {
  it('times a slow workload one step at a time after one warm-up step, a fast one in groups', async () => {
    await startBackend('cpu');
    const { measureStepsPerSecond } = await import('../src/worker/backend');
    const options = { budgetMs: 1000, warmup: 2, group: 4, maxSteps: 400 };
    const slow = fakeClock();
    // 800 ms a step: 1 warm-up step, then 2 timed ones (the second passes the 1 s budget)
    expect(await measureStepsPerSecond(() => slow.run('fused', 100, () => 800), options)).toBeCloseTo(1.25);
    let steps = 0;
    const fast = fakeClock();
    const rate = await measureStepsPerSecond(() => {
      const r = fast.run('fused', 4, () => 10);
      return { step: () => (steps++, r.step()), dispose: () => r.dispose() };
    }, options);
    expect(rate).toBeCloseTo(100);
    // 2 warm-up steps, then groups of 4 until the budget: 100 timed steps
    expect(steps).toBe(102);
  });
});
