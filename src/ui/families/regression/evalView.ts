/**
 * The regression families' evaluations as the shared charts show them: mean squared error on
 * held-out tasks after 0..10 inner steps (the paper's Fig. 3), a live estimate on 100 tasks beside
 * training or the paper's 600 on request, and the MSE after the meta-training number of inner steps
 * over the run, on the meta-loss axis.
 */
import { METHODS, type MethodName } from '../../../worker/protocol';
import type { EvalCurve, EvalSource } from '../../shell/evalView';
import { MSE } from '../../kit/metric';
import type { Store } from '../../shell/store';
import { regressionState } from './regressionStore';
import { FULL_EVAL_TASKS, type Evaluation } from './viewSlice';

/** The initialisations' names on the regression pages. */
export const METHOD_LABELS: Record<MethodName, string> = {
  maml: 'MAML θ',
  pretrained: 'pretrained (joint regression)',
  random: 'random init',
};

const plural = (n: number) => (n === 1 ? '' : 's');

function curvesOf(curves: Evaluation['curves']): Record<MethodName, EvalCurve> {
  const out = {} as Record<MethodName, EvalCurve>;
  for (const m of METHODS) out[m] = { values: curves[m].mse, ci95: curves[m].ci95 };
  return out;
}

function subtitle(ev: Evaluation | null, backend: Store['backend']): string {
  if (!ev) return 'waiting for the first evaluation…';
  const protocol =
    ev.tasks < FULL_EVAL_TASKS ? ' (a quick live estimate; the paper uses 600)' : ' (the paper protocol)';
  const beside =
    ev.computedOn !== backend ? ` (evaluated on ${ev.computedOn} beside ${backend ?? 'the'} training)` : '';
  return `${ev.tasks} held-out tasks${protocol}, K = ${ev.k} support points, 100 query points, measured at meta-step ${ev.step}${beside}`;
}

export const regressionEvalSource: EvalSource = {
  latestDeps: (store) => {
    const s = regressionState(store);
    return [s.evaluation, s.evalBusy, s.backend, s.config.inner];
  },
  latest: (store) => {
    const s = regressionState(store);
    const ev = s.evaluation;
    return {
      metric: MSE,
      labels: METHOD_LABELS,
      latest: ev ? { step: ev.step, tasks: ev.tasks, curves: curvesOf(ev.curves) } : null,
      ...(ev?.test ? { test: { range: ev.test.range, curves: curvesOf(ev.test.curves) } } : {}),
      steps: 10,
      subtitle: subtitle(ev, s.backend),
      fullEvaluation: {
        label: `Evaluate on ${FULL_EVAL_TASKS} tasks`,
        help: `Evaluate the current θ with the paper's protocol: ${FULL_EVAL_TASKS} held-out tasks, 100 query points each.`,
        tasks: FULL_EVAL_TASKS,
        busy: s.evalBusy !== null,
        run: s.evaluateFull,
      },
      trainedSteps: s.config.inner,
      chance: null,
      numbersAt: [1, 10],
      text: {
        title: 'Adaptation curve (paper Fig. 3, live)',
        ariaLabel:
          'Mean MSE after 0 to 10 test-time SGD steps for MAML, pretrained and random initialisations, with 95% confidence bands',
        xLabel: 'inner gradient steps at test time',
        yLabel: 'mean MSE on held-out tasks',
        caption:
          'Each curve starts from one initialisation, takes 0–10 SGD steps of size α on K support points of each ' +
          'held-out task, and reports the mean squared error on that task’s query points; the shaded band is the ' +
          '95% confidence interval (1.96·std/√tasks). MAML should drop sharply after the first step (it was ' +
          'trained for exactly that) and keep improving; the pretrained network starts near the mean of all ' +
          'training tasks (for sinusoids, ≈ 0) and adapts slowly.',
      },
    };
  },

  historyDeps: (s) => [regressionState(s).evalHistory, s.config.inner],
  history: (store) => {
    const s = regressionState(store);
    const inner = s.config.inner;
    const after = `after ${inner} inner step${plural(inner)}`;
    return {
      metric: MSE,
      axis: 'loss',
      points: s.evalHistory,
      methods: ['maml', 'pretrained'],
      pointLabel: (m) =>
        `eval MSE after ${inner} step${plural(inner)}, ${m === 'maml' ? 'MAML θ' : 'pretrained'}`,
      lossName: 'MSE',
      axisLabel: 'mean MSE on held-out tasks',
      pretrainedHelp:
        "Also plot the pretrained baseline's own training loss (plain regression on the pooled points, no adaptation: not the same quantity as the meta-loss).",
      ariaLabel: 'Meta-loss per meta-step, smoothed, with periodic evaluation MSE',
      caption:
        `The faint band is the raw meta-loss of each meta-batch (query MSE ${after}), the solid line its ` +
        `smoothed trend. Circles are the held-out evaluation every few seconds: mean MSE ${after} on fixed ` +
        'tasks, for the MAML θ and for the pretrained network adapted the same way. The gap between the ' +
        'two is what meta-learning buys.',
    };
  },
};
