import * as tf from '@tensorflow/tfjs';
import { batchTensors } from './evaluate';
import type { ExperimentRun } from './run';

/** Backend kernels launched by one meta-step (customGrad scope records are not kernels). */
export async function kernelsPerMetaStep(
  run: ExperimentRun,
): Promise<{ total: number; byKernel: Record<string, number> }> {
  const t = batchTensors(run.nextBatch());
  try {
    const info = await tf.profile(() => run.learner.step(t));
    const byKernel: Record<string, number> = {};
    let total = 0;
    for (const k of info.kernels) {
      if (k.name === 'forward' || k.name === 'backward') continue;
      byKernel[k.name] = (byKernel[k.name] ?? 0) + 1;
      total += 1;
    }
    return { total, byKernel };
  } finally {
    tf.dispose(t);
  }
}
