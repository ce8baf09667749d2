/**
 * One panel of the task view, drawn with D3: the task's true curve, a task hovered in the
 * parameter-space view, the fan of predictions after 0..S inner steps, and the support points.
 */
import * as d3 from 'd3';
import {
  axisTitles,
  plotArea,
  axesStale,
  chartSvg,
  layerOf,
  plotClip,
  setAttr,
  type Layer,
} from '../../kit/svgFrame';
import type { MethodName } from '../../../worker/protocol';
import { viewGrid } from '../../../core/families/regression/tasks';
import { formatLoss } from '../../kit/format';
import type { RegressionStore as State } from './regressionStore';
import { familyOf, yRangeOf } from './viewTask';
import { fanColor, taskColor } from '../../kit/palette';

const HEIGHT = 250;
const MARGIN = { top: 10, right: 10, bottom: 34, left: 38 };

/** The scales a panel was last drawn with, and the support points it shows: clicks map through them. */
export interface Scales {
  x: d3.ScaleLinear<number, number>;
  y: d3.ScaleLinear<number, number>;
  /** the support points as drawn (the state may already be a click ahead of the picture) */
  xs: readonly number[];
  ys: readonly number[];
}

function mseToTruth(pred: Float32Array, offset: number, truth: Float64Array): number {
  let s = 0;
  for (let i = 0; i < truth.length; i++) s += ((pred[offset + i] as number) - (truth[i] as number)) ** 2;
  return s / truth.length;
}

type Scale = d3.ScaleLinear<number, number>;
type Line = d3.Line<number>;
type PanelLayer = (name: string, clip?: string) => Layer;

