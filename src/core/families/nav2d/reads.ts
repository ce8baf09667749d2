/**
 * Computations that read tensors back midway (a rollout's rewards feed the advantage estimates)
 * are written once as generators that yield the tensors they need and receive their values; a
 * driver decides how to read: asynchronously (the default, no blocking read) or synchronously
 * (for FamilyRun.step(), whose contract returns at once; on the CPU backends this is a copy).
 */
import type * as tf from '@tensorflow/tfjs';

export type Reading<R> = Generator<tf.Tensor[], R, Float32Array[]>;

export async function readAsync<R>(g: Reading<R>): Promise<R> {
  let r = g.next([]);
  while (!r.done) {
    const values = (await Promise.all(r.value.map((t) => t.data()))) as Float32Array[];
    r = g.next(values);
  }
  return r.value;
}

export function readSync<R>(g: Reading<R>): R {
  let r = g.next([]);
  while (!r.done) r = g.next(r.value.map((t) => t.dataSync() as Float32Array));
  return r.value;
}
