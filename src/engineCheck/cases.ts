import { Mlp } from '../core/models/mlp';
import { Rng } from '../core/random';
import type { RegressionBatch } from '../core/families/regression/tasks';
import { probeTasks } from './workload';
import type { GradCase } from './reference';

/**
 * The cases the check page compares. Every algorithm, inner steps 1, 2 and 5, four network shapes
 * (1 to 4 hidden layers), meta-batch 1, 7 and 25 each appear, without the full product (the
 * software adapter is slow). Most use α = 0.05 rather than the paper's 0.01, so the second-order
 * term is large enough that an error in it could not hide under the tolerance.
 */
export interface CheckCase extends GradCase {
  name: string;
  tasks: number;
  support: number;
  query: number;
  seed: number;
}

function c(
  name: string,
  algo: GradCase['algo'],
  hidden: number[],
  tasks: number,
  inner: number,
  extra: Partial<CheckCase> = {},
): CheckCase {
  return {
    name,
    algo,
    sizes: [1, ...hidden, 1],
    tasks,
    inner,
    support: 10,
    query: 10,
    alpha: 0.05,
    seed: 7,
    ...extra,
  };
}

export const GRADIENT_CASES: CheckCase[] = [
  c('paper MAML', 'maml', [40, 40], 25, 1, { alpha: 0.01 }),
  c('MAML 2 steps', 'maml', [40, 40], 7, 2),
  c('MAML 5 steps, 1 wide layer', 'maml', [64], 1, 5),
  c('MAML 3 layers, odd widths', 'maml', [32, 30, 33], 7, 1, { support: 5, query: 15 }),
  c('MAML 4 layers', 'maml', [16, 16, 16, 16], 25, 2),
  c('MAML width 128', 'maml', [128, 128], 7, 1, { support: 20, query: 30 }),
  c('FOMAML', 'fomaml', [40, 40], 25, 1),
  c('FOMAML 5 steps, 3 layers', 'fomaml', [32, 32, 32], 7, 5),
  c('Meta-SGD', 'metasgd', [40, 40], 25, 1),
  c('Meta-SGD 2 steps, width 62', 'metasgd', [62], 7, 2),
  c('Meta-SGD 5 steps, 3 layers', 'metasgd', [32, 32, 32], 1, 5),
  c('Reptile', 'reptile', [40, 40], 25, 1),
  c('Reptile 5 steps', 'reptile', [64], 7, 5),
  c('Reptile 2 steps, 4 layers', 'reptile', [16, 16, 16, 16], 1, 2),
];

/** Adam end to end: a few fused steps with the pretrained baseline, against the learners. */
export const STEP_CASES: CheckCase[] = [
  c('3 Adam steps, MAML + pretrained', 'maml', [40, 40], 25, 1, { alpha: 0.01 }),
  c('3 Adam steps, Meta-SGD + pretrained', 'metasgd', [32, 32], 7, 2),
  c('3 Adam steps, Reptile + pretrained', 'reptile', [40, 40], 7, 2),
];

export interface CaseData {
  theta0: Float32Array;
  alpha0: Float32Array | null;
  batches: RegressionBatch[];
}

/** θ, Meta-SGD's α (varied per parameter, so ∂/∂α is not a multiple of one vector) and batches. */
export function caseData(k: CheckCase, batches = 1): CaseData {
  const model = new Mlp(k.sizes);
  const theta0 = model.init(Rng.stream(k.seed, 'init'));
  const rng = Rng.stream(k.seed, 'alpha');
  const alpha0 =
    k.algo === 'metasgd'
      ? Float32Array.from({ length: model.numParams }, () => rng.uniform(0.5, 1.5) * k.alpha)
      : null;
  const taskRng = Rng.stream(k.seed, 'train');
  const list = Array.from({ length: batches }, () =>
    probeTasks().sampleBatch(taskRng, k.tasks, k.support, k.query),
  );
  return { theta0, alpha0, batches: list };
}
