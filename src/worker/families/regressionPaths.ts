/**
 * Inner-loop paths in the θ plane for the tasks the parameter-space view displays: the task
 * view's task (on its true curve) and fixed tasks of the seed, each with its query MSE per step.
 */
import * as tf from '@tensorflow/tfjs';
import { batchTensors } from '../../core/families/regression/evaluate';
import type { RegressionRun } from '../../core/families/regression/run';
import type { RegressionBatch } from '../../core/families/regression/tasks';
import { adaptationCurve } from '../../core/meta/innerLoop';
import { innerPaths, projectPoint, type TrajectoryPlane } from '../../core/projection';
import type { ThetaPaths, ViewTask } from '../protocol';
import { rateTensors } from '../theta/pathRate';
import { read } from '../theta/read';
import type { PathRate } from '../theta/subject';

/** points on which each shown task's loss is measured (the task view's task: on its true curve) */
export const QUERY_POINTS = 50;

/** One task's path in the plane [2·(steps + 1)] and its query loss after each step [steps + 1]. */
interface PathPart {
  coords: Float32Array;
  losses: Float32Array;
}

/**
 * Inner-loop paths from θ for the task view's task (first, when there is one) and the shown
 * tasks, with each task's query MSE after every step, each step taken with the rate the subject
 * adapts with (MAML++: that step's learned rates). Tensors are made here, from arrays, so it
 * runs on whichever backend `inference` selected.
 */
export async function pathsFrom(
  run: RegressionRun,
  plane: TrajectoryPlane,
  theta: Float32Array,
  rate: PathRate,
  shown: { batch: RegressionBatch },
  task: ViewTask | null,
  steps: number,
): Promise<ThetaPaths> {
  const { model, tasks: family } = run;
  const created: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => {
    created.push(t);
    return t;
  };
  const parts: PathPart[] = [];
  try {
    const thetaT = keep(tf.tensor1d(theta));
    const { rate: rateT, made } = rateTensors(rate, steps);
    created.push(...made);
    const pathsAndLosses = async (
      xs: tf.Tensor3D,
      ys: tf.Tensor3D,
      xq: tf.Tensor3D,
      yq: tf.Tensor3D,
      n: number,
    ): Promise<void> => {
      const p = await innerPaths(model, plane, thetaT, xs, ys, rateT, n);
      const curve = adaptationCurve(model, thetaT, rateT, xs, ys, xq, yq, n);
      let losses: Float32Array;
      try {
        losses = await read(curve);
      } finally {
        curve.dispose();
      }
      parts.push({ coords: p.coords, losses });
    };
    if (task) {
      const k = Math.min(task.xs.length, task.ys.length);
      const [x0, x1] = family.xRange;
      const gx = Float32Array.from(
        { length: QUERY_POINTS },
        (_, i) => x0 + ((x1 - x0) * i) / (QUERY_POINTS - 1),
      );
      const gy = gx.map((x) => family.truth(task.params, 0, x));
      const xq = keep(tf.tensor3d(gx, [1, QUERY_POINTS, 1]));
      const yq = keep(tf.tensor3d(gy, [1, QUERY_POINTS, 1]));
      if (k > 0) {
        const xs = keep(tf.tensor3d(task.xs.slice(0, k), [1, k, 1]));
        const ys = keep(tf.tensor3d(task.ys.slice(0, k), [1, k, 1]));
        await pathsAndLosses(xs, ys, xq, yq, steps);
      } else {
        // no support points, nothing to adapt on: the path stays at θ
        const none = keep(tf.zeros([1, 1, 1])) as tf.Tensor3D;
        const loss = tf.tidy(() => adaptationCurve(model, thetaT, rateT, none, none, xq, yq, 0));
        const at = await read(loss);
        loss.dispose();
        const start = projectPoint(plane, theta);
        const coords = new Float32Array(2 * (steps + 1));
        for (let s = 0; s <= steps; s++) coords.set(start, 2 * s);
        parts.push({ coords, losses: new Float32Array(steps + 1).fill(at[0] as number) });
      }
    }
    const b = batchTensors(shown.batch);
    created.push(b.xs, b.ys, b.xq, b.yq);
    await pathsAndLosses(b.xs, b.ys, b.xq, b.yq, steps);
  } finally {
    tf.dispose(created);
  }
  const tasks = (task ? 1 : 0) + shown.batch.tasks;
  return { start: projectPoint(plane, theta), tasks, steps, ...joined(parts, tasks, steps) };
}

/** Each task's path and losses, one after another. */
function joined(
  parts: readonly PathPart[],
  tasks: number,
  steps: number,
): { coords: Float32Array; losses: Float32Array } {
  const coords = new Float32Array(tasks * (steps + 1) * 2);
  const losses = new Float32Array(tasks * (steps + 1));
  let oc = 0;
  let ol = 0;
  for (const part of parts) {
    coords.set(part.coords, oc);
    losses.set(part.losses, ol);
    oc += part.coords.length;
    ol += part.losses.length;
  }
  return { coords, losses };
}
