/**
 * The tfjs reference for the fused 2-D navigation engine's checks: one meta-iteration's data
 * sampled by the fused engine (so both sides see the same trajectories), then the tfjs
 * meta-gradient (families/nav2d/metaGradient.ts) on that data.
 */
import * as tf from '@tensorflow/tfjs';
import { advantages } from '../src/core/families/nav2d/advantages';
import { actionNoise, HORIZON, sampleGoals } from '../src/core/families/nav2d/env';
import { adaptAt } from '../src/core/families/nav2d/fusedTrpo';
import { metaGradient, type PgBatch } from '../src/core/families/nav2d/metaGradient';
import { initPolicy } from '../src/core/families/nav2d/policy';
import { FusedNav2dEngine, type FusedRollout } from '../src/core/engines/fusedNav2d/fusedNav2d';
import { Rng } from '../src/core/random';

export interface Case {
  hidden: number[];
  tasks: number;
  trajs: number;
  inner: number;
  alpha: number;
  seed: number;
  /** the rate of inner steps after the first (α unless given) */
  later?: number;
  /** the objective is the mean of the surrogates after each inner step */
  allSteps?: boolean;
}

/** The rate of case c's inner steps after the first. */
export const laterOf = (c: Case): number => c.later ?? c.alpha;

/** A small deterministic case: the engine and θ of the seed. */
export function makeEngine(c: Case): { engine: FusedNav2dEngine; theta: Float32Array } {
  const theta = initPolicy(c.hidden, new Rng(c.seed, 'init'));
  // a nonzero log-std and biases, so every parameter kind is exercised
  for (let i = 0; i < theta.length; i++) if (theta[i] === 0) theta[i] = 0.05 * Math.sin(i);
  const engine = FusedNav2dEngine.createSync(
    { hidden: c.hidden, tasks: c.tasks, trajs: c.trajs, slots: c.inner + 1 },
    theta,
    theta,
  );
  return { engine, theta };
}

export interface Sampled {
  goals: Float32Array;
  rollouts: FusedRollout[];
  weights: Float32Array[];
  live: Float32Array[];
}

/** Samples and adapts on the engine (θ slots 0..inner, data slots 0..inner). */
export function sampleOnEngine(engine: FusedNav2dEngine, c: Case): Sampled {
  const rng = new Rng(c.seed, 'stream');
  const goals = sampleGoals(rng, c.tasks);
  engine.setGoals(goals);
  engine.broadcast(0, 'meta', c.tasks);
  const rollouts: FusedRollout[] = [];
  const weights: Float32Array[] = [];
  const live: Float32Array[] = [];
  for (let k = 0; k <= c.inner; k++) {
    const r = engine.rollout(k, k, actionNoise(rng, HORIZON * c.tasks * c.trajs * 2), c.tasks, c.trajs);
    const a = advantages(r.obs, r.rewards, r.alive, c.tasks, c.trajs);
    engine.setWeights(k, a.weights, c.tasks, c.trajs);
    rollouts.push(r);
    weights.push(a.weights);
    live.push(a.live);
    if (k < c.inner) engine.inner(k, k, k + 1, c.tasks, c.trajs, k === 0 ? c.alpha : laterOf(c));
  }
  return { goals, rollouts, weights, live };
}

/** The sampled data as the tfjs losses read it. */
export function tfjsBatches(s: Sampled, c: Case): PgBatch[] {
  const m = c.trajs * HORIZON;
  return s.rollouts.map((r, k) => ({
    obs: tf.tensor3d(r.obs, [c.tasks, m, 2]),
    act: tf.tensor3d(r.act, [c.tasks, m, 2]),
    weights: tf.tensor2d(s.weights[k] as Float32Array, [c.tasks, m]),
    live: tf.tensor2d(s.live[k] as Float32Array, [c.tasks, m]),
  }));
}

/** The tfjs meta-gradient and objective at θ on the sampled data. */
export function tfjsMetaGradient(
  theta: Float32Array,
  s: Sampled,
  c: Case,
  firstOrder: boolean,
): { value: number; grad: Float32Array } {
  const batches = tfjsBatches(s, c);
  const th = tf.tensor1d(theta);
  const pre = batches.slice(0, c.inner);
  const post = batches[c.inner] as PgBatch;
  const all = c.allSteps ?? false;
  const { value, grad } = metaGradient(th, c.hidden, pre, post, c.alpha, firstOrder, laterOf(c), all);
  const out = { value: value.dataSync()[0] as number, grad: Float32Array.from(grad.dataSync()) };
  tf.dispose([value, grad, th]);
  for (const b of batches) tf.dispose([b.obs, b.act, b.weights, b.live]);
  return out;
}

/**
 * The meta-objective at another θ on the engine's sampled data (data slots 0..inner kept): the
 * inner steps and the post-update surrogate recomputed at θ (the engine's θ is untouched).
 */
export function fusedObjective(engine: FusedNav2dEngine, c: Case, theta: Float32Array): number {
  adaptAt(engine, { ...c, later: laterOf(c) }, theta);
  const all = c.allSteps ?? false;
  return engine.meta(c.inner, c.tasks, c.trajs, c.alpha, true, 0.01, false, laterOf(c), all).value;
}
