import * as d3 from 'd3';
import { axisTitles, chartSvg, layerOf, plotClip, type Layer } from '../kit/svgFrame';
import { useEffect, useRef } from 'react';
import type { ThetaPaths, ThetaReport } from '../../worker/protocol';
import { formatLoss } from '../kit/format';
import { subscribeFrame, THETA_REDRAW_MS, useStore, type State } from '../shell/store';
import {
  drawable,
  equalScales,
  finiteLine,
  pathDiverged,
  pathEmphasis,
  pathLoss,
  pathPoint,
  zoomBoxes,
  type Box,
} from './thetaGeometry';
import { familyOf } from '../shell/families';
import { METHOD_COLORS, taskColor, trajectoryColor } from '../kit/palette';
import { useWidth } from '../kit/useWidth';
import { hoverProps, linkHover } from '../kit/hover';

const HEIGHT = 380;
const MARGIN = { top: 10, right: 12, bottom: 38, left: 50 };

type From = 'theta' | 'random';
type Scale = d3.ScaleLinear<number, number>;

function pathsOf(report: ThetaReport, from: From): ThetaPaths | null {
  return from === 'theta' ? report.paths : report.random;
}

function draw(el: SVGSVGElement, width: number, from: From, state: State): void {
  const report = state.thetaReport;
  const paths = report ? pathsOf(report, from) : null;
  const svg = chartSvg(el, width, HEIGHT);
  const layer = (name: string, clip?: string) => layerOf(svg, name, clip);
  svg
    .selectAll('text.empty')
    .data(paths ? [] : [null])
    .join('text')
    .attr('class', 'empty')
    .attr('x', width / 2)
    .attr('y', HEIGHT / 2)
    .attr('text-anchor', 'middle')
    .text(from === 'theta' ? 'waiting for θ…' : 'adapting the random initialisation…');
  if (!report || !paths) {
    svg.selectAll('g').remove();
    return;
  }
  const boxes = zoomBoxes(report);
  const box: Box = (from === 'theta' ? boxes.theta : boxes.random) ?? boxes.theta;
  const area = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const { x, y } = equalScales(box, area);
  const clipId = `clip-paths-${from}`;

  layer('grid')
    .attr('transform', `translate(0,${area.top + area.height})`)
    .call(
      d3
        .axisBottom(x)
        .ticks(4)
        .tickSize(-area.height)
        .tickFormat(() => ''),
    )
    .call((g) => g.select('.domain').remove());
  layer('x-axis')
    .attr('transform', `translate(0,${area.top + area.height})`)
    .call(d3.axisBottom(x).ticks(4));
  layer('y-axis').attr('transform', `translate(${area.left},0)`).call(d3.axisLeft(y).ticks(5));
  axisTitles(layer('labels'), area, { width, height: HEIGHT }, { x: 'PC1', y: 'PC2' });
  plotClip(svg, clipId, {
    x: area.left,
    y: area.top,
    width: area.width,
    height: area.height,
  });

  // the trajectory passing through, for orientation (mostly outside a zoomed window)
  const pts: [number, number][] = [];
  for (let i = 0; i < report.count; i++)
    pts.push([report.coords[2 * i] as number, report.coords[2 * i + 1] as number]);
  pts.push([report.current[0], report.current[1]]);
  layer('context', clipId)
    .selectAll('path')
    .data([pts])
    .join('path')
    .attr('class', 'trajectory-context')
    .attr('stroke', trajectoryColor(report.subject, 0.7))
    .attr('d', (d) => finiteLine(x, y)(d));

  drawPaths(layer('paths', clipId), report, paths, state.hoverTask, x, y);

  drawStart(layer('start'), from, report, paths, x, y);
}

