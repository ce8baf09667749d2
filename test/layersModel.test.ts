import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { thetaToLayersModel } from '../src/core/export/layersModel';
import { Mlp } from '../src/core/models/mlp';
import { Rng } from '../src/core/random';
import { startBackend } from './helpers';

beforeAll(async () => {
  await startBackend('cpu');
});

/** The project's own forward pass of θ at xs. */
function mlpPredict(sizes: number[], theta: Float32Array, xs: number[]): Float32Array {
  return tf.tidy(() => {
    const model = new Mlp(sizes);
    const params = model.unflatten(tf.tensor1d(theta));
    return model.predict(params, tf.tensor3d(xs, [1, xs.length, 1])).dataSync() as Float32Array;
  });
}

describe('θ as a TensorFlow.js layers model', () => {
  for (const sizes of [
    [1, 40, 40, 1],
    [1, 16, 1],
    [1, 8, 12, 6, 1],
  ]) {
    it(`predicts what Mlp.predict does (${sizes.join('-')})`, async () => {
      const theta = new Mlp(sizes).init(new Rng(7, 'layers-model'));
      // trained-looking biases too: the init's biases are small
      for (let i = 0; i < theta.length; i += 5) theta[i] = (theta[i] as number) * 3 + 0.1;
      const files = thetaToLayersModel(theta, sizes, 'theta.weights.bin');
      expect(files.modelJson.weightsManifest[0]?.paths).toEqual(['theta.weights.bin']);
      // through JSON, as a downloaded file would be read
      const json = JSON.parse(JSON.stringify(files.modelJson)) as typeof files.modelJson;
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: json.modelTopology,
          weightSpecs: json.weightsManifest[0]?.weights,
          weightData: files.weights,
        }),
      );
      const xs = [-5, -2.5, -0.3, 0, 1.7, 4.9];
      const out = model.predict(tf.tensor2d(xs, [xs.length, 1])) as tf.Tensor;
      expect(out.shape).toEqual([xs.length, 1]);
      const got = Array.from(await out.data());
      const want = Array.from(mlpPredict(sizes, theta, xs));
      got.forEach((v, i) => expect(Math.abs(v - (want[i] as number))).toBeLessThan(1e-5));
      out.dispose();
      model.dispose();
    });
  }

  it('writes θ’s bytes in order: kernels [in, out] then biases, per layer', () => {
    const theta = Float32Array.from({ length: 1 * 3 + 3 + 3 * 1 + 1 }, (_, i) => i + 0.5);
    const files = thetaToLayersModel(theta, [1, 3, 1]);
    expect(Array.from(new Float32Array(files.weights))).toEqual(Array.from(theta));
    expect(files.weightSpecs.map((w) => `${w.name}:${w.shape.join('x')}`)).toEqual([
      'dense_1/kernel:1x3',
      'dense_1/bias:3',
      'dense_2/kernel:3x1',
      'dense_2/bias:1',
    ]);
    const layers = files.modelJson.modelTopology.config.layers.map((l) => l.config['activation']);
    expect(layers).toEqual(['relu', 'linear']);
  });

  it('refuses a θ of the wrong length', () => {
    expect(() => thetaToLayersModel(new Float32Array(10), [1, 40, 40, 1])).toThrow(/1761/);
  });
});
