import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random';
import { perChannel, taskBatchNorm } from '../ops/taskBatchNorm';
import { sameOutSize, taskConv2d } from '../ops/taskConv2d';
import { BATCH_NORM_EPSILON, CONV_DEFAULTS, CONV_STRIDE, convNetSpecs } from './glyphNets';
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
 * The MAML paper's Omniglot classifier: blocks of 3×3 convolution with stride 2 (SAME padding),
 * optional batch norm with the current batch's statistics (per task), ReLU; then the features are
 * averaged over the remaining spatial positions (2×2 after 4 blocks on 28×28) and a linear head
 * maps them to N logits. The paper uses 4 blocks of 64 filters; the default here is 4 × 32, lighter
 * for the browser.
 *
 * Per-task filters go through taskConv2d (patches + batched matrix product, see there), so one
 * forward pass issues the same kernels for any number of tasks.
 *
 * Parameters per block: conv.w [3, 3, Cin, F], then bn.gamma [F], bn.beta [F] with batch norm
 * (a conv bias would be cancelled by it) or conv.b [F] without; then head.w [F, N], head.b [N].
 */
export interface ConvNetConfig {
  ways: number;
  /** filters per block (paper: 64) */
  filters?: number;
  /** number of conv blocks (paper: 4) */
  blocks?: number;
  batchNorm?: boolean;
  /** hidden nonlinearity (paper: relu) */
  activation?: Activation;
  /** square input size (28) and channels (1) */
  imageSize?: number;
  channels?: number;
}

export class ConvNet implements Classifier {
  readonly ways: number;
  readonly filters: number;
  readonly blocks: number;
  readonly batchNorm: boolean;
  readonly activation: Activation;
  readonly imageSize: number;
  readonly channels: number;
  readonly layout: ParamLayout;
  readonly numParams: number;
  readonly headOffset: number;

  constructor(config: ConvNetConfig) {
    this.ways = config.ways;
    this.filters = config.filters ?? CONV_DEFAULTS.filters;
    this.blocks = config.blocks ?? CONV_DEFAULTS.blocks;
    this.batchNorm = config.batchNorm ?? CONV_DEFAULTS.batchNorm;
    this.activation = config.activation ?? CONV_DEFAULTS.activation;
    this.imageSize = config.imageSize ?? CONV_DEFAULTS.imageSize;
    this.channels = config.channels ?? CONV_DEFAULTS.channels;
    if (this.ways < 1 || this.filters < 1 || this.blocks < 1) throw new Error('bad conv net size');
    const specs = convNetSpecs({
      ways: this.ways,
      filters: this.filters,
      blocks: this.blocks,
      channels: this.channels,
      batchNorm: this.batchNorm,
    });
    this.layout = new ParamLayout(specs);
    this.numParams = this.layout.numParams;
    this.headOffset = this.layout.offsetOf('head.w');
  }

  /** Spatial size of the last block's output (2 for 28×28 and 4 blocks). */
  get featureSize(): number {
    let s = this.imageSize;
    for (let l = 0; l < this.blocks; l++) s = sameOutSize(s, CONV_STRIDE);
    return s;
  }

  /**
   * He-uniform conv weights (suits ReLU with or without batch norm), biases and β 0, γ 1; head
   * U(±1/√F) (PyTorch's Linear default) with zero bias.
   */
  init(rng: Rng): Float32Array {
    const theta = new Float32Array(this.numParams);
    const { specs, offsets, sizes } = this.layout;
    specs.forEach((spec, i) => {
      const o = offsets[i] as number;
      const n = sizes[i] as number;
      if (spec.name.endsWith('.gamma')) theta.fill(1, o, o + n);
      else if (spec.name.startsWith('conv') && spec.name.endsWith('.w')) {
        const [kh, kw, cin] = spec.shape as [number, number, number];
        heUniform(rng, theta, o, n, kh * kw * cin);
      } else if (spec.name === 'head.w') {
        const bound = 1 / Math.sqrt(this.filters);
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

  /** Logits [T, B, ways] for images x [T, B, H, W, C] and shared or per-task parameters. */
  apply(params: Params, x: tf.Tensor5D): tf.Tensor3D {
    if (params.length !== this.layout.specs.length) throw new Error('wrong number of parameters');
    const [t, b, height, width, c] = x.shape;
    // channels-first inside (see taskConv2d); with one input channel that is a free reshape
    let h: tf.Tensor5D = c === 1 ? tf.reshape(x, [t, 1, b, height, width]) : tf.transpose(x, [0, 4, 1, 2, 3]);
    let i = 0;
    for (let l = 0; l < this.blocks; l++) {
      h = taskConv2d(h, params[i++] as tf.Tensor, CONV_STRIDE);
      if (this.batchNorm) {
        h = taskBatchNorm(h, params[i++] as tf.Tensor, params[i++] as tf.Tensor, 1, BATCH_NORM_EPSILON);
      } else {
        h = tf.add(h, perChannel(params[i++] as tf.Tensor, 5, 1));
      }
      h = activate(h, this.activation);
    }
    // average over the remaining positions: [T, F, B] → [T, B, F]
    const features = tf.transpose(tf.mean(h, [3, 4]), [0, 2, 1]) as tf.Tensor3D;
    const logits = taskLinear(features, params[i++] as tf.Tensor);
    return tf.add(logits, perChannel(params[i] as tf.Tensor, 3));
  }
}
