import * as tf from '@tensorflow/tfjs';
import type { Algo } from '../experiment';
import { mse, type Mlp } from '../models/mlp';
import { FlatAdam } from './adam';
import { adapt, innerStep, splitRate, type InnerRate } from './innerLoop';

/** One meta-batch as tensors: support [T, K, 1] and query [T, Q, 1]. */
export interface BatchTensors {
  xs: tf.Tensor3D;
  ys: tf.Tensor3D;
  xq: tf.Tensor3D;
  yq: tf.Tensor3D;
}

export interface Hyper {
  alpha: number;
  beta: number;
  inner: number;
}

/**
 * A trainable copy of a start value. A tensor start (e.g. the previous learner's θ) stays on the
 * device, with no read-back; the temporary is disposed so the tensor count does not creep.
 */
function variableFrom(start: Float32Array | tf.Tensor): tf.Variable {
  return tf.tidy(() => tf.variable(start instanceof tf.Tensor ? tf.clone(start) : tf.tensor1d(start), true));
}

/** Something that owns a θ and improves it one batch at a time. */
export interface Learner {
  readonly theta: tf.Variable;
  /** the inner learning rate to adapt this learner's θ with (Meta-SGD: its learned vector) */
  innerRate(): InnerRate;
  /** one update; returns the batch loss before the update (caller disposes) */
  step(batch: BatchTensors): tf.Scalar;
  setHyper(h: Partial<Hyper>): void;
  dispose(): void;
}

/**
 * MAML (second order), first-order MAML, Meta-SGD and Reptile, batched over tasks.
 * The meta-loss is the mean query MSE after `inner` SGD steps on each task's support set.
 */
export class MetaLearner implements Learner {
  readonly theta: tf.Variable;
  /** Meta-SGD's learned per-parameter inner learning rate (null for the others) */
  readonly alphaVec: tf.Variable | null;
  private readonly adam: FlatAdam;
  private readonly alphaAdam: FlatAdam | null;
  private hyper: Hyper;

  constructor(
    readonly model: Mlp,
    readonly algo: Algo,
    theta0: Float32Array | tf.Tensor,
    hyper: Hyper,
    alpha0?: Float32Array,
  ) {
    this.hyper = { ...hyper };
    this.theta = variableFrom(theta0);
    this.adam = new FlatAdam(model.numParams, hyper.beta);
    if (algo === 'metasgd') {
      const a = alpha0 ?? new Float32Array(model.numParams).fill(hyper.alpha);
      this.alphaVec = variableFrom(a);
      this.alphaAdam = new FlatAdam(model.numParams, hyper.beta);
    } else {
      this.alphaVec = null;
      this.alphaAdam = null;
    }
  }

  innerRate(): InnerRate {
    return this.alphaVec ?? this.hyper.alpha;
  }

  setHyper(h: Partial<Hyper>): void {
    this.hyper = { ...this.hyper, ...h };
    this.adam.learningRate = this.hyper.beta;
    if (this.alphaAdam) this.alphaAdam.learningRate = this.hyper.beta;
  }

  /** The meta-objective at θ (and Meta-SGD's α): differentiable w.r.t. both. */
  metaLoss(theta: tf.Tensor, batch: BatchTensors, alphaVec: tf.Tensor | null = null): tf.Scalar {
    const { model } = this;
    const rate = alphaVec ? splitRate(model, alphaVec) : this.hyper.alpha;
    const adapted = adapt(
      model,
      model.unflatten(theta),
      batch.xs,
      batch.ys,
      rate,
      this.hyper.inner,
      this.algo === 'fomaml',
    );
    return mse(model.predict(adapted, batch.xq), batch.yq);
  }

  /** The meta-gradient at the current θ without applying it (used by tests and the bench). */
  metaGradient(batch: BatchTensors): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const xs: tf.Tensor[] = this.alphaVec ? [this.theta, this.alphaVec] : [this.theta];
    const f = (...args: tf.Tensor[]) => this.metaLoss(args[0] as tf.Tensor, batch, args[1] ?? null);
    const { value, grads } = tf.valueAndGrads(f)(xs);
    return { loss: value as tf.Scalar, grads };
  }

  step(batch: BatchTensors): tf.Scalar {
    if (this.algo === 'reptile') return this.reptileStep(batch);
    return tf.tidy(() => {
      const { loss, grads } = this.metaGradient(batch);
      this.adam.apply(this.theta, grads[0] as tf.Tensor);
      if (this.alphaVec && this.alphaAdam) this.alphaAdam.apply(this.alphaVec, grads[1] as tf.Tensor);
      return loss;
    });
  }

  /** Reptile: move θ towards the mean adapted θ′ (θ − mean θ′ is fed to Adam as the gradient). */
  private reptileStep(batch: BatchTensors): tf.Scalar {
    const { model } = this;
    return tf.tidy(() => {
      const adapted = adapt(
        model,
        model.unflatten(this.theta),
        batch.xs,
        batch.ys,
        this.hyper.alpha,
        this.hyper.inner,
      );
      const loss = mse(model.predict(adapted, batch.xq), batch.yq);
      const meanAdapted = tf.mean(model.flatten(adapted), 0);
      this.adam.apply(this.theta, tf.sub(this.theta, meanAdapted));
      return loss;
    });
  }

  dispose(): void {
    this.theta.dispose();
    this.alphaVec?.dispose();
    this.adam.dispose();
    this.alphaAdam?.dispose();
  }
}

/**
 * The "pretrained" baseline: the same network trained jointly on the same task stream as plain
 * regression (support and query points pooled), same optimiser, same number of steps.
 */
export class JointLearner implements Learner {
  readonly theta: tf.Variable;
  private readonly adam: FlatAdam;
  private hyper: Hyper;

  constructor(
    readonly model: Mlp,
    theta0: Float32Array,
    hyper: Hyper,
  ) {
    this.hyper = { ...hyper };
    this.theta = variableFrom(theta0);
    this.adam = new FlatAdam(model.numParams, hyper.beta);
  }

  innerRate(): InnerRate {
    return this.hyper.alpha;
  }

  setHyper(h: Partial<Hyper>): void {
    this.hyper = { ...this.hyper, ...h };
    this.adam.learningRate = this.hyper.beta;
  }

  step(batch: BatchTensors): tf.Scalar {
    const { model } = this;
    return tf.tidy(() => {
      const f = (theta: tf.Tensor) => {
        const p = model.unflatten(theta);
        const es = tf.sum(tf.squaredDifference(model.predict(p, batch.xs), batch.ys));
        const eq = tf.sum(tf.squaredDifference(model.predict(p, batch.xq), batch.yq));
        return tf.div(tf.add(es, eq), batch.ys.size + batch.yq.size) as tf.Scalar;
      };
      const { value, grad } = tf.valueAndGrad(f)(this.theta);
      this.adam.apply(this.theta, grad);
      return value;
    });
  }

  dispose(): void {
    this.theta.dispose();
    this.adam.dispose();
  }
}

export { innerStep };
