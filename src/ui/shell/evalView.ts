/**
 * What the shared evaluation charts (the adaptation curve, the learning curve's evaluation points)
 * see of a family's held-out evaluations, whatever the family: the metric and its direction, the
 * latest evaluation's curves per initialisation, and the evaluation history over meta-training.
 * Each family maps its own store fields onto these views (its `evaluation`); the selectors here
 * pick the shown family's mapping and return the same object for as long as its
 * inputs are the same, so they serve as zustand selectors and as `subscribeFrame` picks alike.
 */
import type { MethodName } from '../../worker/protocol';
import { familyOf } from './families';
import type { Metric } from '../kit/metric';
import type { Store } from './store';

/** A metric after 0..n inner steps, mean and 95% confidence half-width per step. */
export interface EvalCurve {
  values: readonly number[];
  ci95: readonly number[];
}

/** The latest held-out evaluation and what the adaptation curve shows around it. */
export interface EvalView {
  metric: Metric;
  /** the initialisations' names in this family */
  labels: Record<MethodName, string>;
  /** the latest evaluation: θ's meta-step, tasks used, a curve per initialisation; null before one */
  latest: { step: number; tasks: number; curves: Record<MethodName, EvalCurve> } | null;
  /** the latest evaluation's curves on the test distribution, where it differs from meta-training's */
  test?: { range: string; curves: Record<MethodName, EvalCurve> };
  /** inner steps the axis shows before the first evaluation */
  steps: number;
  /** the line under the title */
  subtitle: string;
  /** the button that asks for a larger evaluation */
  fullEvaluation: { label: string; help: string; tasks: number; busy: boolean; run(): void };
  /** the inner steps θ is meta-trained with (a marker on the axis) */
  trainedSteps: number;
  /** the metric of guessing (accuracy: 1 / ways), or null */
  chance: number | null;
  /** the numbers printed under the chart: after these inner steps */
  numbersAt: readonly number[];
  text: { title: string; ariaLabel: string; xLabel: string; yLabel: string; caption: string };
}

/** One evaluation on the learning curve: the metric per initialisation at θ of meta-step `step`. */
export type HistoryPoint = { step: number } & Partial<Record<MethodName, number>>;

/** The held-out evaluations over meta-training, as the learning curve shows them. */
export interface EvalHistoryView {
  metric: Metric;
  /** the same quantity as the meta-loss (drawn on its axis), or an axis of its own at the right */
  axis: 'loss' | 'right';
  points: readonly HistoryPoint[];
  /** the initialisations drawn, in drawing order */
  methods: readonly MethodName[];
  /** the legend entry of a method's points */
  pointLabel(m: MethodName): string;
  /** what the meta-loss is: "MSE", "cross-entropy" */
  lossName: string;
  /** the right axis' label (axis 'right') */
  axisLabel: string;
  /** the tooltip of the "pretrained training loss" switch */
  pretrainedHelp: string;
  ariaLabel: string;
  caption: string;
}

/**
 * A family's mapping of its store fields onto the two views: `deps` names every store value a view
 * is built from (the view is built again only when one of them changes).
 */
export interface EvalSource {
  latestDeps(s: Store): readonly unknown[];
  latest(s: Store): EvalView;
  historyDeps(s: Store): readonly unknown[];
  history(s: Store): EvalHistoryView;
}

function sameItems(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/** `build`, computed again only when the values `deps` picks change. */
function memoView<T>(deps: (s: Store) => readonly unknown[], build: (s: Store) => T): (s: Store) => T {
  let last: { deps: readonly unknown[]; value: T } | null = null;
  return (s) => {
    const d = deps(s);
    if (last && sameItems(d, last.deps)) return last.value;
    last = { deps: d, value: build(s) };
    return last.value;
  };
}

interface MemoSource {
  latest(s: Store): EvalView;
  history(s: Store): EvalHistoryView;
}

/** one memo per mapping (families that share a mapping share its memo) */
const memos = new WeakMap<EvalSource, MemoSource>();

function sourceOf(s: Store): MemoSource {
  const source = familyOf(s.config.task).evaluation;
  let memo = memos.get(source);
  if (!memo) {
    memo = {
      latest: memoView(source.latestDeps, source.latest),
      history: memoView(source.historyDeps, source.history),
    };
    memos.set(source, memo);
  }
  return memo;
}

/** The latest evaluation of the family shown (the same object while nothing it shows changed). */
export function evalView(s: Store): EvalView {
  return sourceOf(s).latest(s);
}

/** The evaluation history of the family shown (the same object while it is unchanged). */
export function evalHistoryView(s: Store): EvalHistoryView {
  return sourceOf(s).history(s);
}
