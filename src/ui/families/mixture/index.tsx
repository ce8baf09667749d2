import { mixtureTasksFor } from '../../../core/families/mixture/sampler';
import { regressionFamily } from '../regression/regressionFamily';
import { MixtureControls } from './MixtureControls';

export const mixtureUi = regressionFamily({
  name: 'mixture',
  tasksFor: mixtureTasksFor,
  intro: (
    <>
      Multimodal meta-learning: each task is a sinusoid, a line, a quadratic or an |x| curve with random
      parameters, drawn from the mixture you tick. One initialisation θ has to serve every kind of function
      with a single gradient step on K points, which is harder than sinusoids alone (Vuorio et al., 2019).
      Press <kbd>Play</kbd> (or the space bar) and watch how the fans bend for each kind of task.
    </>
  ),
  Controls: MixtureControls,
});
