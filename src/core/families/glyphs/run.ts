import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import { restartReason } from '../restart';
import type { Classifier } from '../../models/classifier';
import { Rng } from '../../random';
import { glyphSet, type GlyphSet } from './data/hershey';
import { sampleGlyphBatch, type GlyphBatch } from './data/sampler';
import { checkStateFits, copyTrainingState, type TrainingState } from '../../runs/trainingState';
import { classBatchTensors, classifierMetaModel, type ClassBatch } from './classification';
import { MetaLearner, type Hyper } from '../../meta/learners';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses } from '../family';
import { classifierFor, decodeGlyphTheta, glyphFamily } from './family';
import { glyphReport } from './report';
import { evaluateGlyphs, type AccuracyCurve, type ClassEvalProtocol } from './evaluation';
import type { MeteredStep } from '../../meta/profile';
import type { GlyphWalk, WalkAt } from '../../meta/walkthrough';
import { glyphWalk } from './walk';
import { FusedLearner } from '../../engines/engineViews';
import { FusedGlyphEngine, fusedGlyphSettings } from '../../engines/fusedGlyph/fusedGlyph';
import { fusedGlyphLoaded } from '../../engines/fusedGlyph/wasmModule';
import { engineHolds, FusedGlyphPretrainer, rebuildEngine } from './fused';
import { glyphStateSizes, PretrainedClassifier, pretrainedStart } from './pretrained';

export { classifierFor, decodeGlyphTheta, glyphStateSizes, PretrainedClassifier };
export type { AccuracyCurve, ClassEvalProtocol };

/**
 * Few-shot glyph classification run: N-way K-shot tasks from the meta-training alphabets, the
 * meta-learner, the pretrained classifier and the random initialisation, all from the seed.
 */
export class GlyphRun implements FamilyRun {
  readonly kind = 'glyphs' as const;
  readonly family = glyphFamily;
  /** which implementation trains: tfjs kernels, or the fused WebAssembly meta-step */
  readonly engine: 'tfjs' | 'fused';
  readonly model: Classifier;
  readonly set: GlyphSet;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  learner: MetaLearner<ClassBatch, tf.Tensor> | FusedLearner;
  readonly pretrainer: PretrainedClassifier | FusedGlyphPretrainer | null;
  private fused: FusedGlyphEngine | null = null;
  /** the pretrained classifier's classes, in the order of its outputs (fused runs) */
  private readonly pretrainedClasses: number[] | null = null;
  private readonly taskRng: Rng;
  private config: Experiment;
  stepCount = 0;

  constructor(
    config: Experiment,
    /** pretrainedTheta: the pretrained classifier's whole θ or its feature body (θ files) */
    options: RunStart = {},
  ) {
    this.config = { ...config, hidden: [...config.hidden] };
    this.set = glyphSet();
    this.model = classifierFor(config);
    this.theta0 = this.model.init(Rng.stream(config.seed, 'init'));
    this.randomTheta = tf.tensor1d(this.theta0);
    this.taskRng = Rng.stream(config.seed, 'train');
    this.engine = options.engine === 'fused' && fusedGlyphLoaded() ? 'fused' : 'tfjs';
    const theta = options.theta ?? this.theta0;
    if (this.engine === 'fused') {
      const pre =
        options.pretrained === false ? null : pretrainedStart(config, this.set, options.pretrainedTheta);
      const engine = FusedGlyphEngine.createSync(fusedGlyphSettings(config), theta, {
        ...(config.algo === 'metasgd' && options.alpha ? { alpha0: options.alpha } : {}),
        ...(pre ? { pretrained: { classes: pre.classes, theta0: pre.theta0 } } : {}),
      });
      this.fused = engine;
      this.pretrainedClasses = pre?.classes ?? null;
      this.learner = new FusedLearner(engine, config.algo, config.alpha);
      this.pretrainer = pre ? new FusedGlyphPretrainer(engine, pre) : null;
      return;
    }
    this.learner = new MetaLearner(
      classifierMetaModel(this.model),
      config.algo,
      theta,
      this.hyper(),
      options.alpha,
    );
    this.pretrainer =
      options.pretrained === false
        ? null
        : new PretrainedClassifier(config, this.set, options.pretrainedTheta);
  }

  /** the tfjs meta-learner (runs on the fused engine have none) */
  private tfjsLearner(): MetaLearner<ClassBatch, tf.Tensor> {
    if (this.learner instanceof FusedLearner) throw new Error('this glyph run trains on the fused engine');
    return this.learner;
  }

  get experiment(): Experiment {
    return this.config;
  }

  private hyper(): Hyper {
    return { alpha: this.config.alpha, beta: this.config.beta, inner: this.config.inner };
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
    return sampleGlyphBatch(rng, tasks, { split, ways: c.ways, shots: c.k, query: c.query }, this.set);
  }

  /** One meta-step on the next meta-batch, ready to run (kernel counts: meta/profile.ts). */
  meteredStep(): MeteredStep {
    if (this.fused) {
      const batch = this.nextBatch();
      const engine = this.fused;
      return { step: () => engine.metaGradient(batch), dispose: () => undefined };
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
    if (this.fused) throw new Error('the baseline alone trains on the tfjs engine (--engine tfjs)');
    const batch = this.nextBatch();
    const t = classBatchTensors(batch);
    try {
      return (this.pretrainer as PretrainedClassifier).step(batch, t);
    } finally {
      tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    }
  }

  /** Live changes keep θ; a new task shape (ways, net, filters), seed or task family does not. */
  update(next: Experiment): boolean {
    const c = this.config;
    if (restartReason(c, next) !== null) return false;
    this.config = { ...next, hidden: [...next.hidden] };
    if (this.fused) {
      this.updateFused(this.fused, next);
      return true;
    }
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

  /** The whole training state as copies (see FamilyRun.exportState). */
  async exportState(): Promise<TrainingState> {
    const base = {
      config: this.config,
      engine: this.engine,
      step: this.stepCount,
      stream: this.streamState(),
    };
    if (this.fused) {
      const f = this.fused.state();
      const pretrainer = this.pretrainer as FusedGlyphPretrainer | null;
      return copyTrainingState({
        ...base,
        theta: f.theta,
        thetaAdam: f.thetaAdam,
        alpha: f.alpha,
        alphaAdam: f.alphaAdam,
        pretrained: pretrainer ? pretrainer.exportState() : null,
      });
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
    const sizes = { theta: this.numParams, pretrained: this.pretrainer?.model.numParams ?? 0 };
    checkStateFits(this.config, this.pretrainer !== null, state, sizes);
    this.update(state.config);
    const s = copyTrainingState(state);
    if (this.fused) {
      this.fused.restore({
        theta: s.theta,
        thetaAdam: s.thetaAdam,
        alpha: s.alpha,
        alphaAdam: s.alphaAdam,
        pretrained: s.pretrained?.theta ?? null,
        pretrainedAdam: s.pretrained?.adam ?? null,
      });
      (this.learner as FusedLearner).stepped();
      const pretrainer = this.pretrainer as FusedGlyphPretrainer | null;
      if (pretrainer && s.pretrained) pretrainer.restored(s.pretrained.step);
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

  dispose(): void {
    this.learner.dispose();
    this.pretrainer?.dispose();
    this.fused?.dispose();
    this.randomTheta.dispose();
  }
}
