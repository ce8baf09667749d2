/**
 * The glyph classifier's part of the parameter-space view: the inner-loop paths θ → θ′ᵢ of a few
 * tasks (every θ′ flattened, for the host to project) with each task's query loss and accuracy
 * after every step, and the two losses of the landscape at a stack of θ rows on a fixed batch.
 * The inner step is the meta-learner's own (`classInnerStep`: cross-entropy, batched over tasks).
 */
import * as tf from '@tensorflow/tfjs';
import { broadcastTasks, type Classifier } from '../../models/classifier';
import { taskAccuracy, taskCrossEntropy } from '../../ops/crossEntropy';
import { rateAt, type InnerRate, type StepRates } from '../../meta/innerLoop';
import { classInnerStep, type ClassBatch } from './classification';

export interface ClassPaths {
  /** θ′ after 0..steps inner steps, flattened: [T, steps + 1, P] */
  thetas: tf.Tensor3D;
  /** query cross-entropy and accuracy after 0..steps steps: [T, steps + 1] */
  loss: tf.Tensor2D;
  accuracy: tf.Tensor2D;
}

/**
 * Every task's θ′ after each inner step from θ [P], with its query loss and accuracy (caller
 * disposes). Step s adapts with `rateAt(rate, s)` (MAML++: that step's learned rates).
 */
export function classInnerPaths(
  model: Classifier,
  theta: tf.Tensor,
  b: ClassBatch,
  rate: InnerRate | StepRates,
  steps: number,
): ClassPaths {
  const t = b.xs.shape[0];
  const rows: tf.Tensor[] = [];
  const loss: tf.Tensor1D[] = [];
  const acc: tf.Tensor1D[] = [];
  let p: tf.Tensor = tf.tidy(() => broadcastTasks(tf.reshape(theta, [model.numParams]), t));
  try {
    for (let s = 0; ; s++) {
      rows.push(tf.clone(p));
      const [l, a] = tf.tidy(() => {
        const logits = model.apply(model.unflatten(p), b.xq);
        return [taskCrossEntropy(logits, b.yq), taskAccuracy(logits, b.yq)];
      });
      loss.push(l);
      acc.push(a);
      if (s === steps) break;
      const next = tf.tidy(() => classInnerStep(model, p, b.xs, b.ys, rateAt(rate, s)));
      p.dispose();
      p = next;
    }
    return tf.tidy(() => ({
      thetas: tf.stack(rows, 1) as tf.Tensor3D,
      loss: tf.stack(loss, 1) as tf.Tensor2D,
      accuracy: tf.stack(acc, 1) as tf.Tensor2D,
    }));
  } finally {
    tf.dispose([p, ...rows, ...loss, ...acc]);
  }
}

/**
 * The landscape's two losses at θ rows [G, P] on a fixed batch of T tasks: [2, G].
 *  - row 0, the plain loss: θ itself, unadapted, on each task's support and query images with the
 *    task's labels (labels are a fresh relabelling per task, so no θ does much better than chance);
 *  - row 1, the meta-objective: the query cross-entropy after `steps` inner steps on the support
 *    set, what MAML minimises.
 * Both are means over the tasks. Each (grid point, task) pair is one task of the batched inner
 * step; batch norm normalises with each task's own batch, as in meta-training.
 */
export function classLandscapeLosses(
  model: Classifier,
  thetas: tf.Tensor2D,
  b: ClassBatch,
  rate: InnerRate | StepRates,
  steps: number,
): tf.Tensor2D {
  const g = thetas.shape[0];
  const t = b.xs.shape[0];
  const tile = <T extends tf.Tensor>(x: T): T =>
    (g === 1 ? x : tf.tile(x, [g, ...x.shape.slice(1).map(() => 1)])) as T;
  return tf.tidy(() => {
    const perTask = tf.reshape(tf.tile(tf.expandDims(thetas, 1), [1, t, 1]), [g * t, -1]);
    const pooledX = tile(tf.concat([b.xs, b.xq], 1) as tf.Tensor5D);
    const pooledY = tile(tf.concat([b.ys, b.yq], 1) as tf.Tensor2D);
    const plain = taskCrossEntropy(model.apply(model.unflatten(perTask), pooledX), pooledY);
    const xs = tile(b.xs);
    const ys = tile(b.ys);
    let p: tf.Tensor = perTask;
    for (let s = 0; s < steps; s++) {
      // keep only the current parameters alive: G·T copies of θ per step add up
      const next = tf.tidy(() => classInnerStep(model, p, xs, ys, rateAt(rate, s)));
      if (p !== perTask) p.dispose();
      p = next;
    }
    const post = taskCrossEntropy(model.apply(model.unflatten(p), tile(b.xq)), tile(b.yq));
    const mean = (v: tf.Tensor1D) => tf.mean(tf.reshape(v, [g, t]), 1);
    return tf.stack([mean(plain), mean(post)]) as tf.Tensor2D;
  });
}
