import * as tf from '@tensorflow/tfjs';
import { layerSizes, type Experiment } from '../experiment';
import { Mlp } from '../models/mlp';
import { Rng } from '../random';
import type { RegressionBatch, RegressionFamily } from '../tasks/regression';
import { sinusoid } from '../tasks/sinusoid';
import { batchTensors, type EvalMethod } from './evaluate';
import { JointLearner, MetaLearner, type Hyper } from './learners';

export function familyFor(config: Experiment): RegressionFamily {
  switch (config.task) {
    case 'sinusoid':
      return sinusoid;
    case 'glyphs':
      throw new Error('glyph tasks are classification: use GlyphRun (createRun picks the right run)');
  }
}

export interface StepLosses {
  /** meta-loss (query MSE after adaptation) before this step's update */
  meta: tf.Scalar;
  /** the pretrained baseline's joint-regression loss, when it trains alongside */
  pretrained: tf.Scalar | null;
}

export interface RunOptions {
  /** train the pretrained baseline on the same task stream (default true) */
  pretrained?: boolean;
  /** start from this θ instead of the seed's initialisation (e.g. a shared link) */
  theta?: Float32Array;
}

/**
 * One meta-training run: the task stream, the network, the meta-learner, the pretrained baseline
 * and the random initialisation, all derived from the config's seed. Used as-is by the CLI, the
 * tests and the Web Worker.
 */
export class ExperimentRun {
  readonly family: RegressionFamily;
  readonly model: Mlp;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  learner: MetaLearner;
  readonly pretrainer: JointLearner | null;
  private readonly taskRng: Rng;
  private config: Experiment;
  stepCount = 0;

  constructor(config: Experiment, options: RunOptions = {}) {
    this.config = { ...config, hidden: [...config.hidden] };
    this.family = familyFor(config);
    this.model = new Mlp(layerSizes(config));
    this.theta0 = this.model.init(Rng.stream(config.seed, 'init'));
    this.randomTheta = tf.tensor1d(this.theta0);
    this.taskRng = Rng.stream(config.seed, 'train');
    this.learner = new MetaLearner(this.model, config.algo, options.theta ?? this.theta0, this.hyper());
    this.pretrainer =
      options.pretrained === false ? null : new JointLearner(this.model, this.theta0, this.hyper());
  }

  get experiment(): Experiment {
    return this.config;
  }

  private hyper(): Hyper {
    return { alpha: this.config.alpha, beta: this.config.beta, inner: this.config.inner };
  }

  /** The next meta-batch of the seed's task stream (also used by the pretrained baseline). */
  nextBatch(): RegressionBatch {
    const c = this.config;
    return this.family.sampleBatch(this.taskRng, c.batch, c.k, c.query);
  }

  /** One meta-step (and one pretraining step on the same tasks). Losses are left on the device. */
  step(): StepLosses {
    const t = batchTensors(this.nextBatch());
    try {
      const meta = this.learner.step(t);
      const pretrained = this.pretrainer ? this.pretrainer.step(t) : null;
      this.stepCount += 1;
      return { meta, pretrained };
    } finally {
      tf.dispose(t);
    }
  }

  /**
   * Change hyperparameters without losing θ. α, β, inner steps, K, query size and meta-batch
   * apply from the next step; a new algorithm keeps θ and restarts the optimiser's moments.
   * Returns false when the change needs a new run (task, hidden sizes, seed).
   */
  update(next: Experiment): boolean {
    const c = this.config;
    if (next.task !== c.task || next.seed !== c.seed || next.hidden.join() !== c.hidden.join()) {
      return false;
    }
    this.config = { ...next, hidden: [...next.hidden] };
    if (next.algo !== c.algo) {
      const previous = this.learner;
      this.learner = new MetaLearner(this.model, next.algo, previous.theta, this.hyper());
      previous.dispose();
    } else {
      this.learner.setHyper(this.hyper());
    }
    this.pretrainer?.setHyper(this.hyper());
    return true;
  }

  /** The three initialisations the UI and the CLI compare. */
  methods(): EvalMethod[] {
    const m: EvalMethod[] = [{ name: 'maml', theta: this.learner.theta, rate: this.learner.innerRate() }];
    if (this.pretrainer)
      m.push({ name: 'pretrained', theta: this.pretrainer.theta, rate: this.config.alpha });
    m.push({ name: 'random', theta: this.randomTheta, rate: this.config.alpha });
    return m;
  }

  dispose(): void {
    this.learner.dispose();
    this.pretrainer?.dispose();
    this.randomTheta.dispose();
  }
}
