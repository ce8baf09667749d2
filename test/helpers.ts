import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_EXPERIMENT, type Experiment } from '../src/core/experiment';
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

export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
