import { mlpParameterCount } from '../../experiment';
import type { Experiment, FamilySchema } from '../../schema';
import type { TaskFamily } from '../family';
import { DEFAULT_EVAL } from './evaluate';
import { RegressionRun } from './run';
import { loadFused } from '../../engines/fused/wasmModule';
import type { RegressionFamily } from './tasks';
import type { Split } from './distribution';

/** A regression family: an MLP on 1-D inputs, scored by MSE; what differs is the task sampler. */
export interface RegressionTaskFamily extends TaskFamily {
  readonly kind: 'regression';
  /** the task sampler of a config's meta-training (default) or test distribution */
  tasksFor(config: Experiment, split?: Split): RegressionFamily;
}

const MSE = {
  name: 'MSE',
  unit: '',
  direction: 'lower',
  format: (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'diverged'),
} as const;

/** Everything a regression family shares; a new one supplies its schema and task sampler. */
export function regressionFamily(
  schema: FamilySchema,
  tasksFor: (config: Experiment, split: Split) => RegressionFamily,
): RegressionTaskFamily {
  return {
    kind: 'regression',
    schema,
    metric: MSE,
    loadFusedEngine: loadFused,
    fusedOnWebgpu: true,
    cheapSkip: true,
    evalDefaults: { tasks: DEFAULT_EVAL.tasks, steps: DEFAULT_EVAL.steps },
    tasksFor: (config, split = 'train') => tasksFor(config, split),
    createRun(config, start) {
      return new RegressionRun(this, config, start);
    },
    numParams: mlpParameterCount,
    // the baseline is the same MLP as θ
    stateSizes: (config) => ({ theta: mlpParameterCount(config), pretrained: mlpParameterCount(config) }),
    sameNetwork: (a, b) => a.task === b.task && a.hidden.join() === b.hidden.join(),
  };
}

export function isRegression(family: TaskFamily): family is RegressionTaskFamily {
  return (family as Partial<RegressionTaskFamily>).kind === 'regression';
}
