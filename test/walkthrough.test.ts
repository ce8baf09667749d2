import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ALGOS, parseExperiment, type Algo, type Experiment } from '../src/core/experiment';
import { fusedLoaded, loadFused } from '../src/core/engines/fused/wasmModule';
import type { FamilyRun } from '../src/core/families/family';
import { familyOf } from '../src/core/families/registry';
import { batchTensors } from '../src/core/families/regression/evaluate';
import type { RegressionRun } from '../src/core/families/regression/run';
import type { TrainingState } from '../src/core/runs/trainingState';
import { regressionMetaModel, type MetaLearner } from '../src/core/meta/learners';
import { WALK_PHASES, type CurveWalk } from '../src/core/meta/walkthrough';
import { bytes, copy, mean, rel, relDiff, startBackend, train } from './helpers';

/** A small network with a sensible α, four tasks (all shown), two inner steps. */
function config(task: 'sinusoid' | 'mixture', algo: Algo): Experiment {
  const mix = task === 'mixture' ? '&mix=line,abs' : '';
  const q = `task=${task}${mix}&algo=${algo}&hidden=8,8&batch=4&k=5&query=6&inner=2&alpha=0.05&beta=0.01`;
  return parseExperiment(q).config;
}

/** The tensors the page reads of a run (the fused engine's views are made on first read). */
async function readRun(run: FamilyRun) {
  return {
    theta: await copy(run.learner.theta),
    alpha: run.learner.alphaVec ? await copy(run.learner.alphaVec) : null,
  };
}

/**
 * The walk leaves the run as it was, and walk + step ends bitwise where a plain step from the same
 * state ends (a second run restored from the same exported state); returns the walk and the loss.
 */
async function walkThenStep(c: Experiment, engine: 'tfjs' | 'fused') {
  const family = familyOf(c.task);
  const run = family.createRun(c, { engine }) as RegressionRun;
  expect(run.engine).toBe(engine);
  await train(run, 3);
  const state = await run.exportState();
  const before = await readRun(run);
  const stream = run.streamState();
  const tensors = tf.memory().numTensors;

  const walk = await run.walkStep(6);
  expect(tf.memory().numTensors).toBe(tensors);
  expect(run.streamState()).toEqual(stream);
  expect(run.stepCount).toBe(3);
  expect(await readRun(run)).toEqual(before);
  expect(walk.step).toBe(3);

  // the caller's phase 5, against a plain step from the same state
  const { meta, pretrained } = run.step();
  const loss = (await meta.data())[0] as number;
  tf.dispose([meta, pretrained as tf.Tensor]);
  const plain = family.createRun(c, { engine });
  plain.restoreState(state);
  tf.dispose(Object.values(plain.step()) as tf.Tensor[]);
  expect(run.stepCount).toBe(4);
  const [a, b] = [await run.exportState(), await plain.exportState()];
  expect(bytes(a.theta)).toEqual(bytes(b.theta));
  expect(bytes(a.theta)).not.toEqual(bytes(before.theta));
  expect(bytes(a.thetaAdam.m)).toEqual(bytes(b.thetaAdam.m));
  expect(bytes(a.alpha)).toEqual(bytes(b.alpha));
  // and what the page reads through the run's tensors
  expect(bytes((await readRun(run)).theta)).toEqual(bytes(a.theta));
  plain.dispose();
  return { run, walk, loss, state };
}

/** What holds for every algorithm: shapes, losses, the inner loop helping on the support sets. */
function expectConsistent(walk: CurveWalk, c: Experiment, loss: number) {
  const steps = c.inner + 1;
  expect(walk).toMatchObject({ algo: c.algo, alpha: c.alpha, beta: c.beta, inner: c.inner, batch: c.batch });
  expect(walk.tasks).toHaveLength(c.batch);
  expect(walk.adapted).toHaveLength(c.batch);
  expect(walk.supportLoss).toHaveLength(steps);
  expect(walk.queryLoss).toHaveLength(c.batch);
  // the fused engine's loss too (its own kernels, summed in another order)
  expect(rel(walk.metaLoss, loss)).toBeLessThan(1e-5);
  expect(rel(mean(walk.queryLoss), walk.metaLoss)).toBeLessThan(1e-5);
  expect(mean(walk.supportLoss[c.inner]!)).toBeLessThan(mean(walk.supportLoss[0]!));
  for (const [i, task] of walk.tasks.entries()) {
    expect(task.index).toBe(i);
    expect(task.description.length).toBeGreaterThan(0);
    expect(task.support.x).toHaveLength(c.k);
    expect(task.query.y).toHaveLength(c.query);
    expect(task.truth).toHaveLength(walk.grid.length);
    expect(task.predictions).toHaveLength(steps);
    for (const p of task.predictions) expect(p).toHaveLength(walk.grid.length);
    // before adaptation every task sees θ itself
    expect(task.predictions[0]).toEqual(walk.tasks[0]!.predictions[0]);
    expect(walk.adapted[i]![0]).toEqual(walk.theta);
    expect(task.supportLoss).toEqual(walk.supportLoss.map((row) => row[i]));
    expect(task.queryLoss).toBe(walk.queryLoss[i]);
  }
  // the tasks really adapt apart
  expect(walk.tasks[1]!.predictions[c.inner]).not.toEqual(walk.tasks[0]!.predictions[c.inner]);
  expect(walk.alphaMean).toBeGreaterThan(0);
  expect(walk.norms.gradient).toBeGreaterThan(0);
  expect(walk.gradient.every(Number.isFinite)).toBe(true);
}

