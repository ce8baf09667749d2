import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import { restartReason } from '../restart';
import type { Classifier } from '../../models/classifier';
import { Rng } from '../../random';
import type { GlyphBatch } from './data/sampler';
import { GlyphSource, type ClassSource } from './data/source';
import { checkStateFits, copyTrainingState, type TrainingState } from '../../runs/trainingState';
import { classBatchTensors, classifierMetaModel, type ClassBatch } from './classification';
import { MetaLearner, type Hyper } from '../../meta/learners';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses, TaskFamily } from '../family';
import { classifierFor, decodeGlyphTheta, glyphFamily } from './family';
import { fitTheta, glyphHyper, metaClassifierFor, normSetsChange } from './metaNet';
import { glyphReport } from './report';
import { evaluateGlyphs, type AccuracyCurve, type ClassEvalProtocol } from './evaluation';
import type { MeteredStep } from '../../meta/profile';
import type { GlyphWalk, WalkAt } from '../../meta/walkthrough';
import { glyphWalk } from './walk';
import { FusedLearner, GpuLearner } from '../../engines/engineViews';
import { FusedGlyphEngine } from '../../engines/fusedGlyph/fusedGlyph';
import { fusedGlyphLoaded } from '../../engines/fusedGlyph/wasmModule';
import { buildWasmEngine, engineHolds } from './fused';
import { engineTrainingState } from '../../runs/engineState';
import { FusedGlyphPretrainer, rebuildEngine, restoreEngine } from './fused';
import { glyphStateSizes, PretrainedClassifier, pretrainedStart } from './pretrained';
import type { WebgpuGlyphEngine } from '../../engines/webgpuGlyph/webgpuGlyph';
import { buildGpuEngine, continueGpu, GpuGlyphPretrainer, gpuLearner, reasonOf } from './gpu';

export { classifierFor, decodeGlyphTheta, glyphStateSizes, PretrainedClassifier };
export type { AccuracyCurve, ClassEvalProtocol };

/**
 * Few-shot classification run: N-way K-shot tasks from the meta-training classes of a class
 * source (the generated glyphs unless given), the meta-learner, the pretrained classifier and the
 * random initialisation, all from the seed.
 */
export class GlyphRun implements FamilyRun {
  readonly model: Classifier;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  learner!: MetaLearner<ClassBatch, tf.Tensor> | FusedLearner | GpuLearner;
  pretrainer!: PretrainedClassifier | FusedGlyphPretrainer | GpuGlyphPretrainer | null;
  private fused: FusedGlyphEngine | null = null;
  /** the fused meta-step as WGSL programs (tfjs on WebGPU), and whether its programs compiled */
  private gpu: WebgpuGlyphEngine | null = null;
  private gpuReady = false;
  /** why a fused engine asked for does not train this run (it trains on tfjs kernels instead) */
  fallbackReason: string | null = null;
  /** the pretrained classifier's classes, in the order of its outputs (fused runs) */
  private pretrainedClasses: number[] | null = null;
  private readonly taskRng: Rng;
  private config: Experiment;
  stepCount = 0;

  constructor(
    config: Experiment,
    /** pretrainedTheta: the pretrained classifier's whole θ or its feature body (θ files) */
    options: RunStart = {},
    readonly source: ClassSource = new GlyphSource(),
    readonly family: TaskFamily = glyphFamily,
  ) {
    this.config = { ...config, hidden: [...config.hidden] };
    this.model = metaClassifierFor(config);
    this.theta0 = this.model.init(Rng.stream(config.seed, 'init'));
    this.randomTheta = tf.tensor1d(this.theta0);
    this.taskRng = Rng.stream(config.seed, 'train');
    const theta = options.theta ? fitTheta(this.model, options.theta) : this.theta0;
    if (options.engine === 'fused' && this.startFused(theta, options)) return;
    this.useTfjs(theta, options.alpha, options.pretrained !== false, options.pretrainedTheta);
  }

