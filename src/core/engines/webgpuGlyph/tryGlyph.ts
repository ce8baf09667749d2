import * as tf from '@tensorflow/tfjs';
import type { FusedGlyphSettings } from '../fusedGlyph/fusedGlyph';
import { WebgpuGlyphEngine, type WebgpuGlyphOptions } from './webgpuGlyph';

export type WebgpuGlyphChoice = { ok: true; engine: WebgpuGlyphEngine } | { ok: false; reason: string };

/**
 * The fused WebGPU glyph engine when it can run these settings here, or the reason it cannot (tfjs
 * not on WebGPU, a network or batch over the device's limits, a shader that does not compile),
 * so the caller keeps the tfjs path (θ, Adam's moments and the step carried by state()/restore())
 * and can say why.
 */
export async function tryWebgpuGlyph(
  settings: FusedGlyphSettings,
  theta0: Float32Array,
  opts: WebgpuGlyphOptions = {},
): Promise<WebgpuGlyphChoice> {
  if (tf.getBackend() !== 'webgpu')
    return { ok: false, reason: `tfjs runs on ${tf.getBackend()}, not webgpu` };
  try {
    return { ok: true, engine: await WebgpuGlyphEngine.create(settings, theta0, opts) };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}