/** The grid and axes, which depend only on the size: rebuilt when it changes, not on every redraw. */
function drawAxes(el: SVGSVGElement, layer: PanelLayer, x: Scale, y: Scale, width: number): void {
  const axesKey = `${width}:${x.domain().join()}`;
  if (!axesStale(el, axesKey)) return;
  layer('grid')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(
      d3
        .axisBottom(x)
        .ticks(5)
        .tickSize(-(HEIGHT - MARGIN.top - MARGIN.bottom))
        .tickFormat(() => ''),
    )
    .call((g) => g.select('.domain').remove());
  layer('x-axis')
    .attr('transform', `translate(0,${HEIGHT - MARGIN.bottom})`)
    .call(d3.axisBottom(x).ticks(5));
  layer('y-axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5));
  axisTitles(layer('labels'), plotArea(width, HEIGHT, MARGIN), { width, height: HEIGHT }, { x: 'x', y: 'y' });
}

/** A task hovered in the parameter-space view: its true curve, in its colour there. */
function drawGhost(layer: PanelLayer, clipId: string, state: State, truthXs: Float32Array, line: Line): void {
  const family = familyOf(state.config);
  const shown = state.shownTasks;
  const hover = state.hoverTask;
  const hasView = shown?.viewTaskId !== null && shown?.viewTaskId !== undefined;
  const ghost = shown && hover !== null && hover < shown.count && !(hasView && hover === 0) ? hover : null;
  layer('ghost', clipId)
    .selectAll('path')
    .data(ghost !== null && shown ? [ghost] : [])
    .join('path')
    .attr('class', 'ghost-truth')
    .attr('data-task', (i) => i)
    .attr('stroke', (i) => taskColor(i, hasView))
    .attr('d', (i) =>
      line(Array.from(truthXs, (v) => family.truth(shown?.params ?? [], i * (shown?.perTask ?? 0), v))),
    );
}

/** The fan, predictions after 0..S inner steps; returns its summary line (MSE to the true curve). */
function drawFan(
  fan: Layer,
  state: State,
  method: MethodName,
  x: Scale,
  y: Scale,
  truth: Float64Array,
): string {
  const { task, predictions } = state;
  if (!predictions) {
    fan.selectAll('path').remove();
    return 'computing…';
  }
  const grid = predictions.grid;
  const g = grid.length;
  const s = predictions.steps;
  const rows = d3.range(s + 1);
  const stale = predictions.taskId !== task.id;
  const values = predictions.fans[method];
  const pl = d3
    .line<number>()
    .digits(1)
    .x((i) => x(grid[i % g] as number))
    .y((i) => y(Math.max(-1e3, Math.min(1e3, values[i] as number))))
    .defined((i) => Number.isFinite(values[i] as number));
  fan
    .attr('opacity', stale ? 0.35 : 1)
    .attr('data-step', predictions.step)
    .selectAll<SVGPathElement, number>('path')
    .data(rows)
    .join('path')
    .attr('class', 'fan-line')
    .attr('data-inner-step', (r) => r)
    .attr('stroke', (r) => fanColor(r, s))
    .attr('stroke-width', (r) => (r === s ? 2.6 : r === 0 ? 1.8 : 1.2))
    .attr('stroke-dasharray', (r) => (r === 0 && s > 0 ? '5 3' : null))
    .attr('d', (r) => pl(d3.range(r * g, (r + 1) * g)));
  if (stale || g !== truth.length) return 'computing…';
  const before = mseToTruth(values, 0, truth);
  const after = mseToTruth(values, s * g, truth);
  return s === 0
    ? `MSE to the true curve: ${formatLoss(before)} (no support points, no adaptation)`
    : `MSE to the true curve: ${formatLoss(before)} before → ${formatLoss(after)} after ${s} step${s === 1 ? '' : 's'}${Number.isFinite(after) && after < 1e4 ? '' : ' (fine-tuning diverges: lower α)'}`;
}

/** One initialisation's panel: the true curve, a hovered task's, the fan and the support points. */
export function drawPanel(
  el: SVGSVGElement,
  summary: HTMLElement | null,
  method: MethodName,
  state: State,
  width: number,
): Scales {
  const svg = chartSvg(el, width, HEIGHT);
  const family = familyOf(state.config);
  const x = d3.scaleLinear(family.xRange as [number, number], [MARGIN.left, width - MARGIN.right]);
  const yDomain = yRangeOf(state.config);
  const y = d3.scaleLinear(yDomain, [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const clipId = `clip-task-${method}`;
  const layer: PanelLayer = (name, clip) => layerOf(svg, name, clip);
  plotClip(svg, clipId, {
    x: MARGIN.left,
    y: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
  });
  drawAxes(el, layer, x, y, width);

  // the true function of the sampled task
  const { task } = state;
  const truthXs = viewGrid(family.xRange);
  const truth = Float64Array.from(truthXs, (v) => family.truth(task.params, 0, v));
  const line = d3
    .line<number>()
    .digits(1)
    .x((_, i) => x(truthXs[i] as number))
    .y((v) => y(v));
  // (unchanged attributes are not written again: a rewrite lays the element out again, and the
  // task view redraws its fans several times a second while the task and its points stay)
  layer('truth', clipId)
    .selectAll<SVGPathElement, number[]>('path')
    .data([Array.from(truth)])
    .join('path')
    .each(function (d) {
      setAttr(this, 'class', 'truth-line');
      setAttr(this, 'd', line(d) ?? '');
    });
  drawGhost(layer, clipId, state, truthXs, line);
  const summaryText = drawFan(layer('fan', clipId), state, method, x, y, truth);
  if (summary) summary.textContent = summaryText;

  // support points (clicking one removes it)
  layer('points')
    .selectAll<SVGCircleElement, number>('circle')
    .data(d3.range(task.xs.length))
    .join('circle')
    .each(function (i) {
      setAttr(this, 'class', 'support-point');
      setAttr(this, 'r', 4.5);
      setAttr(this, 'cx', x(task.xs[i] as number));
      setAttr(this, 'cy', y(Math.max(yDomain[0], Math.min(yDomain[1], task.ys[i] as number))));
    });

  return { x, y, xs: Array.from(task.xs), ys: Array.from(task.ys) };
}
