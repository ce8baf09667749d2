/**
 * The learning curve's drawing with D3: the meta-loss (raw envelope and smoothed line), the
 * pretrained baseline's training loss, the held-out evaluations on the loss axis or their own, the
 * compared runs, and the readout under the pointer.
 */
import * as d3 from 'd3';
import {
  axisTitles,
  plotArea,
  axesStale,
  chartSvg,
  layerOf,
  plotClip,
  type Layer as SvgLayer,
  type Margin,
  type PlotArea,
  type SvgSelection,
} from '../kit/svgFrame';
import { binSeries, smooth, type Series } from '../kit/series';
import type { State } from '../shell/store';
import type { EvalHistoryView } from '../shell/evalView';
import { comparedExtent, comparedRuns, drawCompared } from './comparedOverlay';
import { nearestIndex, plotHover } from '../kit/hover';
import { formatLoss } from '../kit/format';
import { METHOD_COLORS } from '../kit/palette';

const HEIGHT = 280;
const BASE_MARGIN = { top: 14, right: 16, bottom: 40, left: 52 };
/** the margin at the right when the evaluations have an axis of their own there */
const RIGHT_AXIS_MARGIN = 56;
const FLOOR = 1e-5;

interface Curve {
  name: string;
  color: string;
  binned: ReturnType<typeof binSeries>;
  smoothed: ReturnType<typeof binSeries>;
}

function curveOf(series: Series, name: string, color: string, weight: number, bins: number): Curve {
  const sm = smooth(series.values, series.length, weight);
  return {
    name,
    color,
    binned: binSeries(series.steps, series.values, series.length, bins, series.lows, series.highs),
    smoothed: binSeries(series.steps, sm, series.length, bins),
  };
}

const LADDER = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10];

/** The smallest 1-1.2-1.5-2-2.5-3-4-5-6-8 × 10ⁿ at or above v (v > 0). */
export function roundUp(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return p * (LADDER.find((m) => m * p >= v * (1 - 1e-12)) ?? 10);
}

type Layer = (name: string, clip?: string) => SvgLayer;
type Compared = ReturnType<typeof comparedRuns>;

/** The plot's scales: steps across, the loss up (log or linear), the evaluations' own axis if any. */
interface Scales {
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLogarithmic<number, number> | d3.ScaleLinear<number, number>;
  /** a loss's height (clamped to the floor on a log axis) */
  cy(v: number): number;
  yEval: d3.ScaleLinear<number, number> | null;
  /** an evaluation's height, on its own axis or the loss axis */
  cyEval(v: number): number;
}

/** The meta-loss curve, and the pretrained baseline's training loss when it is shown. */
function curvesOf(state: State, bins: number): Curve[] {
  const { smoothing, showPretrainedLoss } = state;
  const curves = [curveOf(state.meta, 'MAML meta-loss', METHOD_COLORS.maml, smoothing, bins)];
  if (showPretrainedLoss) {
    curves.push(
      curveOf(state.pretrained, 'pretrained training loss', METHOD_COLORS.pretrained, smoothing, bins),
    );
  }
  return curves;
}

