import * as tf from '@tensorflow/tfjs';

/**
 * a[m,k] @ b[k,n] whose forward and backward passes only issue non-transposed 2-D products.
 * tfjs-wasm runs those on XNNPACK; a transposed or batched BatchMatMul falls back to a naive
 * loop, much slower for these shapes.
 * The gradient is built from matMul2d itself, so it can be differentiated again.
 */
const fastMatMul = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [matMul2d(dy, tf.transpose(sb)), matMul2d(tf.transpose(sa), dy)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return fastMatMul(a, b) as tf.Tensor2D;
}
