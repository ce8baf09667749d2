import * as tf from '@tensorflow/tfjs';
import { layerSizes, type Experiment } from '../../experiment';
import { restartReason } from '../restart';
import { Mlp } from '../../models/mlp';
import { Rng } from '../../random';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses } from '../family';
import type { RegressionTaskFamily } from './family';
import type { RegressionBatch, RegressionFamily } from './tasks';
import { batchTensors, type EvalMethod } from './evaluate';
import { regressionReport } from './report';
import { JointLearner, MetaLearner, type Hyper } from '../../meta/learners';
import { FusedMlpEngine } from '../../engines/fused/fusedMlp';
import { mamlppPhase, mlpTensorSizes, scheduleOf } from '../../meta/mamlppSchedule';
import { checkLslr, type MamlppWalk } from '../../meta/mamlpp';
import { fusedLoaded } from '../../engines/fused/wasmModule';
import { FusedLearner, FusedPretrainer, GpuLearner } from '../../engines/engineViews';
import { GpuPretrainer } from './gpuViews';
import { FusedWebgpuMlp } from '../../engines/webgpu/fusedWebgpuMlp';
import { fitsDevice } from '../../engines/webgpu/tryFused';
import type { MeteredStep } from '../../meta/profile';
import type { CurveWalk, WalkAt } from '../../meta/walkthrough';
import { regressionWalk } from './walk';
import { checkStateFits, copyTrainingState, type TrainingState } from '../../runs/trainingState';
import { engineTrainingState, fusedStateOf } from '../../runs/engineState';

export type { StepLosses };

/**
 * The learned inner rates a run starts from, where its algorithm learns them: Meta-SGD's α [P] or
 * MAML++'s LSLR rates (checked against the network: a wrong length throws).
 */
function learnedStart(config: Experiment, alpha: Float32Array | undefined): Float32Array | undefined {
  if (!alpha) return undefined;
  if (config.algo === 'metasgd') return alpha;
  if (config.algo !== 'mamlpp') return undefined;
  checkLslr(alpha, 2 * (layerSizes(config).length - 1));
  return alpha;
}

/**
 * One meta-training run of a regression family (sinusoids, function mixtures): the task stream,
 * the MLP, the meta-learner, the pretrained baseline and the random initialisation, all derived
 * from the config's seed. Used as-is by the CLI, the tests and the Web Worker.
 */
export class RegressionRun implements FamilyRun {
  /** the task sampler of this config's meta-training distribution (e.g. the mixture's kinds, the sine ranges) */
  tasks: RegressionFamily;
  readonly model: Mlp;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  learner!: MetaLearner | FusedLearner | GpuLearner;
  readonly pretrainer!: JointLearner | FusedPretrainer | GpuPretrainer | null;
  /**
   * which implementation trains: tfjs kernels, or the fused meta-step (WGSL programs when tfjs
   * runs on WebGPU and the network fits the device, else WebAssembly)
   */
  readonly engine: 'tfjs' | 'fused';
  private fused: FusedMlpEngine | null = null;
  private gpu: FusedWebgpuMlp | null = null;
  private readonly taskRng: Rng;
  private config: Experiment;
  stepCount = 0;

  constructor(
    readonly family: RegressionTaskFamily,
    config: Experiment,
    options: RunStart = {},
  ) {
    // checked before any tensor is made: a refused start leaves nothing behind
    const learned = learnedStart(config, options.alpha);
    this.config = { ...config, hidden: [...config.hidden] };
    this.tasks = family.tasksFor(config);
    this.model = new Mlp(layerSizes(config));
    this.theta0 = this.model.init(Rng.stream(config.seed, 'init'));
    this.randomTheta = tf.tensor1d(this.theta0);
    this.taskRng = Rng.stream(config.seed, 'train');
    // both fused engines start from the same settings: θ, the baseline, the learned inner rates
    const settings = { sizes: layerSizes(config), algo: config.algo, ...this.hyper() };
    const start = {
      pretrained: options.pretrained !== false,
      ...(learned ? { alpha0: learned } : {}),
      ...(options.pretrainedTheta ? { pretrainedTheta0: options.pretrainedTheta.theta } : {}),
    };
    const theta = options.theta ?? this.theta0;
    if (options.engine === 'fused' && this.gpuFits(config, start.pretrained)) {
      this.engine = 'fused';
      this.useGpu(new FusedWebgpuMlp(settings, theta, start));
      return;
    }
    this.engine = options.engine === 'fused' && fusedLoaded() ? 'fused' : 'tfjs';
    if (this.engine === 'fused') {
      this.useFused(FusedMlpEngine.createSync(settings, theta, start));
      return;
    }
    this.learner = new MetaLearner(this.model, config.algo, theta, this.hyper(), learned);
    this.pretrainer =
      options.pretrained === false
        ? null
        : new JointLearner(this.model, options.pretrainedTheta?.theta ?? this.theta0, this.hyper());
  }

