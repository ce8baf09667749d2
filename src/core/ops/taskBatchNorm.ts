import * as tf from '@tensorflow/tfjs';

/**
 * Per-channel parameter p, shared [C] or per task [T, C], shaped to broadcast against a
 * task-batched activation of the given rank [T, ..., C].
 */
export function perChannel(p: tf.Tensor, rank: number): tf.Tensor {
  const c = p.shape[p.rank - 1] as number;
  const lead = p.rank === 2 ? (p.shape[0] as number) : 1;
  return tf.reshape(p, [lead, ...new Array<number>(rank - 2).fill(1), c]);
}

/**
 * Batch normalisation with the current batch's statistics, computed per task: for h [T, ..., C]
 * the mean and variance run over every axis but the task and channel axes. As in the MAML paper,
 * no running averages: meta-test uses the statistics of the batch at hand too. Built from mean,
 * sub, square, sqrt and div, which all differentiate twice.
 */
export function taskBatchNorm<T extends tf.Tensor>(
  h: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-3,
): T {
  const axes: number[] = [];
  for (let a = 1; a < h.rank - 1; a++) axes.push(a);
  const centred = tf.sub(h, tf.mean(h, axes, true));
  const variance = tf.mean(tf.square(centred), axes, true);
  const scale = tf.div(perChannel(gamma, h.rank), tf.sqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(centred, scale), perChannel(beta, h.rank)) as T;
}
