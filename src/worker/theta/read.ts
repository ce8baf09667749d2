import type * as tf from '@tensorflow/tfjs';

/** A tensor's values, read back asynchronously. */
export async function read(t: tf.Tensor): Promise<Float32Array> {
  return (await t.data()) as Float32Array;
}
