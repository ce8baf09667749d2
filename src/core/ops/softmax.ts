import * as tf from '@tensorflow/tfjs';

/**
 * Softmax-family ops that tfjs 4.22 can differentiate any number of times. Its own exp, softmax,
 * logSoftmax and logSumExp save their outputs (or go through Equal) for the backward pass, so a
 * nested tf.grads through them fails; MAML's inner step needs exactly such a nested gradient.
 */

type CustomFn = Parameters<typeof tf.customGrad>[0];

/** exp whose gradient is computed by calling itself on the saved input, so it nests to any order. */
const expNested = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.exp(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, safeExp(saved[0] as tf.Tensor)),
  };
}) as unknown as CustomFn);

export function safeExp<T extends tf.Tensor>(x: T): T {
  return expNested(x) as T;
}

/**
 * Max over the last axis (kept) with a zero gradient that does not depend on x. Used only as a
 * shift for numerical stability, where its true derivative contributions cancel exactly; tf.max's
 * own gradient goes through Equal, which has no gradient and breaks second order.
 */
const shiftMax = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.max(x, -1, true),
  gradFunc: () => tf.zeros(x.shape),
})) as unknown as CustomFn);

/** log Σ exp(x) over the last axis, keeping that axis (size 1); stable for large logits. */
export function logSumExp(x: tf.Tensor): tf.Tensor {
  const m = shiftMax(x) as tf.Tensor;
  return tf.add(m, tf.log(tf.sum(safeExp(tf.sub(x, m)), -1, true)));
}

/** log softmax over the last axis. */
export function logSoftmax<T extends tf.Tensor>(x: T): T {
  return tf.sub(x, logSumExp(x)) as T;
}

/** softmax over the last axis. */
export function softmax<T extends tf.Tensor>(x: T): T {
  const e = safeExp(tf.sub(x, shiftMax(x) as tf.Tensor));
  return tf.div(e, tf.sum(e, -1, true)) as T;
}
