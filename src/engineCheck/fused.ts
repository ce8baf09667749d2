import * as tf from '@tensorflow/tfjs';
import { FusedWebgpuMlp, type FusedOptions } from '../core/engines/webgpu/fusedWebgpuMlp';
import { tryFusedWebgpu } from '../core/engines/webgpu/tryFused';
import type { RegressionBatch } from '../core/families/regression/tasks';
import { caseData, type CheckCase } from './cases';
import type { GradResult, StepsResult } from './reference';

/** The fused engine's side of each check (the webgpu backend must be active). */

/** Explicit tuning (workgroup size, workgroup memory) or the adapter's default when empty. */
export type Tuning = Pick<FusedOptions, 'workgroup' | 'workgroupMemory'>;

function engineFor(
  k: CheckCase,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  pretrained: boolean,
  tuning: Tuning,
) {
  return new FusedWebgpuMlp(
    { sizes: k.sizes, algo: k.algo, alpha: k.alpha, beta: 0.001, inner: k.inner },
    theta0,
    {
      pretrained,
      alpha0: alpha0 ?? undefined,
      ...tuning,
    },
  );
}

const shapeOf = (k: CheckCase) => ({ tasks: k.tasks, support: k.support, query: k.query });

export async function fusedGradient(
  k: CheckCase,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  batch: RegressionBatch,
  tuning: Tuning,
): Promise<GradResult> {
  const engine = engineFor(k, theta0, alpha0, false, tuning);
  try {
    await engine.prepare(shapeOf(k));
    const g = engine.metaGradient(batch);
    const out = {
      loss: (await g.loss.data())[0] as number,
      theta: (await g.theta.data()) as Float32Array,
      alpha: g.alpha ? ((await g.alpha.data()) as Float32Array) : null,
    };
    tf.dispose([g.loss, g.theta, g.alpha ?? []].flat());
    return out;
  } finally {
    engine.dispose();
  }
}

/** Counts the WebGPU programs tfjs runs while `f` runs (ours and any tfjs kernel alike). */
export function countDispatches<T>(f: () => T): { value: T; count: number } {
  const backend = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  let count = 0;
  backend.runWebGPUProgram = function (this: unknown, ...args: unknown[]) {
    count += 1;
    return original.apply(this, args);
  };
  try {
    const value = f();
    return { value, count };
  } finally {
    backend.runWebGPUProgram = original;
  }
}

export async function fusedSteps(
  k: CheckCase,
  theta0: Float32Array,
  alpha0: Float32Array | null,
  batches: RegressionBatch[],
  tuning: Tuning,
): Promise<StepsResult & { dispatches: number[]; declared: number }> {
  const engine = engineFor(k, theta0, alpha0, true, tuning);
  try {
    await engine.prepare(shapeOf(k));
    const metaLosses: number[] = [];
    const pretrainedLosses: number[] = [];
    const dispatches: number[] = [];
    for (const b of batches) {
      const { value, count } = countDispatches(() => engine.step(b));
      dispatches.push(count);
      metaLosses.push((await value.meta.data())[0] as number);
      pretrainedLosses.push((await (value.pretrained as tf.Scalar).data())[0] as number);
      tf.dispose([value.meta, value.pretrained as tf.Scalar]);
    }
    return {
      theta: (await engine.theta.data()) as Float32Array,
      alpha: engine.alphaVec ? ((await engine.alphaVec.data()) as Float32Array) : null,
      pretrained: (await (engine.pretrainedTheta as tf.Variable).data()) as Float32Array,
      metaLosses,
      pretrainedLosses,
      dispatches,
      declared: engine.dispatchesPerStep(),
    };
  } finally {
    engine.dispose();
  }
}

/** Tensor counts around 20 steps: after prepare, after the steps, after dispose. */
export async function leakCheck(
  k: CheckCase,
): Promise<{ before: number; after: number; created: number; disposed: number }> {
  const created = tf.memory().numTensors;
  const { theta0, alpha0, batches } = caseData(k, 20);
  const engine = engineFor(k, theta0, alpha0, true, {});
  await engine.prepare(shapeOf(k));
  const before = tf.memory().numTensors;
  for (const b of batches) {
    const { meta, pretrained } = engine.step(b);
    await meta.data();
    tf.dispose([meta, pretrained ?? []].flat());
  }
  const after = tf.memory().numTensors;
  engine.dispose();
  return { before, after, created, disposed: tf.memory().numTensors };
}

export interface FallbackResult {
  name: string;
  fellBack: boolean;
  reason: string;
}

/** A network over the device's limits and a broken shader must both come back with a reason. */
export async function fallbackChecks(): Promise<FallbackResult[]> {
  const out: FallbackResult[] = [];
  const big = {
    sizes: [1, 256, 256, 256, 256, 1],
    algo: 'maml' as const,
    alpha: 0.01,
    beta: 0.001,
    inner: 10,
  };
  const bigTheta = new Float32Array(198145);
  const over = await tryFusedWebgpu(big, bigTheta, { tasks: 100, support: 50, query: 100 });
  out.push({
    name: '4×256, 100 tasks, K 50, Q 100, 10 inner steps',
    fellBack: !over.ok,
    reason: over.ok ? '' : over.reason,
  });
  if (over.ok) over.engine.dispose();
  const k: CheckCase = {
    name: '',
    algo: 'maml',
    sizes: [1, 8, 1],
    tasks: 2,
    inner: 1,
    support: 4,
    query: 4,
    alpha: 0.01,
    seed: 3,
  };
  const { theta0 } = caseData(k);
  const cfg = { sizes: k.sizes, algo: k.algo, alpha: 0.01, beta: 0.001, inner: 1 };
  const broken = await tryFusedWebgpu(cfg, theta0, shapeOf(k), { breakShader: true });
  out.push({
    name: 'forced shader compile error',
    fellBack: !broken.ok,
    reason: broken.ok ? '' : broken.reason,
  });
  if (broken.ok) broken.engine.dispose();
  // after a failed compile the backend must still run the fused engine (nothing left poisoned)
  const healthy = await tryFusedWebgpu(cfg, theta0, shapeOf(k));
  let reason = healthy.ok ? '' : healthy.reason;
  if (healthy.ok) {
    const { meta } = healthy.engine.step(caseData(k).batches[0] as RegressionBatch);
    const loss = (await meta.data())[0] as number;
    meta.dispose();
    healthy.engine.dispose();
    if (!Number.isFinite(loss)) reason = `loss ${loss}`;
  }
  out.push({ name: 'a good shader after the broken one still runs', fellBack: reason !== '', reason });
  return out;
}