/** Where the paths start: θ, or the random initialisation, marked and named. */
function drawStart(
  g: Layer,
  from: From,
  report: ThetaReport,
  paths: ThetaPaths,
  x: d3.ScaleLinear<number, number>,
  y: d3.ScaleLinear<number, number>,
): void {
  const start = paths.start;
  g.selectAll('path')
    .data([null])
    .join('path')
    .attr('class', 'theta-marker')
    .attr('data-marker', from === 'theta' ? 'current' : 'random')
    .attr('d', d3.symbol(from === 'theta' ? d3.symbolCircle : d3.symbolDiamond, 110)())
    .attr('transform', `translate(${x(start[0])},${y(start[1])})`)
    .attr('fill', from === 'theta' ? trajectoryColor(report.subject, 1) : METHOD_COLORS.random)
    .attr('stroke', '#fff')
    .attr('stroke-width', 2);
  g.selectAll('text')
    .data([null])
    .join('text')
    .attr('class', 'marker-label')
    .attr('x', x(start[0]) + 9)
    .attr('y', y(start[1]) - 9)
    .text(from === 'theta' ? 'θ' : 'random init');
}

function drawPaths(
  g: Layer,
  report: ThetaReport,
  paths: ThetaPaths,
  hover: number | null,
  x: Scale,
  y: Scale,
): void {
  const hasView = report.viewTaskId !== null;
  const setHover = useStore.getState().setHoverTask;
  const trained = Math.min(report.trainedSteps, paths.steps);
  const line = finiteLine(x, y);
  const finite = (p: readonly [number, number]) => drawable(p, x, y);
  const tasks = d3.range(paths.tasks);
  // draw the emphasised path last, on top
  const order = [...tasks].sort(
    (a, b) => pathEmphasis(a, hover, hasView).width - pathEmphasis(b, hover, hasView).width,
  );
  const groups = g
    .selectAll<SVGGElement, number>('g.task-path')
    .data(order, (i) => i)
    .join('g')
    .attr('class', 'task-path')
    .attr('data-task', (i) => i)
    .attr('opacity', (i) => pathEmphasis(i, hover, hasView).opacity)
    .call(linkHover, setHover, (i) => i);
  groups.order();
  const points = (i: number) => d3.range(paths.steps + 1).map((s) => pathPoint(paths, i, s));
  groups
    .selectAll<SVGPathElement, number>('path.inner-path-hit')
    .data((i) => [i])
    .join('path')
    .attr('class', 'inner-path-hit')
    .attr('d', (i) => line(points(i)));
  groups
    .selectAll<SVGPathElement, number>('path.inner-path')
    .data((i) => [i])
    .join('path')
    .attr('class', 'inner-path')
    .attr('data-task', (i) => i)
    .attr('stroke', (i) => taskColor(i, hasView))
    .attr('stroke-width', (i) => pathEmphasis(i, hover, hasView).width)
    .attr('d', (i) => line(points(i)));
  // a dot after every inner step (zero-length round-capped strokes: one element per task)
  groups
    .selectAll<SVGPathElement, number>('path.path-steps')
    .data((i) => [i])
    .join('path')
    .attr('class', 'path-steps')
    .attr('stroke', (i) => taskColor(i, hasView))
    .attr('d', (i) => {
      let d = '';
      for (let s = 1; s < paths.steps; s++) {
        const p = pathPoint(paths, i, s);
        if (finite(p)) d += `M${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}h0`;
      }
      return d;
    });
  // θ′ᵢ after the last step
  groups
    .selectAll<SVGCircleElement, number>('circle.path-end')
    .data((i) => (finite(pathPoint(paths, i, paths.steps)) ? [i] : []))
    .join('circle')
    .attr('class', 'path-end')
    .attr('r', 4)
    .attr('fill', (i) => taskColor(i, hasView))
    .attr('cx', (i) => x(pathPoint(paths, i, paths.steps)[0]))
    .attr('cy', (i) => y(pathPoint(paths, i, paths.steps)[1]));
  // θ′ after the number of inner steps meta-training optimises
  groups
    .selectAll<SVGCircleElement, number>('circle.trained-ring')
    .data((i) => (trained > 0 && trained < paths.steps && finite(pathPoint(paths, i, trained)) ? [i] : []))
    .join('circle')
    .attr('class', 'trained-ring')
    .attr('r', 6)
    .attr('stroke', (i) => taskColor(i, hasView))
    .attr('cx', (i) => x(pathPoint(paths, i, trained)[0]))
    .attr('cy', (i) => y(pathPoint(paths, i, trained)[1]));
}

