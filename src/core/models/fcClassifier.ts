import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { perChannel, taskBatchNorm } from '../ops/taskBatchNorm';
import { BATCH_NORM_EPSILON, FC_DEFAULTS, fcSpecs } from './glyphNets';
import {
  activate,
  heUniform,
  ParamLayout,
  taskLinear,
  type Activation,
  type Classifier,
  type Params,
} from './classifier';

/**
 * The MAML paper's fully connected Omniglot alternative: the flattened image (784) through hidden
 * layers 256-128-64-64 with ReLU, optional batch norm on the current batch (per task), then a
 * linear layer to N logits. Parameters per hidden layer: fc.w [in, out], then bn.gamma, bn.beta
 * [out] with batch norm or fc.b [out] without; then head.w [64, N], head.b [N].
 */
export interface FcClassifierConfig {
  ways: number;
  hidden?: number[];
  batchNorm?: boolean;
  /** hidden nonlinearity (paper: relu) */
  activation?: Activation;
  /** flattened input size (28·28·1) */
  inputSize?: number;
}

export class FcClassifier implements Classifier {
  readonly ways: number;
  readonly hidden: readonly number[];
  readonly batchNorm: boolean;
  readonly activation: Activation;
  readonly inputSize: number;
  readonly layout: ParamLayout;
  readonly numParams: number;
  readonly headOffset: number;

  constructor(config: FcClassifierConfig) {
    this.ways = config.ways;
    this.hidden = [...(config.hidden ?? FC_DEFAULTS.hidden)];
    this.batchNorm = config.batchNorm ?? FC_DEFAULTS.batchNorm;
    this.activation = config.activation ?? FC_DEFAULTS.activation;
    this.inputSize = config.inputSize ?? FC_DEFAULTS.inputSize;
    if (this.ways < 1 || this.hidden.some((n) => n < 1)) throw new Error('bad layer size');
    const specs = fcSpecs({
      ways: this.ways,
      hidden: this.hidden,
      inputSize: this.inputSize,
      batchNorm: this.batchNorm,
    });
    this.layout = new ParamLayout(specs);
    this.numParams = this.layout.numParams;
    this.headOffset = this.layout.offsetOf('head.w');
  }

  /** He-uniform hidden weights, γ 1, biases and β 0; head U(±1/√fan_in), zero bias. */
  init(rng: Rng): Float32Array {
    const theta = new Float32Array(this.numParams);
    const { specs, offsets, sizes } = this.layout;
    specs.forEach((spec, i) => {
      const o = offsets[i] as number;
      const n = sizes[i] as number;
      const fanIn = spec.shape[0] as number;
      if (spec.name.endsWith('.gamma')) theta.fill(1, o, o + n);
      else if (spec.name.startsWith('fc') && spec.name.endsWith('.w')) heUniform(rng, theta, o, n, fanIn);
      else if (spec.name === 'head.w') {
        const bound = 1 / Math.sqrt(fanIn);
        for (let j = 0; j < n; j++) theta[o + j] = rng.uniform(-bound, bound);
      }
    });
    return theta;
  }

  unflatten(theta: tf.Tensor): Params {
    return this.layout.unflatten(theta);
  }

  flatten(params: Params): tf.Tensor {
    return this.layout.flatten(params);
  }

  /** Logits [T, B, ways] for images x [T, B, H, W, C] (H·W·C = inputSize). */
  apply(params: Params, x: tf.Tensor5D): tf.Tensor3D {
    if (params.length !== this.layout.specs.length) throw new Error('wrong number of parameters');
    const [t, b] = x.shape;
    let h = tf.reshape(x, [t, b, this.inputSize]) as tf.Tensor3D;
    let i = 0;
    for (let l = 0; l < this.hidden.length; l++) {
      h = taskLinear(h, params[i++] as tf.Tensor);
      if (this.batchNorm) {
        const [gamma, beta] = [params[i++] as tf.Tensor, params[i++] as tf.Tensor];
        h = taskBatchNorm(h, gamma, beta, 2, BATCH_NORM_EPSILON);
      } else h = tf.add(h, perChannel(params[i++] as tf.Tensor, 3));
      h = activate(h, this.activation);
    }
    const logits = taskLinear(h, params[i++] as tf.Tensor);
    return tf.add(logits, perChannel(params[i] as tf.Tensor, 3));
  }
}
