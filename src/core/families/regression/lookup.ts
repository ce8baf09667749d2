import { familyOf } from '../registry';
import type { Experiment } from '../../schema';
import type { RunStart } from '../family';
import { isRegression, type RegressionTaskFamily } from './family';
import type { RegressionRun } from './run';

/** The registered regression family of a task name (throws for classification families). */
export function regressionFamilyOf(task: string): RegressionTaskFamily {
  const family = familyOf(task);
  if (!isRegression(family)) throw new Error(`${task} tasks are not regression tasks`);
  return family;
}

/** A run of a regression config (sinusoids, mixtures), typed as such for regression-only code. */
export function createRegressionRun(config: Experiment, start?: RunStart): RegressionRun {
  return regressionFamilyOf(config.task).createRun(config, start) as RegressionRun;
}
