/**
 * The fused WebGPU glyph engine's optimizer around the per-task rows (chunks.ts): Adam's moments
 * of every section in one dispatch, one update per learned vector (θ; Meta-SGD's α or MAML++'s
 * rates), the mean loss; and the state in the WebAssembly engine's layout (webgpu/engineState.ts:
 * [m, v] of θ, then of α or the rates).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { FusedState } from '../fused/fusedMlp';
import {
  readState,
  sectionsOf,
  writeState,
  type EngineVectors,
  type StepCounts,
} from '../webgpu/engineState';
import { momentUniforms, updateUniforms } from '../webgpu/optimizerShaders';
import { ints, run } from '../webgpu/programs';
import type { TaskRows } from './chunks';
import { glyphProgramShapes, type GlyphSpec } from './programs';

/** One learned vector's Adam update: its program and output shape, its moments' offset, its step count. */
export interface AdamTarget {
  value: tf.Variable;
  spec: GlyphSpec;
  shape: { size: number; groups: number };
  mOff: number;
  t: number;
}

/** The new moments from the rows, then each target updated at β; returns the new moments. */
export function adamStep(
  backend: WebGPUBackend,
  t: TaskRows,
  prev: tf.Tensor,
  targets: readonly AdamTarget[],
  beta: number,
): tf.Tensor1D {
  const shapes = glyphProgramShapes(t.row, t.tasks);
  const moments = run(backend, t.moments, shapes.moments, [t.rows, prev], momentUniforms(t.tasks));
  for (const x of targets) {
    const next = run(backend, x.spec, x.shape, [x.value, moments], updateUniforms(beta, x.t, x.mOff));
    x.value.assign(next);
    next.dispose();
  }
  return moments;
}

/** The rows' mean loss as a scalar on the device. */
export function meanLoss(backend: WebGPUBackend, t: TaskRows): tf.Scalar {
  const out = run(backend, t.loss, glyphProgramShapes(t.row, t.tasks).loss, [t.rows], ints(t.tasks, 0));
  const scalar = tf.reshape(out, []) as tf.Scalar; // a view: no dispatch
  out.dispose();
  return scalar;
}

/** θ's length P, the learned vectors and their step counts, the moments buffer. */
export interface GlyphOptimizer {
  vectors: EngineVectors;
  counts: StepCounts;
  P: number;
  moments: tf.Tensor;
}

/** The vectors and their Adam states as copies, read back asynchronously. */
export function readGlyphState(o: GlyphOptimizer): Promise<FusedState> {
  return readState(o.vectors, sectionsOf(o.vectors, o.counts, o.P), o.moments);
}

/**
 * Writes a state's vectors into the variables; returns the moments buffer's new contents and the
 * step counts (throws the reason on a missing or misfit vector or a step count that is not a
 * whole number ≥ 0).
 */
export function writeGlyphState(
  o: GlyphOptimizer,
  s: FusedState,
): { moments: tf.Tensor1D; counts: StepCounts } {
  for (const t of [s.thetaAdam.t, o.vectors.rates ? s.alphaAdam?.t : 0])
    if (t === undefined || !Number.isInteger(t) || t < 0)
      throw new Error(`Adam step count ${t} is not a whole number ≥ 0`);
  const parts = sectionsOf(o.vectors, o.counts, o.P);
  const { moments, steps } = writeState(o.vectors, parts, s, o.moments.size);
  return { moments: tf.tensor1d(moments), counts: steps };
}
