import * as tf from '@tensorflow/tfjs';
import { classBatchTensors } from '../families/glyphs/classification';
import { batchTensors } from '../families/regression/evaluate';
import { GlyphRun } from '../families/glyphs/run';
import type { RegressionRun } from '../families/regression/run';
import { MetaLearner } from './learners';

/** Backend kernels `fn` launches, by kernel name (customGrad scope records are not kernels). */
export async function kernelsOf(
  fn: () => unknown,
): Promise<{ total: number; byKernel: Record<string, number> }> {
  const info = await tf.profile(async () => {
    await fn();
  });
  const byKernel: Record<string, number> = {};
  let total = 0;
  for (const k of info.kernels) {
    if (k.name === 'forward' || k.name === 'backward') continue;
    byKernel[k.name] = (byKernel[k.name] ?? 0) + 1;
    total += 1;
  }
  return { total, byKernel };
}

/** Backend kernels launched by one meta-step. */
export async function kernelsPerMetaStep(
  run: RegressionRun | GlyphRun,
): Promise<{ total: number; byKernel: Record<string, number> }> {
  const held: tf.Tensor[] = [];
  const step =
    run instanceof GlyphRun
      ? (() => {
          const t = classBatchTensors(run.nextBatch());
          held.push(t.xs, t.ys, t.xq, t.yq);
          return () => run.learner.step(t);
        })()
      : (() => {
          const learner = run.learner;
          if (!(learner instanceof MetaLearner)) throw new Error('kernels are counted on the tfjs engine');
          const t = batchTensors(run.nextBatch());
          held.push(t.xs, t.ys, t.xq, t.yq);
          return () => learner.step(t);
        })();
  try {
    return await kernelsOf(step);
  } finally {
    tf.dispose(held);
  }
}
