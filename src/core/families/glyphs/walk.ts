/**
 * The meta-step walkthrough for a glyph run (see src/core/meta/walkthrough.ts): the next
 * meta-batch, peeked without moving the task stream, then phases 2-4 with the generic core on the
 * conv net's MetaModel, and for the shown tasks their images and each query image's class
 * probabilities after every inner step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '../../models/classifier';
import { taskCrossEntropy } from '../../ops/crossEntropy';
import { softmax } from '../../ops/softmax';
import {
  peekBatch,
  readWalk,
  walkTensors,
  shownCount,
  stepRows,
  taskLosses,
  walkSettings,
  walkStart,
  type GlyphWalk,
  type GlyphWalkTask,
  type WalkAt,
  type WalkModel,
  type WalkTensors,
} from '../../meta/walkthrough';
import { classBatchTensors, classifierMetaModel, type ClassBatch } from './classification';
import { MetaLearner } from '../../meta/learners';
import { FusedLearner, GpuLearner } from '../../engines/engineViews';
import { mamlppPhase, scheduleOf } from '../../meta/mamlppSchedule';
import type { MamlppWalk } from '../../meta/mamlpp';
import { IMAGE_SIZE } from './data/rasterize';
import type { GlyphBatch } from './data/sampler';
import type { GlyphRun } from './run';

/** The conv net's MetaModel with each task's own support and query cross-entropy. */
export function glyphWalkModel(model: Classifier): WalkModel<ClassBatch, tf.Tensor> {
  return {
    ...classifierMetaModel(model),
    taskLoss: (adapted, b, set) =>
      set === 'support'
        ? taskCrossEntropy(model.apply(model.unflatten(adapted), b.xs), b.ys)
        : taskCrossEntropy(model.apply(model.unflatten(adapted), b.xq), b.yq),
  };
}

/**
 * Class probabilities of the first n tasks' query images for adapted parameters [n, S, P]:
 * [n, S, B, N]. Each (task, step) is one network on its task's query images, so batch norm sees
 * the same batch as the query loss.
 */
function queryProbabilities(model: Classifier, adapted: tf.Tensor3D, xq: tf.Tensor5D, ways: number) {
  const [n, steps, p] = adapted.shape;
  const [, b, h, w, c] = xq.shape;
  const params = model.unflatten(tf.reshape(adapted, [n * steps, p]));
  const x = tf.reshape(
    tf.broadcastTo(tf.reshape(tf.slice(xq, [0, 0, 0, 0, 0], [n, -1, -1, -1, -1]), [n, 1, b, h, w, c]), [
      n,
      steps,
      b,
      h,
      w,
      c,
    ]),
    [n * steps, b, h, w, c],
  ) as tf.Tensor5D;
  const logits = tf.slice(model.apply(params, x), [0, 0, 0], [-1, -1, ways]);
  return tf.reshape(softmax(logits), [n, steps, b, ways]);
}

/**
 * A MAML++ run's learned rates and its schedules' phase at the next meta-step, on tfjs or on a
 * fused engine (WebAssembly or WGSL: the engine's rates, its clock its applied meta-steps), else null.
 */
function mamlppWalk(run: GlyphRun): MamlppWalk | null {
  const learner = run.learner;
  if (learner instanceof MetaLearner)
    return learner.rates === null ? null : { ...learner.phase(), rates: learner.rates };
  if (!(learner instanceof FusedLearner || learner instanceof GpuLearner) || learner.rates === null)
    return null;
  const c = run.experiment;
  return { ...mamlppPhase(learner.metaSteps, c.inner, c.beta, scheduleOf(c)), rates: learner.rates };
}

/** "Cyrillic Ж" for label n of task t. */
function classNames(run: GlyphRun, batch: GlyphBatch, task: number): string[] {
  return Array.from(batch.classes.subarray(task * batch.ways, (task + 1) * batch.ways), (id) =>
    run.source.className(id),
  );
}

/**
 * Phases 1-4 of the run's next meta-step, the run untouched (θ, α, optimisers, stream position,
 * stepCount): phase 5 is the caller's run.step(), which draws this batch again. All tensors are
 * made before the first await and disposed before it returns.
 */
export async function glyphWalk(run: GlyphRun, shown: number, at?: WalkAt): Promise<GlyphWalk> {
  const c = run.experiment;
  const batch: GlyphBatch = peekBatch(run);
  const n = shownCount(shown, batch.tasks);
  const model = run.model;
  const t = tf.tidy(() => {
    const { theta, rate } = walkStart(run.learner, c, at);
    const mamlpp = mamlppWalk(run);
    const settings = { algo: c.algo, rate, inner: c.inner, shown: n, ...(mamlpp ? { mamlpp } : {}) };
    const b = classBatchTensors(batch);
    const w = walkTensors(glyphWalkModel(model), theta, b, settings);
    const probs = queryProbabilities(model, w.adapted, b.xq, batch.ways);
    return { w, probs } as unknown as tf.TensorContainerObject;
  }) as unknown as { w: WalkTensors; probs: tf.Tensor4D };
  try {
    const numbers = await readWalk(t.w);
    const probs = (await t.probs.data()) as Float32Array;
    const steps = c.inner + 1;
    const pixels = IMAGE_SIZE * IMAGE_SIZE;
    const support = batch.ways * batch.shots;
    const query = batch.ways * batch.query;
    const perStep = query * batch.ways;
    const tasks: GlyphWalkTask[] = Array.from({ length: n }, (_, i) => {
      const names = classNames(run, batch, i);
      return {
        index: i,
        description: names.join(', '),
        xs: batch.xs.slice(i * support * pixels, (i + 1) * support * pixels),
        ys: Array.from(batch.ys.subarray(i * support, (i + 1) * support)),
        xq: batch.xq.slice(i * query * pixels, (i + 1) * query * pixels),
        yq: Array.from(batch.yq.subarray(i * query, (i + 1) * query)),
        probs: stepRows(probs, i, steps, perStep),
        names,
        ...taskLosses(numbers, i),
      };
    });
    return {
      view: 'glyphs',
      ...walkSettings(run.stepCount, c, batch.tasks),
      ways: batch.ways,
      shots: batch.shots,
      query: batch.query,
      side: IMAGE_SIZE,
      tasks,
      ...numbers,
    };
  } finally {
    tf.dispose(t as unknown as tf.TensorContainerObject);
  }
}
