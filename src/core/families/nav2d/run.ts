/**
 * A meta-training run of 2-D navigation (see FamilyRun): θ of the Gaussian policy meta-trained
 * with policy-gradient MAML (second order, or FOMAML) and Adam or TRPO; beside it, when asked, the
 * pretrained baseline: the same policy trained with REINFORCE on the same goals jointly (its own
 * trajectories, no adaptation). One random stream carries goals and action noise, so its
 * position (streamState) is the whole of the environment's state. With `engine: 'fused'` (and
 * the module loaded) it trains on the fused WebAssembly engine (fused.ts), drawing the same
 * random numbers in the same order (TRPO: fusedTrpo.ts); `fallbackReason` says why it cannot.
 */
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from '../../meta/adam';
import { Rng } from '../../random';
import type { AdamState } from '../../meta/adam';
import {
  checkStateFits,
  copyTrainingState,
  type PretrainedState,
  type TrainingState,
} from '../../runs/trainingState';
import type { Experiment } from '../../schema';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses, TaskFamily } from '../family';
import { actionNoise, HORIZON, sampleGoals } from './env';
import {
  adaptationReturns,
  disposeBatch,
  evalTrajs,
  meanOf,
  sampleBatch,
  sampleMetaBatch,
  type PgSettings,
} from './iteration';
import { metaGradient, surrogateSum } from './metaGradient';
import { initPolicy, perTask, policyParamCount } from './policy';
import { readAsync, readSync, type Reading } from './reads';
import { trpoStep } from './trpo';
import { allSteps, laterRate } from './schema';
import { nav2dReport } from './report';
import { SyncedVariable } from '../../engines/engineViews';
import type { FusedNav2dEngine } from '../../engines/fusedNav2d/fusedNav2d';
import { fusedNav2dLoaded } from '../../engines/fusedNav2d/wasmModule';
import {
  buildEngine,
  buildEvalEngine,
  DEFAULT_TRAJS,
  engineHolds,
  fusedEvaluation,
  fusedIteration,
  fusedRefusal,
  fusedSettings,
} from './fused';

export { DEFAULT_TRAJS };

