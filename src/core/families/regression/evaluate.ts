import * as tf from '@tensorflow/tfjs';
import type { Mlp } from '../../models/mlp';
import { Rng } from '../../random';
import { meanCi } from '../../meta/statistics';
import type { RegressionBatch, RegressionFamily } from './tasks';
import { adaptationCurve, type InnerRate, type StepRates } from '../../meta/innerLoop';

/** The MAML paper's protocol: 600 held-out tasks, 100 query points, 0..10 inner steps. */
export interface EvalProtocol {
  tasks: number;
  k: number;
  points: number;
  steps: number;
  /** evaluation tasks come from their own seed, independent of the training seed */
  seed: number;
}

export const DEFAULT_EVAL: Omit<EvalProtocol, 'k'> = { tasks: 600, points: 100, steps: 10, seed: 2017 };

export interface EvalCurve {
  /** mean MSE after 0..steps inner steps */
  mse: number[];
  /** half-width of the 95% confidence interval: 1.96·std/√tasks */
  ci95: number[];
}

export interface EvalMethod {
  name: string;
  theta: tf.Tensor;
  rate: InnerRate;
  /** MAML++: the learned rates of every inner step (`rate` is step 0's) */
  stepRates?: StepRates;
}

/** The protocol's held-out tasks (the family's held-out side where it keeps one). */
export function makeEvalTasks(family: RegressionFamily, p: EvalProtocol): RegressionBatch {
  const rng = Rng.stream(p.seed, 'eval');
  return family.sampleHeldOut
    ? family.sampleHeldOut(rng, p.tasks, p.k, p.points)
    : family.sampleBatch(rng, p.tasks, p.k, p.points);
}

export function batchTensors(b: RegressionBatch) {
  return {
    xs: tf.tensor3d(b.xs, [b.tasks, b.support, 1]),
    ys: tf.tensor3d(b.ys, [b.tasks, b.support, 1]),
    xq: tf.tensor3d(b.xq, [b.tasks, b.query, 1]),
    yq: tf.tensor3d(b.yq, [b.tasks, b.query, 1]),
  };
}

/** Mean and 95% CI per column of a row-major [rows, cols] matrix. */
export function summarize(values: ArrayLike<number>, rows: number, cols: number): EvalCurve {
  const { mean, ci95 } = meanCi(values, rows, cols);
  return { mse: mean, ci95 };
}

/** Evaluate every method on the same held-out tasks; reads back once per method, asynchronously. */
export async function evaluate(
  model: Mlp,
  methods: EvalMethod[],
  tasks: RegressionBatch,
  steps: number,
): Promise<Record<string, EvalCurve>> {
  const t = batchTensors(tasks);
  const out: Record<string, EvalCurve> = {};
  try {
    for (const m of methods) {
      const curve = adaptationCurve(model, m.theta, m.stepRates ?? m.rate, t.xs, t.ys, t.xq, t.yq, steps);
      const values = await curve.data();
      curve.dispose();
      out[m.name] = summarize(values, tasks.tasks, steps + 1);
    }
  } finally {
    tf.dispose(t);
  }
  return out;
}
