/**
 * What the navigation page draws, as plain data: trajectories as polylines, the return chart's
 * axis, the arena's words. No DOM: the charts draw these, and tests check them.
 */
import type { MethodName } from '../../../worker/protocol';
import { binSeries } from '../../kit/series';
import type { ArenaPathsData, ReturnCurveData } from '../../../worker/families/nav2dMessages';

export const NAV_METHOD_LABELS: Record<MethodName, string> = {
  maml: 'MAML θ',
  pretrained: 'pretrained (all goals jointly)',
  random: 'random init',
};

/** The arena's half-width: goals and the drawing span [−0.5, 0.5]² (points may wander outside). */
export const ARENA_HALF = 0.5;
/** the drawing's extent: a little beyond the goals' square, where the point may wander */
export const VIEW_HALF = 0.6;

/** Each trajectory as its points [x, y], in time order, clipped to the drawing's extent. */
export function pathLines(p: ArenaPathsData, horizon: number): [number, number][][] {
  const stride = horizon + 1;
  const out: [number, number][][] = [];
  const clip = (v: number) => Math.max(-VIEW_HALF, Math.min(VIEW_HALF, v));
  for (let i = 0; i < p.lengths.length; i++) {
    const line: [number, number][] = [];
    for (let t = 0; t < (p.lengths[i] as number); t++) {
      const at = (i * stride + t) * 2;
      line.push([clip(p.points[at] as number), clip(p.points[at + 1] as number)]);
    }
    out.push(line);
  }
  return out;
}

/** The return chart's y extent: every value with its interval, padded; (−1, 0) before any. */
export function returnExtent(curves: Partial<Record<MethodName, ReturnCurveData>>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of Object.values(curves)) {
    c.values.forEach((v, i) => {
      const raw = c.ci95[i] ?? 0;
      const ci = Number.isFinite(raw) ? raw : 0;
      if (!Number.isFinite(v)) return;
      lo = Math.min(lo, v - ci);
      hi = Math.max(hi, v + ci);
    });
  }
  if (!Number.isFinite(lo)) return [-1, 0];
  const pad = Math.max(1, (hi - lo) * 0.08);
  return [lo - pad, Math.min(0, hi + pad)];
}

/** A return in the page's words (two decimals, with a true minus sign). */
export function formatReturn(v: number): string {
  return Number.isFinite(v) ? v.toFixed(2).replace('-', '−') : 'not finite';
}

/** The line under one arena panel: the average return before and after the step. */
export function panelLine(pre: number, post: number): string {
  return `return ${formatReturn(pre)} → ${formatReturn(post)} after one step`;
}

/**
 * A series' (step, value) points, finite values only, binned by step into at most `bins` means
 * (the learning curve draws one point per two pixels however long the run).
 */
export function curvePoints(
  series: { length: number; steps: ArrayLike<number>; values: ArrayLike<number> },
  bins = Infinity,
): [number, number][] {
  const b = binSeries(series.steps, series.values, series.length, Math.max(1, bins));
  const out: [number, number][] = [];
  b.x.forEach((x, i) => {
    const v = b.mean[i] as number;
    if (Number.isFinite(v)) out.push([x, v]);
  });
  return out;
}

/** The learning curve's y extent over its line and its evaluation points; (−60, 0) before any. */
export function learningExtent(
  pts: readonly [number, number][],
  history: readonly Partial<Record<MethodName | 'step', number>>[],
): [number, number] {
  const values = pts.map((p) => p[1]).filter(Number.isFinite);
  for (const h of history)
    for (const m of ['maml', 'pretrained', 'random'] as const) {
      const v = h[m];
      if (v !== undefined && Number.isFinite(v)) values.push(v);
    }
  if (values.length === 0) return [-60, 0];
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = Math.max(1, (hi - lo) * 0.08);
  return [lo - pad, Math.min(0, hi + pad)];
}

/** The x axis' end: the next of 1, 2, 5 × 10ⁿ at or above the last meta-iteration (axes rebuilt rarely). */
export function niceEnd(last: number): number {
  const decade = 10 ** Math.floor(Math.log10(Math.max(1, last)));
  return [1, 2, 5, 10].map((f) => f * decade).find((end) => end >= last) ?? 10 * decade;
}
