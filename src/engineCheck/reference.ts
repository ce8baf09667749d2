import * as tf from '@tensorflow/tfjs';
import type { Algo } from '../core/experiment';
import { batchTensors } from '../core/families/regression/evaluate';
import { JointLearner, MetaLearner, regressionMetaModel } from '../core/meta/learners';
import { Mlp } from '../core/models/mlp';
import type { RegressionBatch } from '../core/families/regression/tasks';

/**
 * The tfjs reference the fused engine must agree with: the project's own MetaLearner and
 * JointLearner on whichever backend is active, from the same θ and batch.
 */
export interface GradCase {
  sizes: number[];
  algo: Algo;
  alpha: number;
  inner: number;
}

export interface GradResult {
  loss: number;
  theta: Float32Array;
  alpha: Float32Array | null;
}

const BETA = 0.001;

/** The meta-gradient (Reptile: θ − mean θ′, what its Adam is fed) and the meta-loss. */
export async function referenceGradient(
  c: GradCase,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  batch: RegressionBatch,
): Promise<GradResult> {
  const model = new Mlp(c.sizes);
  const t = batchTensors(batch);
  const hyper = { alpha: c.alpha, beta: BETA, inner: c.inner };
  const learner = new MetaLearner(model, c.algo, theta0, hyper, alpha0 ?? undefined);
  try {
    if (c.algo === 'reptile') {
      const [loss, g] = tf.tidy(() => {
        const task = regressionMetaModel(model);
        const adapted = task.adapt(learner.theta, t, c.alpha, c.inner, false);
        const l = task.queryLoss(adapted, t);
        return [l, tf.sub(learner.theta, tf.mean(task.flatten(adapted), 0))];
      });
      const out = {
        loss: (await loss.data())[0] as number,
        theta: (await g.data()) as Float32Array,
        alpha: null,
      };
      tf.dispose([loss, g]);
      return out;
    }
    const { loss, grads } = learner.metaGradient(t);
    const out = {
      loss: (await loss.data())[0] as number,
      theta: (await (grads[0] as tf.Tensor).data()) as Float32Array,
      alpha: grads[1] ? ((await grads[1].data()) as Float32Array) : null,
    };
    tf.dispose([loss, ...grads]);
    return out;
  } finally {
    learner.dispose();
    tf.dispose(t);
  }
}

export interface StepsResult {
  theta: Float32Array;
  alpha: Float32Array | null;
  pretrained: Float32Array;
  metaLosses: number[];
  pretrainedLosses: number[];
}

/** θ (α, the baseline's θ) after `batches.length` Adam steps of MetaLearner and JointLearner. */
export async function referenceSteps(
  c: GradCase,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  batches: RegressionBatch[],
): Promise<StepsResult> {
  const model = new Mlp(c.sizes);
  const hyper = { alpha: c.alpha, beta: BETA, inner: c.inner };
  const learner = new MetaLearner(model, c.algo, theta0, hyper, alpha0 ?? undefined);
  const joint = new JointLearner(model, theta0, hyper);
  const metaLosses: number[] = [];
  const pretrainedLosses: number[] = [];
  for (const b of batches) {
    const t = batchTensors(b);
    const m = learner.step(t);
    const p = joint.step(t);
    metaLosses.push((await m.data())[0] as number);
    pretrainedLosses.push((await p.data())[0] as number);
    tf.dispose([m, p, t]);
  }
  const out = {
    theta: (await learner.theta.data()) as Float32Array,
    alpha: learner.alphaVec ? ((await learner.alphaVec.data()) as Float32Array) : null,
    pretrained: (await joint.theta.data()) as Float32Array,
    metaLosses,
    pretrainedLosses,
  };
  learner.dispose();
  joint.dispose();
  return out;
}

/** ‖a − b‖ / ‖b‖ (0 when both are zero). */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    num += d * d;
    den += (b[i] as number) * (b[i] as number);
  }
  if (a.length !== b.length) return Infinity;
  return den === 0 ? Math.sqrt(num) : Math.sqrt(num / den);
}

/** Elementwise a − b (parameter changes, so the comparison is of the step, not of θ itself). */
export function minus(a: ArrayLike<number>, b: ArrayLike<number>): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i++) out[i] = (a[i] as number) - (b[i] as number);
  return out;
}
