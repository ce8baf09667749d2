/**
 * The glyph classifiers' architecture without tfjs: their constants and the order and shapes of
 * their parameters in the flat θ. The models (convnet.ts, fcClassifier.ts) build their layouts
 * from these lists, and the θ download (src/core/export/glyphTheta.ts), which runs on the page
 * where tfjs is not loaded, describes the same layout.
 */

export interface ParamSpec {
  name: string;
  shape: number[];
}

/** Every conv block: a 3×3 convolution with stride 2 and TensorFlow's SAME padding. */
export const CONV_KERNEL = 3;
export const CONV_STRIDE = 2;
/** ε of batch norm: (h − mean) / √(variance + ε) */
export const BATCH_NORM_EPSILON = 1e-3;

export const CONV_DEFAULTS = {
  filters: 32,
  blocks: 4,
  batchNorm: true,
  activation: 'relu',
  imageSize: 28,
  channels: 1,
} as const;

export const FC_DEFAULTS = {
  hidden: [256, 128, 64, 64],
  batchNorm: true,
  activation: 'relu',
  inputSize: 784,
} as const;

/** One hidden layer's normalisation (γ, β) or, without batch norm, its bias. */
function normOrBias(specs: ParamSpec[], l: number, prefix: string, size: number, batchNorm: boolean): void {
  if (batchNorm) specs.push({ name: `bn${l}.gamma`, shape: [size] }, { name: `bn${l}.beta`, shape: [size] });
  else specs.push({ name: `${prefix}${l}.b`, shape: [size] });
}

/**
 * The conv net's parameters: per block conv.w [3, 3, Cin, F], then bn.gamma [F], bn.beta [F]
 * (or conv.b [F] without batch norm); then head.w [F, N], head.b [N].
 */
export function convNetSpecs(c: {
  ways: number;
  filters: number;
  blocks: number;
  channels: number;
  batchNorm: boolean;
}): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let cin = c.channels;
  for (let l = 0; l < c.blocks; l++) {
    specs.push({ name: `conv${l}.w`, shape: [CONV_KERNEL, CONV_KERNEL, cin, c.filters] });
    normOrBias(specs, l, 'conv', c.filters, c.batchNorm);
    cin = c.filters;
  }
  specs.push({ name: 'head.w', shape: [c.filters, c.ways] }, { name: 'head.b', shape: [c.ways] });
  return specs;
}

/**
 * The fully connected net's parameters: per hidden layer fc.w [in, out], then bn.gamma, bn.beta
 * [out] (or fc.b [out] without batch norm); then head.w [last, N], head.b [N].
 */
export function fcSpecs(c: {
  ways: number;
  hidden: readonly number[];
  inputSize: number;
  batchNorm: boolean;
}): ParamSpec[] {
  const specs: ParamSpec[] = [];
  let inSize = c.inputSize;
  c.hidden.forEach((out, l) => {
    specs.push({ name: `fc${l}.w`, shape: [inSize, out] });
    normOrBias(specs, l, 'fc', out, c.batchNorm);
    inSize = out;
  });
  specs.push({ name: 'head.w', shape: [inSize, c.ways] }, { name: 'head.b', shape: [c.ways] });
  return specs;
}
