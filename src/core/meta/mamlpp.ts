import * as tf from '@tensorflow/tfjs';
import type { Params } from '../models/mlp';
import type { InnerRate } from './innerLoop';
import { LSLR_STEPS, lslrSize } from './mamlppSchedule';

/**
 * What MAML++ needs from a model beyond MAML's: how many parameter tensors θ splits into (one LSLR
 * rate each per inner step), the adapted parameters after every inner step with per-step,
 * per-tensor rates, and the query loss of each.
 */
export interface StepwiseModel<B, A> {
  readonly tensors: number;
  /** per-task parameters after each of rates.length inner steps; rates[s][i] is a scalar tensor */
  adaptEach(theta: tf.Tensor, batch: B, rates: Params[], firstOrder: boolean): A[];
  queryLoss(adapted: A, batch: B): tf.Scalar;
}

/** Step s's rates as per-tensor scalars, differentiable w.r.t. the flat LSLR vector. */
export function stepRates(rates: tf.Tensor, s: number, tensors: number): Params {
  return tf.unstack(tf.slice(rates, [s * tensors], [tensors]));
}

/**
 * The MAML++ meta-objective Σ_s w_s · L_query(θ_{s+1}) over `weights.length` inner steps with the
 * learned rates, and the last step's query loss (what every algorithm reports as its loss).
 * Steps whose weight is 0 (all but the last once the multi-step loss has annealed) are not scored.
 */
export function mamlppObjective<B, A>(
  model: StepwiseModel<B, A>,
  theta: tf.Tensor,
  rates: tf.Tensor,
  batch: B,
  weights: readonly number[],
  firstOrder: boolean,
): { objective: tf.Scalar; last: tf.Scalar } {
  const S = weights.length;
  const perStep = Array.from({ length: S }, (_, s) => stepRates(rates, s, model.tensors));
  const adapted = model.adaptEach(theta, batch, perStep, firstOrder);
  const last = model.queryLoss(adapted[S - 1] as A, batch);
  let objective = tf.mul(last, weights[S - 1] as number) as tf.Scalar;
  for (let s = 0; s < S - 1; s++) {
    const w = weights[s] as number;
    if (w !== 0) objective = tf.add(objective, tf.mul(model.queryLoss(adapted[s] as A, batch), w));
  }
  return { objective, last };
}

/**
 * One inner step's rates spread over θ's flat layout ([P], a per-parameter rate like Meta-SGD's),
 * so code that adapts with one rate for every step (evaluation, the task view) uses the learned
 * rates of step `s`. `sizes` are the parameter tensors' lengths in θ's order.
 */
export function spreadStepRates(rates: tf.Tensor, s: number, sizes: readonly number[]): InnerRate {
  return tf.tidy(() => {
    const row = stepRates(rates, s, sizes.length);
    return tf.concat(row.map((r, i) => tf.mul(tf.ones([sizes[i] as number]), r)));
  });
}

/** Checks an LSLR vector's length for a model with `tensors` parameter tensors. */
export function checkLslr(rates: ArrayLike<number>, tensors: number): void {
  const size = lslrSize(tensors);
  if (rates.length !== size) {
    throw new Error(
      `MAML++ rates have ${rates.length} numbers; this network needs ${size} (${LSLR_STEPS} steps × ${tensors} tensors)`,
    );
  }
}

/** What a walk through a MAML++ meta-step needs: the learned rates and the schedules' phase. */
export interface MamlppWalk {
  /** the LSLR rates, [LSLR_STEPS × tensors] */
  rates: tf.Tensor;
  weights: readonly number[];
  firstOrder: boolean;
}

/**
 * The MAML++ meta-gradient w.r.t. θ at one batch, as its meta-learner computes it; metaLoss is
 * the last inner step's query loss (what the step reports). Call inside tf.tidy.
 */
export function mamlppWalkGradient<B, A>(
  model: StepwiseModel<B, A>,
  theta: tf.Tensor,
  batch: B,
  m: MamlppWalk,
): { metaLoss: tf.Scalar; gradient: tf.Tensor1D } {
  const reported: { last: tf.Scalar | null } = { last: null };
  const f = (th: tf.Tensor) => {
    const out = mamlppObjective(model, th, m.rates, batch, m.weights, m.firstOrder);
    reported.last = tf.keep(out.last);
    return out.objective;
  };
  const { grad } = tf.valueAndGrad(f)(theta);
  return { metaLoss: reported.last as unknown as tf.Scalar, gradient: grad as tf.Tensor1D };
}