function Panel({ from, width, title }: { from: From; width: number; title: string }) {
  const svgRef = useRef<SVGSVGElement>(null);
  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const redraw = () => draw(el, width, from, useStore.getState());
    return subscribeFrame((s) => [s.thetaReport, s.hoverTask], redraw, THETA_REDRAW_MS, el);
  }, [width, from]);
  return (
    <div className="paths-panel">
      <p className="panel-title">{title}</p>
      <svg
        ref={svgRef}
        data-testid={`inner-paths-${from}`}
        role="img"
        aria-label={`${title}: each displayed task's adapted parameters after every inner SGD step, zoomed in`}
      />
    </div>
  );
}

/** The displayed tasks: colour, task, and how far the inner loop brings its loss down. */
function TaskLegend() {
  const report = useStore((s) => s.thetaReport);
  const hover = useStore((s) => s.hoverTask);
  const config = useStore((s) => s.config);
  const showRandom = useStore((s) => s.showRandomPaths);
  const setHover = useStore((s) => s.setHoverTask);
  const ui = familyOf(config.task).theta;
  if (!report || !ui) return null;
  const hasView = report.viewTaskId !== null;
  const { paths } = report;
  const random = showRandom ? report.random : null;
  const n = paths.steps;
  return (
    <ul className="task-legend" aria-label="Tasks in the parameter-space view">
      {d3.range(paths.tasks).map((i) => (
        <li
          key={i}
          className={hover === i ? 'hovered' : undefined}
          data-task={i}
          tabIndex={0}
          {...hoverProps(setHover, i)}
        >
          <span className="swatch" style={{ background: taskColor(i, hasView) }} />
          <span className="task-name">
            {hasView && i === 0 ? 'task view’s task' : `task ${hasView ? i : i + 1}`}
          </span>
          <span className="task-fn">{ui.describeTask(report, i, config)}</span>
          <span className="task-loss">
            {ui.pathLoss} {formatLoss(pathLoss(paths, i, 0))} → {formatLoss(pathLoss(paths, i, n))}
            {pathDiverged(paths, i) ? ' (the inner loop diverges: lower α)' : ''}
            {random
              ? ` · random init ${formatLoss(pathLoss(random, i, 0))} → ${formatLoss(pathLoss(random, i, n))}`
              : ''}
          </span>
        </li>
      ))}
    </ul>
  );
}

/**
 * Adapted parameters: each displayed task's inner-loop path θ → θ′ᵢ, zoomed in around θ (and
 * around the random initialisation when asked), at one scale for both panels.
 */
export function InnerPathsChart() {
  const ref = useRef<HTMLDivElement>(null);
  const width = useWidth(ref, 480);
  const showRandom = useStore((s) => s.showRandomPaths);
  const steps = useStore((s) => s.thetaReport?.paths.steps ?? null);
  const trained = useStore((s) => s.config.inner);
  const hasRandom = useStore((s) => s.thetaReport?.random !== null && s.thetaReport !== null);
  const both = showRandom;
  const panelWidth = both ? Math.floor((width - 10) / 2) : width;
  return (
    <figure className="theta-figure paths-figure">
      <figcaption>
        Adapted parameters θ′ᵢ, zoomed in: {steps ?? '…'} inner SGD step{steps === 1 ? '' : 's'} per task
        {steps !== null && trained < steps ? ` (ring: after ${trained}, as in meta-training)` : ''}
      </figcaption>
      <div ref={ref} className={`paths-panels${both ? ' two' : ''}`}>
        <Panel from="theta" width={panelWidth} title="from θ" />
        {both ? (
          <Panel
            from="random"
            width={panelWidth}
            title={
              hasRandom ? 'from the random initialisation (same scale)' : 'from the random initialisation…'
            }
          />
        ) : null}
      </div>
      <TaskLegend />
    </figure>
  );
}
