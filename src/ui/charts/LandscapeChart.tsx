import * as d3 from 'd3';
import { axisTitles, chartSvg, layerOf, plotClip, type Layer } from '../kit/svgFrame';
import { useEffect, useRef } from 'react';
import type { LandscapeReport } from '../../worker/protocol';
import { familyOf } from '../shell/families';
import { formatLoss } from '../kit/format';
import { subscribeFrame, useStore } from '../shell/store';
import { equalScales } from './thetaGeometry';
import { landscapeColor } from '../kit/palette';
import { useWidth } from '../kit/useWidth';
import { Legend } from '../kit/legend';

export type LandscapeKind = 'pre' | 'post';

const MARGIN = { top: 8, right: 10, bottom: 36, left: 50 };
const MAX_SIDE = 330;
/** filled contour bands */
const LEVELS = 16;

/**
 * Contour levels at quantiles of the grid: each band covers about the same share of the grid.
 * Far from θ the loss explodes while the valley around it varies by a few percent, so evenly
 * spaced levels (even on a log scale) would paint the valley one flat colour.
 */
interface Levels {
  /** log10 of each grid value; non-finite ones (diverged adaptation) above the highest */
  logs: number[];
  /** ascending log10 thresholds, the first one at the lowest value */
  thresholds: number[];
  lo: number;
  median: number;
  hi: number;
  /** index of the lowest grid point */
  argmin: number;
}

function levelsOf(values: Float32Array): Levels | null {
  let argmin = -1;
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) continue;
    finite.push(v);
    if (argmin < 0 || v < (values[argmin] as number)) argmin = i;
  }
  if (argmin < 0) return null;
  finite.sort((p, q) => p - q);
  const floor = Math.max(finite[0] as number, 1e-12);
  const hi = finite[finite.length - 1] as number;
  const log = (v: number) => Math.log10(Math.max(floor, v));
  const logs = Array.from(values, (v) => (Number.isFinite(v) ? log(v) : log(hi) + 1));
  const sorted = finite.map(log);
  const thresholds: number[] = [];
  for (let i = 0; i < LEVELS; i++) {
    const q = d3.quantileSorted(sorted, i / LEVELS) as number;
    if (thresholds.length === 0 || q > (thresholds[thresholds.length - 1] as number) + 1e-9)
      thresholds.push(q);
  }
  return { logs, thresholds, lo: floor, median: d3.quantileSorted(finite, 0.5) as number, hi, argmin };
}

/** The trajectory up to the landscape's step, in its plane, with θ at the centre and the lowest point. */
function drawOverlay(
  over: Layer,
  land: LandscapeReport,
  argmin: number,
  x: d3.ScaleLinear<number, number>,
  y: d3.ScaleLinear<number, number>,
): void {
  const n = land.resolution;
  const pts: [number, number][] = [];
  for (let i = 0; 2 * i + 1 < land.coords.length; i++)
    pts.push([land.coords[2 * i] as number, land.coords[2 * i + 1] as number]);
  pts.push(land.centre);
  const line = d3
    .line<[number, number]>()
    .digits(1)
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  over
    .selectAll('path.landscape-trajectory-halo')
    .data([pts])
    .join('path')
    .attr('class', 'landscape-trajectory-halo')
    .attr('d', line);
  over
    .selectAll('path.landscape-trajectory')
    .data([pts])
    .join('path')
    .attr('class', 'landscape-trajectory')
    .attr('d', line);
  const mi = argmin;
  const minAt: [number, number] = [land.x[mi % n] as number, land.y[Math.floor(mi / n)] as number];
  const marks = [
    { key: 'theta', at: land.centre, label: 'θ', symbol: d3.symbolCircle, size: 100 },
    { key: 'min', at: minAt, label: 'lowest', symbol: d3.symbolCross, size: 90 },
  ];
  over
    .selectAll<SVGPathElement, (typeof marks)[number]>('path.landscape-marker')
    .data(marks, (d) => d.key)
    .join('path')
    .attr('class', 'landscape-marker')
    .attr('data-marker', (d) => d.key)
    .attr('d', (d) => d3.symbol(d.symbol, d.size)())
    .attr(
      'transform',
      (d) => `translate(${x(d.at[0])},${y(d.at[1])})${d.key === 'min' ? ' rotate(45)' : ''}`,
    );
  over
    .selectAll<SVGTextElement, (typeof marks)[number]>('text.landscape-label')
    .data(marks, (d) => d.key)
    .join('text')
    .attr('class', 'landscape-label')
    .attr('x', (d) => x(d.at[0]) + 8)
    .attr('y', (d) => y(d.at[1]) + (d.key === 'min' ? 14 : -8))
    .text((d) => d.label);
}

