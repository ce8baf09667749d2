import * as tf from '@tensorflow/tfjs';
import type { Algo } from '../experiment';
import { Mlp, mse, type Params } from '../models/mlp';
import { FlatAdam, type AdamState } from './adam';
import { adapt, innerStep, splitRate, type InnerRate, type StepRates } from './innerLoop';
import { checkLslr, mamlppObjective, spreadStepRates, type StepwiseModel } from './mamlpp';
import { LSLR_STEPS, lslrInit, MAMLPP_DEFAULTS, mamlppPhase, type MamlppSchedule } from './mamlppSchedule';

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
  /** MAML++'s schedules (default MAMLPP_DEFAULTS); ignored by the other algorithms */
  schedule?: MamlppSchedule;
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

/**
 * What a meta-learner must keep to continue exactly: θ and the learned inner rates (Meta-SGD's
 * per-parameter α, or MAML++'s per-step, per-tensor LSLR rates), with their Adam states.
 */
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
  /** MAML++ (absent: the model cannot train it): θ's parameter tensor lengths, in θ's order */
  tensorSizes?: readonly number[];
  /** MAML++: per-task parameters after each inner step, with per-step, per-tensor scalar rates */
  adaptEach?(theta: tf.Tensor, batch: B, rates: Params[], firstOrder: boolean): A[];
}

/** Sinusoid regression with the MLP's hand-written (but twice differentiable) inner gradient. */
export function regressionMetaModel(model: Mlp): MetaModel<BatchTensors, Params> {
  return {
    numParams: model.numParams,
    adapt: (theta, batch, rate, steps, firstOrder) =>
      adapt(model, model.unflatten(theta), batch.xs, batch.ys, splitRate(model, rate), steps, firstOrder),
    queryLoss: (adapted, batch) => mse(model.predict(adapted, batch.xq), batch.yq),
    flatten: (adapted) => model.flatten(adapted),
    tensorSizes: model.paramSizes,
    adaptEach: (theta, batch, rates, firstOrder) => {
      let p = model.unflatten(theta);
      return rates.map((r) => (p = innerStep(model, p, batch.xs, batch.ys, r, firstOrder)));
    },
  };
}

/** The model's MAML++ view, or why it has none. */
function stepwise<B, A>(task: MetaModel<B, A>): StepwiseModel<B, A> {
  const { tensorSizes, adaptEach } = task;
  if (!tensorSizes || !adaptEach) throw new Error('MAML++ is not available for this model');
  return {
    tensors: tensorSizes.length,
    adaptEach: (theta, batch, rates, firstOrder) => adaptEach(theta, batch, rates, firstOrder),
    queryLoss: (adapted, batch) => task.queryLoss(adapted, batch),
  };
}

/**
 * MAML (second order), first-order MAML, Meta-SGD, Reptile and MAML++, batched over tasks, for
 * any MetaModel. The meta-loss is the mean query loss after `inner` SGD steps on each task's
 * support set; MAML++ (see mamlppSchedule.ts) weights the query loss after every step, learns
 * per-step, per-tensor inner rates and anneals its derivative order and β with the meta-step count.
 */
