/**
 * The Gaussian policy of 2-D navigation: an MLP 2 → hidden… → 2 (ReLU) for the action mean and a
 * learned log standard deviation per action dimension, all in one flat θ [P] (each layer's W
 * [in, out] row-major, then its bias, then the 2 log-stds). Batched over tasks: per-task θ [T, P]
 * and observations [T, M, 2]. Every op used has second-order gradients in tfjs (σ⁻² comes from
 * ops/softmax's safeExp), so a nested tf.grad through logProb gives the exact second-order term.
 */
import * as tf from '@tensorflow/tfjs';
import { safeExp } from '../../ops/softmax';
import type { Rng } from '../../random';

export const OBS_DIM = 2;
export const ACT_DIM = 2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** Layer sizes: observation, hidden…, action. */
export function policySizes(hidden: readonly number[]): number[] {
  return [OBS_DIM, ...hidden, ACT_DIM];
}

/** Length of θ for these hidden layers. */
export function policyParamCount(hidden: readonly number[]): number {
  const s = policySizes(hidden);
  let n = ACT_DIM;
  for (let i = 0; i + 1 < s.length; i++) n += (s[i] as number) * (s[i + 1] as number) + (s[i + 1] as number);
  return n;
}

/** Glorot-uniform weights, zero biases, log-std 0 (σ = 1), drawn from `rng`. */
export function initPolicy(hidden: readonly number[], rng: Rng): Float32Array {
  const s = policySizes(hidden);
  const theta = new Float32Array(policyParamCount(hidden));
  let at = 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const nIn = s[i] as number;
    const nOut = s[i + 1] as number;
    const limit = Math.sqrt(6 / (nIn + nOut));
    for (let j = 0; j < nIn * nOut; j++) theta[at++] = rng.uniform(-limit, limit);
    at += nOut;
  }
  return theta;
}

/** Per-task policy tensors: weights [T, in, out], biases [T, 1, out], log-std [T, 1, 2]. */
export interface PolicyParts {
  weights: tf.Tensor3D[];
  biases: tf.Tensor3D[];
  logStd: tf.Tensor3D;
}

/** Split per-task θ [T, P] into its layers (differentiable: slices and reshapes). */
export function splitPolicy(thetas: tf.Tensor2D, hidden: readonly number[]): PolicyParts {
  const s = policySizes(hidden);
  const tasks = thetas.shape[0];
  const take = (at: number, size: number, shape: [number, number]): tf.Tensor3D =>
    tf.reshape(tf.slice(thetas, [0, at], [tasks, size]), [tasks, ...shape]);
  const weights: tf.Tensor3D[] = [];
  const biases: tf.Tensor3D[] = [];
  let at = 0;
  for (let i = 0; i + 1 < s.length; i++) {
    const nIn = s[i] as number;
    const nOut = s[i + 1] as number;
    weights.push(take(at, nIn * nOut, [nIn, nOut]));
    at += nIn * nOut;
    biases.push(take(at, nOut, [1, nOut]));
    at += nOut;
  }
  return { weights, biases, logStd: take(at, ACT_DIM, [1, ACT_DIM]) };
}

/** θ [P] as T per-task copies [T, P] (a broadcast add, whose gradient sums over tasks). */
export function perTask(theta: tf.Tensor, tasks: number): tf.Tensor2D {
  if (theta.rank === 2) return theta as tf.Tensor2D;
  return tf.add(tf.expandDims(theta, 0), tf.zeros([tasks, theta.shape[0] as number])) as tf.Tensor2D;
}

/** Action means [T, M, 2] for observations [T, M, 2]. */
export function policyMean(p: PolicyParts, obs: tf.Tensor3D): tf.Tensor3D {
  let h: tf.Tensor3D = obs;
  const last = p.weights.length - 1;
  p.weights.forEach((w, i) => {
    const z = tf.add(tf.matMul(h, w), p.biases[i] as tf.Tensor3D) as tf.Tensor3D;
    h = i === last ? z : tf.relu(z);
  });
  return h;
}

/** log π(a | obs) per sample [T, M] of the diagonal Gaussian policy. */
export function logProb(p: PolicyParts, obs: tf.Tensor3D, act: tf.Tensor3D): tf.Tensor2D {
  const mean = policyMean(p, obs);
  const invVar = safeExp(tf.mul(p.logStd, -2));
  const quad = tf.mul(tf.mul(tf.square(tf.sub(act, mean)), invVar), 0.5);
  const perDim = tf.add(tf.add(quad, p.logStd), HALF_LOG_2PI);
  return tf.neg(tf.sum(perDim, 2)) as tf.Tensor2D;
}
