/**
 * The glyph lab's evaluations as the shared charts show them: query accuracy on N-way K-shot tasks
 * from held-out alphabets after 0..5 inner steps, against chance (1/N), a quick look on a few tasks
 * now and then or a longer one on request; over the run, the accuracy after the last inner step on
 * an axis of its own beside the meta-training cross-entropy.
 */
import { METHODS, type MethodName } from '../../../worker/protocol';
import type { EvalCurve, EvalSource } from '../../shell/evalView';
import { ACCURACY } from '../../kit/metric';
import { LIVE_EVAL_EVERY, LIVE_EVAL_TASKS } from './liveEval';
import { EVAL_STEPS, EVAL_TASKS, QUICK_EVAL_TASKS, type GlyphEvaluation } from './labSlice';
import { labState } from './labStore';

/** The lab's names: its pretrained baseline is a classifier that gets a fresh N-way head per task. */
export const GLYPH_METHOD_LABELS: Record<MethodName, string> = {
  maml: 'MAML θ',
  pretrained: 'pretrained (classifier + fresh head)',
  random: 'random init',
};

const plural = (n: number) => (n === 1 ? '' : 's');
const SHORT: Record<MethodName, string> = { maml: 'MAML θ', pretrained: 'pretrained', random: 'random init' };

function curvesOf(ev: GlyphEvaluation): Record<MethodName, EvalCurve> {
  const out = {} as Record<MethodName, EvalCurve>;
  for (const m of METHODS) out[m] = { values: ev.curves[m].accuracy, ci95: ev.curves[m].ci95 };
  return out;
}

export const glyphEvalSource: EvalSource = {
  latestDeps: (store) => {
    const s = labState(store);
    return [s.glyphEval, s.glyphEvalBusy, s.config.ways, s.config.inner];
  },
  latest: (store) => {
    const s = labState(store);
    const ev = s.glyphEval;
    return {
      metric: ACCURACY,
      labels: GLYPH_METHOD_LABELS,
      latest: ev ? { step: ev.step, tasks: ev.tasks, curves: curvesOf(ev) } : null,
      steps: EVAL_STEPS,
      subtitle: ev
        ? `${ev.ways}-way ${ev.shots}-shot query accuracy on ${ev.tasks < ev.asked ? `${ev.tasks} of ${ev.asked} tasks so far` : `${ev.tasks} tasks`} from held-out alphabets (never seen in meta-training), ${ev.tasks < 2 ? 'mean (its 95% CI from the second task on)' : 'mean ± 95% CI'}, θ at meta-step ${ev.step}`
        : 'query accuracy on tasks from held-out alphabets after each inner step (computing…)',
      fullEvaluation: {
        label: `Evaluate on ${EVAL_TASKS} tasks`,
        help: `Evaluate the current θ on ${EVAL_TASKS} tasks from held-out alphabets: adapt each initialisation for 0..${EVAL_STEPS} inner SGD steps and measure query accuracy. It runs beside training (on tfjs kernels, within a tenth of the worker's time) and at full speed on pause; the curves tighten as the tasks come in.`,
        tasks: EVAL_TASKS,
        busy: s.glyphEvalBusy,
        run: () => s.evaluateGlyphs(EVAL_TASKS),
      },
      trainedSteps: s.config.inner,
      chance: 1 / (ev?.ways ?? s.config.ways),
      numbersAt: [1, EVAL_STEPS],
      text: {
        title: 'Adaptation curve: accuracy vs inner steps',
        ariaLabel: `Query accuracy after 0 to ${EVAL_STEPS} inner steps for MAML, pretrained and random initialisations, with 95% confidence bands and the chance level`,
        xLabel: 'inner gradient steps on the support set',
        yLabel: 'query accuracy on held-out alphabets',
        caption:
          `Each curve starts from one initialisation, takes 0–${EVAL_STEPS} SGD steps of size α on the K support ` +
          'images of each N-way task from alphabets never seen in meta-training, and reports the accuracy on ' +
          'that task’s query images; the shaded band is the 95% confidence interval (1.96·std/√tasks), the ' +
          'dashed line chance (1/N). Before any step every initialisation guesses (a task’s labels are ' +
          'arbitrary, and the pretrained classifier gets a fresh head); MAML should climb furthest after ' +
          'the steps it was meta-trained for.',
      },
    };
  },

  historyDeps: (s) => [labState(s).accuracyHistory, s.config.inner],
  history: (store) => {
    const s = labState(store);
    const inner = s.config.inner;
    return {
      metric: ACCURACY,
      axis: 'right',
      points: s.accuracyHistory,
      methods: METHODS,
      pointLabel: (m) => `held-out accuracy after ${EVAL_STEPS} steps, ${SHORT[m]}`,
      lossName: 'cross-entropy',
      axisLabel: 'held-out query accuracy',
      pretrainedHelp:
        "Also plot the pretrained baseline's own training loss (an ordinary classifier over all meta-training characters, no adaptation: not the same quantity as the meta-loss).",
      ariaLabel: 'Meta-loss per meta-step, smoothed, with periodic held-out accuracy',
      caption:
        `The faint band is the raw meta-loss of each meta-batch (query cross-entropy after ${inner} inner ` +
        `step${plural(inner)}, on meta-training alphabets), the solid line its smoothed trend; left axis. ` +
        `Circles are the held-out evaluation: query accuracy after ${EVAL_STEPS} inner steps on tasks from ` +
        `held-out alphabets, for each initialisation; right axis. On pause it runs on ${QUICK_EVAL_TASKS} ` +
        `tasks; while training, a quicker one on ${LIVE_EVAL_TASKS} tasks every ${LIVE_EVAL_EVERY} meta-steps, ` +
        'or less often when the meta-steps are fast: the evaluation runs on tfjs kernels and is paced to ' +
        'at most about a thirtieth of the worker’s time, so training keeps its speed.',
    };
  },
};
