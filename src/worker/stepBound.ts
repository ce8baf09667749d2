/**
 * The cost of an auto-race contender, bounded before it runs. A tfjs step on wasm or cpu runs
 * synchronously and cannot be interrupted (one step of a heavy network can take a minute), so it
 * is first timed on scaled-down copies of the workload, meta-batch 1 and 2; a line through the two
 * predicts the full step. A contender predicted an order of magnitude behind the leader, or above
 * a per-step ceiling, is skipped with its reason instead of timed.
 */
import * as tf from '@tensorflow/tfjs';
import { formatDuration, formatRate } from '../core/wording/rates';
import { probeStep, type SteppingRun } from './backend';

/**
 * "Far behind": a tenth of the leader's rate. WebGPU tfjs is not timed when WebGPU fused, the same
 * meta-step in at most 7 dispatches instead of ~270 kernels on the same device, is this far behind.
 */
export const OUTPACED = 10;

/** A contender whose predicted step takes longer than this is not timed (the race would stall). */
export const STEP_CEILING_MS = 3000;

/**
 * The full meta-batch's step time predicted from steps at meta-batch 1 and 2: the tasks' work
 * grows linearly with the meta-batch, the rest (the update, per-kernel overhead) does not. Never
 * below the meta-batch-1 step.
 */
export function predictStepMs(ms1: number, ms2: number, batch: number): number {
  return Math.max(ms1, ms1 + (ms2 - ms1) * (batch - 1));
}

/**
 * Why a contender predicted at `predictedMs` a step need not be timed, or null: above the
 * ceiling, or OUTPACED times or more behind the leader's rate (0: no leader yet).
 */
export function boundVerdict(
  predictedMs: number,
  leaderRate: number,
  ceilingMs: number = STEP_CEILING_MS,
): string | null {
  const what = `meta-batch 1 and 2 predict ${formatDuration(predictedMs)} a step at the full meta-batch`;
  if (predictedMs > ceilingMs) return `${what}, over the race's ${formatDuration(ceilingMs)} ceiling`;
  const rate = 1000 / predictedMs;
  if (leaderRate > 0 && rate * OUTPACED < leaderRate)
    return `${what} (${formatRate(rate)} steps/s), over ${OUTPACED}× behind the leader's ${formatRate(leaderRate)}`;
  return null;
}

/** Milliseconds of one step (its losses read back), after `warmup` untimed ones. */
async function timeStep(run: SteppingRun, warmup: number): Promise<number> {
  let ms = 0;
  for (let i = 0; i <= warmup; i++) {
    const t0 = performance.now();
    const l = await probeStep(run);
    const losses = l.pretrained ? [l.meta, l.pretrained] : [l.meta];
    await Promise.all(losses.map((t) => t.data()));
    tf.dispose(losses);
    ms = performance.now() - t0;
  }
  return ms;
}

/**
 * The predicted full step (ms) of `makeRun`'s workload at meta-batch `batch`, from throwaway runs
 * at meta-batch 1 (one warm-up step, then one timed) and 2 (one timed). A warm-up step already
 * over `ceilingMs` is the prediction itself (the full step takes at least as long): nothing more
 * is run.
 */
export async function predictFullStep(
  makeRun: (batch: number) => SteppingRun,
  batch: number,
  ceilingMs: number = STEP_CEILING_MS,
): Promise<number> {
  const one = makeRun(1);
  let ms1: number;
  try {
    const first = await timeStep(one, 0);
    if (first > ceilingMs) return first;
    ms1 = await timeStep(one, 0);
  } finally {
    one.dispose();
  }
  if (batch <= 1) return ms1;
  const two = makeRun(2);
  try {
    return predictStepMs(ms1, await timeStep(two, 0), batch);
  } finally {
    two.dispose();
  }
}
