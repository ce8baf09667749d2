import type * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { programOf, type Uniforms } from '../webgpu/programs';
import type { GlyphSpec } from './programs';

/**
 * Runs one program into an existing output tensor (`into`, which keeps its contents where the
 * program does not write): how a later phase of the per-task program continues in the rows the
 * earlier phases wrote. Like ../webgpu/programs' `run`, a fresh program object per run, because
 * tfjs appends input shapes and types to `shaderKey` in place.
 */
export function runInto(
  backend: WebGPUBackend,
  spec: GlyphSpec,
  shape: { size: number; groups: number },
  inputs: tf.Tensor[],
  uniforms: Uniforms,
  into: tf.Tensor1D,
): void {
  if (into.size !== shape.size)
    throw new Error(`runInto: output of ${into.size} values, program ${shape.size}`);
  backend.runWebGPUProgram(programOf(spec, shape), inputs, 'float32', uniforms, into);
}
