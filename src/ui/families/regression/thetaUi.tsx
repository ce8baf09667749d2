/**
 * The parameter-space view's description of the regression families: tasks by their generating
 * parameters (the family's own words), losses as MSE, a 25×25 landscape.
 */
import type { RegressionFamily } from '../../../core/families/regression/tasks';
import type { Experiment } from '../../../core/experiment';
import { SUBJECTS } from '../../../worker/protocol';
import type { ThetaUi } from '../../shell/family';

/** the regression pages' landscape grid (25×25) */
export const LANDSCAPE_RESOLUTION = 25;

export function regressionThetaUi(tasksFor: (config: Experiment) => RegressionFamily): ThetaUi {
  return {
    subjects: SUBJECTS,
    pathLoss: 'MSE',
    csvPathLoss: 'query MSE',
    landscapeLoss: 'MSE',
    landscapeResolution: LANDSCAPE_RESOLUTION,
    describeTask: (report, i, config) =>
      tasksFor(config).describe(report.taskParams, i * report.paramsPerTask),
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
