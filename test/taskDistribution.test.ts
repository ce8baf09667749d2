import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultsFor, FIELDS, parseExperiment, PRESETS, serializeExperiment } from '../src/core/experiment';
import { PAPER_SINE, sineRanges } from '../src/core/families/regression/distribution';
import { regressionFamily } from '../src/core/families/regression/family';
import { RegressionRun } from '../src/core/families/regression/run';
import type { RegressionBatch, RegressionFamily } from '../src/core/families/regression/tasks';
import { sinusoidFamily } from '../src/core/families/sinusoid/family';
import { sinusoid, sinusoidTasks } from '../src/core/families/sinusoid/sampler';
import { sinusoidSchema } from '../src/core/families/sinusoid/schema';
import { mixtureTasksFor } from '../src/core/families/mixture/sampler';
import { Rng } from '../src/core/random';
import { RANGE_AXIS_FIELDS } from '../src/core/sweep/axes';
import { parseSweepAxes, sweepCells } from '../src/core/sweep/spec';
import { startBackend } from './helpers';

const messages = (r: { warnings: { message: string }[] }) => r.warnings.map((w) => w.message);

/** The paper's sampler as it was before the ranges became settings (A, φ, then the points). */
function paperBatch(rng: Rng, tasks: number, support: number, query: number) {
  const xs: number[] = [];
  const ys: number[] = [];
  const xq: number[] = [];
  const yq: number[] = [];
  for (let t = 0; t < tasks; t++) {
    const a = rng.uniform(0.1, 5.0);
    const p = rng.uniform(0, Math.PI);
    for (let i = 0; i < support; i++) {
      const x = rng.uniform(-5, 5);
      xs.push(x);
      ys.push(a * Math.sin(x - p));
    }
    for (let i = 0; i < query; i++) {
      const x = rng.uniform(-5, 5);
      xq.push(x);
      yq.push(a * Math.sin(x - p));
    }
  }
  return {
    xs: Float32Array.from(xs),
    ys: Float32Array.from(ys),
    xq: Float32Array.from(xq),
    yq: Float32Array.from(yq),
  };
}

