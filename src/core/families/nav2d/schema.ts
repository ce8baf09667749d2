import type { FamilySchema } from '../../schema';
import { HIDDEN_FIELD } from '../regression/schema';

/** Meta-optimisers of the policy: Adam with rate β, or TRPO with a KL radius of 0.01. */
export const META_OPTIMISERS = ['adam', 'trpo'] as const;
export type MetaOptimiser = (typeof META_OPTIMISERS)[number];

/**
 * Rates of the training's inner steps: α for every step, or α for the first and α / 2 for every
 * later one (the schedule of the evaluation protocol, the released code's test script).
 */
export const INNER_RATES = ['alpha', 'halved'] as const;
export type InnerRates = (typeof INNER_RATES)[number];

/**
 * The meta-objective with 2-3 inner steps: the surrogate after the last step (the paper's), or the
 * mean of the surrogates after each step 1..K (every step's post-update return counts).
 */
export const META_OBJECTIVES = ['last', 'mean'] as const;
export type MetaObjective = (typeof META_OBJECTIVES)[number];

declare module '../../schema' {
  interface Experiment {
    /** 2-D navigation: trajectories sampled per task for each policy-gradient step */
    trajs?: number;
    /** 2-D navigation: the meta-optimiser, Adam (rate β) or the paper's TRPO */
    metaopt?: MetaOptimiser;
    /** 2-D navigation: the training's inner rates, α for every step or α then α / 2 */
    rates?: InnerRates;
    /** 2-D navigation: the meta-objective, the return after the last inner step or the mean over steps */
    metaobj?: MetaObjective;
  }
}

/**
 * Whether the meta-objective is the mean over inner steps (with TRPO, its surrogate and its KL are
 * then means over the policies after each step, trpo.ts).
 */
export function allSteps(c: { metaobj?: MetaObjective }): boolean {
  return c.metaobj === 'mean';
}

/** The training's rate for inner steps after the first. */
export function laterRate(c: { alpha: number; rates?: InnerRates }): number {
  return c.rates === 'halved' ? c.alpha / 2 : c.alpha;
}

/**
 * 2-D navigation (the MAML paper's point environment, §5.3): meta-reinforcement learning of a
 * Gaussian policy 2-100-100-2. Shared defaults: one inner step, meta-batch 20 and 20 trajectories
 * per task (the paper's); α = 0.5, the rate the released code (cbfinn/maml_rl) meta-trains and
 * evaluates the point policy with (the paper's text says 0.1); β is Adam's rate (the paper
 * meta-trains with TRPO).
 * K and the query size do not apply: each task's data is the trajectories it samples.
 */
export const nav2dSchema: FamilySchema = {
  name: 'nav2d',
  label: '2-D navigation (meta-RL)',
  blurb: 'Meta-reinforcement learning (the paper’s 2-D navigation): a point walks to an unseen goal.',
  fields: {
    hidden: { ...HIDDEN_FIELD, default: [100, 100] },
    trajs: {
      field: {
        kind: 'number',
        min: 1,
        max: 100,
        integer: true,
        help: 'Trajectories per task: rollouts of 100 steps sampled for each policy-gradient step.',
      },
      default: 20,
    },
    metaopt: {
      field: {
        kind: 'enum',
        values: META_OPTIMISERS,
        help: 'Meta-optimiser: Adam with rate β, or the paper’s TRPO (KL radius 0.01, conjugate gradient, line search).',
      },
      default: 'adam',
    },
    rates: {
      field: {
        kind: 'enum',
        values: INNER_RATES,
        help: 'Training’s inner rates with 2-3 steps: α for every step, or α then α/2 (as the evaluation adapts).',
      },
      default: 'alpha',
    },
    metaobj: {
      field: {
        kind: 'enum',
        values: META_OBJECTIVES,
        help: 'Meta-objective with 2-3 steps: the return after the last inner step, or the mean of the returns after each step.',
      },
      default: 'last',
    },
  },
  // β = 0.003: Adam at 0.01 diverged near meta-iteration 250 of the paper's run (docs/nav2d.md)
  defaults: { alpha: 0.5, beta: 0.003, inner: 1, batch: 20 },
  bounds: { inner: [1, 3], batch: [1, 40] },
  refusedAlgos: {
    metasgd: 'the navigation policy adapts with one rate α (Meta-SGD is not implemented for policies)',
    reptile: 'policy-gradient Reptile is not implemented for the navigation family',
    mamlpp: 'MAML++ is not implemented for policy-gradient meta-learning',
  },
  inPage: true,
  trainingQuantity: {
    name: 'post-update return',
    help: 'Average return of the latest meta-batch’s trajectories after the inner policy-gradient step (higher is better): what meta-training maximises.',
  },
  restartRules: [
    { fields: ['hidden'], reason: (next) => `hidden layers changed to ${next.hidden.join(',')}` },
  ],
};
