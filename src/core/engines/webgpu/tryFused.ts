import * as tf from '@tensorflow/tfjs';
import { supports, type Support } from './layout';
import { FusedWebgpuMlp, type FusedConfig, type FusedOptions } from './fusedWebgpuMlp';
import { deviceLimits, tuningFor } from './device';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

export type FusedChoice = { ok: true; engine: FusedWebgpuMlp } | { ok: false; reason: string };

/**
 * The fused engine when it can run this configuration here, or the reason it cannot (no WebGPU
 * backend, a network or batch over the device's limits, a shader that does not compile), so the
 * caller keeps the tfjs path and can say why.
 */
export async function tryFusedWebgpu(
  config: FusedConfig,
  theta0: Float32Array,
  shape: { tasks: number; support: number; query: number },
  opts: FusedOptions = {},
): Promise<FusedChoice> {
  const fit = fitsDevice(config, shape, { ...opts, pretrained: !!opts.pretrained });
  if (!fit.ok) return fit;
  let engine: FusedWebgpuMlp | null = null;
  try {
    engine = new FusedWebgpuMlp(config, theta0, opts);
    await engine.prepare(shape);
    return { ok: true, engine };
  } catch (e) {
    engine?.dispose();
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Whether a run of this configuration and batch shape fits the active WebGPU device's limits with
 * the adapter's tuning (or the tuning `opts` sets), or why not (also when tfjs is not on WebGPU).
 */
export function fitsDevice(
  config: Pick<FusedConfig, 'sizes' | 'algo' | 'inner'>,
  shape: { tasks: number; support: number; query: number },
  opts: FusedOptions & { pretrained: boolean },
): Support {
  if (tf.getBackend() !== 'webgpu')
    return { ok: false, reason: `tfjs runs on ${tf.getBackend()}, not webgpu` };
  const backend = tf.backend() as unknown as WebGPUBackend;
  const { sizes, algo, inner } = config;
  const settings = {
    ...shape,
    sizes,
    algo,
    inner,
    pretrained: opts.pretrained,
    ...tuningFor(backend),
    ...pick(opts),
  };
  return supports(settings, deviceLimits(backend));
}

/** The tuning options a caller set explicitly. */
function pick(opts: FusedOptions): Pick<FusedOptions, 'workgroup' | 'workgroupMemory'> {
  const out: Pick<FusedOptions, 'workgroup' | 'workgroupMemory'> = {};
  if (opts.workgroup !== undefined) out.workgroup = opts.workgroup;
  if (opts.workgroupMemory !== undefined) out.workgroupMemory = opts.workgroupMemory;
  return out;
}
