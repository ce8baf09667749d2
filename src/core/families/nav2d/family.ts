import { loadFusedNav2d } from '../../engines/fusedNav2d/wasmModule';
import type { TaskFamily } from '../family';
import { policyParamCount } from './policy';
import { Nav2dRun } from './run';
import { nav2dSchema } from './schema';

/**
 * 2-D navigation (meta-reinforcement learning): the point environment of the MAML paper, a
 * Gaussian policy adapted by one REINFORCE step, scored by average return (higher is better).
 * The pretrained baseline is a whole policy of the same shape.
 */
export const nav2dFamily: TaskFamily = {
  schema: nav2dSchema,
  metric: {
    name: 'average return',
    unit: '',
    direction: 'higher',
    format: (v: number) => v.toFixed(2),
  },
  evalDefaults: { tasks: 40, steps: 3 },
  // the fused WebAssembly meta-iteration (engines/fusedNav2d), Adam or TRPO
  loadFusedEngine: loadFusedNav2d,
  createRun: (config, start) => new Nav2dRun(nav2dFamily, config, start),
  numParams: (config) => policyParamCount(config.hidden),
  stateSizes: (config) => ({
    theta: policyParamCount(config.hidden),
    pretrained: policyParamCount(config.hidden),
  }),
  sameNetwork: (a, b) => a.task === b.task && a.hidden.join() === b.hidden.join(),
};
