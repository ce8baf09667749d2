/** What the fused WebGPU engine reads from tfjs's WebGPU backend: the device, its limits, the tuning. */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { DEFAULT_LIMITS, type FusedLimits, type FusedSettings } from './layout';

/** The device limits the engine needs, read from tfjs's WebGPU device. */
export function deviceLimits(backend: WebGPUBackend): FusedLimits {
  const l = backend.device.limits;
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(out) as (keyof FusedLimits)[]) out[k] = Number(l[k]);
  return out;
}

/**
 * Defaults by adapter. SwiftShader runs a workgroup on one CPU thread, 4 invocations per SIMD
 * step, and switches between those groups at every barrier: one group of 4 with activations in
 * storage ran the paper configuration at 27-30 meta-steps/s against 12-17 for 64 invocations
 * (interleaved runs, engine check page ?bench=1&wg=4,16&shared=0&repeat=3). GPUs get 64
 * invocations and workgroup memory.
 */
export function tuningFor(
  backend: WebGPUBackend,
): Pick<FusedSettings, 'workgroup' | 'workgroupMemory' | 'blocked'> {
  const info = backend.adapterInfo as unknown as { architecture?: string; vendor?: string } | undefined;
  const software = info?.architecture === 'swiftshader';
  return software ? { workgroup: 4, workgroupMemory: false } : { workgroup: 64, workgroupMemory: true };
}

/** A variable holding a copy of `values`; the tidy frees the temporary tensor it was made from. */
export function variableOf(values: Float32Array | tf.Tensor1D): tf.Variable {
  return tf.tidy(() =>
    tf.variable(values instanceof Float32Array ? tf.tensor1d(values) : values.clone(), false),
  );
}

/** tfjs's WebGPU backend, or an error saying which backend tfjs runs on instead. */
export function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(`the fused WebGPU engine needs the webgpu backend (tfjs runs on ${tf.getBackend()})`);
  }
  return tf.backend() as unknown as WebGPUBackend;
}