describe('task distribution settings', () => {
  it('are left out of configs and links at their defaults', () => {
    const d = defaultsFor('sinusoid');
    expect(d.amp).toBeUndefined();
    expect(serializeExperiment(d)).toBe(
      'task=sinusoid&algo=maml&alpha=0.01&beta=0.001&inner=1&k=10&query=10&batch=25&hidden=40,40&seed=1',
    );
    const explicit = parseExperiment('amp=0.1,5&phi=0,1&freq=1&xrange=-5,5&testamp=0.1,5');
    expect(explicit.warnings).toEqual([]);
    expect(explicit.config).toEqual(d);
  });

  it('parse ranges, turn reversed ones round, clamp ends and refuse what is not a range, in one line each', () => {
    const ok = parseExperiment('amp=1,2&freq=0.8,1.2&testamp=3,4&xrange=-3');
    expect(ok.warnings).toEqual([]);
    expect(ok.config).toMatchObject({ amp: [1, 2], freq: [0.8, 1.2], testamp: [3, 4], xrange: [-3, -3] });
    expect(serializeExperiment(ok.config)).toContain('amp=1,2&freq=0.8,1.2&xrange=-3,-3&testamp=3,4');
    expect(parseExperiment(serializeExperiment(ok.config)).config).toEqual(ok.config);
    const bad = parseExperiment('amp=5,1&phi=NaN,1&freq=0,99&xrange=1,2,3&testfreq=');
    expect(messages(bad)).toEqual([
      'amp=5,1 is reversed; using 1,5',
      'phi=NaN,1 is not a range lo,hi of two numbers; using 0,1',
      'freq=0,99 reaches outside [0.1, 5]; clamped to 0.1,5',
      'xrange=1,2,3 is not a range lo,hi of two numbers; using -5,5',
      'testfreq= is not a range lo,hi of two numbers; using 0.1,5',
    ]);
    expect(bad.config).toMatchObject({ amp: [1, 5], freq: [0.1, 5] });
    expect(bad.config.phi).toBeUndefined();
    expect(bad.config.testfreq).toBeUndefined();
  });

  it('a test range equal to meta-training’s is left out: testing follows meta-training', () => {
    const c = parseExperiment('amp=1,2&testamp=1,2').config;
    expect(c.testamp).toBeUndefined();
    expect(sineRanges(c, 'test').amp).toEqual([1, 2]);
    expect(parseExperiment('amp=1,2&testamp=0.1,5').config.testamp).toEqual([0.1, 5]);
    expect(parseExperiment('task=mixture&mix=sine,line&testmix=line,sine').config.testmix).toEqual([
      'line',
      'sine',
    ]);
    expect(parseExperiment('task=mixture&mix=sine,line&testmix=sine,line').config.testmix).toBeUndefined();
    expect(messages(parseExperiment('task=glyphs&amp=1,2'))).toEqual([
      'amp does not apply to glyphs tasks; ignored',
    ]);
  });

  it('the sampler draws every task inside its ranges, on its true curve', () => {
    const r = { amp: [1, 2], phase: [0.5, 0.75], freq: [0.8, 1.2], x: [-2, 3] } as const;
    const tasks = sinusoidTasks(r);
    const b = tasks.sampleBatch(Rng.stream(3, 'train'), 200, 5, 5);
    for (let t = 0; t < b.tasks; t++) {
      const [a, p, w] = [b.taskParams[3 * t], b.taskParams[3 * t + 1], b.taskParams[3 * t + 2]] as number[];
      expect(a).toBeGreaterThanOrEqual(1 - 1e-6);
      expect(a).toBeLessThanOrEqual(2 + 1e-6);
      expect(p).toBeGreaterThanOrEqual(0.5 * Math.PI - 1e-6);
      expect(p).toBeLessThanOrEqual(0.75 * Math.PI + 1e-6);
      expect(w).toBeGreaterThanOrEqual(0.8 - 1e-6);
      expect(w).toBeLessThanOrEqual(1.2 + 1e-6);
      for (let i = 0; i < b.support; i++) {
        const x = b.xs[t * b.support + i] as number;
        expect(x).toBeGreaterThanOrEqual(-2);
        expect(x).toBeLessThanOrEqual(3);
        expect(b.ys[t * b.support + i]).toBeCloseTo(tasks.truth(b.taskParams, 3 * t, x), 4);
      }
    }
    const ws = Array.from({ length: b.tasks }, (_, t) => b.taskParams[3 * t + 2] as number);
    expect(Math.max(...ws) - Math.min(...ws)).toBeGreaterThan(0.3);
    expect(tasks.yBound).toBe(2);
  });

  it('the default distribution draws exactly the tasks it drew before, for sinusoids and the mixture', () => {
    const now = sinusoidTasks(PAPER_SINE).sampleBatch(Rng.stream(7, 'train'), 25, 10, 10);
    const before = paperBatch(Rng.stream(7, 'train'), 25, 10, 10);
    for (const key of ['xs', 'ys', 'xq', 'yq'] as const) expect(now[key]).toEqual(before[key]);
    const sines = mixtureTasksFor(parseExperiment('task=mixture&mix=sine').config).sampleBatch(
      Rng.stream(7, 'train'),
      25,
      10,
      10,
    );
    const beforeMix = Rng.stream(7, 'train');
    beforeMix.int(1); // the mixture draws the kind first
    const first = paperBatch(beforeMix, 1, 10, 10);
    expect(sines.ys.subarray(0, 10)).toEqual(first.ys);
  });

  it('default settings train to the same θ, bit for bit, as the paper sampler before', async () => {
    await startBackend('cpu');
    const config = parseExperiment('batch=4&k=5&query=5').config;
    const old: RegressionFamily = {
      ...sinusoid,
      sampleBatch: (rng, tasks, support, query): RegressionBatch => ({
        tasks,
        support,
        query,
        ...paperBatch(rng, tasks, support, query),
        taskParams: new Float32Array(tasks * 3),
      }),
    };
    const runs = [
      new RegressionRun(sinusoidFamily, config),
      new RegressionRun(
        regressionFamily(sinusoidSchema, () => old),
        config,
      ),
    ];
    const thetas: Float32Array[] = [];
    for (const run of runs) {
      for (let i = 0; i < 3; i++) tf.dispose(Object.values(run.step()).filter((t) => t !== null));
      thetas.push(Float32Array.from(await run.learner.theta.data()));
      run.dispose();
    }
    expect(thetas[0]).toEqual(thetas[1]);
  });

  it('the report evaluates both distributions when they differ', async () => {
    await startBackend('cpu');
    const config = parseExperiment('batch=2&k=5&query=5&testamp=4,5').config;
    const run = new RegressionRun(sinusoidFamily, config);
    const r = await run.evaluateReport({ tasks: 20, steps: 1, seed: 2017 });
    run.dispose();
    const test = r.json.test as { maml: { mse: number[] } };
    expect(test.maml.mse).toHaveLength(2);
    expect(r.table).toMatch(/from meta-training's distribution \(A ∈ \[0.1, 5\]/);
    expect(r.table).toMatch(/from the test distribution \(A ∈ \[4, 5\]/);
    // larger amplitudes: a larger error for the random initialisation
    const random = (r.json.random as { mse: number[] }).mse[0] as number;
    expect((r.json.test as { random: { mse: number[] } }).random.mse[0]).toBeGreaterThan(random);
  });
});

describe('presets', () => {
  it('each preset link opens without a warning and round-trips; fields beside it win', () => {
    for (const p of PRESETS) {
      const { config, warnings } = parseExperiment(p.link);
      expect(warnings).toEqual([]);
      const viaName = parseExperiment(`preset=${p.name}`);
      expect(viaName.warnings).toEqual([]);
      expect(viaName.config).toEqual(config);
      expect(parseExperiment(serializeExperiment(config)).config).toEqual(config);
    }
    const harder = parseExperiment('preset=metasgd-sinusoid&k=10&seed=4').config;
    expect(harder).toMatchObject({ k: 10, query: 10, seed: 4, freq: [0.8, 1.2] });
    expect(messages(parseExperiment('preset=nope'))).toEqual([
      `preset=nope is not one of ${PRESETS.map((p) => p.name).join(', ')}; ignored`,
    ]);
  });
});

describe('distribution sweep axes', () => {
  it('list every range field of the schema', () => {
    const ranges = Object.keys(FIELDS).filter((k) => FIELDS[k as keyof typeof FIELDS].kind === 'range');
    expect([...RANGE_AXIS_FIELDS].sort()).toEqual(ranges.sort());
  });

  it('training amplitude range × test amplitude shift: each cell its ranges', () => {
    const r = parseSweepAxes(['amp.hi=1..5:lin:3', 'testamp.shift=0..2:lin:2'], 100, 'sinusoid');
    expect(r.warnings).toEqual([]);
    const cells = sweepCells(defaultsFor('sinusoid'), r.spec!);
    const ranges = cells.map((c) => [c.config.amp ?? null, c.config.testamp ?? null]);
    expect(ranges).toEqual([
      [[0.1, 1], null],
      [[0.1, 3], null],
      [null, null],
      [
        [0.1, 1],
        [2.1, 3],
      ],
      [
        [0.1, 3],
        [2.1, 5],
      ],
      [null, [2.1, 7]],
    ]);
    const hostile = parseSweepAxes(['amp.top=1..2:lin:2', 'freq.lo=-3..2:log:2'], 100, 'sinusoid');
    expect(messages(hostile)).toEqual([
      'unknown axis "amp.top" ignored (task-range axes: <range>.lo|hi|shift for amp, phi, freq, xrange, testamp, testphi, testfreq, testxrange)',
      'freq.lo: -3 is outside [0.1, 5]; clamped to 0.1',
    ]);
  });
});
