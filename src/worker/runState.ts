/**
 * Building a run from a snapshot and taking snapshots of a run, for every task family: what lets
 * training move between backends and workers (fallback, restarts), survive divergence, and travel
 * inside a share link.
 */
import type { Experiment } from '../core/experiment';
import type { FamilyRun } from '../core/families/family';
import { familyOf } from '../core/families/registry';
import type { Engine, Snapshot } from './protocol';

/** a cheap task stream (TaskFamily.cheapSkip) is fast-forwarded at most this many steps */
const FAST_FORWARD_LIMIT = 200_000;

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

/**
 * A run of `config` positioned at `snap`: θ, the pretrained baseline's θ and step, the learned
 * inner rates (Meta-SGD's α, MAML++'s LSLR rates), and the task stream (exactly, when the snapshot carries its position; otherwise by drawing the
 * snapshot's steps' batches again). Adam's moments start again from zero (they are not part of a
 * snapshot).
 */
export function runFromSnapshot(
  config: Experiment,
  snap: Snapshot | null,
  engine: Engine = 'tfjs',
): FamilyRun {
  const family = familyOf(config.task);
  if (!snap) return family.createRun(config, { engine });
  const p = family.numParams(config);
  const check = (name: string, a: Float32Array, size = p) => {
    if (a.length !== size) throw new Error(`${name} has ${a.length} values, the network has ${size}`);
    if (!allFinite(a)) throw new Error(`${name} contains values that are not finite`);
  };
  // (an algorithm switch may change θ's layout: the family fits the θ it keeps)
  const theta = family.fitTheta ? family.fitTheta(config, snap.theta) : snap.theta;
  check('θ', theta);
  if (snap.alpha) check('Meta-SGD α', snap.alpha);
  if (snap.rates) check("MAML++'s rates", snap.rates, snap.rates.length);
  if (snap.pretrained && !allFinite(snap.pretrained))
    throw new Error('pretrained θ contains values that are not finite');
  const run = family.createRun(config, {
    engine,
    theta,
    ...learnedOf(config, snap),
    ...(snap.pretrained
      ? { pretrainedTheta: { theta: snap.pretrained, step: snap.pretrainedStep ?? snap.step } }
      : {}),
  });
  try {
    if (snap.stream) run.seekStream(snap.stream);
    else if (family.cheapSkip || snap.step === 0) {
      for (let i = 0; i < Math.min(snap.step, FAST_FORWARD_LIMIT); i++) run.skipBatch();
    }
    run.stepCount = snap.step;
    return run;
  } catch (e) {
    run.dispose();
    throw e;
  }
}

/** The learned rates a snapshot gives a run of `config`'s algorithm (none for the others). */
function learnedOf(config: Experiment, snap: Snapshot): { alpha?: Float32Array } {
  if (config.algo === 'metasgd' && snap.alpha) return { alpha: snap.alpha };
  if (config.algo === 'mamlpp' && snap.rates) return { alpha: snap.rates };
  return {};
}

/** Read the run's state back from the device (asynchronously). */
export async function takeSnapshot(run: FamilyRun): Promise<Snapshot> {
  const step = run.stepCount;
  const stream = run.streamState();
  const theta = (await run.learner.theta.data()) as Float32Array;
  const pretrained = run.pretrainer ? ((await run.pretrainer.theta.data()) as Float32Array) : null;
  const alpha = run.learner.alphaVec ? ((await run.learner.alphaVec.data()) as Float32Array) : null;
  const rates = run.learner.rates ? ((await run.learner.rates.data()) as Float32Array) : null;
  const pretrainedStep = run.pretrainer?.stepCount;
  return {
    step,
    theta,
    pretrained,
    alpha,
    ...(rates ? { rates } : {}),
    stream,
    ...(pretrainedStep !== undefined ? { pretrainedStep } : {}),
  };
}

export function snapshotFinite(s: Snapshot): boolean {
  return (
    allFinite(s.theta) &&
    (!s.pretrained || allFinite(s.pretrained)) &&
    (!s.alpha || allFinite(s.alpha)) &&
    (!s.rates || allFinite(s.rates))
  );
}

export function copySnapshot(s: Snapshot): Snapshot {
  return {
    ...s,
    theta: s.theta.slice(),
    pretrained: s.pretrained ? s.pretrained.slice() : null,
    alpha: s.alpha ? s.alpha.slice() : null,
    ...(s.rates ? { rates: s.rates.slice() } : {}),
    ...(s.stream ? { stream: [...s.stream] } : {}),
  };
}
