/**
 * The wasm calls of one fused glyph meta-step: the single call (step or mamlppStep), and its
 * pieces for a meta-batch split over threads (./threads.ts). For MAML++ the schedules' phase of the
 * step (./mamlpp.ts) decides the order, the loss weights and β.
 */
import type { FusedHyper } from '../fused/fusedMlp';
import { phaseAt, type GlyphAlgo } from './mamlpp';
import { MAMLPP_CODE } from './shards';
import type { ShardStep } from './threads';
import type { FusedGlyphExports } from './wasmModule';

const ALGO_CODE: Record<GlyphAlgo, number> = { maml: 0, fomaml: 1, metasgd: 2, reptile: 3, mamlpp: 0 };
/** flags bit 0 of mamlppStep: first order */
const FIRST_ORDER = 1;

/** A meta-step's calls: `single` runs it in one call, the rest are the pool's pieces. */
export type StepCalls = ShardStep & { single(): number };

/** What a meta-step is run on: T tasks of ns support and nq query images. */
export interface StepShape {
  tasks: number;
  support: number;
  query: number;
}

/**
 * The calls of a meta-step of `algo` with `flags` (bit 2 the pretrained step, bit 3 the update),
 * after `applied` meta-updates. MAML++: the phase's loss weights go into `weights` (WEIGHTS).
 */
export function stepCalls(
  wasm: FusedGlyphExports,
  algo: GlyphAlgo,
  hyper: FusedHyper,
  applied: number,
  weights: Float32Array,
  b: StepShape,
  flags: number,
): StepCalls {
  const { alpha, beta, inner } = hyper;
  const [T, ns, nq] = [b.tasks, b.support, b.query];
  if (algo !== 'mamlpp') {
    const all = flags | ALGO_CODE[algo];
    return {
      code: all & 3,
      inner,
      alpha,
      finish: (loss) => wasm.finish(T, ns, nq, loss, beta, all),
      single: () => wasm.step(T, ns, nq, inner, alpha, beta, all),
    };
  }
  const phase = phaseAt(applied, hyper);
  weights.set(phase.weights);
  const f = flags | (phase.firstOrder ? FIRST_ORDER : 0);
  return {
    code: MAMLPP_CODE + (f & FIRST_ORDER),
    inner,
    alpha,
    finish: (loss) => wasm.mamlppFinish(T, ns, nq, loss, phase.beta, beta, f),
    single: () => wasm.mamlppStep(T, ns, nq, inner, phase.beta, beta, f),
  };
}
