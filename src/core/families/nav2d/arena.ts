/**
 * One goal's adaptation as the page's arena shows it (the paper's Figure 5): trajectories sampled
 * with θ toward the goal, one REINFORCE inner step on them (the same step as meta-training's, its
 * per-task baseline included), then trajectories sampled with the adapted θ′. Pure compute over
 * the nav2d pieces; every random number comes from `rng`.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random';
import { advantages } from './advantages';
import { disposeRollout, GOAL_RANGE, HORIZON, rollout, type Rollout } from './env';
import { pgInnerStep } from './metaGradient';
import { perTask } from './policy';
import type { Reading } from './reads';

/** Sampled trajectories of one goal as points: [N, H + 1, 2] positions, and each one's length. */
export interface ArenaPaths {
  trajs: number;
  /** positions of trajectory i: points[(i·(H + 1) + t)·2 + d] for t < lengths[i] */
  points: Float32Array;
  /** how many points trajectory i has (its alive steps + 1: the start and each move) */
  lengths: Int32Array;
  /** the average undiscounted return of the trajectories */
  averageReturn: number;
}

/** Trajectories before the inner step and after it. */
export interface ArenaAdaptation {
  pre: ArenaPaths;
  post: ArenaPaths;
}

/** A goal clamped to the arena [−0.5, 0.5]² (NaN goes to 0), and whether it had to move. */
export function clampGoal(x: number, y: number): { goal: [number, number]; clamped: boolean } {
  const c = (v: number) => (Number.isFinite(v) ? Math.min(GOAL_RANGE, Math.max(-GOAL_RANGE, v)) : 0);
  const goal: [number, number] = [c(x), c(y)];
  return { goal, clamped: goal[0] !== x || goal[1] !== y };
}

/**
 * A rollout of one task as paths. The environment keeps moving a point after its episode ends
 * (only its rewards stop), so the position after the last alive step is the next observation.
 */
export function pathsOf(r: Rollout): ArenaPaths {
  const n = r.trajs;
  const stride = HORIZON + 1;
  const points = new Float32Array(n * stride * 2);
  const lengths = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let alive = 0;
    for (let t = 0; t < HORIZON; t++) {
      const at = i * HORIZON + t;
      if ((r.alive[at] as number) > 0) {
        alive = t + 1;
        total += r.rewards[at] as number;
      }
    }
    const shown = Math.min(alive + 1, HORIZON);
    for (let t = 0; t < shown; t++) {
      const from = (i * HORIZON + t) * 2;
      const to = (i * stride + t) * 2;
      points[to] = r.obsData[from] as number;
      points[to + 1] = r.obsData[from + 1] as number;
    }
    lengths[i] = shown;
  }
  return { trajs: n, points, lengths, averageReturn: total / n };
}

/**
 * Sample `trajs` trajectories of θ toward `goal`, take one inner policy-gradient step of size
 * `alpha` on them, and sample again with θ′. Leaves no tensors behind.
 */
export function* adaptOnGoal(
  theta: tf.Tensor1D,
  hidden: readonly number[],
  goal: readonly [number, number],
  trajs: number,
  alpha: number,
  rng: Rng,
): Reading<ArenaAdaptation> {
  const goals = Float32Array.from(goal);
  const r = yield* rollout(theta, hidden, goals, trajs, rng);
  const a = advantages(r.obsData, r.rewards, r.alive, 1, trajs);
  const shape: [number, number] = [1, trajs * HORIZON];
  const weights = tf.tensor2d(a.weights, shape);
  const live = tf.tensor2d(a.live, shape);
  const batch = { obs: r.obs, act: r.act, weights, live };
  const adapted = tf.tidy(() => pgInnerStep(perTask(theta, 1), hidden, batch, alpha));
  disposeRollout(r);
  tf.dispose([weights, live]);
  try {
    const after = yield* rollout(adapted, hidden, goals, trajs, rng);
    disposeRollout(after);
    return { pre: pathsOf(r), post: pathsOf(after) };
  } finally {
    adapted.dispose();
  }
}
