/**
 * The navigation page's evaluations as the shared views see them (the runs shelf ranks saved runs
 * by them): average return on held-out goals after 0..3 inner steps, higher is better, and the
 * return after one step over meta-training.
 */
import { METHODS, type MethodName } from '../../../worker/protocol';
import type { EvalCurve, EvalSource } from '../../shell/evalView';
import type { Metric } from '../../kit/metric';
import { formatReturn, NAV_METHOD_LABELS } from './arenaView';
import { EVAL_STEPS, QUICK_EVAL_TASKS, type ReturnsReply } from './navSlice';
import { navState } from './navStore';

/** Average return: higher is better, negative, on an axis fitted to the values. */
export const RETURN_METRIC: Metric = {
  name: 'average return',
  higherIsBetter: true,
  range: null,
  format: formatReturn,
  formatCi: (v) => v.toFixed(2),
  usable: Number.isFinite,
  unusable: 'not finite',
};

function curvesOf(r: ReturnsReply): Record<MethodName, EvalCurve> {
  const out = {} as Record<MethodName, EvalCurve>;
  for (const m of METHODS) out[m] = r.curves[m] ?? { values: [], ci95: [] };
  return out;
}

export const navEvalSource: EvalSource = {
  latestDeps: (store) => {
    const s = navState(store);
    return [s.returns, s.returnsBusy, s.config.inner];
  },
  latest: (store) => {
    const s = navState(store);
    const r = s.returns;
    return {
      metric: RETURN_METRIC,
      labels: NAV_METHOD_LABELS,
      latest: r ? { step: r.step, tasks: r.tasks, curves: curvesOf(r) } : null,
      steps: EVAL_STEPS,
      subtitle: r ? `${r.tasks} held-out goals, θ at meta-step ${r.step}` : 'held-out goals (computing…)',
      fullEvaluation: {
        label: `Evaluate on ${QUICK_EVAL_TASKS * 4} goals`,
        help: 'Average return on held-out goals after 0 to 3 inner policy-gradient steps, for every initialisation.',
        tasks: QUICK_EVAL_TASKS * 4,
        busy: s.returnsBusy,
        run: () => s.evaluateReturns(QUICK_EVAL_TASKS * 4),
      },
      trainedSteps: s.config.inner,
      chance: null,
      numbersAt: [1, EVAL_STEPS],
      text: {
        title: 'Return vs inner steps',
        ariaLabel: 'Average return on held-out goals after 0 to 3 inner steps',
        xLabel: 'inner policy-gradient steps',
        yLabel: 'average return (higher is better)',
        caption:
          'Average return on held-out goals after each inner policy-gradient step, with 95% intervals.',
      },
    };
  },
  historyDeps: (s) => [navState(s).returnHistory],
  history: (store) => ({
    metric: RETURN_METRIC,
    axis: 'loss',
    points: navState(store).returnHistory,
    methods: METHODS,
    pointLabel: (m) => `held-out return after one step, ${NAV_METHOD_LABELS[m]}`,
    lossName: 'average return',
    axisLabel: 'average return',
    pretrainedHelp:
      "Also plot the pretrained policy's own average return while it trains on all goals jointly.",
    ariaLabel: 'Average post-update return per meta-iteration, with held-out evaluations',
    caption: 'Average return after the inner step per meta-iteration, with the held-out evaluation.',
  }),
};
