import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import type { Classifier } from '../../models/classifier';
import { softmaxCrossEntropy } from '../../ops/crossEntropy';
import { Rng } from '../../random';
import { GlyphSource, type ClassSource } from './data/source';
import { IMAGE_SIZE } from './data/rasterize';
import type { GlyphBatch } from './data/sampler';
import { FlatAdam } from '../../meta/adam';
import type { PretrainedState, StateSizes } from '../../runs/trainingState';
import type { ClassBatch } from './classification';
import { classifierFor } from './family';
import { metaClassifierFor } from './metaNet';
import { isStepNorm } from './stepNorm';
import { lslrSize } from '../../meta/mamlppSchedule';

/** The classes the pretrained classifier tells apart: every meta-training class. */
export function pretrainingClasses(source: ClassSource = new GlyphSource()): number[] {
  return source.trainClasses();
}

/**
 * The lengths of a classification config's training state: θ, the pretrained C-way classifier's
 * θ, and MAML++'s rates.
 */
export function glyphStateSizes(config: Experiment, source: ClassSource = new GlyphSource()): StateSizes {
  const model = metaClassifierFor(config);
  return {
    theta: model.numParams,
    pretrained: classifierFor(config, pretrainingClasses(source).length).numParams,
    ...(isStepNorm(model) ? { lslr: lslrSize(model.rateSizes.length) } : {}),
  };
}

/** The pretrained classifier's network and where it starts: from the seed, or a saved θ. */
export interface PretrainedStart {
  /** the glyph classes of its C outputs, in order */
  classes: number[];
  model: Classifier;
  theta0: Float32Array;
  /** supervised steps already taken (those of a loaded θ) */
  step: number;
}

/**
 * `start` continues from a saved network: its whole θ (same C-way head), or only its feature
 * body θ[0, headOffset) with the head from the seed (what θ files carry).
 */
export function pretrainedStart(
  config: Experiment,
  source: ClassSource,
  start?: { theta: Float32Array; step: number },
): PretrainedStart {
  const classes = pretrainingClasses(source);
  const model = classifierFor(config, classes.length);
  const theta0 = model.init(Rng.stream(config.seed, 'pretrain-init'));
  if (!start) return { classes, model, theta0, step: 0 };
  const n = start.theta.length;
  if (n !== model.numParams && n !== model.headOffset) {
    throw new Error(
      `a pretrained θ of ${n} numbers does not fit this network (${model.headOffset} body, ${model.numParams} in all)`,
    );
  }
  theta0.set(start.theta);
  return { classes, model, theta0, step: start.step };
}

/** θ for an N-way network `target`: the pretrained network's feature body plus a fresh head. */
export function bodyWithHead(
  theta: tf.Tensor,
  model: Classifier,
  target: Classifier,
  freshTheta: Float32Array,
): tf.Tensor1D {
  return tf.tidy(() =>
    tf.concat([
      tf.slice(theta, [0], [model.headOffset]),
      tf.tensor1d(freshTheta.subarray(target.headOffset)),
    ]),
  ) as tf.Tensor1D;
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
  constructor(config: Experiment, source: ClassSource, start?: { theta: Float32Array; step: number }) {
    const p = pretrainedStart(config, source, start);
    p.classes.forEach((id, i) => this.classIndex.set(id, i));
    this.model = p.model;
    this.stepCount = p.step;
    this.theta = tf.tidy(() => tf.variable(tf.tensor1d(p.theta0), true));
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
    return bodyWithHead(this.theta, this.model, target, freshTheta);
  }

  dispose(): void {
    this.theta.dispose();
    this.adam.dispose();
  }
}