/** The policy's hidden layers and trajectories per task of a config. */
export function pgSettings(c: Experiment): PgSettings {
  return { hidden: c.hidden, alpha: c.alpha, trajs: c.trajs ?? DEFAULT_TRAJS, later: laterRate(c) };
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
  readonly learner: { readonly theta: tf.Variable; readonly alphaVec: null; innerRate(): number };
  readonly pretrainer: { readonly theta: tf.Variable; stepCount: number } | null;
  /** why a fused engine asked for does not train this run (it trains on tfjs kernels instead) */
  fallbackReason: string | null = null;
  /** tfjs: θ and the baseline with their Adams (null on the fused engine) */
  private readonly meta: Trained | null = null;
  private readonly joint: Trained | null = null;
  /** the fused engine, its θ and baseline θ as tfjs variables (read after each step) */
  private fused: FusedNav2dEngine | null = null;
  /** the fused evaluation's own engine (built at the first evaluation; tfjs kernels if it cannot be) */
  private evaluator: FusedNav2dEngine | null = null;
  private readonly views: SyncedVariable[] = [];
  private readonly withJoint: boolean;
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
    this.withJoint = start.pretrained !== false;
    this.rng = Rng.stream(config.seed, 'nav2d-train');
    const alpha = () => this.config.alpha;
    const theta = start.theta ?? this.theta0;
    if (start.engine === 'fused' && this.startFused(theta)) {
      const [meta, joint] = [
        this.view(() => this.engineNow.theta()),
        this.view(() => this.engineNow.pretrainedTheta()),
      ];
      this.learner = {
        get theta() {
          return meta.value;
        },
        alphaVec: null,
        innerRate: alpha,
      };
      this.pretrainer = this.withJoint
        ? {
            get theta() {
              return joint.value;
            },
            stepCount: 0,
          }
        : null;
      return;
    }
    this.meta = new Trained(theta, config.beta);
    this.joint = this.withJoint ? new Trained(this.theta0, config.beta) : null;
    this.learner = { theta: this.meta.theta, alphaVec: null, innerRate: alpha };
    this.pretrainer = this.joint ? { theta: this.joint.theta, stepCount: 0 } : null;
  }

  /** which implementation trains: tfjs kernels, or the fused WebAssembly meta-iteration */
  get engine(): 'tfjs' | 'fused' {
    return this.fused ? 'fused' : 'tfjs';
  }

  /** Trains on the fused engine when it is loaded and holds this config; else tfjs (with the reason). */
  private startFused(theta: Float32Array): boolean {
    this.fallbackReason = fusedRefusal(this.config);
    if (this.fallbackReason !== null || !fusedNav2dLoaded()) return false;
    const built = buildEngine(this.config, theta, this.theta0);
    if ('reason' in built) {
      this.fallbackReason = built.reason;
      return false;
    }
    this.fused = built.engine;
    return true;
  }

  private get engineNow(): FusedNav2dEngine {
    return this.fused as FusedNav2dEngine;
  }

  private view(read: () => Float32Array): SyncedVariable {
    const v = new SyncedVariable(read);
    this.views.push(v);
    return v;
  }

  /** Rejects with the reason when a fused engine was asked for and tfjs kernels train instead. */
  prepare(): Promise<void> {
    return this.fallbackReason === null ? Promise.resolve() : Promise.reject(new Error(this.fallbackReason));
  }

  get experiment(): Experiment {
    return this.config;
  }

  /** One fused meta-iteration (and the baseline's step). */
  private fusedStep(engine: FusedNav2dEngine): StepLosses {
    const got = fusedIteration(engine, fusedSettings(this.config, this.withJoint), this.rng);
    for (const v of this.views) v.markStale();
    this.stepCount += 1;
    if (this.pretrainer) this.pretrainer.stepCount += 1;
    const pretrained = got.pretrained === null ? null : tf.scalar(got.pretrained);
    return { meta: tf.scalar(got.meta), pretrained };
  }

  /** One meta-iteration (and the baseline's step): the losses are the average returns after it. */
  private *iterate(): Reading<StepLosses> {
    if (this.fused) return this.fusedStep(this.fused);
    const c = this.config;
    const s = pgSettings(c);
    const meta = this.meta as Trained;
    const sample = yield* sampleMetaBatch(meta.theta as tf.Tensor1D, c.batch, c.inner, s, this.rng);
    const problem = {
      hidden: c.hidden,
      pre: sample.pre,
      post: sample.post,
      alpha: c.alpha,
      later: laterRate(c),
      firstOrder: c.algo === 'fomaml',
      allSteps: allSteps(c),
    };
    if (c.metaopt === 'trpo') {
      yield* trpoStep(meta.theta, problem);
    } else {
      const th = meta.theta as tf.Tensor1D;
      const { value, grad } = metaGradient(
        th,
        c.hidden,
        sample.pre,
        sample.post,
        c.alpha,
        problem.firstOrder,
        problem.later,
        problem.allSteps,
      );
      meta.adam.apply(meta.theta, grad);
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
    const rollouts = c.inner + 1 + (this.withJoint ? 1 : 0);
    for (let i = 0; i < rollouts; i++) actionNoise(this.rng, HORIZON * c.batch * trajs * 2);
  }

  streamState(): number[] {
    return this.rng.state();
  }

  seekStream(state: readonly number[]): void {
    this.rng.setState(state);
  }

  /**
   * Everything but the network's shape changes live (α, β, trajectories, meta-batch, FOMAML, the
   * meta-optimiser); a fused run rebuilds its engine (state kept) for a larger batch.
   */
  update(next: Experiment): boolean {
    if (!this.family.sameNetwork(this.config, next)) return false;
    const engine = this.fused;
    if (engine && fusedRefusal(next) !== null) return false;
    if (engine && !engineHolds(engine, next)) {
      const built = buildEngine(next, engine.theta(), engine.pretrainedTheta());
      if ('reason' in built) return false;
      built.engine.restore(engine.state());
      this.fused = built.engine;
      engine.dispose();
    }
    this.config = next;
    if (this.meta) this.meta.adam.learningRate = next.beta;
    if (this.joint) this.joint.adam.learningRate = next.beta;
    return true;
  }

  /**
   * Average returns on held-out goals after 0..steps inner steps, for each initialisation, by the
   * protocol of iteration.ts adaptationReturns (on the fused engine when it trains: the same
   * protocol and random numbers).
   */
  async evaluate(request: EvalRequest): Promise<Record<string, Float32Array>> {
    const goals = sampleGoals(Rng.stream(request.seed, 'nav2d-eval-goals'), request.tasks);
    const s = pgSettings(this.config);
    if (this.fused && (this.evaluator?.settings.trajs ?? 0) < evalTrajs(s.trajs)) {
      this.evaluator = buildEvalEngine(this.config);
    }
    if (this.fused && this.evaluator) return this.evaluateFused(this.fused, this.evaluator, request);
    const inits: [string, tf.Tensor1D][] = [['maml', this.learner.theta as tf.Tensor1D]];
    if (this.pretrainer) inits.push(['pretrained', this.pretrainer.theta as tf.Tensor1D]);
    inits.push(['random', this.randomTheta]);
    const out: Record<string, Float32Array> = {};
    for (const [name, theta] of inits) {
      const rng = Rng.stream(request.seed, 'nav2d-eval-noise');
      out[name] = await readAsync(adaptationReturns(theta, goals, request.steps, s, rng));
    }
    return out;
  }

  /** The evaluation on an engine of its own (evalTrajs trajectories per goal), kept between calls. */
  private evaluateFused(engine: FusedNav2dEngine, evaluator: FusedNav2dEngine, request: EvalRequest) {
    const inits: [string, Float32Array][] = [['maml', engine.theta()]];
    if (this.withJoint) inits.push(['pretrained', engine.pretrainedTheta()]);
    inits.push(['random', this.theta0]);
    return fusedEvaluation(evaluator, inits, request, pgSettings(this.config));
  }

  evaluateReport(request: EvalRequest): Promise<EvalReport> {
    return nav2dReport(this, request);
  }

  /** θ, the baseline and their Adams as copies, from whichever engine trains. */
  private async trainedParts(): Promise<{
    theta: Float32Array;
    adam: AdamState;
    pre: PretrainedState | null;
  }> {
    const steps = this.pretrainer?.stepCount ?? 0;
    if (this.fused) {
      const s = this.fused.state();
      const pre = this.withJoint ? { theta: s.pretrained, adam: s.pretrainedAdam, step: steps } : null;
      return { theta: s.theta, adam: s.adam, pre };
    }
    const [meta, joint] = [this.meta as Trained, this.joint];
    const pre = joint
      ? {
          theta: (await joint.theta.data()) as Float32Array,
          adam: await joint.adam.exportState(),
          step: steps,
        }
      : null;
    return { theta: (await meta.theta.data()) as Float32Array, adam: await meta.adam.exportState(), pre };
  }

  async exportState(): Promise<TrainingState> {
    const parts = await this.trainedParts();
    return copyTrainingState({
      config: this.config,
      engine: this.engine,
      step: this.stepCount,
      theta: parts.theta,
      thetaAdam: parts.adam,
      alpha: null,
      alphaAdam: null,
      pretrained: parts.pre,
      stream: this.streamState(),
    });
  }

  restoreState(state: TrainingState): void {
    const sizes = { theta: this.numParams, pretrained: this.withJoint ? this.numParams : 0 };
    checkStateFits(this.config, this.withJoint, state, sizes);
    this.update(state.config);
    const pre = this.withJoint ? state.pretrained : null;
    if (this.fused) {
      const now = this.fused.state();
      this.fused.restore({
        theta: state.theta,
        adam: state.thetaAdam,
        pretrained: pre?.theta ?? now.pretrained,
        pretrainedAdam: pre?.adam ?? now.pretrainedAdam,
      });
      for (const v of this.views) v.markStale();
    } else {
      const meta = this.meta as Trained;
      tf.tidy(() => meta.theta.assign(tf.tensor1d(state.theta.slice())));
      meta.adam.restore(state.thetaAdam);
      const joint = this.joint;
      if (joint && pre) {
        tf.tidy(() => joint.theta.assign(tf.tensor1d(pre.theta.slice())));
        joint.adam.restore(pre.adam);
      }
    }
    if (this.pretrainer && pre) this.pretrainer.stepCount = pre.step;
    this.stepCount = state.step;
    this.seekStream(state.stream);
  }

  dispose(): void {
    this.meta?.dispose();
    this.joint?.dispose();
    for (const v of this.views) v.dispose();
    this.fused?.dispose();
    this.fused = null;
    this.evaluator = null;
    this.randomTheta.dispose();
  }
}
