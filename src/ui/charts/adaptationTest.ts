/**
 * The adaptation chart's curves on the test distribution, where a config tests on another task
 * distribution than it meta-trains on: dashed, in each initialisation's colour, beside the
 * meta-training distribution's solid ones; their numbers in the readouts and their extent in the
 * y range.
 */
import * as d3 from 'd3';
import { METHODS } from '../../worker/protocol';
import type { Layer } from '../kit/svgFrame';
import type { EvalView } from '../shell/evalView';
import { METHOD_COLORS } from '../kit/palette';

/** The lowest and highest usable value ± interval of the test curves, or null. */
export function testExtent(view: EvalView): { lo: number; hi: number } | null {
  const test = view.test;
  if (!test) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of METHODS) {
    test.curves[m].values.forEach((v, i) => {
      const ci = test.curves[m].ci95[i] ?? 0;
      if (!view.metric.usable(v) || !view.metric.usable(v + ci)) return;
      [lo, hi] = [Math.min(lo, v - ci, v), Math.max(hi, v + ci)];
    });
  }
  return Number.isFinite(lo) ? { lo, hi } : null;
}

/** Each initialisation's test curve as a dashed line (nothing when the distributions are one). */
export function drawTestCurves(
  layer: Layer,
  view: EvalView,
  x: (i: number) => number,
  cy: (v: number) => number,
): void {
  const usable = view.metric.usable;
  const line = d3
    .line<[number, number]>()
    .digits(1)
    .defined((d) => usable(d[1]))
    .x((d) => x(d[0]))
    .y((d) => cy(d[1]));
  const curves = view.test ? METHODS.map((m) => ({ m, c: view.test!.curves[m] })) : [];
  layer
    .selectAll('path')
    .data(curves)
    .join('path')
    .attr('class', 'curve-line test-line')
    .attr('data-method', (d) => `${d.m}-test`)
    .attr('stroke', (d) => METHOD_COLORS[d.m])
    .attr('d', (d) => line(d.c.values.map((v, i) => [i, v] as [number, number])));
}

/** "test: MAML θ 0.52 ± 0.04 · …" after `i` inner steps, or nothing. */
export function testReadings(view: EvalView, i: number): string[] {
  const test = view.test;
  if (!test) return [];
  return METHODS.flatMap((m) => {
    const v = test.curves[m].values[i];
    const ci = test.curves[m].ci95[i] ?? 0;
    return v === undefined
      ? []
      : [`test ${view.labels[m]} ${view.metric.format(v)} ± ${view.metric.formatCi(ci)}`];
  });
}

/** The legend entry of the dashed curves, or null. */
export function testLegend(view: EvalView) {
  return view.test
    ? {
        key: 'test',
        label: `dashed: test distribution (${view.test.range})`,
        mark: { kind: 'line', dash: '5 3' } as const,
      }
    : null;
}
