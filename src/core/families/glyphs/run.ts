import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import { restartReason } from '../restart';
import type { Classifier } from '../../models/classifier';
import { softmaxCrossEntropy } from '../../ops/crossEntropy';
import { Rng } from '../../random';
import { glyphSet, splitClasses, type GlyphSet } from './data/hershey';
import { IMAGE_SIZE } from './data/rasterize';
import { sampleGlyphBatch, type GlyphBatch } from './data/sampler';
import { FlatAdam } from '../../meta/adam';
import {
  checkStateFits,
  copyTrainingState,
  type PretrainedState,
  type StateSizes,
  type TrainingState,
} from '../../runs/trainingState';
import { classBatchTensors, classifierMetaModel, type ClassBatch } from './classification';
import { MetaLearner, type Hyper } from '../../meta/learners';
import type { EvalReport, EvalRequest, FamilyRun, RunStart, StepLosses } from '../family';
import { classifierFor, decodeGlyphTheta, glyphFamily } from './family';
import { glyphReport } from './report';
import { evaluateGlyphs, type AccuracyCurve, type ClassEvalProtocol } from './evaluation';
import type { MeteredStep } from '../../meta/profile';
import type { GlyphWalk, WalkAt } from '../../meta/walkthrough';
import { glyphWalk } from './walk';

export { classifierFor, decodeGlyphTheta };
export type { AccuracyCurve, ClassEvalProtocol };

/** The classes the pretrained classifier tells apart: every meta-training class. */
function pretrainingClasses(set: GlyphSet = glyphSet()): number[] {
  return splitClasses('train', set);
}

/** The lengths of a glyph config's training state: θ, and the pretrained C-way classifier's θ. */
export function glyphStateSizes(config: Experiment): StateSizes {
  return {
    theta: classifierFor(config).numParams,
    pretrained: classifierFor(config, pretrainingClasses().length).numParams,
  };
}

/**
 * The pretrained baseline for glyphs: the same network trained as an ordinary classifier over
 * all meta-training classes (a C-way head), on the images of the same task stream, same
 * optimiser and step count. For a test task it gets a fresh N-way head and is fine-tuned on the
 * support set like every other initialisation.
 */
export class PretrainedClassifier {
  readonly model: Classifier;
  readonly theta: tf.Variable;
  private readonly adam: FlatAdam;
  private readonly classIndex = new Map<number, number>();

  /** supervised steps taken (including those of a loaded θ) */
  stepCount = 0;

  /**
   * `start` continues from a saved network: its whole θ (same C-way head), or only its feature
   * body θ[0, headOffset) with the head from the seed (what θ files carry).
   */
  constructor(config: Experiment, set: GlyphSet, start?: { theta: Float32Array; step: number }) {
    const pool = pretrainingClasses(set);
    pool.forEach((id, i) => this.classIndex.set(id, i));
    this.model = classifierFor(config, pool.length);
    const init = this.model.init(Rng.stream(config.seed, 'pretrain-init'));
    if (start) {
      const n = start.theta.length;
      if (n !== this.model.numParams && n !== this.model.headOffset) {
        throw new Error(
          `a pretrained θ of ${n} numbers does not fit this network (${this.model.headOffset} body, ${this.model.numParams} in all)`,
        );
      }
      init.set(start.theta);
      this.stepCount = start.step;
    }
    this.theta = tf.tidy(() => tf.variable(tf.tensor1d(init), true));
    this.adam = new FlatAdam(this.model.numParams, config.beta);
  }

  setBeta(beta: number): void {
    this.adam.learningRate = beta;
  }

  /** One supervised step on every image of the meta-batch, labelled with its global class. */
  step(batch: GlyphBatch, t: ClassBatch): tf.Scalar {
    const labels = (local: Int32Array, perTask: number) =>
      Int32Array.from(local, (label, i) => {
        const task = Math.floor(i / perTask);
        return this.classIndex.get(batch.classes[task * batch.ways + label] as number) ?? 0;
      });
    const ls = labels(batch.ys, batch.ways * batch.shots);
    const lq = labels(batch.yq, batch.ways * batch.query);
    return tf.tidy(() => {
      const s = IMAGE_SIZE;
      const images = tf.concat(
        [tf.reshape(t.xs, [1, -1, s, s, 1]), tf.reshape(t.xq, [1, -1, s, s, 1])],
        1,
      ) as tf.Tensor5D;
      const y = tf.tensor2d([...ls, ...lq], [1, ls.length + lq.length], 'int32');
      const { value, grad } = tf.valueAndGrad((th: tf.Tensor) =>
        softmaxCrossEntropy(this.model.apply(this.model.unflatten(th), images), y),
      )(this.theta);
      this.adam.apply(this.theta, grad);
      this.stepCount += 1;
      return value;
    });
  }

  /** The feature body θ[0, headOffset), what a θ file stores. */
  async body(): Promise<Float32Array> {
    const all = (await this.theta.data()) as Float32Array;
    return all.slice(0, this.model.headOffset);
  }

  /** θ, its optimiser and the step count as copies, for a run file. */
  async exportState(): Promise<PretrainedState> {
    const theta = Float32Array.from((await this.theta.data()) as Float32Array);
    return { theta, adam: await this.adam.exportState(), step: this.stepCount };
  }

