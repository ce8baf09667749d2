import * as tf from '@tensorflow/tfjs';

/**
 * Per-channel parameter p, shared [C] or per task [T, C], shaped to broadcast against a
 * task-batched activation [T, ...] of the given rank whose channels lie on `channelAxis`.
 */
export function perChannel(p: tf.Tensor, rank: number, channelAxis = rank - 1): tf.Tensor {
  const shape = new Array<number>(rank).fill(1);
  shape[0] = p.rank === 2 ? (p.shape[0] as number) : 1;
  shape[channelAxis] = p.shape[p.rank - 1] as number;
  return tf.reshape(p, shape);
}

/**
 * Batch normalisation with the current batch's statistics, computed per task: for h [T, ...]
 * the mean and variance run over every axis but the task axis (0) and `channelAxis` (default:
 * last). As in the MAML paper, no running averages: meta-test uses the statistics of the batch at
 * hand too. Built from mean, sub, square, sqrt and div, which all differentiate twice.
 */
export function taskBatchNorm<T extends tf.Tensor>(
  h: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  channelAxis = h.rank - 1,
  epsilon = 1e-3,
): T {
  const axes: number[] = [];
  for (let a = 1; a < h.rank; a++) if (a !== channelAxis) axes.push(a);
  const centred = tf.sub(h, tf.mean(h, axes, true));
  const variance = tf.mean(tf.square(centred), axes, true);
  const scale = tf.div(perChannel(gamma, h.rank, channelAxis), tf.sqrt(tf.add(variance, epsilon)));
  return tf.add(tf.mul(centred, scale), perChannel(beta, h.rank, channelAxis)) as T;
}