  /** the fused meta-step runs as WGSL programs on tfjs's WebGPU device */
  get onGpu(): boolean {
    return this.gpu !== null;
  }

  /** tfjs runs on WebGPU and this network and batch fit the device's limits */
  private gpuFits(config: Experiment, pretrained: boolean): boolean {
    const shape = { tasks: config.batch, support: config.k, query: config.query };
    return fitsDevice({ sizes: layerSizes(config), ...config }, shape, { pretrained }).ok;
  }

  /** Train on this fused WebAssembly engine, with tfjs views of its θ, α and baseline. */
  private useFused(engine: FusedMlpEngine): void {
    this.fused = engine;
    this.learner = new FusedLearner(engine, this.config.algo, this.config.alpha);
    (this as { pretrainer: FusedPretrainer | null }).pretrainer = engine.hasPretrained
      ? new FusedPretrainer(engine)
      : null;
  }

  /** Train on this fused WebGPU engine (its θ, α and baseline already are tfjs variables). */
  private useGpu(gpu: FusedWebgpuMlp): void {
    this.gpu = gpu;
    const tensors = mlpTensorSizes(layerSizes(this.config));
    this.learner = new GpuLearner(gpu, this.config.algo, this.config.alpha, tensors);
    (this as { pretrainer: GpuPretrainer | null }).pretrainer = gpu.pretrainedTheta
      ? new GpuPretrainer(gpu)
      : null;
  }

  /**
   * Compiles and checks the fused WebGPU programs for this shape (rejects with the reason); the
   * other engines need nothing. Steps on a shape not prepared compile on first use.
   */
  async prepare(): Promise<void> {
    const c = this.config;
    await this.gpu?.prepare({ tasks: c.batch, support: c.k, query: c.query });
  }

  get experiment(): Experiment {
    return this.config;
  }

  private hyper(): Hyper {
    const c = this.config;
    return { alpha: c.alpha, beta: c.beta, inner: c.inner, schedule: scheduleOf(c) };
  }

  /** The next meta-batch of the seed's task stream (also used by the pretrained baseline). */
  nextBatch(): RegressionBatch {
    const c = this.config;
    return this.tasks.sampleBatch(this.taskRng, c.batch, c.k, c.query);
  }

  /** One tfjs meta-step on the next meta-batch, ready to run (kernel counts: meta/profile.ts). */
  meteredStep(): MeteredStep {
    const learner = this.learner;
    if (!(learner instanceof MetaLearner)) throw new Error('kernels are counted on the tfjs engine');
    const t = batchTensors(this.nextBatch());
    return { step: () => learner.step(t), dispose: () => tf.dispose([t.xs, t.ys, t.xq, t.yq]) };
  }

  get numParams(): number {
    return this.model.numParams;
  }

  skipBatch(): void {
    this.nextBatch();
  }

  /** Where the task stream is: a resumed run continues with exactly the tasks it would have drawn. */
  streamState(): number[] {
    return this.taskRng.state();
  }

  seekStream(state: readonly number[]): void {
    this.taskRng.setState(state);
  }

  /** One meta-step (and one pretraining step on the same tasks). Losses are left on the device. */
  step(): StepLosses {
    if (this.fused) return this.fusedStep(this.fused);
    if (this.gpu) {
      const losses = this.gpu.step(this.nextBatch());
      this.stepCount += 1;
      return losses;
    }
    const t = batchTensors(this.nextBatch());
    try {
      const learner = this.learner as MetaLearner;
      const meta = learner.step(t);
      const pretrained = this.pretrainer ? (this.pretrainer as JointLearner).step(t) : null;
      this.stepCount += 1;
      return { meta, pretrained };
    } finally {
      tf.dispose(t);
    }
  }

  /** The same step in one call into the fused engine; the losses come back as scalars. */
  private fusedStep(engine: FusedMlpEngine): StepLosses {
    const r = engine.step(this.nextBatch());
    (this.learner as FusedLearner).stepped();
    (this.pretrainer as FusedPretrainer | null)?.stepped();
    this.stepCount += 1;
    return { meta: tf.scalar(r.meta), pretrained: r.pretrained === null ? null : tf.scalar(r.pretrained) };
  }

