/**
 * What a glyph run meta-trains, by algorithm: MAML++ trains the network with per-step batch-norm
 * sets (stepNorm.ts) and its schedules; the other algorithms the plain network.
 */
import type { Classifier } from '../../models/classifier';
import type { Experiment } from '../../schema';
import type { Hyper } from '../../meta/learners';
import { scheduleOf } from '../../meta/mamlppSchedule';
import { classifierFor } from './family';
import { isStepNorm, StepNormClassifier } from './stepNorm';

/** The network a run meta-trains: MAML++ adds per-step batch-norm sets to θ (stepNorm.ts). */
export function metaClassifierFor(config: Experiment): Classifier {
  const base = classifierFor(config);
  return config.algo === 'mamlpp' ? new StepNormClassifier(base) : base;
}

/** The meta-learner's settings of a config (MAML++'s schedules included). */
export function glyphHyper(c: Experiment): Hyper {
  return { alpha: c.alpha, beta: c.beta, inner: c.inner, schedule: scheduleOf(c) };
}

/** Whether two configs' meta-trained θ differ in layout (MAML++'s batch-norm sets come or go). */
export function normSetsChange(a: Experiment, b: Experiment): boolean {
  return (a.algo === 'mamlpp') !== (b.algo === 'mamlpp');
}

/**
 * θ for `model` from a θ of the same network with or without MAML++'s batch-norm sets, so that
 * switching algorithm keeps θ: a plain θ gets its batch norm copied into every set, a θ with sets
 * keeps only the base network's part (its current set). Any other length is returned as it is.
 */
export function fitTheta(model: Classifier, theta: Float32Array): Float32Array {
  if (theta.length === model.numParams) return theta;
  if (isStepNorm(model)) return theta.length === model.baseParams ? model.fromBase(theta) : theta;
  const withSets = new StepNormClassifier(model);
  return theta.length === withSets.numParams ? theta.slice(0, model.numParams) : theta;
}
