import * as tf from '@tensorflow/tfjs';

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

/** One meta-step with its batch already on the device: `step` runs it, `dispose` frees the batch. */
export interface MeteredStep {
  step(): unknown;
  dispose(): void;
}

/** A run that can lay out its next meta-step for counting (each family's run, on tfjs). */
export interface MeteredRun {
  meteredStep(): MeteredStep;
}

/** Backend kernels launched by one meta-step. */
export async function kernelsPerMetaStep(
  run: MeteredRun,
): Promise<{ total: number; byKernel: Record<string, number> }> {
  const metered = run.meteredStep();
  try {
    return await kernelsOf(() => metered.step());
  } finally {
    metered.dispose();
  }
}
