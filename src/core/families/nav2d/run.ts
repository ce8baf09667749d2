/**
 * A meta-training run of 2-D navigation (see FamilyRun): θ of the Gaussian policy meta-trained
 * with policy-gradient MAML (second order, or FOMAML) and Adam; beside it, when asked, the
 * pretrained baseline: the same policy trained with REINFORCE on the same goals jointly (its own
 * trajectories, no adaptation). One random stream carries goals and action noise, so its
 * position (streamState) is the whole of the environment's state.
 */
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from '../../meta/adam';
import { Rng } from '../../random';
import { checkStateFits, copyTrainingState, type TrainingState } from '../../runs/trainingState';
import type { Experiment } from '../../schema';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses, TaskFamily } from '../family';
import { actionNoise, HORIZON, sampleGoals } from './env';
import {
  adaptationReturns,
  disposeBatch,
  meanOf,
  sampleBatch,
  sampleMetaBatch,
  type PgSettings,
} from './iteration';
import { metaGradient, surrogateSum } from './metaGradient';
import { initPolicy, perTask, policyParamCount } from './policy';
import { readAsync, readSync, type Reading } from './reads';
import { trpoStep } from './trpo';
import { nav2dReport } from './report';

export const DEFAULT_TRAJS = 20;

/** The policy's hidden layers and trajectories per task of a config. */
export function pgSettings(c: Experiment): PgSettings {
  return { hidden: c.hidden, alpha: c.alpha, trajs: c.trajs ?? DEFAULT_TRAJS };
}

/** A trainable flat vector with its Adam. */
class Trained {
  readonly theta: tf.Variable;
  readonly adam: FlatAdam;
  constructor(init: Float32Array, rate: number) {
    this.theta = tf.tidy(() => tf.variable(tf.tensor1d(init)));
    this.adam = new FlatAdam(init.length, rate);
  }
  dispose(): void {
    this.theta.dispose();
    this.adam.dispose();
  }
}

export class Nav2dRun implements FamilyRun {
  stepCount = 0;
  readonly numParams: number;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  readonly engine = 'tfjs' as const;
  readonly learner: { readonly theta: tf.Variable; readonly alphaVec: null; innerRate(): number };
  readonly pretrainer: { readonly theta: tf.Variable; stepCount: number } | null;
  private readonly meta: Trained;
  private readonly joint: Trained | null;
  private readonly rng: Rng;
  private config: Experiment;

  constructor(
    readonly family: TaskFamily,
    config: Experiment,
    start: RunStart = {},
  ) {
    this.config = config;
    this.numParams = policyParamCount(config.hidden);
    this.theta0 = initPolicy(config.hidden, Rng.stream(config.seed, 'nav2d-init'));
    this.randomTheta = tf.tensor1d(this.theta0);
    this.meta = new Trained(start.theta ?? this.theta0, config.beta);
    this.joint = start.pretrained === false ? null : new Trained(this.theta0, config.beta);
    this.rng = Rng.stream(config.seed, 'nav2d-train');
    const alpha = () => this.config.alpha;
    this.learner = { theta: this.meta.theta, alphaVec: null, innerRate: alpha };
    this.pretrainer = this.joint ? { theta: this.joint.theta, stepCount: 0 } : null;
  }

  get experiment(): Experiment {
    return this.config;
  }

  /** One meta-iteration (and the baseline's step): the losses are the average returns after it. */
  private *iterate(): Reading<StepLosses> {
    const c = this.config;
    const s = pgSettings(c);
    const sample = yield* sampleMetaBatch(this.meta.theta as tf.Tensor1D, c.batch, c.inner, s, this.rng);
    const problem = {
      hidden: c.hidden,
      pre: sample.pre,
      post: sample.post,
      alpha: c.alpha,
      firstOrder: c.algo === 'fomaml',
    };
    if (c.metaopt === 'trpo') {
      yield* trpoStep(this.meta.theta, problem);
    } else {
      const th = this.meta.theta as tf.Tensor1D;
      const { value, grad } = metaGradient(
        th,
        c.hidden,
        sample.pre,
        sample.post,
        c.alpha,
        problem.firstOrder,
      );
      this.meta.adam.apply(this.meta.theta, grad);
      tf.dispose([value, grad]);
    }
    sample.pre.forEach(disposeBatch);
    disposeBatch(sample.post);
    const pretrained = this.joint ? yield* this.jointStep(sample.goals, s) : null;
    this.stepCount += 1;
    return { meta: tf.scalar(sample.returns[sample.returns.length - 1] as number), pretrained };
  }

