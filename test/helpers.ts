import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_EXPERIMENT, type Experiment } from '../src/core/experiment';
import type { FamilyRun } from '../src/core/families/family';
import { batchTensors } from '../src/core/families/regression/evaluate';
import type { BatchTensors } from '../src/core/meta/learners';
import { Rng } from '../src/core/random';
import { sinusoid } from '../src/core/families/sinusoid/sampler';

export async function startBackend(name: 'cpu' | 'wasm'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`backend ${name} unavailable`);
}

export function experiment(over: Partial<Experiment> = {}): Experiment {
  return { ...DEFAULT_EXPERIMENT, hidden: [...DEFAULT_EXPERIMENT.hidden], ...over };
}

export function sinusoidBatch(seed: number, tasks: number, k: number, q: number): BatchTensors {
  return batchTensors(sinusoid.sampleBatch(new Rng(seed, 'test'), tasks, k, q));
}

/**
 * Comparisons of two results throw unless both hold the same, non-zero number of values: an empty
 * or truncated result never passes a tolerance.
 */
export function assertComparable(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`compared results differ in length: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new Error('compared results are empty');
}

/** ‖a − b‖ / ‖b‖ over the same non-empty length (else it throws). */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertComparable(a, b);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertComparable(a, b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

/** Plain meta-steps of a run, their losses read and freed. */
export async function train(run: FamilyRun, steps: number): Promise<void> {
  for (let i = 0; i < steps; i++) {
    const { meta, pretrained } = run.step();
    await meta.data();
    tf.dispose([meta, pretrained as tf.Tensor]);
  }
}

export const copy = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);
/** Equality to the last bit (-0 ≠ 0, NaN = NaN). */
export const bytes = (a: Float32Array | null) =>
  a ? Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) : null;
export const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
export const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);
