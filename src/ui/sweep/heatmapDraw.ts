/**
 * The sensitivity map drawn with D3 on the shared chart frame: one rectangle per cell, coloured by
 * how good its metric is among the trained cells; a diverged cell hatched and crossed (it has no
 * number, so it takes no colour), a failed cell grey with "!", a cell in training filled to its
 * progress, the current settings' cell outlined.
 */
import * as d3 from 'd3';
import { formatAxisValue, AXIS_LABELS, type AxisValue } from '../../core/sweep/axes';
import type { CellResult, SweepPlan } from '../../core/sweep/mapFile';
import { axesStale, chartSvg, layerOf } from '../kit/svgFrame';
import type { GoodnessScale } from './mapView';

export const MAP_MARGIN = { top: 10, right: 12, bottom: 44, left: 76 };
export const MAP_HEIGHT_PER_ROW = 40;
export const HATCH_ID = 'sweep-hatch';

/** The colour of a trained cell of goodness g (0 worst, 1 best). */
export const mapColor = (g: number): string => d3.interpolateViridis(0.1 + 0.85 * g);

export interface MapDrawInput {
  plan: SweepPlan;
  cells: readonly (CellResult | null)[];
  inProgress: Readonly<Record<number, number>>;
  scale: GoodnessScale | null;
  current: number | null;
  width: number;
}

export interface MapGeometry {
  x: d3.ScaleBand<string>;
  y: d3.ScaleBand<string>;
  height: number;
}

const key = (v: AxisValue | null): string => (v === null ? '' : formatAxisValue(v));

export function mapGeometry(plan: SweepPlan, width: number): MapGeometry {
  const rows = plan.y ? plan.y.values.length : 1;
  const height = MAP_MARGIN.top + MAP_MARGIN.bottom + rows * MAP_HEIGHT_PER_ROW;
  const x = d3
    .scaleBand<string>()
    .domain(plan.x.values.map(key))
    .range([MAP_MARGIN.left, width - MAP_MARGIN.right])
    .padding(0.04);
  // the first y value at the bottom, as on a plot
  const ys = plan.y ? [...plan.y.values].reverse().map(key) : [''];
  const y = d3
    .scaleBand<string>()
    .domain(ys)
    .range([MAP_MARGIN.top, height - MAP_MARGIN.bottom])
    .padding(0.06);
  return { x, y, height };
}

