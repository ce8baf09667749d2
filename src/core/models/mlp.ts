import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { matMul2d } from '../ops/matMul2d';
import '../ops/leanGradients';

/**
 * A functional multilayer perceptron with ReLU hidden layers.
 *
 * Parameters are a plain list [W1, b1, W2, b2, ...]. Shared parameters have shapes W [in, out] and
 * b [1, out]; per-task parameters carry a leading task dimension, W [T, in, out] and b [T, 1, out].
 * Inputs are always batched by task: x [T, N, in]. The whole parameter vector θ lives in one flat
 * tensor (one Adam update, one array to snapshot and share); `unflatten` splits it.
 */
export type Params = tf.Tensor[];

export interface Forward {
  /** network output [T, N, out] */
  out: tf.Tensor3D;
  /** input of each layer (x, then each hidden activation) */
  inputs: tf.Tensor3D[];
  /** pre-activation of each hidden layer */
  pre: tf.Tensor3D[];
}

export class Mlp {
  readonly sizes: readonly number[];
  readonly layers: number;
  /** shapes of the shared parameters, in flat order */
  readonly shapes: [number, number][];
  readonly paramSizes: number[];
  readonly numParams: number;

  constructor(sizes: readonly number[]) {
    if (sizes.length < 2) throw new Error('an MLP needs at least an input and an output size');
    this.sizes = [...sizes];
    this.layers = sizes.length - 1;
    this.shapes = [];
    for (let l = 0; l < this.layers; l++) {
      this.shapes.push([sizes[l] as number, sizes[l + 1] as number], [1, sizes[l + 1] as number]);
    }
    this.paramSizes = this.shapes.map(([a, b]) => a * b);
    this.numParams = this.paramSizes.reduce((s, n) => s + n, 0);
  }

  /** Initial θ: U(−1/√fan_in, 1/√fan_in) for weights and biases (PyTorch's default for Linear). */
  init(rng: Rng): Float32Array {
    const theta = new Float32Array(this.numParams);
    let o = 0;
    for (let l = 0; l < this.layers; l++) {
      const fanIn = this.sizes[l] as number;
      const bound = 1 / Math.sqrt(fanIn);
      const n = (this.paramSizes[2 * l] as number) + (this.paramSizes[2 * l + 1] as number);
      for (let i = 0; i < n; i++) theta[o++] = rng.uniform(-bound, bound);
    }
    return theta;
  }

  /** Split a flat θ [P] into shared parameters, or a batch [T, P] into per-task parameters. */
  unflatten(theta: tf.Tensor): Params {
    const parts = tf.split(theta, this.paramSizes, theta.rank - 1);
    if (theta.rank === 1) return parts.map((p, i) => tf.reshape(p, this.shapes[i] as number[]));
    const t = theta.shape[0] as number;
    return parts.map((p, i) => tf.reshape(p, [t, ...(this.shapes[i] as number[])]));
  }

  /** Concatenate parameters back into θ [P] (shared) or [T, P] (per task). */
  flatten(params: Params): tf.Tensor {
    const first = params[0] as tf.Tensor;
    if (first.rank === 2) return tf.concat(params.map((p) => tf.reshape(p, [-1])));
    const t = first.shape[0] as number;
    return tf.concat(
      params.map((p) => tf.reshape(p.rank === 2 ? tf.broadcastTo(p, [t, ...p.shape]) : p, [t, -1])),
      1,
    );
  }

  forward(params: Params, x: tf.Tensor3D): Forward {
    const inputs: tf.Tensor3D[] = [];
    const pre: tf.Tensor3D[] = [];
    let h = x;
    for (let l = 0; l < this.layers; l++) {
      inputs.push(h);
      const z = linear(h, params[2 * l] as tf.Tensor, params[2 * l + 1] as tf.Tensor);
      if (l < this.layers - 1) {
        pre.push(z);
        h = tf.relu(z);
      } else {
        h = z;
      }
    }
    return { out: h, inputs, pre };
  }

  predict(params: Params, x: tf.Tensor3D): tf.Tensor3D {
    return this.forward(params, x).out;
  }

  /**
   * Per-task gradient of each task's mean squared error, written out as tensor ops (backprop by
   * hand). It is built from differentiable ops, so autodiff through it gives the exact
   * second-order MAML meta-gradient, while avoiding a nested tape in the inner loop.
   * Returns per-task gradients, multiplied by `scale` (folding a scalar learning rate into the
   * first multiply saves a multiply per parameter tensor): W [T, in, out], b [T, 1, out].
   */
  innerGrad(params: Params, fwd: Forward, y: tf.Tensor3D, scale = 1): Params {
    const [t, n] = y.shape;
    const grads: Params = new Array<tf.Tensor>(params.length);
    let d: tf.Tensor3D = tf.mul(tf.sub(fwd.out, y), (2 * scale) / n);
    for (let l = this.layers - 1; l >= 0; l--) {
      const h = fwd.inputs[l] as tf.Tensor3D;
      const w = params[2 * l] as tf.Tensor;
      const [inSize, outSize] = this.shapes[2 * l] as [number, number];
      grads[2 * l] = inSize === 1 ? tf.sum(tf.mul(h, d), 1, true) : tf.matMul(h, d, true, false);
      grads[2 * l + 1] = tf.sum(d, 1, true);
      if (l === 0) break;
      let dh: tf.Tensor3D;
      if (outSize === 1) {
        dh = tf.mul(d, tf.reshape(w, w.rank === 2 ? [1, inSize] : [t, 1, inSize]));
      } else if (w.rank === 2) {
        const flat = matMul2d(tf.reshape(d, [t * n, outSize]), tf.transpose(w as tf.Tensor2D));
        dh = tf.reshape(flat, [t, n, inSize]);
      } else {
        dh = tf.matMul(d, w as tf.Tensor3D, false, true);
      }
      d = tf.mul(dh, tf.step(fwd.pre[l - 1] as tf.Tensor3D));
    }
    return grads;
  }
}

/** z = h·W + b for h [T, N, in] and shared or per-task W, b. */
function linear(h: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  const [t, n, inSize] = h.shape;
  const outSize = w.shape[w.rank - 1] as number;
  let z: tf.Tensor3D;
  if (inSize === 1) {
    z = tf.mul(h, w); // an outer product: cheaper as a broadcast multiply
  } else if (w.rank === 2) {
    z = tf.reshape(matMul2d(tf.reshape(h, [t * n, inSize]), w as tf.Tensor2D), [t, n, outSize]);
  } else {
    z = tf.matMul(h, w as tf.Tensor3D);
  }
  return tf.add(z, b);
}

/** Mean squared error over all tasks and points (each task's mean, averaged over tasks). */
export function mse(pred: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.squaredDifference(pred, y)), y.size);
}

/** Per-task mean squared error [T] for predictions and targets [T, N, 1]. */
export function taskMse(pred: tf.Tensor3D, y: tf.Tensor3D): tf.Tensor1D {
  return tf.mean(tf.squaredDifference(pred, y), [1, 2]);
}
