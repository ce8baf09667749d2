/**
 * The arena (the paper's Figure 5, live): for each initialisation, a panel of the [−0.5, 0.5]²
 * square with the goal, the trajectories sampled before the inner step (dashed, faint) and after
 * one policy-gradient step on them (solid). A click anywhere places a new goal there (clamped to
 * the square) and the worker adapts every initialisation to it once.
 */
import * as d3 from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import type { MethodName } from '../../../worker/protocol';
import { METHOD_COLORS } from '../../kit/palette';
import { chartSvg, layerOf } from '../../kit/svgFrame';
import { useWidth } from '../../kit/useWidth';
import { ARENA_HALF, NAV_METHOD_LABELS, VIEW_HALF, panelLine, pathLines } from './arenaView';
import type { ArenaReply } from './navSlice';
import { useNavStore } from './navStore';

const METHOD_ORDER: readonly MethodName[] = ['maml', 'pretrained', 'random'];
const MARGIN = { top: 22, right: 8, bottom: 46, left: 34 };

function drawPanel(
  g: d3.Selection<SVGGElement, unknown, null, undefined>,
  size: number,
  arena: ArenaReply | null,
  method: MethodName,
  goal: [number, number],
): void {
  const x = d3.scaleLinear([-VIEW_HALF, VIEW_HALF], [0, size]);
  const y = d3.scaleLinear([-VIEW_HALF, VIEW_HALF], [size, 0]);
  g.selectAll('*').remove();
  g.append('rect')
    .attr('class', 'nav-square')
    .attr('x', x(-ARENA_HALF))
    .attr('y', y(ARENA_HALF))
    .attr('width', x(ARENA_HALF) - x(-ARENA_HALF))
    .attr('height', y(-ARENA_HALF) - y(ARENA_HALF))
    .attr('fill', '#f8fafc')
    .attr('stroke', '#94a3b8');
  g.append('g').attr('transform', `translate(0,${size})`).call(d3.axisBottom(x).ticks(5));
  g.append('g').call(d3.axisLeft(y).ticks(5));
  g.append('text')
    .attr('x', size / 2)
    .attr('y', size + 30)
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text('x position');
  g.append('text')
    .attr('transform', `translate(${-26},${size / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .attr('font-size', 11)
    .text('y position');
  g.append('text').attr('x', 0).attr('y', -8).attr('font-size', 12).text(NAV_METHOD_LABELS[method]);
  const data = arena?.methods[method];
  const line = d3
    .line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const color = METHOD_COLORS[method];
  if (data && arena) {
    const pre = g.append('g').attr('class', 'nav-pre').attr('data-testid', `nav-pre-${method}`);
    for (const l of pathLines(data.pre, arena.horizon))
      pre
        .append('path')
        .attr('d', line(l))
        .attr('fill', 'none')
        .attr('stroke', '#9ca3af')
        .attr('stroke-dasharray', '3 2')
        .attr('stroke-width', 0.8)
        .attr('opacity', 0.7);
    const post = g.append('g').attr('class', 'nav-post').attr('data-testid', `nav-post-${method}`);
    for (const l of pathLines(data.post, arena.horizon))
      post
        .append('path')
        .attr('d', line(l))
        .attr('fill', 'none')
        .attr('stroke', color)
        .attr('stroke-width', 1.1)
        .attr('opacity', 0.85);
    g.append('text')
      .attr('x', 0)
      .attr('y', size + 42)
      .attr('font-size', 11)
      .text(panelLine(data.pre.averageReturn, data.post.averageReturn));
  }
  g.append('circle').attr('cx', x(0)).attr('cy', y(0)).attr('r', 3).attr('fill', '#111827');
  g.append('path')
    .attr('d', d3.symbol(d3.symbolStar, 110)())
    .attr('transform', `translate(${x(goal[0])},${y(goal[1])})`)
    .attr('fill', '#dc2626')
    .attr('data-testid', 'nav-goal');
}

/** The panels' layout for a width: as many side by side as fit (three on a desktop). */
function layout(width: number, count: number): { size: number; perRow: number } {
  const perRow = Math.max(1, Math.min(count, Math.floor(width / 220)));
  const size = Math.min(260, Math.floor(width / perRow) - MARGIN.left - MARGIN.right);
  return { size, perRow };
}

export function Arena() {
  const holder = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const width = useWidth(holder);
  const arena = useNavStore((s) => s.arena);
  const goal = useNavStore((s) => s.goal);
  const hasPretrained = useNavStore((s) => s.arena?.methods.pretrained !== undefined || s.arena === null);
  const placeGoal = useNavStore((s) => s.placeGoal);
  const methods = useMemo(
    () => METHOD_ORDER.filter((m) => m !== 'pretrained' || hasPretrained),
    [hasPretrained],
  );

  useEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const { size, perRow } = layout(width, methods.length);
    const cell = { w: size + MARGIN.left + MARGIN.right, h: size + MARGIN.top + MARGIN.bottom };
    const rows = Math.ceil(methods.length / perRow);
    const svg = chartSvg(el, cell.w * perRow, cell.h * rows);
    const root = layerOf(svg, 'panels');
    root.selectAll('*').remove();
    methods.forEach((m, i) => {
      const g = root
        .append('g')
        .attr('data-method', m)
        .attr(
          'transform',
          `translate(${(i % perRow) * cell.w + MARGIN.left},${Math.floor(i / perRow) * cell.h + MARGIN.top})`,
        );
      drawPanel(g as unknown as d3.Selection<SVGGElement, unknown, null, undefined>, size, arena, m, goal);
      const x = d3.scaleLinear([0, size], [-VIEW_HALF, VIEW_HALF]);
      const y = d3.scaleLinear([size, 0], [-VIEW_HALF, VIEW_HALF]);
      g.append('rect')
        .attr('class', 'nav-click')
        .attr('width', size)
        .attr('height', size)
        .attr('fill', 'transparent')
        .style('cursor', 'crosshair')
        .on('click', (e: MouseEvent) => {
          const [px, py] = d3.pointer(e, g.node());
          placeGoal(x(px), y(py));
        });
    });
  }, [width, arena, goal, methods, placeGoal]);

  return (
    <div ref={holder} className="nav-arena-holder">
      <svg
        ref={svgRef}
        data-testid="nav-arena"
        role="img"
        aria-label="The 2-D navigation arena: trajectories toward the goal before and after one inner policy-gradient step, for each initialisation"
      />
    </div>
  );
}
