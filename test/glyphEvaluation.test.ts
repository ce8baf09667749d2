import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseExperiment } from '../src/core/experiment';
import { GlyphEvaluation } from '../src/core/families/glyphs/evaluation';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { loadFusedGlyph } from '../src/core/engines/fusedGlyph/wasmModule';
import { startBackend } from './helpers';

const config = (extra = '') => parseExperiment(`task=glyphs&batch=2&query=2&filters=8${extra}`).config;
const protocol = { tasks: 3, steps: 2, seed: 7, chunk: 1 };

describe('glyph evaluation in pieces', () => {
  it('describes the θ it started at, whatever training happens between its pieces', async () => {
    await startBackend('wasm');
    for (const algo of ['maml', 'metasgd'] as const) {
      // two runs of one seed: one evaluates at step 2 in one go, the other in pieces while training on
      const still = new GlyphRun(config(`&algo=${algo}`));
      const moving = new GlyphRun(config(`&algo=${algo}`));
      for (const run of [still, moving]) {
        for (let s = 0; s < 2; s++) tf.dispose(Object.values(run.step()) as tf.Tensor[]);
      }
      const expected = await still.evaluate(protocol);
      const before = tf.memory().numTensors;
      const job = new GlyphEvaluation(moving, protocol);
      expect(job.step).toBe(2);
      let pieces = 0;
      while (!job.finished) {
        await job.next();
        pieces += 1;
        tf.dispose(Object.values(moving.step()) as tf.Tensor[]);
      }
      // one initialisation on one task per piece: 3 tasks × (MAML, pretrained, random)
      expect(pieces).toBe(9);
      expect(moving.stepCount).toBe(11);
      const got = job.result();
      job.dispose();
      for (const m of ['maml', 'pretrained', 'random']) {
        got[m]!.accuracy.forEach((a, i) =>
          expect(a, `${algo} ${m}`).toBeCloseTo(expected[m]!.accuracy[i]!, 5),
        );
        got[m]!.loss.forEach((l, i) => expect(l, `${algo} ${m}`).toBeCloseTo(expected[m]!.loss[i]!, 4));
      }
      // θ moved meanwhile: evaluated now, MAML's curve is another one
      const later = await moving.evaluate(protocol);
      expect(later.maml!.loss).not.toEqual(got.maml!.loss);
      // the job's copies are gone; the run's own tensors are those it had (its step made no net tensors)
      expect(tf.memory().numTensors).toBe(before);
      still.dispose();
      moving.dispose();
    }
  });

  it('gives the curves so far from the first task on; an unfinished job is disposed without leaks', async () => {
    await startBackend('wasm');
    const run = new GlyphRun(config());
    const before = tf.memory().numTensors;
    const job = new GlyphEvaluation(run, { ...protocol, tasks: 4, chunk: 2 });
    await job.next();
    expect(job.finished).toBe(false);
    expect(job.taskDone).toBe(false);
    expect(() => job.result(true)).toThrow(/not finished/);
    for (let i = 0; i < 2; i++) await job.next();
    // one chunk of two tasks, scored by each of the three initialisations
    expect([job.scored, job.taskDone]).toEqual([2, true]);
    expect(() => job.result()).toThrow(/not finished/);
    const soFar = job.result(true);
    const whole = await run.evaluate({ ...protocol, tasks: 2 });
    for (const m of ['maml', 'pretrained', 'random']) {
      expect(soFar[m]!.accuracy).toEqual(whole[m]!.accuracy);
      expect(soFar[m]!.ci95.every((c) => Number.isFinite(c))).toBe(true);
    }
    job.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(job.next()).rejects.toThrow(/disposed/);
    // one task at a time (the page's evaluation): its curves after the first, with no spread yet
    const single = new GlyphEvaluation(run, { ...protocol, tasks: 3, chunk: 1 });
    for (let i = 0; i < 3; i++) await single.next();
    expect([single.scored, single.taskDone]).toEqual([1, true]);
    const first = single.result(true);
    const one = await run.evaluate({ ...protocol, tasks: 1 });
    for (const m of ['maml', 'pretrained', 'random']) {
      expect(first[m]!.accuracy).toEqual(one[m]!.accuracy);
      expect(first[m]!.ci95.every((c) => c === 0)).toBe(true);
    }
    single.dispose();
    expect(tf.memory().numTensors).toBe(before);
    run.dispose();
  });

  it('scores a run on the fused engine there, with the numbers of the tfjs kernels', async () => {
    await startBackend('wasm');
    await loadFusedGlyph();
    for (const algo of ['maml', 'metasgd'] as const) {
      const fused = new GlyphRun(config(`&algo=${algo}`), { engine: 'fused' });
      const tfjs = new GlyphRun(config(`&algo=${algo}`));
      expect([fused.engine, tfjs.engine]).toEqual(['fused', 'tfjs']);
      const jobs = [new GlyphEvaluation(fused, protocol), new GlyphEvaluation(tfjs, protocol)];
      expect(jobs.map((j) => j.engine)).toEqual(['fused', 'tfjs']);
      const [a, b] = await Promise.all(
        jobs.map(async (job) => {
          while (!job.finished) await job.next();
          const out = job.result();
          job.dispose();
          return out;
        }),
      );
      for (const m of ['maml', 'pretrained', 'random']) {
        expect(a![m]!.accuracy).toHaveLength(protocol.steps + 1);
        a![m]!.accuracy.forEach((v, i) => expect(v, `${algo} ${m}`).toBeCloseTo(b![m]!.accuracy[i]!, 5));
        a![m]!.loss.forEach((v, i) => expect(v, `${algo} ${m}`).toBeCloseTo(b![m]!.loss[i]!, 4));
      }
      fused.dispose();
      tfjs.dispose();
    }
  });
});
