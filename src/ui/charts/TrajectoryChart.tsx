import * as d3 from 'd3';
import { axisTitles, chartSvg, layerOf, plotClip, type Layer } from '../kit/svgFrame';
import { useEffect, useRef } from 'react';
import type { ThetaPaths, ThetaReport } from '../../worker/protocol';
import { subscribeFrame, THETA_REDRAW_MS, useStore, type State } from '../shell/store';
import {
  axisLabel,
  equalScales,
  extentOf,
  finiteLine,
  padBox,
  pathDiverged,
  pathEmphasis,
  pathPoint,
  zoomBoxes,
} from './thetaGeometry';
import { METHOD_COLORS, taskColor, trajectoryColor } from '../kit/palette';
import { useWidth } from '../kit/useWidth';
import { linkHover } from '../kit/hover';

const HEIGHT = 380;
const MARGIN = { top: 12, right: 14, bottom: 42, left: 54 };
/** time-colour steps of the trajectory (each one SVG path) */
const COLOR_BINS = 32;
/** the zoom window is drawn at least this many pixels wide, even when the paths are smaller */
const MIN_ZOOM_PX = 12;

type Scale = d3.ScaleLinear<number, number>;

function pathLine(paths: ThetaPaths, task: number, x: Scale, y: Scale): string {
  const pts = d3.range(paths.steps + 1).map((s) => pathPoint(paths, task, s));
  return finiteLine(x, y)(pts) ?? '';
}

function draw(el: SVGSVGElement, width: number, state: State): void {
  const report = state.thetaReport;
  const svg = chartSvg(el, width, HEIGHT);
  const layer = (name: string, clip?: string) => layerOf(svg, name, clip);
  svg
    .selectAll('text.empty')
    .data(report ? [] : [null])
    .join('text')
    .attr('class', 'empty')
    .attr('x', width / 2)
    .attr('y', HEIGHT / 2)
    .attr('text-anchor', 'middle')
    .text('waiting for the first snapshots of θ…');
  if (!report) {
    svg.selectAll('g').remove();
    return;
  }
  const area = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const random = state.showRandomPaths ? report.random : null;
  const settled = (p: ThetaPaths | null) => {
    const out: number[] = [];
    if (!p) return out;
    for (let t = 0; t < p.tasks; t++) {
      if (pathDiverged(p, t)) continue;
      for (let k = 0; k <= p.steps; k++) out.push(...pathPoint(p, t, k));
    }
    return out;
  };
  const extent = extentOf(
    [report.coords, settled(report.paths), settled(random)],
    [report.current, ...(random ? [random.start] : [])],
  ) ?? { x0: -1, x1: 1, y0: -1, y1: 1 };
  const { x, y } = equalScales(padBox(extent, 0.07, 1e-6), area);

  layer('grid')
    .attr('transform', `translate(0,${area.top + area.height})`)
    .call(
      d3
        .axisBottom(x)
        .ticks(6)
        .tickSize(-area.height)
        .tickFormat(() => ''),
    )
    .call((g) => g.select('.domain').remove());
  layer('x-axis')
    .attr('transform', `translate(0,${area.top + area.height})`)
    .call(d3.axisBottom(x).ticks(6));
  layer('y-axis').attr('transform', `translate(${area.left},0)`).call(d3.axisLeft(y).ticks(6));
  axisTitles(
    layer('labels'),
    area,
    { width, height: HEIGHT },
    {
      x: axisLabel(0, report.explained, report.rank),
      y: axisLabel(1, report.explained, report.rank),
    },
  ).attr('data-testid', (_, i) => (i === 0 ? 'theta-axis-x' : 'theta-axis-y'));

  plotClip(svg, 'clip-trajectory', {
    x: area.left,
    y: area.top,
    width: area.width,
    height: area.height,
  });

  drawTrajectory(layer('trajectory', 'clip-trajectory'), report, x, y);
  drawMarkers(layer('markers'), report, random, x, y);
  drawPaths(layer('paths', 'clip-trajectory'), report, random, state.hoverTask, x, y);
}

