import * as tf from '@tensorflow/tfjs';
import { classBatchTensors, classifierMetaModel } from '../src/core/families/glyphs/classification';
import { glyphSet } from '../src/core/families/glyphs/data/hershey';
import { sampleGlyphBatch, type GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { MetaLearner } from '../src/core/meta/learners';
import type { Classifier } from '../src/core/models/classifier';
import { ConvNet } from '../src/core/models/convnet';
import { FcClassifier } from '../src/core/models/fcClassifier';
import { Rng } from '../src/core/random';
import type { FusedAlgo, FusedGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import type { FusedState } from '../src/core/engines/fused/fusedMlp';

/** Shared set-up of the fused glyph engine's tests: settings, batches and the tfjs reference. */

export function settings(over: Partial<FusedGlyphSettings> = {}): FusedGlyphSettings {
  return {
    net: 'conv',
    ways: 5,
    filters: 8,
    blocks: 4,
    hidden: [32, 16],
    batchNorm: true,
    algo: 'maml',
    alpha: 0.4,
    beta: 0.001,
    inner: 1,
    shots: 1,
    query: 2,
    maxTasks: 8,
    ...over,
  };
}

export function modelFor(s: FusedGlyphSettings): Classifier {
  return s.net === 'conv'
    ? new ConvNet({ ways: s.ways, filters: s.filters, blocks: s.blocks, batchNorm: s.batchNorm })
    : new FcClassifier({ ways: s.ways, hidden: [...s.hidden], batchNorm: s.batchNorm });
}

export function glyphBatch(s: FusedGlyphSettings, tasks: number, seed: number): GlyphBatch {
  const spec = { split: 'train' as const, ways: s.ways, shots: s.shots, query: s.query };
  return sampleGlyphBatch(new Rng(seed, 'fused-glyph-test'), tasks, spec, glyphSet());
}

export function randomAlpha(size: number, seed: number, base: number): Float32Array {
  const rng = new Rng(seed, 'alpha');
  return Float32Array.from({ length: size }, () => base * rng.uniform(0.5, 1.5));
}

/** ‖a − b‖ / ‖b‖; throws when the lengths differ, so a short vector never passes. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} compared with ${b.length}`);
  if (a.length === 0) throw new Error('empty vectors compared');
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += ((a[i] as number) - (b[i] as number)) ** 2;
    den += (b[i] as number) ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export interface ReferenceGradient {
  loss: number;
  theta: Float32Array;
  alpha: Float32Array | null;
}

/** The tfjs meta-gradient (θ and Meta-SGD's α); for Reptile θ − mean θ′, what Adam is fed. */
export function referenceGradient(
  s: FusedGlyphSettings,
  theta: Float32Array,
  alpha0: Float32Array | undefined,
  b: GlyphBatch,
): ReferenceGradient {
  const model = modelFor(s);
  const task = classifierMetaModel(model);
  const hyper = { alpha: s.alpha, beta: s.beta, inner: s.inner };
  const learner = new MetaLearner(task, s.algo as FusedAlgo, theta, hyper, alpha0);
  const t = classBatchTensors(b);
  try {
    if (s.algo === 'reptile') {
      const [loss, g] = tf.tidy(() => {
        const adapted = task.adapt(learner.theta, t, s.alpha, s.inner, false);
        return [task.queryLoss(adapted, t), tf.sub(learner.theta, tf.mean(task.flatten(adapted), 0))];
      });
      const out = { loss: loss.dataSync()[0] as number, theta: g.dataSync() as Float32Array, alpha: null };
      tf.dispose([loss, g]);
      return out;
    }
    const { loss, grads } = learner.metaGradient(t);
    const out = {
      loss: loss.dataSync()[0] as number,
      theta: Float32Array.from((grads[0] as tf.Tensor).dataSync()),
      alpha: grads[1] ? Float32Array.from(grads[1].dataSync()) : null,
    };
    tf.dispose([loss, ...grads]);
    return out;
  } finally {
    tf.dispose([t.xs, t.ys, t.xq, t.yq]);
    learner.dispose();
  }
}

/** Every float of a state as its bit pattern, with the Adam step counts (for equality to the bit). */
export function stateBits(s: FusedState): number[] {
  const arrays = [s.theta, s.thetaAdam.m, s.thetaAdam.v, s.alpha, s.alphaAdam?.m, s.alphaAdam?.v];
  arrays.push(s.pretrained, s.pretrainedAdam?.m, s.pretrainedAdam?.v);
  const out = [s.thetaAdam.t, s.alphaAdam?.t ?? -1, s.pretrainedAdam?.t ?? -1];
  for (const a of arrays) if (a) out.push(a.length, ...new Uint32Array(a.buffer, a.byteOffset, a.length));
  return out;
}
