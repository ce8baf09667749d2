import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { CURVE_POINTS, runCell } from '../src/core/sweep/cell';
import { startBackend } from './helpers';

const config = (link: string) => parseExperiment(link).config;
const EVAL = { tasks: 20, steps: 1, seed: 2017 };

describe('sweep cell', () => {
  beforeAll(() => startBackend('wasm'));

  it('scores a cell after one inner step, with a downsampled curve, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const score = await runCell(config('batch=4&seed=5'), 100, EVAL);
    expect(tf.memory().numTensors).toBe(before);
    expect(score.diverged).toBe(false);
    expect(score.metric).toBeGreaterThan(0);
    expect(score.ci95).toBeGreaterThan(0);
    expect(score.curve.steps).toHaveLength(CURVE_POINTS);
    expect(score.curve.steps.at(-1)).toBe(100);
    expect(score.curve.loss.every(Number.isFinite)).toBe(true);
    // the same cell twice: the same bits
    expect(await runCell(config('batch=4&seed=5'), 100, EVAL)).toEqual(score);
  });

  it('marks a cell whose meta-loss is not finite as diverged, with no metric, and stops there', async () => {
    const score = await runCell(config('alpha=1&inner=5&beta=0.05&batch=4'), 50, EVAL);
    expect(score).toMatchObject({ diverged: true, metric: null, ci95: null, finalMetaLoss: null });
    expect(score.divergedAt).toBeGreaterThan(0);
    expect(score.divergedAt).toBeLessThanOrEqual(50);
  });

  it('stops between meta-steps when its signal aborts, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const abort = new AbortController();
    const cell = runCell(config('batch=4'), 100_000, EVAL, {
      onProgress: (step) => step >= 100 && abort.abort(new Error('cancelled')),
      signal: abort.signal,
    });
    await expect(cell).rejects.toThrow('cancelled');
    expect(tf.memory().numTensors).toBe(before);
  });
});