  /** which implementation trains: tfjs kernels, or the fused meta-step (WGSL on WebGPU, else wasm) */
  get engine(): 'tfjs' | 'fused' {
    return this.fused || this.gpu ? 'fused' : 'tfjs';
  }

  /**
   * Trains on the fused engine of the current backend when it can hold these settings; false
   * (with `fallbackReason` set when it was refused) leaves the run to tfjs.
   */
  private startFused(theta: Float32Array, options: RunStart): boolean {
    const c = this.config;
    const pre =
      options.pretrained === false ? null : pretrainedStart(c, this.source, options.pretrainedTheta);
    const alpha = c.algo === 'metasgd' || c.algo === 'mamlpp' ? options.alpha : undefined;
    const onGpu = tf.getBackend() === 'webgpu';
    if (!onGpu && !fusedGlyphLoaded()) return false;
    const built = onGpu ? buildGpuEngine(c, theta, alpha, pre) : buildWasmEngine(c, theta, alpha, pre);
    if ('reason' in built) {
      this.fallbackReason = built.reason;
      return false;
    }
    const engine = built.engine;
    if (engine instanceof FusedGlyphEngine) {
      this.fused = engine;
      this.pretrainedClasses = pre?.classes ?? null;
      this.learner = new FusedLearner(engine, c.algo, c.alpha);
      this.pretrainer = pre ? new FusedGlyphPretrainer(engine, pre) : null;
    } else {
      this.gpu = engine;
      this.learner = gpuLearner(engine, c);
      this.pretrainer = pre ? new GpuGlyphPretrainer(engine, pre) : null;
    }
    return true;
  }

  private useTfjs(
    theta: Float32Array,
    alpha: Float32Array | undefined,
    pretrained: boolean,
    pretrainedTheta?: { theta: Float32Array; step: number },
  ): void {
    const c = this.config;
    this.learner = new MetaLearner(classifierMetaModel(this.model), c.algo, theta, this.hyper(), alpha);
    this.pretrainer = pretrained ? new PretrainedClassifier(c, this.source, pretrainedTheta) : null;
  }

  /**
   * Compiles and checks the WGSL programs (the other engines need nothing). When the fused engine
   * asked for cannot run (refused by a limit, or a shader that does not compile), the run goes on
   * on tfjs kernels with θ, Adam's moments, the baseline and the step kept, and this rejects
   * with the reason (so the caller can say why).
   */
  async prepare(): Promise<void> {
    if (this.gpu && !this.gpuReady) {
      try {
        await this.gpu.prepare(this.config.k, this.config.query);
        this.gpuReady = true;
      } catch (e) {
        await this.fallBackToTfjs(reasonOf(e));
      }
    }
    if (this.fallbackReason !== null) throw new Error(this.fallbackReason);
  }

  /** Whether `prepare` has work to do: the WGSL programs are not compiled yet. */
  get unprepared(): boolean {
    return this.gpu !== null && !this.gpuReady;
  }

  /** Continues on tfjs kernels from the fused engine's exact state (θ, α, Adam, baseline, step). */
  private async fallBackToTfjs(reason: string): Promise<void> {
    const state = await this.exportState();
    this.dropEngines();
    this.fallbackReason = reason;
    const pre = state.pretrained;
    this.useTfjs(state.theta, state.alpha ?? undefined, pre !== null, pre ?? undefined);
    this.restoreState(state);
  }

  /** the tfjs meta-learner (runs on the fused engine have none) */
  private tfjsLearner(): MetaLearner<ClassBatch, tf.Tensor> {
    if (!(this.learner instanceof MetaLearner)) throw new Error('this glyph run trains on the fused engine');
    return this.learner;
  }

  get experiment(): Experiment {
    return this.config;
  }

