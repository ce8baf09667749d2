/**
 * The point environment of the MAML paper's 2-D navigation (Finn et al. 2017, §5.3), batched over
 * tasks × trajectories on the tensor backend. A point starts at the origin; a task is a goal drawn
 * uniformly from [−0.5, 0.5]²; the observation is the position; the policy's action a moves the
 * point by clip(0.1·a, ±0.1) per axis; the reward is −‖position − goal‖ after the move; an episode
 * ends after 100 steps, or once the point is within 0.01 of the goal on both axes (that step's
 * reward still counts). As in the released code (cbfinn/maml_rl, point_env_randgoal.py wrapped in
 * rllab's normalize()), the policy acts in normalised units: a ∈ [−1, 1] is a full step of 0.1.
 * Every random number (goals, action noise) comes from one Rng, so a run's stream is its state.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random';
import type { Reading } from './reads';
import { ACT_DIM, OBS_DIM, perTask, policyMean, splitPolicy } from './policy';

export const HORIZON = 100;
export const GOAL_RANGE = 0.5;
export const STEP_LIMIT = 0.1;
export const DONE_RADIUS = 0.01;

/** Goals [T·2] uniform in [−0.5, 0.5]². */
export function sampleGoals(rng: Rng, tasks: number): Float32Array {
  const g = new Float32Array(tasks * 2);
  for (let i = 0; i < g.length; i++) g[i] = rng.uniform(-GOAL_RANGE, GOAL_RANGE);
  return g;
}

/** Standard normal action noise for every task, trajectory and step: [H, T, N, 2] flat. */
export function actionNoise(rng: Rng, size: number): Float32Array {
  const eps = new Float32Array(size);
  for (let i = 0; i < size; i++) eps[i] = rng.normal();
  return eps;
}

/**
 * Sampled trajectories of T tasks × N each, laid out [T, N·H] in time order per trajectory. On
 * the device: observations and actions (for the policy-gradient losses); read back: what the
 * advantage estimates need (positions, rewards, the alive mask).
 */
export interface Rollout {
  tasks: number;
  trajs: number;
  obs: tf.Tensor3D;
  act: tf.Tensor3D;
  obsData: Float32Array;
  /** reward of each step, 0 after the episode ended */
  rewards: Float32Array;
  /** 1 while the episode runs, 0 after it ended */
  alive: Float32Array;
}

/** One tensor step of every agent: new positions, rewards and whether each reached its goal. */
function envStep(pos: tf.Tensor3D, action: tf.Tensor3D, goals: tf.Tensor3D) {
  const next = tf.add(
    pos,
    tf.clipByValue(tf.mul(action, STEP_LIMIT), -STEP_LIMIT, STEP_LIMIT),
  ) as tf.Tensor3D;
  const diff = tf.sub(next, goals);
  const reward = tf.neg(tf.sqrt(tf.sum(tf.square(diff), 2)));
  const near = tf.cast(tf.less(tf.max(tf.abs(diff), 2), DONE_RADIUS), 'float32');
  return { next, reward, near };
}

/**
 * Sample N trajectories per task with the policy θ (shared [P] or per task [T, P]) toward
 * `goals` [T·2]: one batched policy pass per time step for all T·N agents, no per-agent loop.
 * Draws T·N·H·2 normals from `rng`; yields once to read positions, rewards and the alive mask.
 */
export function* rollout(
  theta: tf.Tensor,
  hidden: readonly number[],
  goals: Float32Array,
  trajs: number,
  rng: Rng,
): Reading<Rollout> {
  const tasks = goals.length / 2;
  const eps = actionNoise(rng, HORIZON * tasks * trajs * ACT_DIM);
  const out = tf.tidy(() => simulate(theta, hidden, goals, trajs, eps));
  const [obsData, rewards, alive] = yield [out.obs, out.rewards, out.alive];
  tf.dispose([out.rewards, out.alive]);
  return { tasks, trajs, obs: out.obs, act: out.act, obsData: obsData!, rewards: rewards!, alive: alive! };
}

/** The tensor part of a rollout: H batched steps of every agent, stacked in time order. */
function simulate(
  theta: tf.Tensor,
  hidden: readonly number[],
  goals: Float32Array,
  trajs: number,
  eps: Float32Array,
) {
  const tasks = goals.length / 2;
  const parts = splitPolicy(perTask(theta, tasks), hidden);
  const std = tf.exp(parts.logStd);
  const goal = tf.tensor3d(goals, [tasks, 1, OBS_DIM]);
  const noise = tf.tensor4d(eps, [HORIZON, tasks, trajs, ACT_DIM]);
  let pos = tf.zeros([tasks, trajs, OBS_DIM]) as tf.Tensor3D;
  let alive = tf.ones([tasks, trajs]) as tf.Tensor2D;
  const obs: tf.Tensor[] = [];
  const act: tf.Tensor[] = [];
  const rew: tf.Tensor[] = [];
  const live: tf.Tensor[] = [];
  for (let t = 0; t < HORIZON; t++) {
    const z = tf.squeeze(tf.slice(noise, [t, 0, 0, 0], [1, tasks, trajs, ACT_DIM]), [0]);
    const a = tf.add(policyMean(parts, pos), tf.mul(z, std)) as tf.Tensor3D;
    const { next, reward, near } = envStep(pos, a, goal);
    obs.push(pos);
    act.push(a);
    rew.push(tf.mul(reward, alive));
    live.push(alive);
    alive = tf.mul(alive, tf.sub(1, near));
    pos = next;
  }
  const seq = (list: tf.Tensor[], dims: number): tf.Tensor3D =>
    tf.reshape(tf.stack(list, 2), [tasks, trajs * HORIZON, dims]);
  return {
    obs: seq(obs, OBS_DIM),
    act: seq(act, ACT_DIM),
    rewards: tf.reshape(tf.stack(rew, 2), [-1]),
    alive: tf.reshape(tf.stack(live, 2), [-1]),
  };
}

export function disposeRollout(r: Rollout): void {
  tf.dispose([r.obs, r.act]);
}
