/**
 * How the parameter-space view speaks of a family's tasks and losses: whose θ it can follow, what
 * the paths' loss is called, how a displayed task is described, the landscape's grid and wording.
 * The regression families share one description (tasks by their generating parameters, MSE); a
 * family with views of its own brings its own (`LabUi.theta`).
 */
import type { ReactNode } from 'react';
import type { Experiment } from '../../core/experiment';
import type { LandscapeReport, ThetaReport, ThetaSubject } from '../../worker/protocol';
import { SUBJECTS } from '../../worker/protocol';
import type { RegressionUi } from './family';

export interface ThetaUi {
  /** whose θ the view can follow */
  readonly subjects: readonly ThetaSubject[];
  /** the paths' loss in the task legend ("MSE 0.8 → 0.1") */
  readonly pathLoss: string;
  /** the same as a CSV quantity, and the landscape's quantity */
  readonly csvPathLoss: string;
  readonly landscapeLoss: string;
  /** the grid the landscape button promises (the worker may compute a coarser one) */
  readonly landscapeResolution: number;
  /** one displayed task in words */
  describeTask(report: ThetaReport, i: number, config: Experiment): string;
  /** what the landscape's losses average over, e.g. "10 fixed tasks with K = 10" */
  landscapeTasks(land: LandscapeReport, config: Experiment): string;
  /** the two landscapes' one-line explanations */
  readonly landscapeHelp: { pre: string; post: string };
  /** the caption under the view; `numbers` is how many numbers θ has, in words */
  caption(numbers: string): ReactNode;
}

/** the regression pages' landscape grid (25×25) */
export const LANDSCAPE_RESOLUTION = 25;

export function regressionThetaUi(family: RegressionUi): ThetaUi {
  return {
    subjects: SUBJECTS,
    pathLoss: 'MSE',
    csvPathLoss: 'query MSE',
    landscapeLoss: 'MSE',
    landscapeResolution: LANDSCAPE_RESOLUTION,
    describeTask: (report, i, config) =>
      family.tasksFor(config).describe(report.taskParams, i * report.paramsPerTask),
    landscapeTasks: (land) => `${land.tasks} fixed tasks with K = ${land.k}`,
    landscapeHelp: {
      pre: 'the MSE of θ itself on all points of the tasks: what the pretrained baseline minimises',
      post: 'the query MSE after adapting θ to each task: what MAML minimises',
    },
    caption: (numbers) => (
      <>
        θ has {numbers} numbers; each dot is one snapshot of all of them, placed on the plane that best fits
        the path meta-training has taken (its two principal components), light early and dark late. At right,
        the same plane zoomed in around θ: each coloured path is one task’s inner loop, θ → θ′ᵢ after each SGD
        step on its K support points (black: the task in the task view; hover a path or a task to pick it out
        in both views). Only the part of each step that lies in this plane is visible. MAML moves θ to a spot
        from which one short step heads to every task’s own solution, so the losses drop at once; from the
        random initialisation the same steps achieve far less. The landscapes show why that spot is not the
        pretrained minimum: the plain loss rewards predicting the average of all tasks (what pretraining
        does), while the meta-objective scores θ by the loss after adapting, and θ descends it.
      </>
    ),
  };
}
