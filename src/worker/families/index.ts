import { CLASSIFIER_BUDGET, REGRESSION_BUDGET, type ProbeBudget } from '../host/backendPlan';
import type { FamilyWorker, HostServices } from './familyWorker';
import { GlyphWorker } from './glyphWorker';
import { Nav2dWorker, POLICY_BUDGET } from './nav2dWorker';
import { RegressionWorker } from './regressionWorker';
import { trainOnExampleClasses } from '../../core/families/imageclasses/family';

/** A family's worker part, and how long the backend comparisons may take on its steps. */
export interface WorkerPart {
  worker: FamilyWorker;
  budget: ProbeBudget;
}

type MakeWorkerPart = (host: HostServices, evalTasks: number) => WorkerPart;

/** Every regression family shares the regression part (predictions, the θ view, evaluation). */
const regressionPart: MakeWorkerPart = (host, evalTasks) => ({
  worker: new RegressionWorker(host, evalTasks),
  budget: REGRESSION_BUDGET,
});

/** The glyph classifier's part: its lab requests (tasks, the drawing pad), evaluation, θ view. */
const classifierPart: MakeWorkerPart = (host) => ({
  worker: new GlyphWorker(host),
  budget: CLASSIFIER_BUDGET,
});

/** The navigation policy's part: the arena's adaptation to a placed goal, the held-out returns. */
const policyPart: MakeWorkerPart = (host) => ({ worker: new Nav2dWorker(host), budget: POLICY_BUDGET });

// the page's runs of imported image classes train on the generated glyph classes until images
// arrive (the CLI, which never loads this module, refuses instead)
trainOnExampleClasses();

/** The worker part of every registered family, by name: one line per family. */
const WORKER_PARTS: Readonly<Record<string, MakeWorkerPart>> = {
  sinusoid: regressionPart,
  glyphs: classifierPart,
  mixture: regressionPart,
  sheet: regressionPart,
  nav2d: policyPart,
  imageclasses: classifierPart,
};

/** The worker part of a family (every registered family has one: checked by a test). */
export function familyWorkerFor(task: string, host: HostServices, evalTasks: number): WorkerPart {
  const make = WORKER_PARTS[task];
  if (!make) throw new Error(`no worker part is registered for the task family "${task}"`);
  return make(host, evalTasks);
}

export function workerPartNames(): string[] {
  return Object.keys(WORKER_PARTS);
}
