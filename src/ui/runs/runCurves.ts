/**
 * The curves a run file keeps of the page's run: each step's meta-loss and the baseline's loss,
 * the held-out evaluations over meta-training ("eval:maml": the family's metric per meta-step) and
 * the latest evaluation's adaptation curve ("adapt:maml": the metric after 0..n inner steps). The
 * runs shelf ranks and compares saved runs by them.
 */
import type { MethodName, RunCurve } from '../../worker/protocol';
import { evalHistoryView, evalView } from '../shell/evalView';
import type { Series } from '../kit/series';
import type { Store } from '../shell/store';

/** A Series as a run file's curve (finite points only). */
export function curveOf(name: string, s: Series): RunCurve {
  const steps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const v = s.values[i] as number;
    if (Number.isFinite(v)) {
      steps.push(s.steps[i] as number);
      values.push(v);
    }
  }
  return { name, steps, values };
}

/** The held-out evaluations of `method` over meta-training (finite values only). */
function historyCurve(s: Store, method: MethodName): RunCurve {
  const steps: number[] = [];
  const values: number[] = [];
  for (const p of evalHistoryView(s).points) {
    const v = p[method];
    if (v !== undefined && Number.isFinite(v)) {
      steps.push(p.step);
      values.push(v);
    }
  }
  return { name: `eval:${method}`, steps, values };
}

/** The latest evaluation's curve of `method` over inner steps (finite values only). */
function adaptationCurve(s: Store, method: MethodName): RunCurve {
  const c = evalView(s).latest?.curves[method];
  const steps: number[] = [];
  const values: number[] = [];
  c?.values.forEach((v, i) => {
    if (Number.isFinite(v)) {
      steps.push(i);
      values.push(v);
    }
  });
  return { name: `adapt:${method}`, steps, values };
}

/**
 * The page's curves of its run. `prior`: the curves of the file the run continues, whose
 * evaluations before this page's first one are kept (the page does not show them again).
 */
export function runCurves(s: Store, prior: readonly RunCurve[] = []): RunCurve[] {
  const curves = [curveOf('meta-loss', s.meta), curveOf('pretrained-loss', s.pretrained)];
  for (const m of evalHistoryView(s).methods) {
    const now = historyCurve(s, m);
    const before = prior.find((c) => c.name === now.name);
    if (before) {
      const first = now.steps[0] ?? Infinity;
      const keep = before.steps.findIndex((step) => step >= first);
      const n = keep < 0 ? before.steps.length : keep;
      now.steps.unshift(...before.steps.slice(0, n));
      now.values.unshift(...before.values.slice(0, n));
    }
    curves.push(now);
    const adapt = adaptationCurve(s, m);
    const saved = prior.find((c) => c.name === adapt.name);
    curves.push(adapt.steps.length === 0 && saved ? saved : adapt);
  }
  return curves.filter((c) => c.steps.length > 0);
}
