import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGOS, parseExperiment, type Algo, type Experiment } from '../src/core/experiment';
import { classBatchTensors } from '../src/core/families/glyphs/classification';
import { GlyphRun } from '../src/core/families/glyphs/run';
import { glyphWalkModel } from '../src/core/families/glyphs/walk';
import type { MetaLearner } from '../src/core/meta/learners';
import type { GlyphWalk } from '../src/core/meta/walkthrough';
import { bytes, copy, mean, rel, relDiff, startBackend, train } from './helpers';

/** A tiny conv net: 3-way 1-shot, 2 query images per class, three tasks (two shown), two inner steps. */
function config(algo: Algo): Experiment {
  return parseExperiment(
    `task=glyphs&algo=${algo}&ways=3&k=1&query=2&batch=3&filters=4&inner=2&alpha=0.4&beta=0.01`,
  ).config;
}

/** What holds for every algorithm: shapes, probabilities, losses as the step reports them. */
function expectConsistent(walk: GlyphWalk, c: Experiment, loss: number) {
  const steps = c.inner + 1;
  const pixels = walk.side * walk.side;
  expect(walk).toMatchObject({ view: 'glyphs', algo: c.algo, inner: c.inner, batch: 3, ways: 3, shots: 1 });
  expect(walk.tasks).toHaveLength(2);
  expect(walk.supportLoss).toHaveLength(steps);
  expect(walk.queryLoss).toHaveLength(3);
  expect(rel(walk.metaLoss, loss)).toBeLessThan(1e-5);
  expect(rel(mean(walk.queryLoss), walk.metaLoss)).toBeLessThan(1e-5);
  for (const [i, task] of walk.tasks.entries()) {
    expect(task.index).toBe(i);
    expect(task.names).toHaveLength(3);
    expect(task.description).toBe(task.names.join(', '));
    expect(task.xs).toHaveLength(3 * pixels);
    expect(task.ys).toEqual([0, 1, 2]);
    expect(task.xq).toHaveLength(6 * pixels);
    expect(task.yq).toEqual([0, 0, 1, 1, 2, 2]);
    expect(task.probs).toHaveLength(steps);
    for (const p of task.probs) {
      expect(p).toHaveLength(6 * 3);
      for (let q = 0; q < 6; q++) expect(mean(p.slice(q * 3, q * 3 + 3)) * 3).toBeCloseTo(1, 5);
    }
    expect(task.supportLoss).toEqual(walk.supportLoss.map((row) => row[i]));
    expect(task.queryLoss).toBe(walk.queryLoss[i]);
    expect(walk.adapted[i]![0]).toEqual(walk.theta);
  }
  // the inner loop lowers the support cross-entropy, and the tasks adapt apart
  expect(mean(walk.supportLoss[c.inner]!)).toBeLessThan(mean(walk.supportLoss[0]!));
  expect(walk.tasks[1]!.probs[c.inner]).not.toEqual(walk.tasks[0]!.probs[c.inner]);
  expect(walk.norms.gradient).toBeGreaterThan(0);
  expect(walk.gradient.every(Number.isFinite)).toBe(true);
  expect(walk.firstOrder === null).toBe(c.algo !== 'maml');
  expect(walk.alphaGradient === null).toBe(c.algo !== 'metasgd');
}

describe('walking through one glyph meta-step', () => {
  it.each(ALGOS)('the walk leaves the run as it was and ends where a plain step does (%s)', async (algo) => {
    await startBackend('cpu');
    const c = config(algo);
    const start = tf.memory().numTensors;
    const run = new GlyphRun(c);
    await train(run, 2);
    const state = await run.exportState();
    const before = await copy(run.learner.theta);
    const stream = run.streamState();
    const tensors = tf.memory().numTensors;

    const walk = await run.walkStep(2);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(run.streamState()).toEqual(stream);
    expect(run.stepCount).toBe(2);
    expect(walk.step).toBe(2);
    expect(bytes(await copy(run.learner.theta))).toEqual(bytes(before));

    // the caller's phase 5, against a plain step from the same exported state
    const { meta, pretrained } = run.step();
    const loss = (await meta.data())[0] as number;
    tf.dispose([meta, pretrained as tf.Tensor]);
    const plain = new GlyphRun(c);
    plain.restoreState(state);
    tf.dispose(Object.values(plain.step()) as tf.Tensor[]);
    const [a, b] = [await run.exportState(), await plain.exportState()];
    expect(bytes(a.theta)).toEqual(bytes(b.theta));
    expect(bytes(a.theta)).not.toEqual(bytes(before));
    expect(bytes(a.thetaAdam.m)).toEqual(bytes(b.thetaAdam.m));
    expect(bytes(a.alpha)).toEqual(bytes(b.alpha));
    expect(a.stream).toEqual(b.stream);
    plain.dispose();

    expectConsistent(walk, c, loss);
    if (algo !== 'reptile') {
      // the gradient the optimiser receives, against the learner's own on the same batch
      const check = new GlyphRun(c, { pretrained: false });
      check.restoreState({ ...state, pretrained: null });
      const bt = classBatchTensors(check.nextBatch());
      const g = (check.learner as MetaLearner<typeof bt, tf.Tensor>).metaGradient(bt);
      expect(relDiff(walk.gradient, await copy(g.grads[0]!))).toBeLessThan(1e-4);
      if (algo === 'metasgd')
        expect(relDiff(walk.alphaGradient!, await copy(g.grads[1]!))).toBeLessThan(1e-4);
      tf.dispose([g.loss, ...g.grads, ...Object.values(bt)]);
      check.dispose();
    }
    run.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('uses per-task cross-entropy whose mean is the meta-loss', async () => {
    await startBackend('cpu');
    const run = new GlyphRun(config('maml'), { pretrained: false });
    const b = classBatchTensors(run.nextBatch());
    const m = glyphWalkModel(run.model);
    const [perTask, whole] = tf.tidy(() => {
      const adapted = m.adapt(run.learner.theta, b, 0.4, 1, false);
      return [m.taskLoss(adapted, b, 'query'), m.queryLoss(adapted, b)];
    });
    expect(perTask.shape).toEqual([3]);
    expect(rel(mean(Array.from(await perTask.data())), (await whole.data())[0]!)).toBeLessThan(1e-5);
    tf.dispose([perTask, whole, ...Object.values(b)]);
    run.dispose();
  });
});
