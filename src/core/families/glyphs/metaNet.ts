/**
 * What a glyph run meta-trains, by algorithm: MAML++ trains the network with per-step batch-norm
 * sets (stepNorm.ts) and its schedules; the other algorithms the plain network.
 */
import type { Classifier } from '../../models/classifier';
import type { Experiment } from '../../schema';
import type { Hyper } from '../../meta/learners';
import { scheduleOf } from '../../meta/mamlppSchedule';
import { classifierFor } from './family';
import { StepNormClassifier } from './stepNorm';

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
