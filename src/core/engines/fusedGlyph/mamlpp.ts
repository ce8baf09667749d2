/**
 * MAML++ on the fused glyph engine (assembly/mamlpp.ts): θ's layout with the per-step batch-norm
 * sets, the learned rates' length, and a meta-step's schedules (src/core/meta/mamlppSchedule.ts,
 * the same functions of the meta-step count as the tfjs MetaLearner).
 */
import {
  LSLR_STEPS,
  lslrSize,
  MAMLPP_DEFAULTS,
  mamlppPhase,
  type MamlppPhase,
} from '../../meta/mamlppSchedule';
import type { ImageTaskBatch } from '../batch';
import type { FusedHyper } from '../fused/fusedMlp';
import { GlyphLayout, glyphSpecs, type GlyphNetShape } from './layout';

/** The fused glyph engine's algorithms: the four classic ones and MAML++. */
export type GlyphAlgo = 'maml' | 'fomaml' | 'metasgd' | 'reptile' | 'mamlpp';

/**
 * θ's layout for an algorithm: MAML++ on a network with batch norm keeps LSLR_STEPS further sets of
 * every γ and β after the network (StepNormClassifier: NORM_SETS − 1 of them).
 */
export function thetaLayout(s: GlyphNetShape & { algo: GlyphAlgo }): GlyphLayout {
  return new GlyphLayout(s, s.algo === 'mamlpp' && s.batchNorm ? LSLR_STEPS : 0);
}

/** MAML++'s rate tensors: the network's parameter tensors, and the queue of sets as one. */
export function rateTensors(s: GlyphNetShape): number {
  return glyphSpecs(s).length + (s.batchNorm ? 1 : 0);
}

/** The rate tensors' lengths in θ's order (StepNormClassifier.rateSizes with batch norm). */
export function rateTensorSizes(s: GlyphNetShape): number[] {
  const sizes = glyphSpecs(s).map((p) => p.shape.reduce((a, b) => a * b, 1));
  if (!s.batchNorm) return sizes;
  const set = glyphSpecs(s)
    .filter((p) => p.name.endsWith('.gamma') || p.name.endsWith('.beta'))
    .reduce((a, p) => a + (p.shape[0] as number), 0);
  return [...sizes, LSLR_STEPS * set];
}

/** The learned rates' length, [LSLR_STEPS × tensors] row-major. */
export function ratesLength(s: GlyphNetShape): number {
  return lslrSize(rateTensors(s));
}

/** The schedules' phase of the next meta-step, after `applied` meta-updates. */
export function phaseAt(applied: number, h: FusedHyper): MamlppPhase {
  return mamlppPhase(applied, h.inner, h.beta, h.schedule ?? MAMLPP_DEFAULTS);
}

/** Checks a rates vector's length against the network. */
export function checkRates(s: GlyphNetShape, rates: ArrayLike<number>): void {
  const n = ratesLength(s);
  if (rates.length !== n)
    throw new Error(`fused glyph engine: MAML++ rates have ${rates.length} numbers; this network needs ${n}`);
}

/** The pretrained baseline's labels: every image's pretraining class (support images of all tasks, then query images). */
export function globalLabels(
  b: ImageTaskBatch,
  classIndex: ReadonlyMap<number, number>,
  out: Int32Array,
): void {
  const ns = b.ways * b.shots;
  const nq = b.ways * b.query;
  const map = (local: Int32Array, perTask: number, offset: number) => {
    for (let i = 0; i < b.tasks * perTask; i++) {
      const task = Math.floor(i / perTask);
      const id = b.classes[task * b.ways + (local[i] as number)] as number;
      out[offset + i] = classIndex.get(id) ?? 0;
    }
  };
  map(b.ys, ns, 0);
  map(b.yq, nq, b.tasks * ns);
}
