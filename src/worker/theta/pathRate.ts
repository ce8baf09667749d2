/**
 * A subject's rate (`PathRate`, arrays read back) as the tensors the core's inner step takes, made
 * on whichever backend is current: α stays a number, Meta-SGD's vector becomes one tensor, and
 * MAML++'s rates become one per-parameter row per inner step (step s adapts with row s, the last
 * row past the end), exactly as evaluation adapts.
 */
import * as tf from '@tensorflow/tfjs';
import type { InnerRate, StepRates } from '../../core/meta/innerLoop';
import { LSLR_STEPS, spreadRates } from '../../core/meta/mamlppSchedule';
import type { PathRate } from './subject';

export interface RateTensors {
  rate: InnerRate | StepRates;
  /** the tensors made, for the caller to dispose */
  made: tf.Tensor[];
}

/** The rate for `steps` inner steps (MAML++: only the rows those steps read are made). */
export function rateTensors(rate: PathRate, steps: number): RateTensors {
  if (typeof rate === 'number') return { rate, made: [] };
  if (rate instanceof Float32Array) {
    const t = tf.tensor1d(rate);
    return { rate: t, made: [t] };
  }
  const rows = Math.max(1, Math.min(steps, LSLR_STEPS));
  const perStep = Array.from({ length: rows }, (_, s) => tf.tensor1d(spreadRates(rate.lslr, s, rate.sizes)));
  return { rate: { perStep }, made: perStep };
}