function draw(el: SVGSVGElement, width: number, kind: LandscapeKind, land: LandscapeReport | null): void {
  const side = Math.min(MAX_SIDE, width - MARGIN.left - MARGIN.right);
  const height = side + MARGIN.top + MARGIN.bottom;
  const svg = chartSvg(el, width, height);
  const layer = (name: string, clip?: string) => layerOf(svg, name, clip);
  const values = land ? (kind === 'pre' ? land.pre : land.post) : null;
  const levels = values ? levelsOf(values) : null;
  if (!land || !levels) {
    svg.selectAll('g').remove();
    return;
  }
  const n = land.resolution;
  const x0 = land.x[0] as number;
  const y0 = land.y[0] as number;
  const dx = n > 1 ? ((land.x[n - 1] as number) - x0) / (n - 1) : 1;
  const dy = n > 1 ? ((land.y[n - 1] as number) - y0) / (n - 1) : 1;
  // each grid value is the centre of a cell: the picture spans half a cell beyond the outer points
  const box = { x0: x0 - dx / 2, x1: x0 + (n - 0.5) * dx, y0: y0 - dy / 2, y1: y0 + (n - 0.5) * dy };
  const { x, y } = equalScales(box, { left: MARGIN.left, top: MARGIN.top, width: side, height: side });

  const { thresholds } = levels;
  const contours = d3.contours().size([n, n]).thresholds(thresholds)(levels.logs);
  const band = (value: number) => thresholds.indexOf(value) / Math.max(1, thresholds.length - 1);
  const project = d3.geoTransform({
    point(u: number, v: number) {
      this.stream.point(x(x0 + (u - 0.5) * dx), y(y0 + (v - 0.5) * dy));
    },
  });
  const path = d3.geoPath(project);
  const clipId = `clip-landscape-${kind}`;
  plotClip(svg, clipId, {
    x: x(box.x0),
    y: y(box.y1),
    width: x(box.x1) - x(box.x0),
    height: y(box.y0) - y(box.y1),
  });
  layer('contours', clipId)
    .selectAll<SVGPathElement, d3.ContourMultiPolygon>('path.contour')
    .data(contours)
    .join('path')
    .attr('class', 'contour')
    .attr('data-level', (d) => d.value)
    .attr('fill', (d) => landscapeColor(band(d.value)))
    .attr('d', (d) => path(d) ?? '');

  layer('x-axis')
    .attr('transform', `translate(0,${MARGIN.top + side})`)
    .call(d3.axisBottom(x).ticks(5));
  layer('y-axis').attr('transform', `translate(${MARGIN.left},0)`).call(d3.axisLeft(y).ticks(5));
  const area = { left: MARGIN.left, top: MARGIN.top, width: side, height: side };
  axisTitles(layer('labels'), area, { width, height }, { x: 'PC1', y: 'PC2' });

  drawOverlay(layer('overlay', clipId), land, levels.argmin, x, y);
}

/** The legend of a landscape: its colour scale from the lowest loss to the highest, and the median. */
function ColorBar({ values, loss }: { values: Float32Array; loss: string }) {
  const levels = levelsOf(values);
  if (!levels) return null;
  return (
    <Legend
      label="Legend of the loss landscape"
      entries={[
        {
          key: 'scale',
          lead: `${loss} ${formatLoss(levels.lo)}`,
          mark: {
            kind: 'scale',
            id: `landscape-gradient-${values.length}-${Math.round(levels.lo * 1e6)}`,
            color: landscapeColor,
            stops: d3.range(0, 1.0001, 0.125),
            length: 110,
            label: 'colour scale of the loss',
          },
          label: formatLoss(levels.hi),
          className: 'nowrap',
        },
        {
          key: 'median',
          label: `median ${formatLoss(levels.median)}; each band holds about 1/${LEVELS} of the grid`,
        },
      ]}
    />
  );
}

const TITLES: Record<LandscapeKind, (land: LandscapeReport | null) => string> = {
  pre: () => 'Plain loss, before adaptation',
  post: (land) => {
    const n = land?.innerSteps ?? 1;
    return `Meta-objective: loss after ${n} inner step${n === 1 ? '' : 's'}`;
  },
};

/** One loss landscape over the θ plane, as filled D3 contours with the trajectory on top. */
export function LandscapeChart({ kind }: { kind: LandscapeKind }) {
  const ref = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(ref, 420);
  const land = useStore((s) => s.landscape);
  const ui = familyOf(useStore((s) => s.config.task)).theta;

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => draw(el, width, kind, useStore.getState().landscape);
    return subscribeFrame((s) => [s.landscape], redraw);
  }, [width, kind]);

  return (
    <figure className="theta-figure landscape-figure" data-landscape={kind}>
      <figcaption>
        {TITLES[kind](land)}
        <span className="figure-help"> — {ui?.landscapeHelp[kind]}</span>
      </figcaption>
      {land ? (
        <ColorBar values={kind === 'pre' ? land.pre : land.post} loss={ui?.landscapeLoss ?? 'loss'} />
      ) : null}
      <div ref={ref} className="chart-body">
        <svg
          ref={svgRef}
          data-testid={`landscape-${kind}`}
          role="img"
          aria-label={`${TITLES[kind](land)} on a grid over the θ plane, as contours, with the trajectory and θ`}
        />
      </div>
    </figure>
  );
}
