/**
 * 2-D navigation on the fused WebAssembly engine (engines/fusedNav2d): one meta-iteration drawn
 * from the run's random stream in the tfjs iteration's order (goals; each inner step's rollout
 * noise; the post-update noise; the baseline's noise), with the advantages fitted here in
 * TypeScript (advantages.ts) between the engine's calls, so both engines compute the same
 * estimator on the same random numbers.
 */
import { Rng } from '../../random';
import type { Experiment } from '../../schema';
import { FusedNav2dEngine, type FusedRollout } from '../../engines/fusedNav2d/fusedNav2d';
import { advantages, type Advantages } from './advantages';
import { actionNoise, HORIZON, sampleGoals } from './env';
import { EVAL_TRAJS_FACTOR, evalRate, evalTrajs, meanOf } from './iteration';
import { fusedTrpoStep } from './fusedTrpo';
import { ACT_DIM, policyParamCount } from './policy';
import { allSteps, laterRate } from './schema';

/** Trajectories per task when a config leaves them out (the paper's 20). */
export const DEFAULT_TRAJS = 20;

/** What a fused meta-iteration needs of the run's settings. */
export interface FusedIterationSettings {
  tasks: number;
  trajs: number;
  inner: number;
  alpha: number;
  /** the rate of inner steps after the first */
  later: number;
  beta: number;
  firstOrder: boolean;
  /** the meta-optimiser is TRPO (fusedTrpo.ts), else Adam with rate β */
  trpo: boolean;
  /** the objective is the mean of the surrogates after each inner step (schema.ts allSteps) */
  allSteps: boolean;
  /** the pretrained baseline takes its step too */
  joint: boolean;
}

/**
 * Samples data slot `slot` at θ slot `slot` (noise drawn from `rng`) and sets its advantage
 * weights; the rollout and its advantages (weights, live weights, the tasks' average returns).
 */
export function sampleSlot(
  engine: FusedNav2dEngine,
  slot: number,
  tasks: number,
  trajs: number,
  rng: Rng,
): Advantages & { rollout: FusedRollout } {
  const noise = actionNoise(rng, HORIZON * tasks * trajs * ACT_DIM);
  const rollout = engine.rollout(slot, slot, noise, tasks, trajs);
  const a = advantages(rollout.obs, rollout.rewards, rollout.alive, tasks, trajs);
  engine.setWeights(slot, a.weights, tasks, trajs);
  return { ...a, rollout };
}

/**
 * Samples and adapts every task (θ slots 0..inner, data slots 0..inner) without updating θ; the
 * goals, the average return before each inner step and after the last, and each data slot's
 * advantages (the post-update batch's last).
 */
export function sampleAdapted(
  engine: FusedNav2dEngine,
  s: FusedIterationSettings,
  rng: Rng,
): { goals: Float32Array; returns: number[]; batches: Advantages[] } {
  const goals = sampleGoals(rng, s.tasks);
  engine.setGoals(goals);
  engine.broadcast(0, 'meta', s.tasks);
  const returns: number[] = [];
  const batches: Advantages[] = [];
  for (let k = 0; ; k++) {
    const got = sampleSlot(engine, k, s.tasks, s.trajs, rng);
    returns.push(meanOf(got.returns));
    batches.push(got);
    if (k === s.inner) return { goals, returns, batches };
    engine.inner(k, k, k + 1, s.tasks, s.trajs, k === 0 ? s.alpha : s.later);
  }
}

/**
 * One meta-iteration: sampling, the inner steps, the meta-gradient with Adam's update of θ (or
 * TRPO's step), then the baseline's REINFORCE step on its own rollouts to the same goals. The
 * average post-update return and the baseline's average return (null without it).
 */
export function fusedIteration(
  engine: FusedNav2dEngine,
  s: FusedIterationSettings,
  rng: Rng,
): { meta: number; pretrained: number | null } {
  const { returns, batches } = sampleAdapted(engine, s, rng);
  if (s.trpo) fusedTrpoStep(engine, { ...s, batches });
  else engine.meta(s.inner, s.tasks, s.trajs, s.alpha, s.firstOrder, s.beta, true, s.later, s.allSteps);
  let pretrained: number | null = null;
  if (s.joint) {
    engine.broadcast(0, 'pretrained', s.tasks);
    pretrained = meanOf(sampleSlot(engine, 0, s.tasks, s.trajs, rng).returns);
    engine.joint(0, 0, s.tasks, s.trajs, s.beta, true);
  }
  return { meta: returns[returns.length - 1] as number, pretrained };
}

/** Why a fused engine asked for does not train this config, or null when it can. */
export function fusedRefusal(config: Experiment): string | null {
  if (config.hidden.length > 4) return 'the fused engine takes at most 4 hidden layers';
  return null;
}

/** Whether an engine's buffers hold a config's meta-batch, trajectories and inner steps. */
export function engineHolds(engine: FusedNav2dEngine, c: Experiment): boolean {
  const s = engine.settings;
  return c.batch <= s.tasks && (c.trajs ?? DEFAULT_TRAJS) <= s.trajs && c.inner + 1 <= s.slots;
}

