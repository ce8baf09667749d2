/**
 * θ of a regression network as a TensorFlow.js layers model: the `model.json` of a Sequential of
 * Dense layers (ReLU hidden layers, linear output) and its `weights.bin`, loadable with
 * `tf.loadLayersModel` anywhere (a page, Node, the tfjs converter to Keras).
 *
 * The flat θ is [W1, b1, W2, b2, …] with W [in, out] row-major and b [1, out] (src/core/models/mlp.ts),
 * which is exactly a Dense layer's kernel [in, out] and bias [out] in Keras' weight order: the
 * weights file is θ's own bytes (little-endian float32), no reordering. No tfjs import here: the
 * page builds the files without loading the layers API.
 */

/** One weight of the manifest (the tfjs `WeightsManifestEntry`). */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** The parts of a tfjs `model.json` a layers model needs. */
export interface LayersModelJson {
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: DenseLayerJson[] };
    keras_version: string;
    backend: string;
  };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

interface DenseLayerJson {
  class_name: 'Dense';
  config: Record<string, unknown>;
}

export interface LayersModelFiles {
  modelJson: LayersModelJson;
  /** the weights file's bytes, in the manifest's order */
  weights: ArrayBuffer;
  /** the manifest's weight specs (also inside `modelJson`), handy for `tf.io.fromMemory` */
  weightSpecs: WeightSpec[];
}

/** Weights and biases of an MLP with these layer sizes (input, hidden…, output). */
export function mlpParamCount(sizes: readonly number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < sizes.length; l++)
    n += (sizes[l] as number) * (sizes[l + 1] as number) + (sizes[l + 1] as number);
  return n;
}

const initializer = (name: string) => ({ class_name: name, config: {} });

/**
 * The layers model of θ for an MLP of `sizes` (e.g. [1, 40, 40, 1]); `weightsPath` is the weights
 * file's name as model.json refers to it (relative to model.json: keep both files in one folder).
 */
export function thetaToLayersModel(
  theta: Float32Array,
  sizes: readonly number[],
  weightsPath = 'weights.bin',
  name = 'maml_theta',
): LayersModelFiles {
  if (sizes.length < 2) throw new Error('an MLP needs at least an input and an output size');
  const expected = mlpParamCount(sizes);
  if (theta.length !== expected) {
    throw new Error(`θ has ${theta.length} numbers; a ${sizes.join('-')} network has ${expected}`);
  }
  const layers: DenseLayerJson[] = [];
  const weightSpecs: WeightSpec[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inSize = sizes[l] as number;
    const outSize = sizes[l + 1] as number;
    const layerName = `dense_${l + 1}`;
    const last = l + 2 === sizes.length;
    layers.push({
      class_name: 'Dense',
      config: {
        name: layerName,
        trainable: true,
        dtype: 'float32',
        ...(l === 0 ? { batch_input_shape: [null, inSize] } : {}),
        units: outSize,
        activation: last ? 'linear' : 'relu',
        use_bias: true,
        kernel_initializer: initializer('Zeros'),
        bias_initializer: initializer('Zeros'),
        kernel_regularizer: null,
        bias_regularizer: null,
        activity_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    });
    weightSpecs.push(
      { name: `${layerName}/kernel`, shape: [inSize, outSize], dtype: 'float32' },
      { name: `${layerName}/bias`, shape: [outSize], dtype: 'float32' },
    );
  }
  // a copy of θ's bytes, little-endian whatever the platform (tfjs reads weights little-endian)
  const weights = new ArrayBuffer(theta.length * 4);
  const view = new DataView(weights);
  for (let i = 0; i < theta.length; i++) view.setFloat32(4 * i, theta[i] as number, true);
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'MAML Playground',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name, layers },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [weightsPath], weights: weightSpecs }],
    },
    weights,
    weightSpecs,
  };
}
