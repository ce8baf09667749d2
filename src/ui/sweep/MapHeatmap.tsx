/**
 * The map itself: the D3 heatmap with its colour legend, the one-line reading under it, and the
 * hovered cell's numbers with its small learning curve. A click on a trained cell opens its run.
 */
import { useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { sweepReading, formatMetric } from '../../core/sweep/reading';
import { AXIS_LABELS, formatAxisValue } from '../../core/sweep/axes';
import { parseExperiment } from '../../core/experiment';
import type { CellResult, SweepPlan } from '../../core/sweep/mapFile';
import { Legend } from '../kit/legend';
import { useWidth } from '../kit/useWidth';
import { useStore } from '../shell/store';
import { drawMap, HATCH_ID, mapColor } from './heatmapDraw';
import { currentCell, goodnessScale, type MapMetric } from './mapView';
import { useSweep, type SweepState } from './sweepStore';
import { openCell } from './sweepRun';

function Sparkline({ curve }: { curve: CellResult['curve'] }) {
  const w = 160;
  const h = 44;
  const ok = curve.loss
    .map((v, i) => ({ s: curve.steps[i] ?? 0, v }))
    .filter((p) => Number.isFinite(p.v) && p.v > 0);
  if (ok.length < 2) return null;
  const s0 = ok[0]?.s ?? 0;
  const s1 = ok[ok.length - 1]?.s ?? 1;
  const lv = ok.map((p) => Math.log(p.v));
  const lo = Math.min(...lv);
  const hi = Math.max(...lv);
  const d = ok
    .map((p, i) => {
      const x = 2 + ((w - 4) * (p.s - s0)) / Math.max(1, s1 - s0);
      const y = 2 + (h - 4) * (hi > lo ? (hi - (lv[i] as number)) / (hi - lo) : 0.5);
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join('');
  return (
    <svg
      width={w}
      height={h}
      role="img"
      aria-label="the cell's meta-loss over its meta-steps (log scale)"
      data-testid="sweep-hover-curve"
    >
      <path d={d} fill="none" stroke="#2563eb" strokeWidth="1.5" />
    </svg>
  );
}

function HoverCard({ plan, cell, metric }: { plan: SweepPlan; cell: CellResult | null; metric: MapMetric }) {
  if (!cell)
    return (
      <p className="sweep-hover note">Hover a cell for its numbers; click a trained cell to open its run.</p>
    );
  const at = [`${AXIS_LABELS[plan.x.name]} ${formatAxisValue(cell.x)}`];
  if (plan.y && cell.y !== null) at.push(`${AXIS_LABELS[plan.y.name]} ${formatAxisValue(cell.y)}`);
  const what =
    cell.failed !== undefined
      ? `failed: ${cell.failed}`
      : cell.diverged
        ? `diverged${cell.divergedAt !== null ? ` at meta-step ${cell.divergedAt}` : ' (its one-step metric blew up)'}`
        : `one-step ${metric.name} ${formatMetric(cell.metric ?? NaN, metric.unit)} ± ${formatMetric(cell.ci95 ?? NaN, metric.unit)}`;
  const loss =
    cell.finalMetaLoss !== null ? `; final meta-loss ${Number(cell.finalMetaLoss.toPrecision(3))}` : '';
  return (
    <div className="sweep-hover" data-testid="sweep-hover">
      <p>
        <strong>{at.join(', ')}</strong>: {what}
        {loss}
      </p>
      <Sparkline curve={cell.curve} />
    </div>
  );
}

/** what the heatmap reads of the map's store (a form edit or the estimate does not redraw it) */
const heatmapOf = (s: SweepState) => ({
  plan: s.plan,
  cells: s.cells,
  inProgress: s.inProgress,
  metric: s.metric,
  hover: s.hover,
});

export function MapHeatmap() {
  const box = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(box);
  const { plan, cells, inProgress, metric, hover } = useSweep(useShallow(heatmapOf));
  const config = useStore((s) => s.config);
  const scale = useMemo(() => (plan && metric ? goodnessScale(cells, metric) : null), [plan, cells, metric]);
  const current = useMemo(() => (plan ? currentCell(plan, config) : null), [plan, config]);
  useEffect(() => {
    if (svgRef.current && plan) drawMap(svgRef.current, { plan, cells, inProgress, scale, current, width });
  }, [plan, cells, inProgress, scale, current, width]);
  // the reading changes only when a cell finishes, not with each progress report
  const reading = useMemo(() => {
    if (!plan || !metric) return '';
    const base = parseExperiment(plan.config).config;
    return sweepReading({ x: plan.x, y: plan.y, cells, metric, algo: base.algo });
  }, [plan, cells, metric]);
  if (!plan || !metric) return null;
  const cellAt = (t: EventTarget): number | null => {
    const g = (t as Element).closest?.('g.map-cell');
    const i = g ? Number(g.getAttribute('data-index')) : NaN;
    return Number.isInteger(i) ? i : null;
  };
  const fmt = (v: number) => formatMetric(v, metric.unit);
  return (
    <>
      <div ref={box} className="chart-body sweep-map">
        <svg
          ref={svgRef}
          role="img"
          aria-label={`Held-out one-step ${metric.name} of each cell of the map`}
          data-testid="sweep-map"
          onMouseMove={(e) => useSweep.setState({ hover: cellAt(e.target) })}
          onMouseLeave={() => useSweep.setState({ hover: null })}
          onClick={(e) => {
            const i = cellAt(e.target);
            if (i !== null) openCell(i);
          }}
        />
      </div>
      <Legend
        label="Legend of the sensitivity map"
        entries={[
          ...(scale
            ? [
                {
                  key: 'scale',
                  lead: fmt(metric.direction === 'lower' ? scale.max : scale.min),
                  label: `${fmt(metric.direction === 'lower' ? scale.min : scale.max)} one-step ${metric.name}${scale.log ? ' (log scale)' : ''}; ${metric.direction} is better`,
                  mark: {
                    kind: 'scale' as const,
                    id: 'sweep-scale',
                    color: (t: number) => mapColor(t),
                    stops: [0, 0.25, 0.5, 0.75, 1],
                    length: 120,
                    label: `colour scale from the worst to the best one-step ${metric.name}`,
                  },
                },
              ]
            : []),
          {
            key: 'div',
            label: 'diverged',
            mark: { kind: 'box' as const, size: 12, side: 12, fill: `url(#${HATCH_ID})`, stroke: '#b91c1c' },
          },
          {
            key: 'cur',
            label: 'current settings',
            mark: { kind: 'box' as const, size: 12, side: 10, fill: 'none', stroke: '#111827', line: 2 },
          },
        ]}
      />
      <p className="chart-sub sweep-reading" data-testid="sweep-reading" aria-live="polite">
        {reading}
      </p>
      <HoverCard plan={plan} cell={hover !== null ? (cells[hover] ?? null) : null} metric={metric} />
    </>
  );
}