/** The steps and losses the axes span: the curves, the evaluations, the compared runs. */
function extentOf(curves: Curve[], history: EvalHistoryView, compared: Compared, state: State) {
  const ownAxis = history.axis === 'right';
  let x0 = Infinity;
  let x1 = -Infinity;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of curves) {
    c.binned.x.forEach((v, i) => {
      x0 = Math.min(x0, v);
      x1 = Math.max(x1, v);
      lo = Math.min(lo, c.binned.min[i] as number);
      hi = Math.max(hi, c.binned.max[i] as number);
    });
  }
  for (const p of history.points) {
    x0 = Math.min(x0, p.step);
    x1 = Math.max(x1, p.step);
    if (ownAxis) continue;
    for (const m of history.methods) {
      const v = p[m];
      if (v !== undefined && Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  // the shelf's compared runs: their meta-loss on the loss axis (their evaluations on the right one)
  const loss = comparedExtent(
    compared,
    (r) => r.loss,
    (v) => v > 0 || !state.lossLog,
  );
  const evals = comparedExtent(compared, (r) => (ownAxis ? r.evals : null));
  if (loss) [lo, hi] = [Math.min(lo, loss.lo), Math.max(hi, loss.hi)];
  for (const e of [loss, evals]) if (e) [x0, x1] = [Math.min(x0, 0), Math.max(x1, e.last)];
  return { x0, x1, lo, hi };
}

/** The scales of an extent: the step axis from where the run started, in round spans. */
function scalesOf(
  extent: ReturnType<typeof extentOf>,
  state: State,
  history: EvalHistoryView,
  width: number,
  margin: Margin,
): Scales {
  let { x0, x1, lo, hi } = extent;
  if (!Number.isFinite(x0)) {
    x0 = 0;
    x1 = 100;
  }
  // the axis starts where the run did (step 0, or a loaded θ's meta-step, e.g. a shipped θ's
  // 2000): one series entry before the first loss, however the series was thinned
  const meta = state.meta;
  if (meta.length > 0) x0 = Math.min(x0, (meta.steps[0] as number) - meta.stride);
  if (x1 - x0 < 10) x1 = x0 + 10;
  // room at the right (the newest evaluation circle is not cut in half), the span grown in steps
  // of a round ladder: the axes stay as they are for many redraws instead of being rebuilt every time
  x1 = x0 + roundUp((x1 - x0) * 1.02);
  if (!Number.isFinite(lo)) {
    lo = 0.1;
    hi = 10;
  }
  const { lossLog } = state;
  const x = d3.scaleLinear([x0, x1], [margin.left, width - margin.right]);
  const y = lossLog
    ? d3
        .scaleLog(
          [Math.max(FLOOR, lo * 0.8), Math.max(hi * 1.25, FLOOR * 10)],
          [HEIGHT - margin.bottom, margin.top],
        )
        .nice()
    : d3.scaleLinear([0, hi * 1.05], [HEIGHT - margin.bottom, margin.top]).nice();
  const cy = (v: number) => y(lossLog ? Math.max(FLOOR, v) : v);
  const yEval =
    history.axis === 'right'
      ? d3.scaleLinear(history.metric.range ?? [0, 1], [HEIGHT - margin.bottom, margin.top])
      : null;
  return { x, y, cy, yEval, cyEval: yEval ?? cy };
}

/** The grid, the axes and their titles, rebuilt only when their domain or size changes. */
function drawAxes(
  svgEl: SVGSVGElement,
  layer: Layer,
  sc: Scales,
  width: number,
  margin: Margin,
  lossLog: boolean,
  history: EvalHistoryView,
): void {
  const { x, y, yEval } = sc;
  const axesKey = `${width}:${x.domain().join()}:${y.domain().join()}:${lossLog}:${yEval?.domain().join() ?? ''}`;
  if (!axesStale(svgEl, axesKey)) return;
  layer('grid')
    .attr('transform', `translate(${margin.left},0)`)
    .call(
      d3
        .axisLeft(y)
        .ticks(5)
        .tickSize(-(width - margin.left - margin.right))
        .tickFormat(() => ''),
    )
    .call((g) => g.select('.domain').remove());
  layer('x-axis')
    .attr('transform', `translate(0,${HEIGHT - margin.bottom})`)
    .call(d3.axisBottom(x).ticks(6, (x.domain()[1] as number) >= 10_000 ? '~s' : 'd'));
  layer('y-axis')
    .attr('transform', `translate(${margin.left},0)`)
    .call(d3.axisLeft(y).ticks(5, lossLog ? '~g' : undefined));
  if (yEval) {
    layer('y2-axis')
      .attr('transform', `translate(${width - margin.right},0)`)
      .call(d3.axisRight(yEval).ticks(5, history.metric.tickFormat));
  }
  axisTitles(
    layer('labels'),
    plotArea(width, HEIGHT, margin),
    { width, height: HEIGHT },
    {
      x: 'meta-step',
      y: `loss (${history.lossName})`,
      ...(yEval ? { y2: history.axisLabel } : {}),
    },
  );
}

/** Raw values as a faint min-max envelope per pixel bin, smoothed ones as a solid line. */
function drawCurves(layer: Layer, clipId: string, curves: Curve[], { x, cy }: Scales): void {
  layer('raw', clipId)
    .selectAll('path')
    .data(curves)
    .join('path')
    .attr('class', 'raw-loss')
    .attr('fill', (c) => c.color)
    .attr('stroke', (c) => c.color)
    .attr('d', (c) => {
      const idx = d3.range(c.binned.x.length);
      return d3
        .area<number>()
        .digits(1)
        .x((i) => x(c.binned.x[i] as number))
        .y0((i) => cy(c.binned.min[i] as number))
        .y1((i) => cy(c.binned.max[i] as number))(idx);
    });
  layer('smoothed', clipId)
    .selectAll('path')
    .data(curves)
    .join('path')
    .attr('class', 'smoothed-loss')
    .attr('stroke', (c) => c.color)
    .attr('d', (c) => {
      const idx = d3.range(c.smoothed.x.length);
      return d3
        .line<number>()
        .digits(1)
        .x((i) => x(c.smoothed.x[i] as number))
        .y((i) => cy(c.smoothed.mean[i] as number))
        .defined((i) => Number.isFinite(c.smoothed.mean[i] as number))(idx);
    });
}

/** The periodic held-out evaluation, in the family's metric, as circles. */
function drawEvals(layer: Layer, clipId: string, history: EvalHistoryView, { x, cyEval }: Scales): void {
  const evalPts = history.points.flatMap((p) =>
    history.methods.map((m) => ({ step: p.step, v: p[m] ?? NaN, m })),
  );
  layer('evals', clipId)
    .selectAll('circle')
    .data(evalPts.filter((p) => Number.isFinite(p.v)))
    .join('circle')
    .attr('class', 'eval-point')
    .attr('r', 3.5)
    .attr('stroke', (p) => METHOD_COLORS[p.m])
    .attr('cx', (p) => x(p.step))
    .attr('cy', (p) => cyEval(p.v));
}

/** The readout at the meta-step nearest the pointer: each curve's smoothed loss, the nearest evaluation. */
function hoverReadout(
  svg: SvgSelection,
  curves: Curve[],
  history: EvalHistoryView,
  { x, cy }: Scales,
  area: PlotArea,
): void {
  const { points, metric } = history;
  const steps = curves[0]?.smoothed.x.length ? (curves[0] as Curve).smoothed.x : points.map((p) => p.step);
  const at = (c: Curve, step: number) => c.smoothed.mean[nearestIndex(c.smoothed.x, step)] ?? NaN;
  const evalSteps = points.map((p) => p.step);
  const evalAt = (step: number) => points[nearestIndex(evalSteps, step)];
  plotHover(svg, {
    area,
    xs: steps.map((s) => x(s)),
    marks: (i) => curves.map((c) => ({ y: cy(at(c, steps[i] as number)), color: c.color })),
    readout: (i) => {
      const step = steps[i] as number;
      const ev = evalAt(step);
      return [
        `meta-step ${Math.round(step)}`,
        ...curves.map((c) => `${c.name} ${formatLoss(at(c, step))}`),
        ...(ev
          ? history.methods.flatMap((m) => {
              const v = ev[m];
              return v === undefined
                ? []
                : [`${history.pointLabel(m)} ${metric.format(v)} (step ${ev.step})`];
            })
          : []),
      ];
    },
  });
}

export function draw(svgEl: SVGSVGElement, width: number, state: State, history: EvalHistoryView): void {
  // evaluations of the meta-loss' own quantity share its axis; others get one at the right
  const ownAxis = history.axis === 'right';
  const margin = { ...BASE_MARGIN, right: ownAxis ? RIGHT_AXIS_MARGIN : BASE_MARGIN.right };
  const svg = chartSvg(svgEl, width, HEIGHT);
  const layer: Layer = (name, clip) => layerOf(svg, name, clip);
  const bins = Math.max(50, Math.floor((width - margin.left - margin.right) / 2));
  const curves = curvesOf(state, bins);
  const compared = comparedRuns(state);
  const sc = scalesOf(extentOf(curves, history, compared, state), state, history, width, margin);
  drawAxes(svgEl, layer, sc, width, margin, state.lossLog, history);

  const clipId = 'clip-learning';
  plotClip(svg, clipId, {
    x: margin.left,
    y: margin.top,
    width: width - margin.left - margin.right,
    height: HEIGHT - margin.top - margin.bottom,
  });
  drawCurves(layer, clipId, curves, sc);
  drawCompared(layer('compared', clipId), compared, (r) => r.loss, sc.x, sc.cy, {
    className: 'compared-loss',
    values: (c) => smooth(c.values, c.values.length, state.smoothing),
  });
  drawCompared(
    layer('compared-evals', clipId),
    compared,
    (r) => (ownAxis ? r.evals : null),
    sc.x,
    sc.cyEval,
    {
      className: 'compared-evals',
    },
  );
  drawEvals(layer, clipId, history, sc);

  svg
    .selectAll('text.empty')
    .data(state.meta.length === 0 && history.points.length === 0 ? [null] : [])
    .join('text')
    .attr('class', 'empty')
    .attr('x', (margin.left + width - margin.right) / 2)
    .attr('y', HEIGHT / 2)
    .attr('text-anchor', 'middle')
    .text('press Play to start meta-training');
  hoverReadout(svg, curves, history, sc, plotArea(width, HEIGHT, margin));
}
