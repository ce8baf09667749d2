import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPERIMENT } from '../src/core/experiment';
import { GLYPH_DEFAULTS } from '../src/core/families/glyphs/defaults';
import { evalHistoryView, evalView } from '../src/ui/shell/evalView';
import { ACCURACY, MSE } from '../src/ui/kit/metric';
import { useStore } from '../src/ui/shell/store';
import type { Evaluation } from '../src/ui/families/regression/viewSlice';
import { useRegressionStore } from '../src/ui/families/regression/regressionStore';
import type { GlyphEvaluation } from '../src/ui/families/glyphs/labSlice';
import { useLabStore } from '../src/ui/families/glyphs/labStore';
import { UI_FAMILIES } from '../src/ui/families/registry';
import { installFamilies } from '../src/ui/shell/families';

installFamilies(UI_FAMILIES);

const evaluation: Evaluation = {
  step: 40,
  tasks: 100,
  k: 10,
  inner: 1,
  computedOn: 'cpu',
  curves: {
    maml: { mse: [3, 0.5, 0.3], ci95: [0.1, 0.1, 0.1] },
    pretrained: { mse: [2.9, 2.8, 2.7], ci95: [0.1, 0.1, 0.1] },
    random: { mse: [4, 3, Infinity], ci95: [0.1, 0.1, 0.1] },
  },
};

const acc = (accuracy: number[]) => ({ accuracy, ci95: accuracy.map(() => 0.02), loss: accuracy });
const glyphEval: GlyphEvaluation = {
  step: 50,
  tasks: 10,
  asked: 10,
  steps: 2,
  ways: 5,
  shots: 1,
  curves: { maml: acc([0.2, 0.7, 0.8]), pretrained: acc([0.2, 0.4, 0.5]), random: acc([0.2, 0.3, 0.35]) },
};

describe('the family-neutral evaluation views', () => {
  it('show the regression evaluation as MSE, its history on the loss axis', () => {
    useRegressionStore.setState({
      config: { ...DEFAULT_EXPERIMENT },
      evaluation,
      evalHistory: [{ step: 40, inner: 1, maml: 0.5, pretrained: 2.8 }],
      backend: 'cpu',
    });
    const view = evalView(useStore.getState());
    expect(view.metric).toBe(MSE);
    expect(view.latest?.curves.maml).toEqual({ values: [3, 0.5, 0.3], ci95: [0.1, 0.1, 0.1] });
    expect(view.chance).toBeNull();
    expect(view.trainedSteps).toBe(DEFAULT_EXPERIMENT.inner);
    expect(view.fullEvaluation.label).toBe('Evaluate on 600 tasks');
    expect(view.subtitle).toContain('100 held-out tasks (a quick live estimate');
    expect(view.metric.usable(Infinity)).toBe(false);
    const history = evalHistoryView(useStore.getState());
    expect(history.axis).toBe('loss');
    expect(history.methods).toEqual(['maml', 'pretrained']);
    expect(history.points[0]?.maml).toBe(0.5);
  });

  it('keep the same object while nothing they show changed', () => {
    const before = evalView(useStore.getState());
    const history = evalHistoryView(useStore.getState());
    useStore.setState({ step: 41, lastLoss: 0.4 });
    expect(evalView(useStore.getState())).toBe(before);
    expect(evalHistoryView(useStore.getState())).toBe(history);
    useRegressionStore.setState({ evalBusy: 600 });
    const busy = evalView(useStore.getState());
    expect(busy).not.toBe(before);
    expect(busy.fullEvaluation.busy).toBe(true);
    useRegressionStore.setState({ evalBusy: null });
  });

  it('show the glyph evaluation as accuracy against chance, its history on an axis of its own', () => {
    useLabStore.setState({
      config: { ...GLYPH_DEFAULTS },
      glyphEval,
      accuracyHistory: [{ step: 50, maml: 0.8, pretrained: 0.5, random: 0.35 }],
    });
    const view = evalView(useStore.getState());
    expect(view.metric).toBe(ACCURACY);
    expect(view.metric.range).toEqual([0, 1]);
    expect(view.latest?.curves.pretrained.values).toEqual([0.2, 0.4, 0.5]);
    expect(view.chance).toBeCloseTo(1 / 5);
    expect(view.labels.pretrained).toBe('pretrained (classifier + fresh head)');
    expect(view.subtitle).toContain('5-way 1-shot query accuracy on 10 tasks');
    expect(view.metric.format(0.8)).toBe('80.0%');
    const history = evalHistoryView(useStore.getState());
    expect(history.axis).toBe('right');
    expect(history.lossName).toBe('cross-entropy');
    expect(history.methods).toEqual(['maml', 'pretrained', 'random']);
  });

  it('before the first evaluation, still give the axis, the subtitle and the button', () => {
    useLabStore.setState({ glyphEval: null, glyphEvalBusy: true });
    const view = evalView(useStore.getState());
    expect(view.latest).toBeNull();
    expect(view.steps).toBeGreaterThan(0);
    expect(view.chance).toBeCloseTo(1 / GLYPH_DEFAULTS.ways);
    expect(view.fullEvaluation.busy).toBe(true);
  });
});
