import * as tf from '@tensorflow/tfjs';
import { innerStep, splitRate, type InnerRate, type StepRates } from '../meta/innerLoop';
import type { Mlp } from '../models/mlp';
import type { PlaneBasis } from './pca';

/** Per-task inner-loop paths θ → θ′ᵢ in the plane. */
export interface InnerPaths {
  tasks: number;
  /** inner steps; each path has steps + 1 points (θ itself first) */
  steps: number;
  /** task-major [tasks, steps + 1, 2]: coords[((t·(steps + 1)) + s)·2 + axis] */
  coords: Float32Array;
}

/** The plane as tensors: origin [1, P] and the directions as columns [P, 2]. */
export function basisTensors(basis: PlaneBasis): { origin: tf.Tensor2D; dirs: tf.Tensor2D } {
  const p = basis.origin.length;
  const both = new Float32Array(2 * p);
  both.set(basis.d1);
  both.set(basis.d2, p);
  return tf.tidy(() => ({
    origin: tf.tensor2d(basis.origin, [1, p]),
    dirs: tf.transpose(tf.tensor2d(both, [2, p])) as tf.Tensor2D,
  }));
}

/** Coordinates of parameter rows [N, P] as a tensor [N, 2] (one matMul, for batches on the device). */
export function projectTensor(basis: PlaneBasis, rows: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const { origin, dirs } = basisTensors(basis);
    return tf.matMul(tf.sub(rows, origin), dirs);
  });
}

/**
 * The inner-loop paths of every task of a batch, projected: [T, steps + 1, 2] (caller disposes).
 * θ′ᵢ after each inner step comes from the core's batched `innerStep` (all tasks at once, as in
 * training), is flattened with `Mlp.flatten` and projected with one matMul; only the 2-D result
 * needs to leave the device. The values of first-order variants equal the full ones (the stop-
 * gradient only changes derivatives), so the path depends on θ, the rate and the steps alone.
 * Step s adapts with `rateAt(rate, s)`: MAML++'s learned rates of that step, as in evaluation.
 */
export function innerPathCoords(
  model: Mlp,
  basis: PlaneBasis,
  theta: tf.Tensor | Float32Array,
  xs: tf.Tensor3D,
  ys: tf.Tensor3D,
  rate: InnerRate | StepRates,
  steps: number,
): tf.Tensor3D {
  const t = xs.shape[0];
  const p = model.numParams;
  if (basis.origin.length !== p)
    throw new Error(`the plane has ${basis.origin.length} parameters, the model ${p}`);
  return tf.tidy(() => {
    const flat = theta instanceof Float32Array ? tf.tensor1d(theta) : tf.reshape(theta, [p]);
    let params = model.unflatten(flat);
    const points: tf.Tensor2D[] = [tf.broadcastTo(tf.reshape(flat, [1, p]), [t, p]) as tf.Tensor2D];
    for (let s = 0; s < steps; s++) {
      params = innerStep(model, params, xs, ys, splitRate(model, rate, s));
      points.push(model.flatten(params) as tf.Tensor2D);
    }
    const rows = tf.reshape(tf.stack(points, 1), [t * (steps + 1), p]) as tf.Tensor2D;
    return tf.reshape(projectTensor(basis, rows), [t, steps + 1, 2]) as tf.Tensor3D;
  });
}

/** `innerPathCoords`, read back: the form a worker report carries. */
export async function innerPaths(
  model: Mlp,
  basis: PlaneBasis,
  theta: tf.Tensor | Float32Array,
  xs: tf.Tensor3D,
  ys: tf.Tensor3D,
  rate: InnerRate | StepRates,
  steps: number,
): Promise<InnerPaths> {
  const coords = innerPathCoords(model, basis, theta, xs, ys, rate, steps);
  try {
    return { tasks: xs.shape[0], steps, coords: (await coords.data()) as Float32Array };
  } finally {
    coords.dispose();
  }
}
