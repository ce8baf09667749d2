import type { TaskFamily } from '../../core/families/family';
import { isRegression } from '../../core/families/regression/family';
import { CLASSIFIER_BUDGET, REGRESSION_BUDGET, type ProbeBudget } from '../host/backendPlan';
import type { FamilyWorker, HostServices } from './familyWorker';
import { GlyphWorker } from './glyphWorker';
import { RegressionWorker } from './regressionWorker';

/**
 * The worker part of a family, by kind: every regression family (sinusoids, mixtures, any new
 * one) shares the regression part; the glyph classifier has its own lab requests.
 */
export function familyWorkerFor(
  family: TaskFamily,
  host: HostServices,
  evalTasks: number,
): { worker: FamilyWorker; budget: ProbeBudget } {
  if (isRegression(family))
    return { worker: new RegressionWorker(host, evalTasks), budget: REGRESSION_BUDGET };
  return { worker: new GlyphWorker(host), budget: CLASSIFIER_BUDGET };
}