/**
 * The path in time-coloured pieces: snapshots are grouped into at most COLOR_BINS runs of
 * consecutive steps, each one polyline and one path of dots, so a long trajectory is a few dozen
 * SVG elements rather than hundreds (cheaper to restyle and repaint while training).
 */
function drawTrajectory(g: Layer, report: ThetaReport, x: Scale, y: Scale): void {
  const n = report.count;
  const first = report.steps[0] ?? 0;
  const last = report.steps[n - 1] ?? first;
  const t = (i: number) => (last > first ? ((report.steps[i] as number) - first) / (last - first) : 1);
  const px = (i: number) => x(report.coords[2 * i] as number).toFixed(1);
  const py = (i: number) => y(report.coords[2 * i + 1] as number).toFixed(1);
  const runs: { from: number; to: number; color: string }[] = [];
  for (let i = 0; i < n; i++) {
    const bin = Math.min(COLOR_BINS - 1, Math.floor(t(i) * COLOR_BINS));
    const prev = runs[runs.length - 1];
    if (prev && Math.min(COLOR_BINS - 1, Math.floor(t(prev.from) * COLOR_BINS)) === bin) prev.to = i;
    else runs.push({ from: i, to: i, color: trajectoryColor(report.subject, (bin + 0.5) / COLOR_BINS) });
  }
  g.attr('data-testid', 'theta-trajectory')
    .attr('data-points', n)
    .attr('data-subject', report.subject)
    .attr('data-last-step', last);
  // each run starts at the previous run's last snapshot, so the pieces join up
  g.selectAll<SVGPathElement, (typeof runs)[number]>('path.trajectory-segment')
    .data(runs.filter((r) => r.from > 0 || r.to > 0))
    .join('path')
    .attr('class', 'trajectory-segment')
    .attr('stroke', (r) => r.color)
    .attr('d', (r) => {
      let d = '';
      for (let i = Math.max(0, r.from - 1); i <= r.to; i++) d += `${d ? 'L' : 'M'}${px(i)},${py(i)}`;
      return d;
    });
  // the current θ is ahead of the newest snapshot while training
  const tail = n > 0 ? [n - 1] : [];
  g.selectAll<SVGLineElement, number>('line.trajectory-tail')
    .data(tail)
    .join('line')
    .attr('class', 'trajectory-tail')
    .attr('x1', px)
    .attr('y1', py)
    .attr('x2', x(report.current[0]))
    .attr('y2', y(report.current[1]))
    .attr('stroke', trajectoryColor(report.subject, 1));
  // one dot per snapshot: zero-length round-capped strokes, one path per run
  g.selectAll<SVGPathElement, (typeof runs)[number]>('path.trajectory-points')
    .data(runs)
    .join('path')
    .attr('class', 'trajectory-points')
    .attr('stroke', (r) => r.color)
    .attr('d', (r) => {
      let d = '';
      for (let i = r.from; i <= r.to; i++) d += `M${px(i)},${py(i)}h0`;
      return d;
    });
}

