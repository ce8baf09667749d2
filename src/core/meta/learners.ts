import * as tf from '@tensorflow/tfjs';
import type { Algo } from '../experiment';
import { Mlp, mse, type Params } from '../models/mlp';
import { FlatAdam, type AdamState } from './adam';
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

/** A flat vector and its optimiser, as plain arrays (copies). */
export interface OptimisedVector {
  value: Float32Array;
  adam: AdamState;
}

/** What a meta-learner must keep to continue exactly: θ and Meta-SGD's α, with their Adam states. */
export interface MetaLearnerState {
  theta: OptimisedVector;
  alpha: OptimisedVector | null;
}

/** Reads a variable back as a copy (a backend may hand out its own buffer). */
async function copyOf(v: tf.Variable): Promise<Float32Array> {
  return Float32Array.from((await v.data()) as Float32Array);
}

/** Writes saved values into a variable of the same length. */
function assignFrom(v: tf.Variable, values: Float32Array, what: string): void {
  const size = v.shape[0] as number;
  if (values.length !== size)
    throw new Error(`${what} has ${values.length} numbers, the network has ${size}`);
  tf.tidy(() => v.assign(tf.tensor1d(values.slice())));
}

/** Something that owns a θ and improves it one batch at a time. */
export interface Learner<B = BatchTensors> {
  readonly theta: tf.Variable;
  /** the inner learning rate to adapt this learner's θ with (Meta-SGD: its learned vector) */
  innerRate(): InnerRate;
  /** one update; returns the batch loss before the update (caller disposes) */
  step(batch: B): tf.Scalar;
  setHyper(h: Partial<Hyper>): void;
  dispose(): void;
}

/**
 * What a meta-learner needs from a model and its task batches: adapt a shared θ to every task of
 * a batch (A is the per-task adapted parameters, in whatever form the model keeps them), score
 * the adapted parameters on the query sets, and flatten them to [T, P] for Reptile.
 */
export interface MetaModel<B, A> {
  readonly numParams: number;
  adapt(theta: tf.Tensor, batch: B, rate: InnerRate, steps: number, firstOrder: boolean): A;
  queryLoss(adapted: A, batch: B): tf.Scalar;
  flatten(adapted: A): tf.Tensor;
}

/** Sinusoid regression with the MLP's hand-written (but twice differentiable) inner gradient. */
export function regressionMetaModel(model: Mlp): MetaModel<BatchTensors, Params> {
  return {
    numParams: model.numParams,
    adapt: (theta, batch, rate, steps, firstOrder) =>
      adapt(model, model.unflatten(theta), batch.xs, batch.ys, splitRate(model, rate), steps, firstOrder),
    queryLoss: (adapted, batch) => mse(model.predict(adapted, batch.xq), batch.yq),
    flatten: (adapted) => model.flatten(adapted),
  };
}

/**
 * MAML (second order), first-order MAML, Meta-SGD and Reptile, batched over tasks, for any
 * MetaModel. The meta-loss is the mean query loss after `inner` SGD steps on each task's support
 * set.
 */
export class MetaLearner<B = BatchTensors, A = unknown> implements Learner<B> {
  readonly theta: tf.Variable;
  /** Meta-SGD's learned per-parameter inner learning rate (null for the others) */
  readonly alphaVec: tf.Variable | null;
  private readonly adam: FlatAdam;
  private readonly alphaAdam: FlatAdam | null;
  private readonly task: MetaModel<B, A>;
  private hyper: Hyper;

  constructor(
    model: Mlp | MetaModel<B, A>,
    readonly algo: Algo,
    theta0: Float32Array | tf.Tensor,
    hyper: Hyper,
    alpha0?: Float32Array,
  ) {
    this.task = (model instanceof Mlp ? regressionMetaModel(model) : model) as MetaModel<B, A>;
    const size = this.task.numParams;
    this.hyper = { ...hyper };
    this.theta = variableFrom(theta0);
    this.adam = new FlatAdam(size, hyper.beta);
    if (algo === 'metasgd') {
      const a = alpha0 ?? new Float32Array(size).fill(hyper.alpha);
      this.alphaVec = variableFrom(a);
      this.alphaAdam = new FlatAdam(size, hyper.beta);
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
  metaLoss(theta: tf.Tensor, batch: B, alphaVec: tf.Tensor | null = null): tf.Scalar {
    const rate = alphaVec ?? this.hyper.alpha;
    const adapted = this.task.adapt(theta, batch, rate, this.hyper.inner, this.algo === 'fomaml');
    return this.task.queryLoss(adapted, batch);
  }

  /** The meta-gradient at the current θ without applying it (used by tests and the bench). */
  metaGradient(batch: B): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const xs: tf.Tensor[] = this.alphaVec ? [this.theta, this.alphaVec] : [this.theta];
    const f = (...args: tf.Tensor[]) => this.metaLoss(args[0] as tf.Tensor, batch, args[1] ?? null);
    const { value, grads } = tf.valueAndGrads(f)(xs);
    return { loss: value as tf.Scalar, grads };
  }

  step(batch: B): tf.Scalar {
    if (this.algo === 'reptile') return this.reptileStep(batch);
    return tf.tidy(() => {
      const { loss, grads } = this.metaGradient(batch);
      this.adam.apply(this.theta, grads[0] as tf.Tensor);
      if (this.alphaVec && this.alphaAdam) this.alphaAdam.apply(this.alphaVec, grads[1] as tf.Tensor);
      return loss;
    });
  }

  /** Reptile: move θ towards the mean adapted θ′ (θ − mean θ′ is fed to Adam as the gradient). */
  private reptileStep(batch: B): tf.Scalar {
    return tf.tidy(() => {
      const adapted = this.task.adapt(this.theta, batch, this.hyper.alpha, this.hyper.inner, false);
      const loss = this.task.queryLoss(adapted, batch);
      const meanAdapted = tf.mean(this.task.flatten(adapted), 0);
      this.adam.apply(this.theta, tf.sub(this.theta, meanAdapted));
      return loss;
    });
  }

  /** θ, α and both optimisers as copies, for a run file. */
  async exportState(): Promise<MetaLearnerState> {
    const theta = { value: await copyOf(this.theta), adam: await this.adam.exportState() };
    const alpha =
      this.alphaVec && this.alphaAdam
        ? { value: await copyOf(this.alphaVec), adam: await this.alphaAdam.exportState() }
        : null;
    return { theta, alpha };
  }

  /** Continue exactly from exportState() of a learner with the same algorithm and network. */
  restoreState(s: MetaLearnerState): void {
    if ((s.alpha !== null) !== (this.alphaVec !== null)) {
      throw new Error(
        this.alphaVec
          ? 'a Meta-SGD run needs its learned α'
          : `a ${this.algo} run has no learned α to restore`,
      );
    }
    assignFrom(this.theta, s.theta.value, 'θ');
    this.adam.restore(s.theta.adam);
    if (s.alpha && this.alphaVec && this.alphaAdam) {
      assignFrom(this.alphaVec, s.alpha.value, 'Meta-SGD α');
      this.alphaAdam.restore(s.alpha.adam);
    }
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

  /** θ and its optimiser as copies, for a run file. */
  async exportState(): Promise<OptimisedVector> {
    return { value: await copyOf(this.theta), adam: await this.adam.exportState() };
  }

  /** Continue exactly from exportState(). */
  restoreState(s: OptimisedVector): void {
    assignFrom(this.theta, s.value, 'the pretrained θ');
    this.adam.restore(s.adam);
  }

  dispose(): void {
    this.theta.dispose();
    this.adam.dispose();
  }
}

export { innerStep };