  private hyper(): Hyper {
    return glyphHyper(this.config);
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

  evaluateReport(request: EvalRequest): Promise<EvalReport> {
    return glyphReport(this, request);
  }

  /** The pretrained classifier's feature body, what a θ file stores of it. */
  async savedPretrained(): Promise<{ body: Float32Array; step: number } | null> {
    return this.pretrainer ? { body: await this.pretrainer.body(), step: this.pretrainer.stepCount } : null;
  }

  nextBatch(
    split: 'train' | 'test' = 'train',
    rng: Rng = this.taskRng,
    tasks = this.config.batch,
  ): GlyphBatch {
    const c = this.config;
    return this.source.sample(rng, tasks, { split, ways: c.ways, shots: c.k, query: c.query });
  }

  /** One meta-step on the next meta-batch, ready to run (kernel counts: meta/profile.ts). */
  meteredStep(): MeteredStep {
    if (this.fused) {
      const batch = this.nextBatch();
      const engine = this.fused;
      return { step: () => engine.metaGradient(batch), dispose: () => undefined };
    }
    if (this.gpu) {
      const [batch, gpu] = [this.nextBatch(), this.gpu];
      const step = () => tf.dispose(Object.values(gpu.metaGradient(batch)).filter((t) => t !== null));
      return { step, dispose: () => undefined };
    }
    const t = classBatchTensors(this.nextBatch());
    const learner = this.tfjsLearner();
    return { step: () => learner.step(t), dispose: () => tf.dispose([t.xs, t.ys, t.xq, t.yq]) };
  }

  /** One meta-step (and the baseline's step on the same tasks). Losses are left on the device. */
  step(): StepLosses {
    const batch = this.nextBatch();
    if (this.fused) {
      const r = this.fused.step(batch);
      (this.learner as FusedLearner).stepped();
      (this.pretrainer as FusedGlyphPretrainer | null)?.stepped();
      this.stepCount += 1;
      return { meta: tf.scalar(r.meta), pretrained: r.pretrained === null ? null : tf.scalar(r.pretrained) };
    }
    if (this.gpu) {
      const r = this.gpu.step(batch);
      (this.pretrainer as GpuGlyphPretrainer | null)?.stepped();
      this.stepCount += 1;
      return r;
    }
    const t = classBatchTensors(batch);
    try {
      const meta = this.tfjsLearner().step(t);
      const pretrained = this.pretrainer ? (this.pretrainer as PretrainedClassifier).step(batch, t) : null;
      this.stepCount += 1;
      return { meta, pretrained };
    } finally {
      tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    }
  }

  /**
   * Train only the pretrained baseline on the next meta-batch of the task stream (θ stays): the
   * same batches `step()` would have drawn, so the baseline comes out as it would beside MAML.
   * Runs on tfjs (the fused engine trains the baseline only beside a meta-step).
   */
  pretrainStep(): tf.Scalar {
    if (!this.pretrainer) throw new Error('this run has no pretrained baseline');
    if (this.fused || this.gpu)
      throw new Error('the baseline alone trains on the tfjs engine (--engine tfjs)');
    const batch = this.nextBatch();
    const t = classBatchTensors(batch);
    try {
      return (this.pretrainer as PretrainedClassifier).step(batch, t);
    } finally {
      tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    }
  }

  /** Live changes keep θ; a new task shape (ways, net, filters, MAML++'s sets), seed or family does not. */
  update(next: Experiment): boolean {
    const c = this.config;
    if (restartReason(c, next) !== null || normSetsChange(c, next)) return false;
    // (a WGSL engine that cannot hold the change: the caller starts a new run)
    if (this.gpu && !this.updateGpu(this.gpu, next)) return false;
    this.config = { ...next, hidden: [...next.hidden] };
    if (this.fused) this.updateFused(this.fused, next);
    if (this.fused || this.gpu) return true;
    const learner = this.tfjsLearner();
    if (next.algo !== c.algo) {
      this.learner = new MetaLearner(classifierMetaModel(this.model), next.algo, learner.theta, this.hyper());
      learner.dispose();
    } else {
      learner.setHyper(this.hyper());
    }
    (this.pretrainer as PretrainedClassifier | null)?.setBeta(next.beta);
    return true;
  }

  /** α, β and inner steps go to the engine; a new algorithm or a larger batch shape rebuilds it. */
  private updateFused(engine: FusedGlyphEngine, next: Experiment): void {
    if (engineHolds(engine, next)) {
      engine.setHyper(this.hyper());
      (this.learner as FusedLearner).setAlpha(next.alpha);
      return;
    }
    const rebuilt = rebuildEngine(engine, next, this.pretrainedClasses);
    engine.dispose();
    this.fused = rebuilt;
    this.learner.dispose();
    this.learner = new FusedLearner(rebuilt, next.algo, next.alpha);
    (this.pretrainer as FusedGlyphPretrainer | null)?.moveTo(rebuilt);
  }

  /**
   * Continues on `next` (the same engine, or one rebuilt for a new algorithm); false: cannot, with
   * the reason as `fallbackReason` (the caller moves the run to tfjs kernels).
   */
  private updateGpu(engine: WebgpuGlyphEngine, next: Experiment): boolean {
    const kept = continueGpu(engine, next);
    if ('reason' in kept) {
      this.fallbackReason = kept.reason;
      return false;
    }
    if (kept !== engine) {
      engine.dispose();
      this.learner.dispose();
      this.gpu = kept;
      this.gpuReady = false;
      this.learner = gpuLearner(kept, next);
      (this.pretrainer as GpuGlyphPretrainer | null)?.moveTo(kept);
    }
    (this.learner as GpuLearner).setAlpha(next.alpha);
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
      const f = this.fused ? this.fused.state() : await (this.gpu as WebgpuGlyphEngine).state();
      const pretrainer = this.pretrainer as FusedGlyphPretrainer | GpuGlyphPretrainer | null;
      return engineTrainingState(base, f, pretrainer?.stepCount);
    }
    const meta = await this.tfjsLearner().exportState();
    const pretrainer = this.pretrainer as PretrainedClassifier | null;
    return copyTrainingState({
      ...base,
      theta: meta.theta.value,
      thetaAdam: meta.theta.adam,
      alpha: meta.alpha?.value ?? null,
      alphaAdam: meta.alpha?.adam ?? null,
      pretrained: pretrainer ? await pretrainer.exportState() : null,
    });
  }