  /** The baseline's REINFORCE step on its own trajectories to the same goals; its average return. */
  private *jointStep(goals: Float32Array, s: PgSettings): Reading<tf.Scalar> {
    const joint = this.joint as Trained;
    const got = yield* sampleBatch(joint.theta, goals, s, this.rng);
    const tasks = goals.length / 2;
    const f = (th: tf.Tensor) =>
      tf.div(surrogateSum(perTask(th, tasks), s.hidden, got.batch), tasks) as tf.Scalar;
    const { value, grad } = tf.valueAndGrad(f)(joint.theta);
    joint.adam.apply(joint.theta, grad);
    tf.dispose([value, grad]);
    disposeBatch(got.batch);
    (this.pretrainer as { stepCount: number }).stepCount += 1;
    return tf.scalar(meanOf(got.returns));
  }

  step(): StepLosses {
    return readSync(this.iterate());
  }

  stepAsync(): Promise<StepLosses> {
    return readAsync(this.iterate());
  }

  /** Draws what a meta-iteration draws (goals, every rollout's noise) without computing it. */
  skipBatch(): void {
    const c = this.config;
    const { trajs } = pgSettings(c);
    sampleGoals(this.rng, c.batch);
    const rollouts = c.inner + 1 + (this.joint ? 1 : 0);
    for (let i = 0; i < rollouts; i++) actionNoise(this.rng, HORIZON * c.batch * trajs * 2);
  }

  streamState(): number[] {
    return this.rng.state();
  }

  seekStream(state: readonly number[]): void {
    this.rng.setState(state);
  }

  /** Everything but the network's shape changes live (α, β, trajectories, meta-batch, FOMAML). */
  update(next: Experiment): boolean {
    if (!this.family.sameNetwork(this.config, next)) return false;
    this.config = next;
    this.meta.adam.learningRate = next.beta;
    if (this.joint) this.joint.adam.learningRate = next.beta;
    return true;
  }

  /** Average returns on held-out goals after 0..steps inner steps, for each initialisation. */
  async evaluate(request: EvalRequest): Promise<Record<string, Float32Array>> {
    const goals = sampleGoals(Rng.stream(request.seed, 'nav2d-eval-goals'), request.tasks);
    const s = pgSettings(this.config);
    const inits: [string, tf.Tensor1D][] = [['maml', this.meta.theta as tf.Tensor1D]];
    if (this.joint) inits.push(['pretrained', this.joint.theta as tf.Tensor1D]);
    inits.push(['random', this.randomTheta]);
    const out: Record<string, Float32Array> = {};
    for (const [name, theta] of inits) {
      const rng = Rng.stream(request.seed, 'nav2d-eval-noise');
      out[name] = await readAsync(adaptationReturns(theta, goals, request.steps, s, rng));
    }
    return out;
  }

  evaluateReport(request: EvalRequest): Promise<EvalReport> {
    return nav2dReport(this, request);
  }

  async exportState(): Promise<TrainingState> {
    return copyTrainingState({
      config: this.config,
      engine: this.engine,
      step: this.stepCount,
      theta: (await this.meta.theta.data()) as Float32Array,
      thetaAdam: await this.meta.adam.exportState(),
      alpha: null,
      alphaAdam: null,
      pretrained: this.joint
        ? {
            theta: (await this.joint.theta.data()) as Float32Array,
            adam: await this.joint.adam.exportState(),
            step: this.pretrainer?.stepCount ?? 0,
          }
        : null,
      stream: this.streamState(),
    });
  }

  restoreState(state: TrainingState): void {
    const sizes = { theta: this.numParams, pretrained: this.joint ? this.numParams : 0 };
    checkStateFits(this.config, this.joint !== null, state, sizes);
    this.update(state.config);
    tf.tidy(() => this.meta.theta.assign(tf.tensor1d(state.theta.slice())));
    this.meta.adam.restore(state.thetaAdam);
    const joint = this.joint;
    if (joint && state.pretrained) {
      const pre = state.pretrained;
      tf.tidy(() => joint.theta.assign(tf.tensor1d(pre.theta.slice())));
      joint.adam.restore(pre.adam);
      (this.pretrainer as { stepCount: number }).stepCount = state.pretrained.step;
    }
    this.stepCount = state.step;
    this.seekStream(state.stream);
  }

  dispose(): void {
    this.meta.dispose();
    this.joint?.dispose();
    this.randomTheta.dispose();
  }
}
