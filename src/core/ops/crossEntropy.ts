import * as tf from '@tensorflow/tfjs';
import { logSoftmax } from './softmax';

/**
 * Softmax cross-entropy from logits, built only from ops with second-order gradients (see
 * softmax.ts), so MAML can differentiate through an inner step taken on it.
 *
 * Labels are either int32 class indices (shape of logits without the last axis) or one-hot /
 * soft float targets shaped like the logits; they are constants (no gradient flows into them).
 */
function targets(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  if (labels.dtype === 'int32') {
    const n = logits.shape[logits.rank - 1] as number;
    // tfjs-wasm 4.22's OneHot ignores a float32 dtype and writes int32 bits (1 reads as 1e-45),
    // so build it as int32 and cast
    return tf.cast(tf.oneHot(labels, n), 'float32');
  }
  return labels;
}

/** Per-example loss: logits [..., N] → [...]. */
export function crossEntropyPerExample(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.neg(tf.sum(tf.mul(targets(logits, labels), logSoftmax(logits)), -1));
}

/** Mean loss over every example (all leading axes): the meta-loss of a batch of tasks. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.mean(crossEntropyPerExample(logits, labels));
}

/**
 * Sum over tasks of each task's mean loss, for logits [T, B, N]. Its gradient with respect to
 * per-task parameters is each task's own mean-loss gradient (what an inner SGD step needs).
 */
export function summedTaskCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor): tf.Scalar {
  const b = logits.shape[1];
  return tf.div(tf.sum(crossEntropyPerExample(logits, labels)), b);
}

/** Per-task mean loss [T] for logits [T, B, N]. */
export function taskCrossEntropy(logits: tf.Tensor3D, labels: tf.Tensor): tf.Tensor1D {
  return tf.mean(crossEntropyPerExample(logits, labels), 1) as tf.Tensor1D;
}

/** Per-task accuracy [T] for logits [T, B, N] and int32 labels [T, B] (not differentiable). */
export function taskAccuracy(logits: tf.Tensor3D, labels: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () => tf.mean(tf.cast(tf.equal(tf.argMax(logits, -1), labels), 'float32'), 1) as tf.Tensor1D,
  );
}
