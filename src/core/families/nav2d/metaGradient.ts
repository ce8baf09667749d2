/**
 * Policy-gradient MAML on per-task θ [T, P]. The inner step is REINFORCE with the fitted baseline
 * (advantages are constants of the sampled data): θ′ = θ − α ∇θ L_pre(θ), L = −Σ w · log π_θ(a|s).
 * The meta-objective is the same surrogate on trajectories sampled from θ′, differentiated through
 * θ′(θ): with a nested tf.grad the ∂θ′/∂θ = I − α ∇²L_pre term is exact (second order); FOMAML
 * treats ∇L_pre as a constant. As in the paper's formulation (and pytorch-maml-rl), the
 * dependence of the pre-update sampling distribution on θ is not differentiated.
 */
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from '../../ops/stopGradient';
import { logProb, perTask, splitPolicy } from './policy';

/** One batch of trajectories as the losses read it: [T, M, 2] data and weights [T, M]. */
export interface PgBatch {
  obs: tf.Tensor3D;
  act: tf.Tensor3D;
  weights: tf.Tensor2D;
  /** 1 / live steps of the task on live steps, else 0: a task mean over its live steps */
  live: tf.Tensor2D;
}

/** Σ over tasks of each task's REINFORCE surrogate −Σ w · log π (per-task gradients stay apart). */
export function surrogateSum(thetas: tf.Tensor2D, hidden: readonly number[], b: PgBatch): tf.Scalar {
  const lp = logProb(splitPolicy(thetas, hidden), b.obs, b.act);
  return tf.neg(tf.sum(tf.mul(lp, b.weights))) as tf.Scalar;
}

/** One inner policy-gradient step of every task: θ′ [T, P]. */
export function pgInnerStep(
  thetas: tf.Tensor2D,
  hidden: readonly number[],
  b: PgBatch,
  alpha: number,
  firstOrder = false,
): tf.Tensor2D {
  const g = tf.grad((p: tf.Tensor) => surrogateSum(p as tf.Tensor2D, hidden, b))(thetas);
  return tf.sub(thetas, tf.mul(firstOrder ? stopGradient(g) : g, alpha));
}

/**
 * The meta-objective of θ [P]: each task takes `pre.length` inner steps (step i on batch pre[i],
 * sampled at that step's parameters; rate α for the first, `later` after it), then the mean over
 * tasks of the surrogate on `post`. With `allSteps`, the mean over steps k = 1..K of that mean
 * over tasks of the surrogate after k steps (on pre[k] for k < K, sampled at those parameters).
 */
export function metaObjective(
  theta: tf.Tensor1D,
  hidden: readonly number[],
  pre: readonly PgBatch[],
  post: PgBatch,
  alpha: number,
  firstOrder: boolean,
  later = alpha,
  allSteps = false,
): tf.Scalar {
  const tasks = post.obs.shape[0];
  let p = perTask(theta, tasks);
  const earlier: tf.Scalar[] = [];
  pre.forEach((b, i) => {
    if (allSteps && i > 0) earlier.push(surrogateSum(p, hidden, b));
    p = pgInnerStep(p, hidden, b, i === 0 ? alpha : later, firstOrder);
  });
  const last = surrogateSum(p, hidden, post);
  if (!allSteps) return tf.div(last, tasks);
  return tf.div(tf.addN([...earlier, last]), tasks * pre.length);
}

/** The meta-gradient [P] (and the objective) at θ. */
export function metaGradient(
  theta: tf.Tensor1D,
  hidden: readonly number[],
  pre: readonly PgBatch[],
  post: PgBatch,
  alpha: number,
  firstOrder: boolean,
  later = alpha,
  allSteps = false,
): { value: tf.Scalar; grad: tf.Tensor1D } {
  const f = (th: tf.Tensor) =>
    metaObjective(th as tf.Tensor1D, hidden, pre, post, alpha, firstOrder, later, allSteps);
  const { value, grad } = tf.valueAndGrad(f)(theta);
  return { value, grad: grad as tf.Tensor1D };
}
