/**
 * The meta-step walkthrough for a regression run (see src/core/meta/walkthrough.ts): the next
 * meta-batch, peeked without moving the task stream, then phases 2-4 on either engine (the fused
 * engine's θ and α are read through their tfjs views) and the shown tasks' curves on the grid.
 */
import * as tf from '@tensorflow/tfjs';
import { taskMse, type Mlp, type Params } from '../../models/mlp';
import { regressionMetaModel, type BatchTensors } from '../../meta/learners';
import {
  peekBatch,
  readWalk,
  walkTensors,
  shownCount,
  stepRows,
  taskLosses,
  walkSettings,
  walkStart,
  type CurveWalk,
  type WalkAt,
  type WalkModel,
  type WalkTask,
  type WalkTensors,
} from '../../meta/walkthrough';
import { batchTensors } from './evaluate';
import type { RegressionRun } from './run';
import { viewGrid, type RegressionBatch } from './tasks';

/** The MLP's MetaModel with each task's own support and query MSE. */
export function regressionWalkModel(model: Mlp): WalkModel<BatchTensors, Params> {
  return {
    ...regressionMetaModel(model),
    taskLoss: (adapted, batch, set) =>
      set === 'support'
        ? taskMse(model.predict(adapted, batch.xs), batch.ys)
        : taskMse(model.predict(adapted, batch.xq), batch.yq),
  };
}

/** Predictions on the grid for adapted parameters [n, S, P]: [n, S, G]. */
function gridPredictions(model: Mlp, adapted: tf.Tensor3D, grid: Float32Array): tf.Tensor3D {
  const [n, steps, p] = adapted.shape;
  const params = model.unflatten(tf.reshape(adapted, [n * steps, p]));
  const x = tf.broadcastTo(tf.tensor3d(grid, [1, grid.length, 1]), [n * steps, grid.length, 1]);
  return tf.reshape(model.predict(params, x as tf.Tensor3D), [n, steps, grid.length]);
}

const rows = (a: Float32Array, i: number, n: number) => Array.from(a.subarray(i * n, (i + 1) * n));

/**
 * Phases 1-4 of the run's next meta-step, the run untouched (θ, α, optimisers, stream position,
 * stepCount): phase 5 is the caller's run.step(), which draws this batch again. All tensors are
 * made before the first await and disposed before it returns.
 */
export async function regressionWalk(run: RegressionRun, shown: number, at?: WalkAt): Promise<CurveWalk> {
  const c = run.experiment;
  const batch: RegressionBatch = peekBatch(run);
  const n = shownCount(shown, batch.tasks);
  const grid = viewGrid(run.tasks.xRange);
  const model = run.model;
  const t = tf.tidy(() => {
    const { theta, rate } = walkStart(run.learner, c, at);
    const mamlpp = run.mamlppWalk();
    const settings = { algo: c.algo, rate, inner: c.inner, shown: n, ...(mamlpp ? { mamlpp } : {}) };
    const b = batchTensors(batch);
    const w = walkTensors(regressionWalkModel(model), theta, b, settings);
    return { w, predictions: gridPredictions(model, w.adapted, grid) } as unknown as tf.TensorContainerObject;
  }) as unknown as { w: WalkTensors; predictions: tf.Tensor3D };
  try {
    const numbers = await readWalk(t.w);
    const predictions = await t.predictions.data();
    const g = grid.length;
    const steps = c.inner + 1;
    const tasks: WalkTask[] = Array.from({ length: n }, (_, i) => ({
      index: i,
      description: run.tasks.describe(batch.taskParams, i * run.tasks.paramsPerTask),
      support: { x: rows(batch.xs, i, batch.support), y: rows(batch.ys, i, batch.support) },
      query: { x: rows(batch.xq, i, batch.query), y: rows(batch.yq, i, batch.query) },
      truth: Array.from(grid, (x) => run.tasks.truth(batch.taskParams, i * run.tasks.paramsPerTask, x)),
      predictions: stepRows(predictions as Float32Array, i, steps, g),
      ...taskLosses(numbers, i),
    }));
    return {
      view: 'curves',
      ...walkSettings(run.stepCount, c, batch.tasks),
      grid: Array.from(grid),
      tasks,
      ...numbers,
    };
  } finally {
    tf.dispose(t as unknown as tf.TensorContainerObject);
  }
}