  /** Continue exactly from exportState() (lengths checked by the caller). */
  restoreState(s: PretrainedState): void {
    if (s.theta.length !== this.model.numParams) {
      throw new Error(`a pretrained θ of ${s.theta.length} numbers does not fit ${this.model.numParams}`);
    }
    tf.tidy(() => this.theta.assign(tf.tensor1d(s.theta.slice())));
    this.adam.restore(s.adam);
    this.stepCount = s.step;
  }

  /** θ for an N-way network: this network's feature body plus a fresh head. */
  withHead(target: Classifier, freshTheta: Float32Array): tf.Tensor1D {
    return tf.tidy(() =>
      tf.concat([
        tf.slice(this.theta, [0], [this.model.headOffset]),
        tf.tensor1d(freshTheta.subarray(target.headOffset)),
      ]),
    ) as tf.Tensor1D;
  }

  dispose(): void {
    this.theta.dispose();
    this.adam.dispose();
  }
}

/**
 * Few-shot glyph classification run: N-way K-shot tasks from the meta-training alphabets, the
 * meta-learner, the pretrained classifier and the random initialisation, all from the seed.
 */
export class GlyphRun implements FamilyRun {
  readonly kind = 'glyphs' as const;
  readonly family = glyphFamily;
  readonly engine = 'tfjs' as const;
  readonly model: Classifier;
  readonly set: GlyphSet;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  learner: MetaLearner<ClassBatch, tf.Tensor>;
  readonly pretrainer: PretrainedClassifier | null;
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
    this.learner = new MetaLearner(
      classifierMetaModel(this.model),
      config.algo,
      options.theta ?? this.theta0,
      this.hyper(),
      options.alpha,
    );
    this.pretrainer =
      options.pretrained === false
        ? null
        : new PretrainedClassifier(config, this.set, options.pretrainedTheta);
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
    const t = classBatchTensors(this.nextBatch());
    return { step: () => this.learner.step(t), dispose: () => tf.dispose([t.xs, t.ys, t.xq, t.yq]) };
  }

  step(): StepLosses {
    const batch = this.nextBatch();
    const t = classBatchTensors(batch);
    try {
      const meta = this.learner.step(t);
      const pretrained = this.pretrainer ? this.pretrainer.step(batch, t) : null;
      this.stepCount += 1;
      return { meta, pretrained };
    } finally {
      tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    }
  }

  /**
   * Train only the pretrained baseline on the next meta-batch of the task stream (θ stays): the
   * same batches `step()` would have drawn, so the baseline comes out as it would beside MAML.
   */
  pretrainStep(): tf.Scalar {
    if (!this.pretrainer) throw new Error('this run has no pretrained baseline');
    const batch = this.nextBatch();
    const t = classBatchTensors(batch);
    try {
      return this.pretrainer.step(batch, t);
    } finally {
      tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    }
  }

  /** Live changes keep θ; a new task shape (ways, net, filters), seed or task family does not. */
  update(next: Experiment): boolean {
    const c = this.config;
    if (restartReason(c, next) !== null) return false;
    this.config = { ...next, hidden: [...next.hidden] };
    if (next.algo !== c.algo) {
      const previous = this.learner;
      this.learner = new MetaLearner(
        classifierMetaModel(this.model),
        next.algo,
        previous.theta,
        this.hyper(),
      );
      previous.dispose();
    } else {
      this.learner.setHyper(this.hyper());
    }
    this.pretrainer?.setBeta(next.beta);
    return true;
  }

  /** The whole training state as copies (see FamilyRun.exportState). */
  async exportState(): Promise<TrainingState> {
    const meta = await this.learner.exportState();
    return copyTrainingState({
      config: this.config,
      engine: this.engine,
      step: this.stepCount,
      theta: meta.theta.value,
      thetaAdam: meta.theta.adam,
      alpha: meta.alpha?.value ?? null,
      alphaAdam: meta.alpha?.adam ?? null,
      pretrained: this.pretrainer ? await this.pretrainer.exportState() : null,
      stream: this.streamState(),
    });
  }

  /** Continue from exportState() (see FamilyRun.restoreState); glyph runs train on tfjs only. */
  restoreState(state: TrainingState): void {
    const sizes = { theta: this.numParams, pretrained: this.pretrainer?.model.numParams ?? 0 };
    checkStateFits(this.config, this.pretrainer !== null, state, sizes);
    this.update(state.config);
    const s = copyTrainingState(state);
    this.learner.restoreState({
      theta: { value: s.theta, adam: s.thetaAdam },
      alpha: s.alpha && s.alphaAdam ? { value: s.alpha, adam: s.alphaAdam } : null,
    });
    if (s.pretrained) this.pretrainer?.restoreState(s.pretrained);
    this.seekStream(s.stream);
    this.stepCount = s.step;
  }

  /** The next meta-step's phases 1-4, the run untouched (see FamilyRun.walkStep). */
  walkStep(shown: number, at?: WalkAt): Promise<GlyphWalk> {
    return glyphWalk(this, shown, at);
  }

  /** Query accuracy on held-out-alphabet tasks after 0..steps inner steps, for every method. */
  /** Accuracy curves of every initialisation on held-out tasks (`GlyphEvaluation` does it in pieces). */
  evaluate(p: ClassEvalProtocol): Promise<Record<string, AccuracyCurve>> {
    return evaluateGlyphs(this, p);
  }

  dispose(): void {
    this.learner.dispose();
    this.pretrainer?.dispose();
    this.randomTheta.dispose();
  }
}