  /**
   * Change hyperparameters without losing θ. α, β, inner steps, K, query size and meta-batch
   * apply from the next step; a new algorithm keeps θ and restarts the optimiser's moments.
   * Returns false when the change needs a new run (task, hidden sizes, seed, a mixture's kinds).
   */
  update(next: Experiment): boolean {
    const c = this.config;
    if (restartReason(c, next) !== null) return false;
    if (this.gpu && !this.gpuFits(next, this.pretrainer !== null)) return false;
    this.config = { ...next, hidden: [...next.hidden] };
    this.tasks = this.family.tasksFor(this.config);
    const engine = this.fused ?? this.gpu;
    if (engine) {
      engine.setHyper(this.hyper());
      if (next.algo === c.algo) {
        (this.learner as FusedLearner | GpuLearner).setAlpha(next.alpha);
        return true;
      }
      // a new algorithm: a new engine keeping θ and the baseline (see withAlgo), and new views
      this.learner.dispose();
      this.pretrainer?.dispose();
      if (this.fused) {
        const previous = this.fused;
        this.useFused(previous.withAlgoSync(next.algo));
        previous.dispose();
      } else {
        const previous = engine as FusedWebgpuMlp;
        this.useGpu(previous.withAlgo(next.algo));
        previous.dispose();
      }
      return true;
    }
    if (next.algo !== c.algo) {
      const previous = this.learner as MetaLearner;
      this.learner = new MetaLearner(this.model, next.algo, previous.theta, this.hyper());
      previous.dispose();
    } else {
      (this.learner as MetaLearner).setHyper(this.hyper());
    }
    (this.pretrainer as JointLearner | null)?.setHyper(this.hyper());
    return true;
  }

  /** The whole training state as copies (see FamilyRun.exportState). */
  async exportState(): Promise<TrainingState> {
    const base = {
      config: this.config,
      engine: this.engine,
      step: this.stepCount,
      stream: this.streamState(),
    };
    if (this.fused || this.gpu) {
      const f = this.fused ? this.fused.state() : await (this.gpu as FusedWebgpuMlp).state();
      return engineTrainingState(base, f, f.pretrainedAdam?.t);
    }
    const meta = await (this.learner as MetaLearner).exportState();
    const joint = this.pretrainer ? await (this.pretrainer as JointLearner).exportState() : null;
    return copyTrainingState({
      ...base,
      theta: meta.theta.value,
      thetaAdam: meta.theta.adam,
      alpha: meta.alpha?.value ?? null,
      alphaAdam: meta.alpha?.adam ?? null,
      pretrained: joint ? { theta: joint.value, adam: joint.adam, step: joint.adam.t } : null,
    });
  }

  /**
   * Continue from exportState() (see FamilyRun.restoreState). A state of the other engine loads
   * too (same flat layout, same Adam), but continues only to float precision, not to the bit.
   */
  restoreState(state: TrainingState): void {
    const p = this.numParams;
    checkStateFits(this.config, this.pretrainer !== null, state, { theta: p, pretrained: p });
    this.update(state.config);
    const s = copyTrainingState(state);
    const engine = this.fused ?? this.gpu;
    if (engine) {
      engine.restore(fusedStateOf(s));
      (this.learner as FusedLearner).stepped();
      (this.pretrainer as FusedPretrainer | null)?.stepped();
    } else {
      (this.learner as MetaLearner).restoreState({
        theta: { value: s.theta, adam: s.thetaAdam },
        alpha: s.alpha && s.alphaAdam ? { value: s.alpha, adam: s.alphaAdam } : null,
      });
      if (s.pretrained)
        (this.pretrainer as JointLearner).restoreState({
          value: s.pretrained.theta,
          adam: s.pretrained.adam,
        });
    }
    this.seekStream(s.stream);
    this.stepCount = s.step;
  }

  /** The next meta-step's phases 1-4, the run untouched (see FamilyRun.walkStep). */
  walkStep(shown: number, at?: WalkAt): Promise<CurveWalk> {
    return regressionWalk(this, shown, at);
  }

  /**
   * MAML++'s learned rates and its schedules' phase at the next meta-step, for a walk through it
   * (null for the other algorithms). Call inside tf.tidy: the fused engine's rates become a tensor.
   */
  mamlppWalk(): MamlppWalk | null {
    if (this.config.algo !== 'mamlpp') return null;
    const learner = this.learner;
    if (learner instanceof MetaLearner) return { ...learner.phase(), rates: learner.rates as tf.Tensor };
    const { inner, beta } = this.config;
    const phase = mamlppPhase(learner.metaSteps, inner, beta, scheduleOf(this.config));
    // the WebGPU engine's rates are a variable already; the WebAssembly engine's become a tensor
    const rates = this.gpu ? learner.rates : tf.tensor1d(this.fused?.alphaVec() as Float32Array);
    return { ...phase, rates: rates as tf.Tensor };
  }

  /** The three initialisations the UI and the CLI compare. */
  methods(): EvalMethod[] {
    const stepRates = this.learner.stepRates();
    const m: EvalMethod[] = [
      {
        name: 'maml',
        theta: this.learner.theta,
        rate: this.learner.innerRate(),
        ...(stepRates ? { stepRates } : {}),
      },
    ];
    if (this.pretrainer)
      m.push({ name: 'pretrained', theta: this.pretrainer.theta, rate: this.config.alpha });
    m.push({ name: 'random', theta: this.randomTheta, rate: this.config.alpha });
    return m;
  }

  evaluateReport(request: EvalRequest): Promise<EvalReport> {
    return regressionReport(this, request);
  }

  dispose(): void {
    this.learner.dispose();
    this.pretrainer?.dispose();
    this.fused?.dispose();
    this.gpu?.dispose();
    this.randomTheta.dispose();
  }
}
