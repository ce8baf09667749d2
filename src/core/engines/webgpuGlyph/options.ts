/** The fused WebGPU glyph engine's options, and the device checks that do not need an engine. */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { FusedGlyphSettings } from '../fusedGlyph/fusedGlyph';
import { DEFAULT_LIMITS, type FusedLimits, type Support } from '../webgpu/layout';
import { fits } from './fit';
import type { GpuPretrainedStart } from './pretrainedGpu';

export interface WebgpuGlyphOptions {
  /** Meta-SGD's initial α vector (default: α everywhere) */
  alpha0?: Float32Array;
  /** invocations per task workgroup (default: by adapter, 4 on SwiftShader, 64 on GPUs) */
  workgroup?: number;
  /** most multiply-adds one dispatch may take (default: by adapter) */
  maxMacs?: number;
  /** test hook: compile a deliberately broken per-task shader */
  breakShader?: boolean;
  /** the pretrained baseline, stepped beside each meta-step (pretrainedGpu.ts) */
  pretrained?: GpuPretrainedStart;
  /** test hook: the device limits to check against instead of the device's own */
  limits?: FusedLimits;
}

/**
 * The most multiply-adds (glyphStepMacs) one step may put in its per-task dispatch, so the browser
 * never sees a hung GPU. SwiftShader ran the default glyph configuration (3.3·10⁸) in about 4.5 s
 * on the 2-core reference machine: 4·10⁸ keeps a step near 5 s there. GPUs get 2·10¹⁰, an
 * estimate (no GPU measurement yet).
 */
export const SOFTWARE_MAX_MACS = 4e8;
export const GPU_MAX_MACS = 2e10;

export function maxMacsFor(backend: WebGPUBackend): number {
  const info = backend.adapterInfo as unknown as { architecture?: string } | undefined;
  return info?.architecture === 'swiftshader' ? SOFTWARE_MAX_MACS : GPU_MAX_MACS;
}

/** Whether `s` fits the engine on a device with `limits`, or why not. */
export function webgpuGlyphFits(
  s: FusedGlyphSettings,
  tasks: number,
  tuning: { workgroup: number; maxMacs: number },
  limits: FusedLimits = DEFAULT_LIMITS,
): Support {
  const shape = { algo: s.algo, inner: s.inner, support: s.ways * s.shots, query: s.ways * s.query };
  return fits({ ...s, ...shape, tasks, ...tuning }, limits);
}
