import * as tf from '@tensorflow/tfjs';
import { FusedGlyphEngine } from '../core/engines/fusedGlyph/fusedGlyph';
import { WebgpuGlyphEngine } from '../core/engines/webgpuGlyph/webgpuGlyph';
import { batchFor, glyphSettings, thetaFor } from './glyphCases';

/**
 * Meta-steps per second of the fused WGSL glyph step and the fused CPU engine, side by side in
 * this page (engine-check.html?glyph=1&gbench=N), on the default glyph configuration: 5-way
 * 1-shot, 3 queries per class, meta-batch 4, 32 filters, 4 blocks, second-order MAML; with
 * `&gconfig=page` on the glyph lab's default (5 queries per class, meta-batch 8: in task chunks
 * on a software adapter).
 */
export interface GlyphRate {
  engine: string;
  steps: number;
  metaStepsPerSecond: number;
  /** per-task dispatches of the WGSL step (1: not split) */
  chunks?: number;
}

/** The configurations timed: the default, the glyph lab's own. */
const CONFIGS = {
  default: { query: 3, tasks: 4 },
  page: { query: 5, tasks: 8 },
};

export async function glyphBench(
  steps: number,
  config: keyof typeof CONFIGS = 'default',
): Promise<GlyphRate[]> {
  const { query, tasks } = CONFIGS[config];
  const s = glyphSettings({ ways: 5, shots: 1, query, filters: 32, blocks: 4, maxTasks: tasks });
  const theta = thetaFor(s);
  const batches = Array.from({ length: steps + 1 }, (_, i) => batchFor(s, tasks, 300 + i));
  const gpu = await WebgpuGlyphEngine.create(s, theta);
  const chunks = gpu.taskChunks.chunks;
  const first = gpu.step(batches[0]!).meta;
  await first.data(); // compile and upload outside the timing
  first.dispose();
  let t0 = performance.now();
  let last: tf.Scalar | null = null;
  for (let i = 1; i <= steps; i++) {
    last?.dispose();
    last = gpu.step(batches[i]!).meta;
  }
  await last?.data();
  last?.dispose();
  const gpuMs = performance.now() - t0;
  gpu.dispose();
  const cpu = await FusedGlyphEngine.create(s, theta);
  cpu.step(batches[0]!);
  t0 = performance.now();
  for (let i = 1; i <= steps; i++) cpu.step(batches[i]!);
  const cpuMs = performance.now() - t0;
  cpu.dispose();
  return [
    { engine: 'fused-webgpu-glyph', steps, metaStepsPerSecond: (1000 * steps) / gpuMs, chunks },
    { engine: 'fused-wasm-glyph', steps, metaStepsPerSecond: (1000 * steps) / cpuMs },
  ];
}
