import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../ops/matMul2d';
import type { Rng } from '../random';
import type { ParamSpec } from './glyphNets';

/**
 * What the few-shot classifiers (conv net, fully connected net) have in common. Parameters are a
 * plain tensor list; shared parameters have the shapes in `layout`, per-task parameters the same
 * shapes with a leading task dimension T. Inputs are images batched by task [T, B, H, W, 1];
 * `apply` returns logits [T, B, ways].
 */
export type Params = tf.Tensor[];

export type { ParamSpec };

export interface Classifier {
  readonly ways: number;
  readonly layout: ParamLayout;
  readonly numParams: number;
  /** flat offset where the output layer's parameters start: θ[0, headOffset) is the feature body */
  readonly headOffset: number;
  init(rng: Rng): Float32Array;
  unflatten(theta: tf.Tensor): Params;
  flatten(params: Params): tf.Tensor;
  apply(params: Params, x: tf.Tensor5D): tf.Tensor3D;
}

/** The order and shapes of the parameters inside the flat θ. */
export class ParamLayout {
  readonly specs: readonly ParamSpec[];
  readonly sizes: readonly number[];
  readonly offsets: readonly number[];
  readonly numParams: number;

  constructor(specs: ParamSpec[]) {
    this.specs = specs.map((s) => ({ name: s.name, shape: [...s.shape] }));
    this.sizes = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
    const offsets: number[] = [];
    let o = 0;
    for (const n of this.sizes) {
      offsets.push(o);
      o += n;
    }
    this.offsets = offsets;
    this.numParams = o;
  }

  offsetOf(name: string): number {
    const i = this.specs.findIndex((s) => s.name === name);
    if (i < 0) throw new Error(`no parameter ${name}`);
    return this.offsets[i] as number;
  }

  /** Split a flat θ [P] into shared parameters, or a batch [T, P] into per-task parameters. */
  unflatten(theta: tf.Tensor): Params {
    if (theta.shape[theta.rank - 1] !== this.numParams) {
      throw new Error(`θ has ${theta.shape[theta.rank - 1]} entries, the model ${this.numParams}`);
    }
    const parts = tf.split(theta, [...this.sizes], theta.rank - 1);
    const lead = theta.rank === 1 ? [] : [theta.shape[0] as number];
    return parts.map((p, i) => tf.reshape(p, [...lead, ...(this.specs[i] as ParamSpec).shape]));
  }

  /** θ [P] from shared parameters, [T, P] from per-task ones (shared entries are broadcast). */
  flatten(params: Params): tf.Tensor {
    const t = this.tasksOf(params);
    if (t === 0) return tf.concat(params.map((p) => tf.reshape(p, [-1])));
    return tf.concat(
      params.map((p, i) => {
        const shared = p.rank === (this.specs[i] as ParamSpec).shape.length;
        return tf.reshape(shared ? tf.broadcastTo(p, [t, ...p.shape]) : p, [t, -1]);
      }),
      1,
    );
  }

  /** Number of tasks T if any parameter is per task, 0 if all are shared. */
  tasksOf(params: Params): number {
    for (let i = 0; i < params.length; i++) {
      const p = params[i] as tf.Tensor;
      if (p.rank === (this.specs[i] as ParamSpec).shape.length + 1) return p.shape[0] as number;
    }
    return 0;
  }
}

/**
 * θ [P] → one copy per task [T, P], so that the gradient of the summed task losses with respect to
 * the copies is each task's own gradient. A broadcast add rather than tf.tile, whose gradient
 * costs a slice and an add per task.
 */
export function broadcastTasks(theta: tf.Tensor, tasks: number): tf.Tensor2D {
  return tf.add(tf.expandDims(theta, 0), tf.zeros([tasks, theta.shape[0] as number])) as tf.Tensor2D;
}

/** z = h·W for h [T, B, in] and shared W [in, out] or per-task W [T, in, out]: [T, B, out]. */
export function taskLinear(h: tf.Tensor3D, w: tf.Tensor): tf.Tensor3D {
  const [t, b, inSize] = h.shape;
  const outSize = w.shape[w.rank - 1] as number;
  if (w.rank === 3) return tf.matMul(h, w as tf.Tensor3D);
  return tf.reshape(matMul2d(tf.reshape(h, [t * b, inSize]), w as tf.Tensor2D), [t, b, outSize]);
}

/**
 * Hidden-layer nonlinearity. ReLU is the paper's; softplus is a smooth stand-in whose MAML
 * meta-loss has no kinks (with ReLU the inner gradient jumps where a unit switches), which makes
 * finite-difference checks of second-order gradients exact up to rounding.
 */
export type Activation = 'relu' | 'softplus';

export function activate<T extends tf.Tensor>(h: T, activation: Activation): T {
  return activation === 'relu' ? tf.relu(h) : tf.softplus(h);
}

/** He-uniform weights U(±√(6/fan_in)), suited to ReLU layers. */
export function heUniform(rng: Rng, out: Float32Array, offset: number, count: number, fanIn: number): void {
  const bound = Math.sqrt(6 / fanIn);
  for (let i = 0; i < count; i++) out[offset + i] = rng.uniform(-bound, bound);
}