  /**
   * Continue from exportState() (see FamilyRun.restoreState). A state of the other engine loads
   * too (same flat layout, same Adam), but continues only to float precision, not to the bit.
   */
  restoreState(state: TrainingState): void {
    checkStateFits(this.config, this.pretrainer !== null, state, glyphStateSizes(this.config, this.source));
    this.update(state.config);
    const s = copyTrainingState(state);
    const engine = this.fused ?? this.gpu;
    if (engine) {
      const pretrainer = this.pretrainer as FusedGlyphPretrainer | GpuGlyphPretrainer | null;
      restoreEngine(engine, this.learner as FusedLearner | GpuLearner, pretrainer, s);
    } else {
      this.tfjsLearner().restoreState({
        theta: { value: s.theta, adam: s.thetaAdam },
        alpha: s.alpha && s.alphaAdam ? { value: s.alpha, adam: s.alphaAdam } : null,
      });
      if (s.pretrained) (this.pretrainer as PretrainedClassifier | null)?.restoreState(s.pretrained);
    }
    this.seekStream(s.stream);
    this.stepCount = s.step;
  }

  /** The next meta-step's phases 1-4, the run untouched (see FamilyRun.walkStep). */
  walkStep(shown: number, at?: WalkAt): Promise<GlyphWalk> {
    return glyphWalk(this, shown, at);
  }

  /** Accuracy curves of every initialisation on held-out tasks (`GlyphEvaluation` does it in pieces). */
  evaluate(p: ClassEvalProtocol): Promise<Record<string, AccuracyCurve>> {
    return evaluateGlyphs(this, p);
  }

  private dropEngines(): void {
    this.learner.dispose();
    this.pretrainer?.dispose();
    this.fused?.dispose();
    this.gpu?.dispose();
    [this.fused, this.gpu] = [null, null];
  }

  dispose(): void {
    this.dropEngines();
    this.randomTheta.dispose();
  }
}