/**
 * The algorithm's own vectors, against a tfjs learner's meta-gradient on the same batch (a run
 * restored from the walked state: on either engine the walk computes with tfjs from the same θ).
 */
async function expectAlgorithmVectors(walk: CurveWalk, c: Experiment, state: TrainingState) {
  expect(walk.firstOrder === null).toBe(c.algo !== 'maml');
  expect(walk.correction === null).toBe(c.algo !== 'maml');
  expect(walk.angleDeg === null).toBe(c.algo !== 'maml');
  expect(walk.alphaGradient === null).toBe(c.algo !== 'metasgd');
  if (c.algo === 'maml') {
    const g1 = walk.firstOrder!;
    // second order is really second order: the Hessian term is not negligible here
    expect(relDiff(g1, walk.gradient)).toBeGreaterThan(1e-3);
    expect(walk.correction).toEqual(Float32Array.from(walk.gradient, (g, i) => g - g1[i]!));
    expect(walk.angleDeg!).toBeGreaterThan(0.01);
    expect(walk.norms.correction!).toBeGreaterThan(0);
  }
  if (c.algo === 'metasgd') expect(walk.alphaMean).not.toBe(c.alpha); // α has been learned
  if (c.algo === 'reptile') {
    // θ − mean θ′ over the whole batch (every task is shown)
    const expected = Float32Array.from(
      walk.theta,
      (t, j) => t - mean(walk.adapted.map((a) => a[c.inner]![j]!)),
    );
    expect(relDiff(walk.gradient, expected)).toBeLessThan(1e-5);
  }
  const run = familyOf(c.task).createRun(c, { engine: 'tfjs' }) as RegressionRun;
  run.restoreState(state);
  const learner = run.learner as MetaLearner;
  const b = batchTensors(run.nextBatch());
  const g = learner.metaGradient(b);
  const grads = await Promise.all(g.grads.map(copy));
  // FOMAML's gradient, written out: the inner gradients are constants on the tape
  const fo = tf.tidy(() => {
    const model = regressionMetaModel(run.model);
    const f = (th: tf.Tensor) => model.queryLoss(model.adapt(th, b, learner.innerRate(), c.inner, true), b);
    return tf.grad(f)(learner.theta);
  });
  const firstOrder = await copy(fo);
  tf.dispose([g.loss, ...g.grads, fo, ...Object.values(b)]);
  run.dispose();
  if (c.algo !== 'reptile') expect(relDiff(walk.gradient, grads[0]!)).toBeLessThan(1e-5);
  if (c.algo === 'maml') expect(relDiff(walk.firstOrder!, firstOrder)).toBeLessThan(1e-5);
  if (c.algo === 'fomaml') expect(relDiff(walk.gradient, firstOrder)).toBeLessThan(1e-5);
  if (c.algo === 'metasgd') expect(relDiff(walk.alphaGradient!, grads[1]!)).toBeLessThan(1e-5);
}

describe('walking through one meta-step', () => {
  it('lists the five phases in order', () => {
    expect(WALK_PHASES).toEqual(['sample', 'inner', 'query', 'gradient', 'update']);
  });

  for (const task of ['sinusoid', 'mixture'] as const) {
    for (const engine of ['tfjs', 'fused'] as const) {
      it.each(ALGOS)(
        `${task} on the ${engine} engine: the walk ends where a plain step does (%s)`,
        async (algo) => {
          await startBackend('cpu');
          await loadFused();
          expect(fusedLoaded()).toBe(true);
          const c = config(task, algo);
          const start = tf.memory().numTensors;
          const { run, walk, loss, state } = await walkThenStep(c, engine);
          expectConsistent(walk, c, loss);
          await expectAlgorithmVectors(walk, c, state);
          run.dispose();
          expect(tf.memory().numTensors).toBe(start);
        },
      );
    }
  }

  it('shows at most six tasks, and at least one', async () => {
    await startBackend('cpu');
    const c = { ...config('sinusoid', 'maml'), batch: 8 };
    const run = familyOf('sinusoid').createRun(c, { engine: 'tfjs' }) as RegressionRun;
    expect((await run.walkStep(10)).tasks).toHaveLength(6);
    expect((await run.walkStep(0)).adapted).toHaveLength(1);
    const walk = await run.walkStep(3);
    expect(walk.tasks.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(walk.queryLoss).toHaveLength(8);
    run.dispose();
  });

  it.each(['maml', 'metasgd'] as const)(
    'walks from copies of θ and α (another backend) to the same numbers as from the learner (%s)',
    async (algo) => {
      await startBackend('cpu');
      const c = config('sinusoid', algo);
      const run = familyOf('sinusoid').createRun(c, { engine: 'tfjs' }) as RegressionRun;
      await train(run, 2);
      const { theta, alpha } = await readRun(run);
      const direct = await run.walkStep(4);
      const copied = await run.walkStep(4, { theta, alpha });
      expect(bytes(copied.gradient)).toEqual(bytes(direct.gradient));
      expect(copied.queryLoss).toEqual(direct.queryLoss);
      expect(bytes(copied.alphaGradient)).toEqual(bytes(direct.alphaGradient));
      run.dispose();
    },
  );
});
