import * as tf from '@tensorflow/tfjs';
import { taskMse, type Mlp, type Params } from '../models/mlp';
import { stopGradient } from '../ops/stopGradient';

/** Per-step rates (MAML++'s LSLR): step s adapts with perStep[s] (the last one past the end). */
export interface StepRates {
  readonly perStep: readonly tf.Tensor[];
}
/** Inner learning rate: one scalar α, or Meta-SGD's per-parameter α as a flat vector [P]. */
export type InnerRate = number | tf.Tensor;
/** The same, split like the parameters. */
export type SplitRate = number | Params;

/** Step s's rate (a flat vector or α); code that adapts with one rate for every step reads step 0's. */
export function rateAt(rate: InnerRate | StepRates, s = 0): InnerRate {
  if (typeof rate === 'number' || rate instanceof tf.Tensor) return rate;
  return rate.perStep[Math.min(s, rate.perStep.length - 1)] as tf.Tensor;
}

export function splitRate(model: Mlp, rate: InnerRate | StepRates, s = 0): SplitRate {
  const r = rateAt(rate, s);
  return typeof r === 'number' ? r : model.unflatten(r);
}

/**
 * One batched inner SGD step for every task: θ′ᵢ = θᵢ − α ⊙ ∇L_support,i(θᵢ).
 * `params` may be shared (first step) or per-task; the result is always per-task.
 * With firstOrder the inner gradient is treated as a constant (FOMAML).
 */
export function innerStep(
  model: Mlp,
  params: Params,
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  rate: SplitRate,
  firstOrder = false,
): Params {
  const fwd = model.forward(params, x);
  const scalar = typeof rate === 'number';
  const grads = model.innerGrad(params, fwd, y, scalar ? rate : 1);
  return params.map((p, i) => {
    let step = grads[i] as tf.Tensor;
    if (firstOrder) step = stopGradient(step);
    if (!scalar) step = tf.mul(step, rate[i] as tf.Tensor);
    return tf.sub(p, step);
  });
}

/** Adapt θ (shared) to every task with `steps` inner steps; returns per-task parameters. */
export function adapt(
  model: Mlp,
  params: Params,
  x: tf.Tensor3D,
  y: tf.Tensor3D,
  rate: SplitRate,
  steps: number,
  firstOrder = false,
): Params {
  let p = params;
  for (let s = 0; s < steps; s++) p = innerStep(model, p, x, y, rate, firstOrder);
  return p;
}

/**
 * Per-task query MSE after 0..steps inner steps (no gradient tape): [T, steps + 1].
 * The building block of the evaluation protocol and the adaptation curves.
 */
export function adaptationCurve(
  model: Mlp,
  theta: tf.Tensor,
  rate: InnerRate | StepRates,
  xs: tf.Tensor3D,
  ys: tf.Tensor3D,
  xq: tf.Tensor3D,
  yq: tf.Tensor3D,
  steps: number,
): tf.Tensor2D {
  let p = tf.tidy(() => model.unflatten(theta));
  const cols: tf.Tensor1D[] = [];
  // one tidy per step keeps only the current parameters alive (600 tasks × 40×40 each)
  for (let s = 0; ; s++) {
    cols.push(tf.tidy(() => taskMse(model.predict(p, xq), yq)));
    if (s === steps) break;
    const next = tf.tidy(() => innerStep(model, p, xs, ys, splitRate(model, rate, s)));
    tf.dispose(p);
    p = next;
  }
  tf.dispose(p);
  const out = tf.stack(cols, 1) as tf.Tensor2D;
  tf.dispose(cols);
  return out;
}

/**
 * Predictions on `grid` [T, G, 1] after 0..steps inner steps on (xs, ys): [steps + 1, T, G].
 * Drives the task view's fan of curves.
 */
export function adaptationPredictions(
  model: Mlp,
  theta: tf.Tensor,
  rate: InnerRate | StepRates,
  xs: tf.Tensor3D,
  ys: tf.Tensor3D,
  grid: tf.Tensor3D,
  steps: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    let p = model.unflatten(theta);
    const preds: tf.Tensor2D[] = [];
    for (let s = 0; ; s++) {
      preds.push(tf.squeeze(model.predict(p, grid), [2]) as tf.Tensor2D);
      if (s === steps) break;
      p = innerStep(model, p, xs, ys, splitRate(model, rate, s));
    }
    return tf.stack(preds) as tf.Tensor3D;
  });
}