export class MetaLearner<B = BatchTensors, A = unknown> implements Learner<B> {
  readonly theta: tf.Variable;
  /** Meta-SGD's learned per-parameter inner learning rate (null for the others) */
  readonly alphaVec: tf.Variable | null;
  /** MAML++'s learned inner rates, [LSLR_STEPS × tensors] row-major (null for the others) */
  readonly rates: tf.Variable | null;
  private readonly adam: FlatAdam;
  private readonly alphaAdam: FlatAdam | null;
  private readonly task: MetaModel<B, A>;
  private hyper: Hyper;
  /** MAML++: every step's LSLR rates spread per parameter, and the meta-step they were made at */
  private spread: { rows: tf.Variable[]; at: number } | null = null;

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
    this.alphaVec = null;
    this.rates = null;
    this.alphaAdam = null;
    if (algo === 'metasgd') {
      this.alphaVec = variableFrom(alpha0 ?? new Float32Array(size).fill(hyper.alpha));
      this.alphaAdam = new FlatAdam(size, hyper.beta);
    } else if (algo === 'mamlpp') {
      const tensors = stepwise(this.task).tensors;
      const start = alpha0 ?? lslrInit(tensors, hyper.alpha);
      checkLslr(start, tensors);
      this.rates = variableFrom(start);
      this.alphaAdam = new FlatAdam(start.length, hyper.beta);
      // made once, refreshed when read after a step: reading them never changes the tensor count
      const size = this.task.numParams;
      const rows = Array.from({ length: LSLR_STEPS }, () =>
        tf.tidy(() => tf.variable(tf.zeros([size]), false)),
      );
      this.spread = { rows, at: -1 };
    }
  }

  /** The learned vector next to θ (Meta-SGD's α or MAML++'s rates), or null. */
  private get learnedRates(): tf.Variable | null {
    return this.alphaVec ?? this.rates;
  }

  /** Meta-steps applied so far: the clock of MAML++'s schedules. */
  get metaSteps(): number {
    return this.adam.iterations;
  }

  /** Meta-SGD's α, MAML++'s step-0 learned rates spread per parameter, or the scalar α. */
  innerRate(): InnerRate {
    return this.alphaVec ?? this.stepRates()?.perStep[0] ?? this.hyper.alpha;
  }

  /** MAML++: every inner step's learned rates spread per parameter (valid until the next step). */
  stepRates(): StepRates | null {
    const { rates, spread } = this;
    if (!rates || !spread) return null;
    if (spread.at !== this.metaSteps) {
      const sizes = this.task.tensorSizes as readonly number[];
      spread.rows.forEach((row, s) =>
        tf.tidy(() => row.assign(spreadStepRates(rates, s, sizes) as tf.Tensor)),
      );
      spread.at = this.metaSteps;
    }
    return { perStep: spread.rows };
  }

  setHyper(h: Partial<Hyper>): void {
    this.hyper = { ...this.hyper, ...h };
    this.adam.learningRate = this.hyper.beta;
    if (this.alphaAdam) this.alphaAdam.learningRate = this.hyper.beta;
  }

  /** MAML++'s schedules at the current meta-step. */
  phase(): ReturnType<typeof mamlppPhase> {
    const { inner, beta, schedule } = this.hyper;
    return mamlppPhase(this.metaSteps, inner, beta, schedule ?? MAMLPP_DEFAULTS);
  }

  /** The meta-objective at θ (and the learned rates): differentiable w.r.t. both. */
  metaLoss(theta: tf.Tensor, batch: B, learned: tf.Tensor | null = null): tf.Scalar {
    return this.metaLosses(theta, batch, learned).objective;
  }

  /** The meta-objective and the reported loss (MAML++: the last step's query loss; else the same). */
  private metaLosses(
    theta: tf.Tensor,
    batch: B,
    learned: tf.Tensor | null,
  ): { objective: tf.Scalar; last: tf.Scalar } {
    if (this.algo === 'mamlpp') {
      const { weights, firstOrder } = this.phase();
      return mamlppObjective(
        stepwise(this.task),
        theta,
        learned ?? (this.rates as tf.Tensor),
        batch,
        weights,
        firstOrder,
      );
    }
    const rate = learned ?? this.hyper.alpha;
    const adapted = this.task.adapt(theta, batch, rate, this.hyper.inner, this.algo === 'fomaml');
    const loss = this.task.queryLoss(adapted, batch);
    return { objective: loss, last: loss };
  }

  /** The meta-gradient at the current θ without applying it (used by tests and the bench). */
  metaGradient(batch: B): { loss: tf.Scalar; grads: tf.Tensor[] } {
    const learned = this.learnedRates;
    const xs: tf.Tensor[] = learned ? [this.theta, learned] : [this.theta];
    const reported: { last: tf.Scalar | null } = { last: null };
    const f = (...args: tf.Tensor[]) => {
      const out = this.metaLosses(args[0] as tf.Tensor, batch, args[1] ?? null);
      // the reported loss outlives the gradient's scope (the caller disposes it)
      reported.last = out.last === out.objective ? null : tf.keep(out.last);
      return out.objective;
    };
    const { value, grads } = tf.valueAndGrads(f)(xs);
    if (reported.last === null) return { loss: value as tf.Scalar, grads };
    value.dispose();
    return { loss: reported.last, grads };
  }

  step(batch: B): tf.Scalar {
    if (this.algo === 'reptile') return this.reptileStep(batch);
    return tf.tidy(() => {
      const lr = this.algo === 'mamlpp' ? this.phase().beta : this.hyper.beta;
      const { loss, grads } = this.metaGradient(batch);
      this.adam.learningRate = lr;
      this.adam.apply(this.theta, grads[0] as tf.Tensor);
      const learned = this.learnedRates;
      if (learned && this.alphaAdam) {
        this.alphaAdam.learningRate = lr;
        this.alphaAdam.apply(learned, grads[1] as tf.Tensor);
      }
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

  /** θ, the learned rates and both optimisers as copies, for a run file. */
  async exportState(): Promise<MetaLearnerState> {
    const theta = { value: await copyOf(this.theta), adam: await this.adam.exportState() };
    const learned = this.learnedRates;
    const alpha =
      learned && this.alphaAdam
        ? { value: await copyOf(learned), adam: await this.alphaAdam.exportState() }
        : null;
    return { theta, alpha };
  }

  /** Continue exactly from exportState() of a learner with the same algorithm and network. */
  restoreState(s: MetaLearnerState): void {
    const learned = this.learnedRates;
    if ((s.alpha !== null) !== (learned !== null)) {
      throw new Error(
        learned
          ? `a ${this.algo} run needs its learned rates`
          : `a ${this.algo} run has no learned α to restore`,
      );
    }
    assignFrom(this.theta, s.theta.value, 'θ');
    this.adam.restore(s.theta.adam);
    if (s.alpha && learned && this.alphaAdam) {
      assignFrom(learned, s.alpha.value, this.algo === 'mamlpp' ? 'MAML++ rates' : 'Meta-SGD α');
      this.alphaAdam.restore(s.alpha.adam);
    }
    if (this.spread) this.spread.at = -1;
  }

  dispose(): void {
    this.theta.dispose();
    this.alphaVec?.dispose();
    this.rates?.dispose();
    tf.dispose(this.spread?.rows);
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
