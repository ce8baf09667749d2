import * as tf from '@tensorflow/tfjs';

/**
 * Registers the gradient tfjs 4.22 lacks for Conv2DBackpropFilter, so tf.conv2d can be
 * differentiated twice (MAML through a conv net). Importing this module registers it once.
 *
 * Conv2DBackpropFilter(x, dy) = dW is bilinear in x and dy: given the upstream gradient G of dW,
 *   ∂/∂x  = Conv2DBackpropInput(dy, G)   (the input-gradient of conv2d(x, G) for upstream dy)
 *   ∂/∂dy = conv2d(x, G)
 * Conv2DBackpropInput's own gradient (registered by tfjs) is built from conv2d and
 * Conv2DBackpropFilter, and conv2d's from the two backprop kernels, so with this one addition the
 * three kernels are closed under differentiation to any order.
 */

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function convBackpropInput(
  inputShape: number[],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  a: ConvAttrs,
): tf.Tensor4D {
  const attrs = {
    strides: a.strides,
    pad: a.pad,
    dataFormat: a.dataFormat,
    dimRoundingMode: a.dimRoundingMode,
    inputShape,
  } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter }, attrs) as tf.Tensor4D;
}

let registered = false;

export function registerConvGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: tf.Conv2DBackpropFilter,
    inputsToSave: ['x', 'dy'],
    gradFunc: (g: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
      const [x, dy] = saved as [tf.Tensor4D, tf.Tensor4D];
      const ddw = g as tf.Tensor4D;
      const a = attrs as unknown as ConvAttrs;
      return {
        x: () => convBackpropInput(x.shape, dy, ddw, a),
        dy: () => tf.conv2d(x, ddw, a.strides, a.pad, a.dataFormat, 1, a.dimRoundingMode),
      };
    },
  });
}

registerConvGradients();
