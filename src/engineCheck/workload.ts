import { defaultsFor, type Experiment } from '../core/experiment';
import { isRegression } from '../core/families/regression/family';
import { familyOf, PROBE_TASK } from '../core/families/registry';
import type { RegressionFamily } from '../core/families/regression/tasks';

/**
 * The engines are checked on the probe family's workload (core/families/registry.ts's PROBE_TASK,
 * the paper's first experiment): its defaults and its task sampler.
 */
export function probeDefaults(): Experiment {
  return defaultsFor(PROBE_TASK);
}

export function probeTasks(): RegressionFamily {
  const family = familyOf(PROBE_TASK);
  if (!isRegression(family)) throw new Error(`the probe family ${PROBE_TASK} is not a regression family`);
  return family.tasksFor(probeDefaults());
}
