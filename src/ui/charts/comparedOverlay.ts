/**
 * Saved runs ticked on the runs shelf, drawn in the learning and adaptation charts: one dashed,
 * thinner line per run in its own colour, named in the chart's legend. The live run is drawn as
 * before; these lines only add to it.
 */
import * as d3 from 'd3';
import { useShallow } from 'zustand/react/shallow';
import { comparedOf, type ComparedCurve, type ComparedRun } from '../shell/comparedSlice';
import { useStore, type State } from '../shell/store';
import type { LegendEntry } from '../kit/legend';
import type { Layer } from '../kit/svgFrame';

/** The compared runs drawn on this page (those of its family). */
export function comparedRuns(s: State): readonly ComparedRun[] {
  return comparedOf(s.compared, s.config.task);
}

export function useComparedRuns(): readonly ComparedRun[] {
  return useStore(useShallow(comparedRuns));
}

/** Lowest and highest of the values `ok` accepts in the runs' curves (`pick`), or null. */
export function comparedExtent(
  runs: readonly ComparedRun[],
  pick: (r: ComparedRun) => ComparedCurve | null,
  ok: (v: number) => boolean = Number.isFinite,
): { lo: number; hi: number; last: number } | null {
  let lo = Infinity;
  let hi = -Infinity;
  let last = -Infinity;
  for (const r of runs) {
    const c = pick(r);
    c?.values.forEach((v, i) => {
      if (!ok(v)) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
      last = Math.max(last, c.steps[i] as number);
    });
  }
  return Number.isFinite(lo) ? { lo, hi, last } : null;
}

/** One dashed line per run through the points of `pick` (values mapped by `values` first). */
export function drawCompared(
  layer: Layer,
  runs: readonly ComparedRun[],
  pick: (r: ComparedRun) => ComparedCurve | null,
  x: (step: number) => number,
  y: (v: number) => number,
  opts: { className: string; ok?: (v: number) => boolean; values?: (c: ComparedCurve) => ArrayLike<number> },
): void {
  const ok = opts.ok ?? Number.isFinite;
  const data = runs.flatMap((r) => {
    const c = pick(r);
    if (!c || c.steps.length === 0) return [];
    const values = opts.values ? opts.values(c) : c.values;
    return [{ r, pts: c.steps.map((s, i) => [s, values[i] as number] as const) }];
  });
  const line = d3
    .line<readonly [number, number]>()
    .digits(1)
    .defined((p) => ok(p[1]))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  layer
    .selectAll('path')
    .data(data)
    .join('path')
    .attr('class', `compared-line ${opts.className}`)
    .attr('data-run', (d) => d.r.id)
    .attr('stroke', (d) => d.r.color)
    .attr('d', (d) => line(d.pts));
}

/** The legend entries of the compared runs: "name (what)", a dashed line in its colour. */
export function comparedEntries(runs: readonly ComparedRun[], what: string): LegendEntry[] {
  return runs.map((r) => ({
    key: `compared-${r.id}`,
    label: `${r.name} (${what})`,
    mark: { kind: 'line', color: r.color, width: 1.6, dash: '5 3' },
    className: 'compared',
    testId: 'compared-legend',
  }));
}
