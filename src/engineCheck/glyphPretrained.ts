import * as tf from '@tensorflow/tfjs';
import type { ImageTaskBatch } from '../core/engines/batch';
import type { FusedGlyphSettings } from '../core/engines/fusedGlyph/fusedGlyph';
import { WebgpuGlyphEngine } from '../core/engines/webgpuGlyph/webgpuGlyph';
import { FlatAdam } from '../core/meta/adam';
import type { Classifier } from '../core/models/classifier';
import { ConvNet } from '../core/models/convnet';
import { FcClassifier } from '../core/models/fcClassifier';
import { softmaxCrossEntropy } from '../core/ops/crossEntropy';
import { Rng } from '../core/random';
import { countDispatches } from './fused';
import { batchFor, glyphSettings, thetaFor } from './glyphCases';
import { minus, relError } from './reference';

/**
 * The pretrained baseline's step on WGSL against tfjs kernels (what PretrainedClassifier
 * computes: one C-way network on every image of the meta-batch, batch norm over all of them,
 * softmax cross-entropy on each image's pretraining class, FlatAdam), from the same θ and
 * batches; and its dispatches, the same for any meta-batch, ways, shots and queries.
 */

export interface PretrainedRow {
  name: string;
  errGrad: number;
  errLoss: number;
  /** after `steps` Adam steps: the change of θ and the loss curve */
  errAdam: number;
  errCurve: number;
  /** dispatches of one meta-step with the baseline, and what the engine declares */
  dispatches: number;
  declared: number;
}

/** C, the classes of the check's baseline: more than any batch uses, in a scrambled order. */
const CLASSES = [9, 3, 11, 0, 7, 1, 10, 5, 2, 8, 4, 6, 12, 13, 14, 15];

function modelOf(s: FusedGlyphSettings, ways: number): Classifier {
  return s.net === 'conv'
    ? new ConvNet({ ways, filters: s.filters, blocks: s.blocks, batchNorm: s.batchNorm })
    : new FcClassifier({ ways, hidden: [...s.hidden], batchNorm: s.batchNorm });
}

/** tfjs's loss and gradient of the baseline at θ on a batch (PretrainedClassifier.step's maths). */
function tfjsGradient(
  model: Classifier,
  theta: tf.Tensor,
  b: ImageTaskBatch,
): { loss: tf.Scalar; grad: tf.Tensor } {
  const index = new Map(CLASSES.map((id, i) => [id, i]));
  const labels = (local: Int32Array, perTask: number) =>
    Array.from(local, (l, i) => index.get(b.classes[Math.floor(i / perTask) * b.ways + l] as number) ?? 0);
  const y = [...labels(b.ys, b.ways * b.shots), ...labels(b.yq, b.ways * b.query)];
  return tf.tidy(() => {
    const images = tf.concat([tf.tensor1d(b.xs), tf.tensor1d(b.xq)]).reshape([1, -1, 28, 28, 1]);
    const yt = tf.tensor2d(y, [1, y.length], 'int32');
    const { value, grad } = tf.valueAndGrad((th: tf.Tensor) =>
      softmaxCrossEntropy(model.apply(model.unflatten(th), images as tf.Tensor5D), yt),
    )(theta);
    return { loss: value, grad };
  });
}

const read = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);

async function pretrainedRow(
  name: string,
  over: Partial<FusedGlyphSettings>,
  tasks: number,
  steps: number,
): Promise<PretrainedRow> {
  const s = glyphSettings({ beta: 0.01, ...over });
  const model = modelOf(s, CLASSES.length);
  const theta0 = model.init(new Rng(5, 'pretrained-check'));
  const gpu = await WebgpuGlyphEngine.create(s, thetaFor(s), { pretrained: { classes: CLASSES, theta0 } });
  const batches = Array.from({ length: steps }, (_, i) => batchFor(s, tasks, 400 + i));
  const first = batches[0] as ImageTaskBatch;
  const g = gpu.pretrainedGradient(first);
  const ref = tfjsGradient(model, tf.tensor1d(theta0), first);
  const errGrad = relError(await read(g.theta), await read(ref.grad));
  const errLoss = relError(await read(g.loss), await read(ref.loss));
  tf.dispose([g.loss, g.theta, ref.loss, ref.grad]);
  // Adam: the engine's steps against FlatAdam on tfjs's gradients
  const theta = tf.variable(tf.tensor1d(theta0));
  const adam = new FlatAdam(theta0.length, s.beta);
  const ours: number[] = [];
  const theirs: number[] = [];
  let dispatches = 0;
  for (const b of batches) {
    const counted = countDispatches(() => gpu.step(b));
    dispatches = counted.count;
    ours.push((await read(counted.value.pretrained as tf.Scalar))[0] as number);
    tf.dispose([counted.value.meta, counted.value.pretrained as tf.Scalar]);
    const r = tfjsGradient(model, theta, b);
    theirs.push((await read(r.loss))[0] as number);
    adam.apply(theta, r.grad);
    tf.dispose([r.loss, r.grad]);
  }
  const after = (await gpu.state()).pretrained as Float32Array;
  const errAdam = relError(minus(after, theta0), minus(await read(theta), theta0));
  const errCurve = relError(Float32Array.from(ours), Float32Array.from(theirs));
  const declared = gpu.dispatchesPerStep();
  [gpu, theta, adam].forEach((x) => x.dispose());
  return { name, errGrad, errLoss, errAdam, errCurve, dispatches, declared };
}

/** Conv and fc, batch norm on and off, two widths, meta-batch 1 and 3, other ways, shots and queries. */
export async function pretrainedRows(): Promise<PretrainedRow[]> {
  return [
    await pretrainedRow(
      'conv, batch norm, meta-batch 3, 3-way 2-shot 2 queries',
      { ways: 3, shots: 2, query: 2 },
      3,
      2,
    ),
    await pretrainedRow(
      'conv, no batch norm, 8 filters, meta-batch 1',
      { batchNorm: false, filters: 8 },
      1,
      2,
    ),
    await pretrainedRow('fc, batch norm, meta-batch 2', { net: 'fc' }, 2, 2),
  ];
}
