import * as tf from '@tensorflow/tfjs';

/**
 * Leaner gradients for Multiply, Add, Sub and Relu, registered over tfjs's own on import.
 *
 * tfjs 4.22's versions cast the other operand to float32 even when it already is (a Cast kernel
 * per call) and reshape the gradient even when no broadcasting happened (a Reshape kernel per
 * input). In a MAML meta-step these are ~40 of ~300 kernels. The maths is unchanged; the
 * finite-difference tests in test/leanGradients.test.ts check first and second derivatives.
 */

function reduceTo(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, g.shape);
  if (axes.length === 0) return g;
  return tf.reshape(tf.sum(g, axes), shape);
}

function asFloat(x: tf.Tensor): tf.Tensor {
  return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
}

/**
 * The tape stores each input's gradient by tensor id and disposes it when accumulating, so two
 * inputs must never receive the very same tensor object: the second gets a cheap copy.
 */
function distinct(g: tf.Tensor, other: tf.Tensor | null): tf.Tensor {
  return g === other ? tf.reshape(g, g.shape) : g;
}

const KERNELS = [tf.Multiply, tf.Add, tf.Sub, tf.Relu];

/** tfjs's own gradient configs, kept so tests can compare against them. */
export const originalGradients = KERNELS.map((k) => tf.getGradient(k)).filter(
  (g): g is NonNullable<typeof g> => g !== undefined,
);

let registered = false;

/** Put tfjs's own gradients back (tests only); registerLeanGradients() re-installs ours. */
export function restoreOriginalGradients(): void {
  for (const g of originalGradients) tf.registerGradient(g);
  registered = false;
}

export function registerLeanGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Multiply,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      return {
        a: () => reduceTo(tf.mul(g, asFloat(b)), a.shape),
        b: () => reduceTo(tf.mul(g, asFloat(a)), b.shape),
      };
    },
  });
  tf.registerGradient({
    kernelName: tf.Add,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      let ga: tf.Tensor | null = null;
      return {
        a: () => (ga = reduceTo(g, a.shape)),
        b: () => distinct(reduceTo(g, b.shape), ga),
      };
    },
  });
  tf.registerGradient({
    kernelName: tf.Sub,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const g = dy as tf.Tensor;
      return {
        a: () => reduceTo(g, a.shape),
        b: () => tf.neg(reduceTo(g, b.shape)),
      };
    },
  });
  tf.registerGradient({
    kernelName: tf.Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => tf.mul(dy as tf.Tensor, tf.step(x)) };
    },
  });
}

registerLeanGradients();
