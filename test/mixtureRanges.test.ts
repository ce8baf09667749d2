import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultsFor, parseExperiment, serializeExperiment } from '../src/core/experiment';
import { mixtureFamily } from '../src/core/families/mixture/family';
import { kindRanges, MIXTURE_RANGES } from '../src/core/families/mixture/ranges';
import { mixtureTasks, mixtureTasksFor } from '../src/core/families/mixture/sampler';
import { mixtureSchema } from '../src/core/families/mixture/schema';
import { regressionFamily } from '../src/core/families/regression/family';
import { RegressionRun } from '../src/core/families/regression/run';
import type { RegressionBatch, RegressionFamily } from '../src/core/families/regression/tasks';
import { Rng } from '../src/core/random';
import { parseSweepAxes, sweepCells } from '../src/core/sweep/spec';
import { startBackend } from './helpers';

const messages = (r: { warnings: { message: string }[] }) => r.warnings.map((w) => w.message);

/**
 * The mixture's sampler as it was before its kinds' ranges became settings, written out with its
 * literal ranges: the kind, its parameters in the same order, then the points.
 */
function literalBatch(rng: Rng, tasks: number, support: number, query: number): RegressionBatch {
  const kinds = ['sine', 'line', 'quadratic', 'abs'];
  const f = (k: string, p: number[], x: number) =>
    k === 'sine'
      ? (p[0] as number) * Math.sin(x - (p[1] as number))
      : k === 'line'
        ? (p[0] as number) * x + (p[1] as number)
        : k === 'quadratic'
          ? (p[0] as number) * (x - (p[1] as number)) ** 2 + (p[2] as number)
          : (p[0] as number) * Math.abs(x - (p[1] as number)) + (p[2] as number);
  const out = { xs: [] as number[], ys: [] as number[], xq: [] as number[], yq: [] as number[] };
  for (let t = 0; t < tasks; t++) {
    const k = kinds[rng.int(4)] as string;
    const p =
      k === 'sine'
        ? [rng.uniform(0.1, 5), rng.uniform(0, Math.PI)]
        : k === 'line'
          ? [rng.uniform(-0.8, 0.8), rng.uniform(-1.5, 1.5)]
          : k === 'quadratic'
            ? [rng.uniform(-0.12, 0.12), rng.uniform(-1, 1), rng.uniform(-1.5, 1.5)]
            : [rng.uniform(-0.8, 0.8), rng.uniform(-1, 1), rng.uniform(-1.5, 1.5)];
    for (const [n, xs, ys] of [
      [support, out.xs, out.ys],
      [query, out.xq, out.yq],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const x = rng.uniform(-5, 5);
        xs.push(x);
        ys.push(f(k, p, x));
      }
    }
  }
  return {
    tasks,
    support,
    query,
    xs: Float32Array.from(out.xs),
    ys: Float32Array.from(out.ys),
    xq: Float32Array.from(out.xq),
    yq: Float32Array.from(out.yq),
    taskParams: new Float32Array(tasks * 4),
  };
}

describe('the mixture’s kind ranges as settings', () => {
  it('default settings draw the same tasks and train to the same θ, bit for bit, as the literal sampler', async () => {
    await startBackend('cpu');
    const config = parseExperiment('task=mixture&batch=4&k=5&query=5').config;
    expect(serializeExperiment(config)).not.toMatch(/slope|off|curv|ctr/);
    const now = mixtureTasksFor(config).sampleBatch(Rng.stream(3, 'train'), 40, 5, 5);
    const before = literalBatch(Rng.stream(3, 'train'), 40, 5, 5);
    for (const key of ['xs', 'ys', 'xq', 'yq'] as const) expect(now[key]).toEqual(before[key]);
    const old: RegressionFamily = { ...mixtureTasks(), sampleBatch: literalBatch };
    const runs = [
      new RegressionRun(mixtureFamily, config),
      new RegressionRun(
        regressionFamily(mixtureSchema, () => old),
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
    expect(mixtureTasksFor(config).yBound).toBe(6.3);
  });

  it('reads each kind’s ranges for training and testing from a link, the test ones following training’s', () => {
    const { config, warnings } = parseExperiment(
      'task=mixture&mix=line,abs&lineslope=2,3&lineoff=-0.5,0.5&testlineslope=-3,-2&absctr=4,5&absslope=9,1',
    );
    expect(messages({ warnings })).toEqual([
      'absslope=9,1 is reversed; using 1,9',
      'absslope=9,1 reaches outside [-5, 5]; clamped to 1,5',
    ]);
    expect(config.absslope).toEqual([1, 5]);
    const train = kindRanges(config, 'train');
    const test = kindRanges(config, 'test');
    expect(train.line).toEqual({ a: [2, 3], b: [-0.5, 0.5] });
    expect(test.line).toEqual({ a: [-3, -2], b: [-0.5, 0.5] });
    expect(test.abs.c).toEqual([4, 5]);
    expect(train.quadratic).toEqual(MIXTURE_RANGES.quadratic);
    const again = parseExperiment(serializeExperiment(config)).config;
    expect(again).toEqual(config);
    // the tasks drawn lie in their ranges: [kind, a, b or c, b]
    const batch = mixtureTasksFor(config).sampleBatch(Rng.stream(1, 'train'), 200, 2, 2);
    const testBatch = mixtureTasksFor(config, 'test').sampleBatch(Rng.stream(1, 'train'), 200, 2, 2);
    for (let t = 0; t < 200; t++) {
      const [kind, a, c] = Array.from(batch.taskParams.subarray(t * 4, t * 4 + 3));
      if (kind === 1) expect(a).toBeGreaterThanOrEqual(2);
      if (kind === 3) expect(c).toBeGreaterThanOrEqual(4);
      if (testBatch.taskParams[t * 4] === 1) expect(testBatch.taskParams[t * 4 + 1]).toBeLessThanOrEqual(-2);
    }
    expect(mixtureTasksFor(config).range).toContain('lineslope [2, 3]');
    expect(mixtureTasksFor(config).yBound).toBeGreaterThan(3 * 5);
  });

  it('moves a kind’s range on a sweep axis, and the sinusoid refuses those axes', () => {
    const r = parseSweepAxes(['lineslope.hi=1..2:lin:2', 'testquadcurv.shift=0..0.5:lin:2'], 100, 'mixture');
    expect(messages(r)).toEqual([]);
    const cells = sweepCells(defaultsFor('mixture'), r.spec!);
    expect(cells.map((c) => [c.config.lineslope, c.config.testquadcurv ?? null])).toEqual([
      [[-0.8, 1], null],
      [[-0.8, 2], null],
      [
        [-0.8, 1],
        [0.38, 0.62],
      ],
      [
        [-0.8, 2],
        [0.38, 0.62],
      ],
    ]);
    const sine = parseSweepAxes(['lineslope.hi=1..2:lin:2'], 100, 'sinusoid');
    expect(messages(sine)).toEqual(['lineslope.hi does not apply to sinusoid tasks; axis ignored']);
  });
});