function drawMarkers(g: Layer, report: ThetaReport, random: ThetaPaths | null, x: Scale, y: Scale): void {
  const [r0, r1] = x.range() as [number, number];
  const leftOf = (at: readonly [number, number]) => x(at[0]) > r0 + 0.72 * (r1 - r0);
  const startStep = report.steps[0] ?? 0;
  const marks = [
    {
      key: 'start',
      at: [report.coords[0] ?? 0, report.coords[1] ?? 0] as const,
      label: startStep === 0 ? 'θ₀ (step 0)' : `start (step ${startStep})`,
      shape: d3.symbolSquare,
      fill: '#fff',
      stroke: trajectoryColor(report.subject, 0.55),
      size: 70,
      dy: 16,
    },
    {
      key: 'current',
      at: report.current,
      label: `θ (step ${report.step})`,
      shape: d3.symbolCircle,
      fill: trajectoryColor(report.subject, 1),
      stroke: '#fff',
      size: 110,
      dy: -11,
    },
    ...(random
      ? [
          {
            key: 'random',
            at: random.start,
            label: 'random init',
            shape: d3.symbolDiamond,
            fill: METHOD_COLORS.random,
            stroke: '#fff',
            size: 80,
            dy: 28,
          },
        ]
      : []),
  ];
  g.selectAll<SVGPathElement, (typeof marks)[number]>('path.theta-marker')
    .data(marks, (d) => d.key)
    .join('path')
    .attr('class', 'theta-marker')
    .attr('data-marker', (d) => d.key)
    .attr('d', (d) => d3.symbol(d.shape, d.size)())
    .attr('transform', (d) => `translate(${x(d.at[0])},${y(d.at[1])})`)
    .attr('fill', (d) => d.fill)
    .attr('stroke', (d) => d.stroke)
    .attr('stroke-width', 2);
  g.selectAll<SVGTextElement, (typeof marks)[number]>('text.marker-label')
    .data(marks, (d) => d.key)
    .join('text')
    .attr('class', 'marker-label')
    // labels near the right edge go to the left of their marker, inside the chart
    .attr('text-anchor', (d) => (leftOf(d.at) ? 'end' : 'start'))
    .attr('x', (d) => x(d.at[0]) + (leftOf(d.at) ? -9 : 8))
    .attr('y', (d) => y(d.at[1]) + d.dy)
    .text((d) => d.label);

  // where the adapted-parameter panel looks
  const z = zoomBoxes(report).theta;
  const cx = (x(z.x0) + x(z.x1)) / 2;
  const cy = (y(z.y0) + y(z.y1)) / 2;
  const side = Math.max(MIN_ZOOM_PX, x(z.x1) - x(z.x0));
  g.selectAll('rect.zoom-window')
    .data([null])
    .join('rect')
    .attr('class', 'zoom-window')
    .attr('x', cx - side / 2)
    .attr('y', cy - side / 2)
    .attr('width', side)
    .attr('height', side);
}

function drawPaths(
  g: Layer,
  report: ThetaReport,
  random: ThetaPaths | null,
  hover: number | null,
  x: Scale,
  y: Scale,
): void {
  const hasView = report.viewTaskId !== null;
  const sets = [{ key: 'theta', paths: report.paths }, ...(random ? [{ key: 'random', paths: random }] : [])];
  const setHover = useStore.getState().setHoverTask;
  g.selectAll<SVGGElement, (typeof sets)[number]>('g.path-set')
    .data(sets, (d) => d.key)
    .join('g')
    .attr('class', 'path-set')
    .attr('data-from', (d) => d.key)
    .selectAll<SVGPathElement, { i: number; paths: ThetaPaths; key: string }>('path.inner-path')
    // a diverged inner loop (listed as such beside the zoomed panel) would streak across the chart
    .data((d) =>
      d3
        .range(d.paths.tasks)
        .filter((i) => !pathDiverged(d.paths, i))
        .map((i) => ({ i, paths: d.paths, key: d.key })),
    )
    .join('path')
    .attr('class', 'inner-path')
    .attr('data-task', (d) => d.i)
    .attr('stroke', (d) => taskColor(d.i, hasView))
    .attr('stroke-dasharray', (d) => (d.key === 'random' ? '3 2' : null))
    .attr('stroke-width', (d) => pathEmphasis(d.i, hover, hasView).width)
    .attr('opacity', (d) => pathEmphasis(d.i, hover, hasView).opacity)
    .attr('d', (d) => pathLine(d.paths, d.i, x, y))
    .call(linkHover, setHover, (d) => d.i);
}

/** The θ trajectory on its two principal components, with θ₀, the current θ and the paths. */
export function TrajectoryChart() {
  const ref = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(ref, 560);

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => draw(el, width, useStore.getState());
    return subscribeFrame(
      (s) => [s.thetaReport, s.hoverTask, s.showRandomPaths],
      redraw,
      THETA_REDRAW_MS,
      el,
    );
  }, [width]);

  return (
    <figure className="theta-figure trajectory-figure">
      <figcaption>θ trajectory during meta-training</figcaption>
      <div ref={ref} className="chart-body">
        <svg
          ref={svgRef}
          data-testid="theta-trajectory-chart"
          role="img"
          aria-label="The path of θ during meta-training projected on its two principal components, coloured from early (light) to late (dark), with θ₀ and the current θ marked"
        />
      </div>
    </figure>
  );
}
