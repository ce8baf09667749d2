/**
 * One meta-iteration's sampling and the evaluation protocol of 2-D navigation, as generators that
 * read their rollouts back through a driver (reads.ts). The meta-iteration draws the goals, then
 * for each inner step samples trajectories at the current parameters, fits the baseline and takes
 * the policy-gradient step; finally it samples at the adapted parameters. Every random number
 * comes from `rng`, in a fixed order.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../random';
import { advantages } from './advantages';
import { disposeRollout, HORIZON, rollout, sampleGoals, type Rollout } from './env';
import { pgInnerStep, type PgBatch } from './metaGradient';
import { perTask } from './policy';
import type { Reading } from './reads';

/** What the policy-gradient steps need to know of the run. */
export interface PgSettings {
  hidden: readonly number[];
  alpha: number;
  trajs: number;
  /** the rate of training's inner steps after the first (α unless given) */
  later?: number;
}

/** A sampled batch with its advantage weights, and its tasks' average returns. */
export interface Sampled {
  batch: PgBatch;
  returns: Float32Array;
}

export function* sampleBatch(
  theta: tf.Tensor,
  goals: Float32Array,
  s: PgSettings,
  rng: Rng,
): Reading<Sampled> {
  const r: Rollout = yield* rollout(theta, s.hidden, goals, s.trajs, rng);
  const a = advantages(r.obsData, r.rewards, r.alive, r.tasks, r.trajs);
  const shape: [number, number] = [r.tasks, r.trajs * HORIZON];
  const batch = {
    obs: r.obs,
    act: r.act,
    weights: tf.tensor2d(a.weights, shape),
    live: tf.tensor2d(a.live, shape),
  };
  return { batch, returns: a.returns };
}

export function disposeBatch(b: PgBatch): void {
  disposeRollout({ obs: b.obs, act: b.act } as Rollout);
  tf.dispose([b.weights, b.live]);
}

export const meanOf = (a: ArrayLike<number>): number => Array.from(a).reduce((s, x) => s + x, 0) / a.length;

/** The data of one meta-iteration: the batches of each inner step and the post-update batch. */
export interface MetaSample {
  goals: Float32Array;
  pre: PgBatch[];
  post: PgBatch;
  /** average return before each inner step and after the last */
  returns: number[];
}

export function* sampleMetaBatch(
  theta: tf.Tensor1D,
  tasks: number,
  inner: number,
  s: PgSettings,
  rng: Rng,
): Reading<MetaSample> {
  const goals = sampleGoals(rng, tasks);
  const pre: PgBatch[] = [];
  const returns: number[] = [];
  let params: tf.Tensor = theta;
  for (let i = 0; i < inner; i++) {
    const got = yield* sampleBatch(params, goals, s, rng);
    pre.push(got.batch);
    returns.push(meanOf(got.returns));
    const p = params;
    const rate = i === 0 ? s.alpha : (s.later ?? s.alpha);
    params = tf.tidy(() => pgInnerStep(perTask(p, tasks), s.hidden, got.batch, rate));
    if (p !== theta) p.dispose();
  }
  const post = yield* sampleBatch(params, goals, s, rng);
  if (params !== theta) params.dispose();
  returns.push(meanOf(post.returns));
  return { goals, pre, post: post.batch, returns };
}

/**
 * The evaluation protocol's trajectories per adaptation step: twice a training step's (the
 * released evaluation samples 4,000 steps per adaptation step, the training 2,000 per task).
 */
export const EVAL_TRAJS_FACTOR = 2;

/** Trajectories per goal and adaptation step in the evaluation protocol. */
export function evalTrajs(trainTrajs: number): number {
  return trainTrajs * EVAL_TRAJS_FACTOR;
}

/** The inner rate of evaluation step k (from 0): α for the first, α / 2 for every later one. */
export function evalRate(alpha: number, k: number): number {
  return k === 0 ? alpha : alpha / 2;
}

/**
 * Per-task average returns [tasks, steps + 1] of an initialisation adapted 0..steps times on the
 * goals, each step on fresh trajectories sampled at the current parameters: the evaluation
 * protocol of the released code, evalTrajs(s.trajs) trajectories per step, the rate α for the
 * first step and α / 2 after it (evalRate).
 */
export function* adaptationReturns(
  theta: tf.Tensor1D,
  goals: Float32Array,
  steps: number,
  s: PgSettings,
  rng: Rng,
): Reading<Float32Array> {
  const tasks = goals.length / 2;
  const out = new Float32Array(tasks * (steps + 1));
  const sampling = { ...s, trajs: evalTrajs(s.trajs) };
  let params: tf.Tensor = theta;
  for (let k = 0; ; k++) {
    const got = yield* sampleBatch(params, goals, sampling, rng);
    got.returns.forEach((v, t) => (out[t * (steps + 1) + k] = v));
    if (k === steps) {
      disposeBatch(got.batch);
      break;
    }
    const p = params;
    params = tf.tidy(() => pgInnerStep(perTask(p, tasks), s.hidden, got.batch, evalRate(s.alpha, k)));
    disposeBatch(got.batch);
    if (p !== theta) p.dispose();
  }
  if (params !== theta) params.dispose();
  return out;
}
