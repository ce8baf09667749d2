/**
 * Building a run from a snapshot and taking snapshots of a run: what lets training move between
 * workers (backend fallback, restarts), survive divergence, and travel inside a share link.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../core/experiment';
import type { RegressionRun } from '../core/families/regression/run';
import { createRegressionRun } from '../core/families/regression/lookup';
import type { Snapshot } from './protocol';

/** advancing the task stream costs ~10 µs a step: beyond this it is not worth the wait */
const FAST_FORWARD_LIMIT = 200_000;

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i] as number)) return false;
  return true;
}

/**
 * A run of `config` positioned at `snap`: θ, the pretrained baseline's θ and Meta-SGD's α are
 * restored and the task stream is advanced past the snapshot's steps, so training continues on
 * new tasks. Adam's moments start again from zero (they are not part of a snapshot).
 */
export function runFromSnapshot(config: Experiment, snap: Snapshot | null): RegressionRun {
  if (!snap) return createRegressionRun(config);
  const run = createRegressionRun(config, { theta: snap.theta });
  try {
    const p = run.model.numParams;
    const check = (name: string, a: Float32Array) => {
      if (a.length !== p) throw new Error(`${name} has ${a.length} values, the network has ${p}`);
      if (!allFinite(a)) throw new Error(`${name} contains values that are not finite`);
    };
    check('θ', snap.theta);
    if (snap.pretrained && run.pretrainer) {
      check('pretrained θ', snap.pretrained);
      run.pretrainer.theta.assign(tf.tensor1d(snap.pretrained));
    }
    if (snap.alpha && run.learner.alphaVec) {
      check('Meta-SGD α', snap.alpha);
      run.learner.alphaVec.assign(tf.tensor1d(snap.alpha));
    }
    for (let i = 0; i < Math.min(snap.step, FAST_FORWARD_LIMIT); i++) run.nextBatch();
    run.stepCount = snap.step;
    return run;
  } catch (e) {
    run.dispose();
    throw e;
  }
}

/** Read the run's state back from the device (asynchronously). */
export async function takeSnapshot(run: RegressionRun): Promise<Snapshot> {
  const step = run.stepCount;
  const theta = (await run.learner.theta.data()) as Float32Array;
  const pretrained = run.pretrainer ? ((await run.pretrainer.theta.data()) as Float32Array) : null;
  const alpha = run.learner.alphaVec ? ((await run.learner.alphaVec.data()) as Float32Array) : null;
  return { step, theta, pretrained, alpha };
}

export function snapshotFinite(s: Snapshot): boolean {
  return allFinite(s.theta) && (!s.pretrained || allFinite(s.pretrained)) && (!s.alpha || allFinite(s.alpha));
}

export function copySnapshot(s: Snapshot): Snapshot {
  return {
    step: s.step,
    theta: s.theta.slice(),
    pretrained: s.pretrained ? s.pretrained.slice() : null,
    alpha: s.alpha ? s.alpha.slice() : null,
  };
}
