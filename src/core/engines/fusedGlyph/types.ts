/** The fused WebAssembly glyph engine's settings and start (./fusedGlyph.ts). */
import type { FusedAlgo, FusedHyper } from '../fused/fusedMlp';
import type { GlyphNetShape } from './layout';
import type { GlyphAlgo } from './mamlpp';
import type { GlyphThreadPool } from './threads';

/** A glyph network, its meta-learning algorithm and the batch sizes its buffers must hold. */
export interface FusedGlyphSettings extends GlyphNetShape, FusedHyper {
  algo: FusedAlgo;
  /** support images per class (1-10) and query images per class (1-50) */
  shots: number;
  query: number;
  /** largest meta-batch the engine will be given (1-32) */
  maxTasks: number;
}

/** The WebAssembly engine's settings: those of the fused glyph engines, or MAML++ (./mamlpp.ts). */
export interface WasmGlyphSettings extends Omit<FusedGlyphSettings, 'algo'> {
  algo: GlyphAlgo;
}

/** The pretrained baseline: a C-way classifier with the same body (PretrainedClassifier). */
export interface FusedPretrainedStart {
  /** glyph class ids in the order of its C outputs (PretrainedClassifier's pretraining classes) */
  classes: readonly number[];
  /** its start θ (C-way head), in the project's layout */
  theta0: Float32Array;
}

/** Where an engine starts besides θ: the learned rates, the pretrained baseline. */
export interface FusedGlyphStart {
  /** Meta-SGD's α per parameter, or MAML++'s rates [LSLR_STEPS × tensors] (default: all α) */
  alpha0?: Float32Array;
  pretrained?: FusedPretrainedStart;
  /** helper threads for the meta-batch's tasks (default: installGlyphThreads'; null: none) */
  threads?: GlyphThreadPool | null;
  /** test hook: the most WebAssembly memory (bytes) the engine may take, below what wasm allows */
  memoryLimit?: number;
}