function drawAxes(
  svg: d3.Selection<SVGSVGElement, unknown, null, undefined>,
  input: MapDrawInput,
  g: MapGeometry,
): void {
  const { plan, width } = input;
  const stale = axesStale(svg.node() as SVGSVGElement, `${width}|${g.height}|${plan.sweep}`);
  if (!stale) return;
  const axes = layerOf(svg, 'axes');
  axes.selectAll('*').remove();
  axes
    .append('g')
    .attr('transform', `translate(0,${g.height - MAP_MARGIN.bottom})`)
    .call(d3.axisBottom(g.x).tickSizeOuter(0));
  axes
    .append('text')
    .attr('class', 'axis-title')
    .attr('x', (MAP_MARGIN.left + width - MAP_MARGIN.right) / 2)
    .attr('y', g.height - 8)
    .attr('text-anchor', 'middle')
    .text(AXIS_LABELS[plan.x.name]);
  if (!plan.y) return;
  axes
    .append('g')
    .attr('transform', `translate(${MAP_MARGIN.left},0)`)
    .call(d3.axisLeft(g.y).tickSizeOuter(0));
  axes
    .append('text')
    .attr('class', 'axis-title')
    .attr('transform', `translate(12,${(g.height - MAP_MARGIN.bottom + MAP_MARGIN.top) / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(AXIS_LABELS[plan.y.name]);
}

function ensureHatch(svg: d3.Selection<SVGSVGElement, unknown, null, undefined>): void {
  if (!svg.select(`#${HATCH_ID}`).empty()) return;
  const p = svg
    .append('defs')
    .append('pattern')
    .attr('id', HATCH_ID)
    .attr('patternUnits', 'userSpaceOnUse')
    .attr('width', 6)
    .attr('height', 6)
    .attr('patternTransform', 'rotate(45)');
  p.append('rect').attr('width', 6).attr('height', 6).attr('fill', '#fde2e2');
  p.append('line')
    .attr('x1', 0)
    .attr('y1', 0)
    .attr('x2', 0)
    .attr('y2', 6)
    .attr('stroke', '#b91c1c')
    .attr('stroke-width', 2);
}

type CellState = 'trained' | 'diverged' | 'failed' | 'training' | 'waiting';

export function cellState(c: CellResult | null, training: boolean): CellState {
  if (c === null) return training ? 'training' : 'waiting';
  if (c.failed !== undefined) return 'failed';
  return c.diverged ? 'diverged' : 'trained';
}

function fillOf(c: CellResult | null, state: CellState, scale: GoodnessScale | null): string {
  if (state === 'trained' && c?.metric != null && scale) return mapColor(scale.goodness(c.metric));
  if (state === 'diverged') return `url(#${HATCH_ID})`;
  if (state === 'failed') return '#9ca3af';
  return '#f3f4f6';
}

const MARKS: Partial<Record<CellState, string>> = { diverged: '✕', failed: '!' };

/** What one cell's element shows: where it is, its state, its colour, its progress, its mark. */
interface CellLook {
  i: number;
  state: CellState;
  x: number;
  y: number;
  w: number;
  h: number;
  fill: string;
  current: boolean;
  done: number;
}

/** the look each cell's element was last drawn with: an unchanged cell is not touched again */
const drawn = new WeakMap<SVGGElement, string>();

function drawCell(el: SVGGElement, c: CellLook): void {
  const sig = JSON.stringify(c);
  if (drawn.get(el) === sig) return;
  drawn.set(el, sig);
  const node = d3.select(el).attr('data-index', c.i).attr('data-state', c.state);
  node
    .select('rect.cell-fill')
    .attr('x', c.x)
    .attr('y', c.y)
    .attr('width', c.w)
    .attr('height', c.h)
    .attr('fill', c.fill)
    .attr('stroke', c.current ? '#111827' : 'none')
    .attr('stroke-width', c.current ? 3 : 0);
  node
    .select('rect.cell-progress')
    .attr('x', c.x)
    .attr('y', c.y + c.h - 4)
    .attr('height', 4)
    .attr('width', c.w * c.done)
    .attr('fill', '#2563eb');
  node
    .select('text.cell-mark')
    .attr('x', c.x + c.w / 2)
    .attr('y', c.y + c.h / 2)
    .text(MARKS[c.state] ?? '');
}

/**
 * Draw (or redraw) the map; cells keep their elements, so a hover survives a redraw, and only the
 * cells whose look changed (a progress report, a finished cell, a new colour scale) are touched.
 */
export function drawMap(el: SVGSVGElement, input: MapDrawInput): MapGeometry {
  const g = mapGeometry(input.plan, input.width);
  const svg = chartSvg(el, input.width, g.height);
  ensureHatch(svg);
  drawAxes(svg, input, g);
  const { plan, cells, inProgress, scale, current } = input;
  const layer = layerOf(svg, 'cells');
  const sel = layer
    .selectAll<SVGGElement, number>('g.map-cell')
    .data(plan.cells.map((c) => c.index))
    .join((enter) => {
      const e = enter.append('g').attr('class', 'map-cell');
      e.append('rect').attr('class', 'cell-fill');
      e.append('rect').attr('class', 'cell-progress');
      e.append('text')
        .attr('class', 'cell-mark')
        .attr('text-anchor', 'middle')
        .attr('dominant-baseline', 'central');
      return e;
    });
  sel.each(function (i) {
    const pc = plan.cells[i];
    if (!pc) return;
    const c = cells[i] ?? null;
    const state = cellState(c, inProgress[i] !== undefined);
    drawCell(this, {
      i,
      state,
      x: g.x(key(pc.x)) ?? 0,
      y: g.y(key(pc.y)) ?? 0,
      w: g.x.bandwidth(),
      h: g.y.bandwidth(),
      fill: fillOf(c, state, scale),
      current: i === current,
      done: state === 'training' ? (inProgress[i] ?? 0) / plan.steps : 0,
    });
  });
  return g;
}
