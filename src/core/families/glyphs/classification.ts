import * as tf from '@tensorflow/tfjs';
import { broadcastTasks, type Classifier } from '../../models/classifier';
import {
  softmaxCrossEntropy,
  summedTaskCrossEntropy,
  taskAccuracy,
  taskCrossEntropy,
} from '../../ops/crossEntropy';
import { stopGradient } from '../../ops/stopGradient';
import { IMAGE_SIZE } from './data/rasterize';
import type { GlyphBatch } from './data/sampler';
import { rateAt, type InnerRate, type StepRates } from '../../meta/innerLoop';
import type { MetaModel } from '../../meta/learners';
import { isStepNorm } from './stepNorm';

/** A meta-batch of classification tasks: images [T, B, 28, 28, 1], int32 labels [T, B]. */
export interface ClassBatch {
  xs: tf.Tensor5D;
  ys: tf.Tensor2D;
  xq: tf.Tensor5D;
  yq: tf.Tensor2D;
}

export function classBatchTensors(b: GlyphBatch): ClassBatch {
  const s = IMAGE_SIZE;
  return {
    xs: tf.tensor5d(b.xs, [b.tasks, b.ways * b.shots, s, s, 1]),
    ys: tf.tensor2d(b.ys, [b.tasks, b.ways * b.shots], 'int32'),
    xq: tf.tensor5d(b.xq, [b.tasks, b.ways * b.query, s, s, 1]),
    yq: tf.tensor2d(b.yq, [b.tasks, b.ways * b.query], 'int32'),
  };
}

/**
 * One inner SGD step for every task at once on flat per-task parameters θ [T, P]. The inner
 * gradient comes from a nested tf.grad (the classifiers' ops all have second-order gradients,
 * see ops/), so autodiff of the result gives the exact second-order meta-gradient. A network with
 * MAML++'s per-step batch norm then moves its next step's set into place (stepNorm.ts).
 */
export function classInnerStep(
  model: Classifier,
  thetas: tf.Tensor,
  x: tf.Tensor5D,
  y: tf.Tensor2D,
  rate: InnerRate,
  firstOrder = false,
): tf.Tensor {
  const g = tf.grad((p: tf.Tensor) => summedTaskCrossEntropy(model.apply(model.unflatten(p), x), y))(thetas);
  const next = tf.sub(thetas, tf.mul(firstOrder ? stopGradient(g) : g, rate));
  return isStepNorm(model) ? model.advance(next) : next;
}

/** Per-task copies of θ [P] adapted with `steps` inner steps: [T, P]. */
export function classAdapt(
  model: Classifier,
  theta: tf.Tensor,
  x: tf.Tensor5D,
  y: tf.Tensor2D,
  rate: InnerRate,
  steps: number,
  firstOrder = false,
): tf.Tensor {
  let p = theta.rank === 1 ? broadcastTasks(theta, x.shape[0]) : theta;
  for (let s = 0; s < steps; s++) p = classInnerStep(model, p, x, y, rate, firstOrder);
  return p;
}

/**
 * The classifier as a MetaModel. A network with per-step batch norm (stepNorm.ts) also trains
 * MAML++: one LSLR rate per parameter tensor (the queue of further batch-norm sets counts as one)
 * per inner step.
 */
export function classifierMetaModel(model: Classifier): MetaModel<ClassBatch, tf.Tensor> {
  const meta: MetaModel<ClassBatch, tf.Tensor> = {
    numParams: model.numParams,
    adapt: (theta, b, rate, steps, firstOrder) =>
      classAdapt(model, theta, b.xs, b.ys, rate, steps, firstOrder),
    queryLoss: (adapted, b) => softmaxCrossEntropy(model.apply(model.unflatten(adapted), b.xq), b.yq),
    flatten: (adapted) => adapted,
  };
  if (!isStepNorm(model)) return meta;
  return withLearnedRates(meta, model, model.rateSizes);
}

/**
 * `meta` with MAML++'s per-step adaptation: step s spreads its rate per tensor (of `sizes`, in
 * θ's order) over the tensor's parameters and takes one inner step of `model`.
 */
export function withLearnedRates(
  meta: MetaModel<ClassBatch, tf.Tensor>,
  model: Classifier,
  sizes: readonly number[],
): MetaModel<ClassBatch, tf.Tensor> {
  const adaptEach = (theta: tf.Tensor, b: ClassBatch, rates: tf.Tensor[][], firstOrder: boolean) => {
    let p: tf.Tensor = broadcastTasks(theta, b.xs.shape[0]);
    return rates.map((r) => {
      const rate = tf.concat(r.map((one, i) => tf.mul(tf.ones([sizes[i] as number]), one)));
      return (p = classInnerStep(model, p, b.xs, b.ys, rate, firstOrder));
    });
  };
  return { ...meta, tensorSizes: sizes, adaptEach };
}

/**
 * Query accuracy and loss per task after 0..steps inner steps (no tape): [T, steps + 1] each;
 * step s adapts with rateAt(rate, s) (MAML++'s learned rates of that step).
 * One tidy per step keeps only the current per-task parameters alive.
 */
export function classAdaptationCurve(
  model: Classifier,
  theta: tf.Tensor,
  rate: InnerRate | StepRates,
  b: ClassBatch,
  steps: number,
): { accuracy: tf.Tensor2D; loss: tf.Tensor2D } {
  let p: tf.Tensor = tf.tidy(() => broadcastTasks(theta, b.xs.shape[0]));
  const acc: tf.Tensor1D[] = [];
  const loss: tf.Tensor1D[] = [];
  for (let s = 0; ; s++) {
    const [a, l] = tf.tidy(() => {
      const logits = model.apply(model.unflatten(p), b.xq);
      return [taskAccuracy(logits, b.yq), taskCrossEntropy(logits, b.yq)];
    });
    acc.push(a);
    loss.push(l);
    if (s === steps) break;
    const next = tf.tidy(() => classInnerStep(model, p, b.xs, b.ys, rateAt(rate, s)));
    p.dispose();
    p = next;
  }
  p.dispose();
  const out = { accuracy: tf.stack(acc, 1) as tf.Tensor2D, loss: tf.stack(loss, 1) as tf.Tensor2D };
  tf.dispose([...acc, ...loss]);
  return out;
}
