import { sinusoidTasksFor } from '../../../core/families/sinusoid/sampler';
import { regressionFamily } from '../regression/regressionFamily';

export const sinusoidUi = regressionFamily({
  name: 'sinusoid',
  tasksFor: sinusoidTasksFor,
  intro: (
    <>
      Model-Agnostic Meta-Learning (Finn, Abbeel &amp; Levine, 2017), live in your browser. MAML searches for
      initial weights θ from which <em>one or a few</em> gradient steps on just K examples of a new task give
      a good fit. Here every task is a sinusoid y = A·sin(x − φ) with a random amplitude and phase; press{' '}
      <kbd>Play</kbd> (or the space bar) and watch θ learn to learn.
    </>
  ),
});
