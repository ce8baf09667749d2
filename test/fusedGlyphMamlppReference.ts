import * as tf from '@tensorflow/tfjs';
import {
  classBatchTensors,
  classifierMetaModel,
  withLearnedRates,
  type ClassBatch,
} from '../src/core/families/glyphs/classification';
import { StepNormClassifier } from '../src/core/families/glyphs/stepNorm';
import type { GlyphBatch } from '../src/core/families/glyphs/data/sampler';
import { MetaLearner, type MetaLearnerState, type MetaModel } from '../src/core/meta/learners';
import { lslrSize, type MamlppSchedule } from '../src/core/meta/mamlppSchedule';
import type { Classifier } from '../src/core/models/classifier';
import type { FusedState } from '../src/core/engines/fused/fusedMlp';
import type { WasmGlyphSettings } from '../src/core/engines/fusedGlyph/fusedGlyph';
import { rateTensors } from '../src/core/engines/fusedGlyph/mamlpp';
import { Rng } from '../src/core/random';
import { glyphBatch, modelFor, randomAlpha, settings } from './fusedGlyphReference';

/**
 * The tfjs reference of the fused glyph engine's MAML++: MetaLearner('mamlpp') on the glyph
 * classifier with per-step batch-norm sets (StepNormClassifier, what a glyph run trains). Without
 * batch norm there are no sets and the glyph run has no MAML++; the reference then adapts the
 * plain network with one rate per tensor and step, as classifierMetaModel does for the sets' net.
 */

/** The reference tests' settings (fusedGlyphReference.ts) with MAML++. */
export function ppSettings(over: Partial<WasmGlyphSettings> = {}): WasmGlyphSettings {
  const { algo: _, ...rest } = over;
  return { ...settings(rest), ...rest, algo: 'mamlpp' };
}

/** A meta-batch for MAML++ settings (glyphBatch of fusedGlyphReference.ts). */
export function ppBatch(s: WasmGlyphSettings, tasks: number, seed: number): GlyphBatch {
  return glyphBatch({ ...s, algo: 'maml' }, tasks, seed);
}

/** The network MAML++ trains: with batch norm, its per-step sets. */
export function mamlppModel(s: WasmGlyphSettings): Classifier {
  const base = modelFor({ ...s, algo: 'maml' });
  return s.batchNorm ? new StepNormClassifier(base) : base;
}

function metaModel(model: Classifier): MetaModel<ClassBatch, tf.Tensor> {
  const meta = classifierMetaModel(model);
  if (meta.tensorSizes) return meta;
  return withLearnedRates(meta, model, model.layout.sizes);
}

export function mamlppLearner(
  s: WasmGlyphSettings,
  theta: Float32Array,
  rates: Float32Array,
): MetaLearner<ClassBatch, tf.Tensor> {
  const hyper = {
    alpha: s.alpha,
    beta: s.beta,
    inner: s.inner,
    ...(s.schedule ? { schedule: s.schedule } : {}),
  };
  return new MetaLearner(metaModel(mamlppModel(s)), 'mamlpp', theta, hyper, rates);
}

/** θ with every entry (the sets' included) moved a little, so each set differs from the others. */
export function mamlppTheta(s: WasmGlyphSettings, seed: number): Float32Array {
  const theta = mamlppModel(s).init(new Rng(seed, 'init'));
  const rng = new Rng(seed, 'sets');
  return theta.map((v) => v + 0.1 * rng.normal());
}

/** Rates that differ per tensor and step, around α. */
export function mamlppRates(s: WasmGlyphSettings, seed: number): Float32Array {
  return randomAlpha(lslrSize(rateTensors(s)), seed, s.alpha);
}

export function schedule(over: Partial<MamlppSchedule> = {}): MamlppSchedule {
  return { msl: 100, firstOrder: 0, span: 1000, ...over };
}

/** A state after `n` meta-updates with zero Adam moments (the schedules' clock at n). */
export function stateAt(theta: Float32Array, rates: Float32Array, n: number): MetaLearnerState {
  const adam = (v: Float32Array) => ({ t: n, m: new Float32Array(v.length), v: new Float32Array(v.length) });
  return { theta: { value: theta, adam: adam(theta) }, alpha: { value: rates, adam: adam(rates) } };
}

export const toFused = (s: MetaLearnerState): FusedState => ({
  theta: s.theta.value,
  thetaAdam: s.theta.adam,
  alpha: s.alpha?.value ?? null,
  alphaAdam: s.alpha?.adam ?? null,
  pretrained: null,
  pretrainedAdam: null,
});

export const fromFused = (s: FusedState): MetaLearnerState => ({
  theta: { value: s.theta, adam: s.thetaAdam },
  alpha: s.alpha && s.alphaAdam ? { value: s.alpha, adam: s.alphaAdam } : null,
});

/** The tfjs meta-gradient (θ and the rates) and reported loss at a learner's state. */
export function tfjsGradient(learner: MetaLearner<ClassBatch, tf.Tensor>, b: GlyphBatch) {
  const t = classBatchTensors(b);
  const { loss, grads } = learner.metaGradient(t);
  const out = {
    loss: loss.dataSync()[0] as number,
    theta: Float32Array.from((grads[0] as tf.Tensor).dataSync()),
    rates: Float32Array.from((grads[1] as tf.Tensor).dataSync()),
  };
  tf.dispose([loss, ...grads, t.xs, t.ys, t.xq, t.yq]);
  return out;
}

/** Meta-losses of tfjs meta-steps on the given batches. */
export function tfjsLosses(learner: MetaLearner<ClassBatch, tf.Tensor>, batches: GlyphBatch[]): number[] {
  return batches.map((b) => {
    const t = classBatchTensors(b);
    const loss = learner.step(t);
    const value = loss.dataSync()[0] as number;
    tf.dispose([loss, t.xs, t.ys, t.xq, t.yq]);
    return value;
  });
}