/**
 * An engine for the config (θ and the baseline's θ given), or the reason it cannot be made (its
 * buffers beyond the memory WebAssembly may grow to).
 */
export function buildEngine(
  c: Experiment,
  theta: Float32Array,
  pretrained: Float32Array | null,
): { engine: FusedNav2dEngine } | { reason: string } {
  try {
    const settings = {
      hidden: c.hidden,
      tasks: c.batch,
      trajs: c.trajs ?? DEFAULT_TRAJS,
      slots: c.inner + 1,
    };
    return { engine: FusedNav2dEngine.createSync(settings, theta, pretrained) };
  } catch (e) {
    return { reason: e instanceof Error ? e.message : String(e) };
  }
}

/** The iteration settings of a config. */
export function fusedSettings(c: Experiment, joint: boolean): FusedIterationSettings {
  return {
    tasks: c.batch,
    trajs: c.trajs ?? DEFAULT_TRAJS,
    inner: c.inner,
    alpha: c.alpha,
    later: laterRate(c),
    beta: c.beta,
    firstOrder: c.algo === 'fomaml',
    trpo: c.metaopt === 'trpo',
    allSteps: allSteps(c),
    joint,
  };
}

/** The tasks [from, to) of a noise array laid out [H, tasks, trajs, 2]. */
function noiseOf(noise: Float32Array, tasks: number, trajs: number, from: number, to: number): Float32Array {
  const row = trajs * ACT_DIM;
  const out = new Float32Array(HORIZON * (to - from) * row);
  for (let h = 0; h < HORIZON; h++) {
    out.set(noise.subarray((h * tasks + from) * row, (h * tasks + to) * row), h * (to - from) * row);
  }
  return out;
}

/**
 * An engine for the evaluation protocol of a config (evalTrajs trajectories per goal, goals in
 * groups of half the meta-batch, two θ slots), or null when it cannot be made.
 */
export function buildEvalEngine(c: Experiment): FusedNav2dEngine | null {
  const trajs = evalTrajs(c.trajs ?? DEFAULT_TRAJS);
  const tasks = Math.max(1, Math.ceil(c.batch / EVAL_TRAJS_FACTOR));
  const built = buildEngine(
    { ...c, batch: tasks, trajs, inner: 1 },
    new Float32Array(policyParamCount(c.hidden)),
    null,
  );
  return 'engine' in built ? built.engine : null;
}

/**
 * The fused counterpart of iteration.ts adaptationReturns (the same protocol: evalTrajs(s.trajs)
 * trajectories per step, rates evalRate): per-task average returns [tasks, steps + 1] of θ adapted
 * 0..steps times on the goals, each step on fresh trajectories, with the same random numbers
 * (every step's noise is drawn for all goals, in step order). The goals are taken in groups the
 * engine holds, on its data slot 0 and θ slots 0 and 1.
 */
export function fusedAdaptationReturns(
  engine: FusedNav2dEngine,
  theta: Float32Array,
  goals: Float32Array,
  steps: number,
  protocol: { trajs: number; alpha: number },
  rng: Rng,
): Float32Array {
  const s = { trajs: evalTrajs(protocol.trajs), alpha: protocol.alpha };
  const tasks = goals.length / 2;
  const noises = Array.from({ length: steps + 1 }, () =>
    actionNoise(rng, HORIZON * tasks * s.trajs * ACT_DIM),
  );
  const out = new Float32Array(tasks * (steps + 1));
  engine.setTheta('eval', theta);
  for (let from = 0; from < tasks; from += engine.settings.tasks) {
    const to = Math.min(tasks, from + engine.settings.tasks);
    const n = to - from;
    engine.setGoals(goals.subarray(2 * from, 2 * to));
    engine.broadcast(0, 'eval', n);
    for (let k = 0; k <= steps; k++) {
      const noise = noiseOf(noises[k] as Float32Array, tasks, s.trajs, from, to);
      const r = engine.rollout(0, k % 2, noise, n, s.trajs);
      const a = advantages(r.obs, r.rewards, r.alive, n, s.trajs);
      a.returns.forEach((v, t) => (out[(from + t) * (steps + 1) + k] = v));
      if (k === steps) break;
      engine.setWeights(0, a.weights, n, s.trajs);
      engine.inner(0, k % 2, (k + 1) % 2, n, s.trajs, evalRate(s.alpha, k));
    }
  }
  return out;
}

/**
 * Each initialisation's per-task returns [tasks, steps + 1] by the evaluation protocol on the
 * evaluation engine: the request's held-out goals, each initialisation on the same noise stream.
 */
export function fusedEvaluation(
  evaluator: FusedNav2dEngine,
  inits: readonly (readonly [string, Float32Array])[],
  request: { tasks: number; steps: number; seed: number },
  s: { trajs: number; alpha: number },
): Record<string, Float32Array> {
  const goals = sampleGoals(Rng.stream(request.seed, 'nav2d-eval-goals'), request.tasks);
  const out: Record<string, Float32Array> = {};
  for (const [name, theta] of inits) {
    const rng = Rng.stream(request.seed, 'nav2d-eval-noise');
    out[name] = fusedAdaptationReturns(evaluator, theta, goals, request.steps, s, rng);
  }
  return out;
}
