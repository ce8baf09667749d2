/**
 * The arena (the paper's Figure 5, live): for each initialisation, a panel of the [−0.5, 0.5]²
 * square with the goal, the trajectories sampled before the inner step (dashed, faint) and after
 * one policy-gradient step on them (solid). A click anywhere places a new goal there (clamped to
 * the square) and the worker adapts every initialisation to it once.
 *
 * The frame (axes, words, the goal's star) is SVG, built when the layout changes; the
 * trajectories are drawn on one canvas per panel under it (`canvas[data-method]`, the panel's
 * square), one panel per animation-frame job, when a new adaptation arrives; a new goal only
 * moves the stars. Each panel's group says what its canvas
 * shows: `data-pre` and `data-post` (trajectories drawn) and `data-adaptation` (the reply's id).
 */
import * as d3 from 'd3';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { MethodName } from '../../../worker/protocol';
import { METHOD_COLORS } from '../../kit/palette';
import { cancelDraw, requestDraw } from '../../kit/frameScheduler';
import { setAttr } from '../../kit/svgFrame';
import { useWidth } from '../../kit/useWidth';
import { useStore } from '../../shell/store';
import { sizeCanvas, toPixel, type PanelBox } from './arenaCanvas';
import { onPainterLost, panelPainter, type PanelPainter } from './arenaPainter';
import { ARENA_HALF, NAV_METHOD_LABELS, VIEW_HALF, panelLine } from './arenaView';
import { navState, useNavStore } from './navStore';

const METHOD_ORDER: readonly MethodName[] = ['maml', 'pretrained', 'random'];
const MARGIN = { top: 22, right: 8, bottom: 46, left: 34 };

interface Panel extends PanelBox {
  method: MethodName;
}

/** The panels' layout for a width: as many side by side as fit (three on a desktop). */
export function arenaLayout(
  width: number,
  methods: readonly MethodName[],
): { width: number; height: number; panels: Panel[] } {
  const perRow = Math.max(1, Math.min(methods.length, Math.floor(width / 220)));
  const size = Math.min(260, Math.floor(width / perRow) - MARGIN.left - MARGIN.right);
  const cell = { w: size + MARGIN.left + MARGIN.right, h: size + MARGIN.top + MARGIN.bottom };
  const panels = methods.map((method, i) => ({
    method,
    size,
    left: (i % perRow) * cell.w + MARGIN.left,
    top: Math.floor(i / perRow) * cell.h + MARGIN.top,
  }));
  return { width: cell.w * perRow, height: cell.h * Math.ceil(methods.length / perRow), panels };
}

type Group = d3.Selection<SVGGElement, unknown, null, undefined>;

/** One panel's frame: square outline, axes, words, the start, the goal's star and the click target. */
function drawFrame(g: Group, p: Panel, placeGoal: (x: number, y: number) => void): void {
  const x = d3.scaleLinear([-VIEW_HALF, VIEW_HALF], [0, p.size]);
  const y = d3.scaleLinear([-VIEW_HALF, VIEW_HALF], [p.size, 0]);
  g.append('rect')
    .attr('class', 'nav-square')
    .attr('x', x(-ARENA_HALF))
    .attr('y', y(ARENA_HALF))
    .attr('width', x(ARENA_HALF) - x(-ARENA_HALF))
    .attr('height', y(-ARENA_HALF) - y(ARENA_HALF))
    .attr('fill', 'none')
    .attr('stroke', '#94a3b8');
  g.append('g').attr('transform', `translate(0,${p.size})`).call(d3.axisBottom(x).ticks(5));
  g.append('g').call(d3.axisLeft(y).ticks(5));
  const label = (text: string, at: { x: number; y: number; rotate?: boolean }) =>
    g
      .append('text')
      .attr('transform', `translate(${at.x},${at.y})${at.rotate ? ' rotate(-90)' : ''}`)
      .attr('text-anchor', 'middle')
      .attr('font-size', 11)
      .text(text);
  label('x position', { x: p.size / 2, y: p.size + 30 });
  label('y position', { x: -26, y: p.size / 2, rotate: true });
  g.append('text').attr('y', -8).attr('font-size', 12).text(NAV_METHOD_LABELS[p.method]);
  g.append('text')
    .attr('class', 'nav-line')
    .attr('y', p.size + 42)
    .attr('font-size', 11);
  g.append('circle').attr('cx', x(0)).attr('cy', y(0)).attr('r', 3).attr('fill', '#111827');
  g.append('path')
    .attr('d', d3.symbol(d3.symbolStar, 110)())
    .attr('fill', '#dc2626')
    .attr('data-testid', 'nav-goal');
  g.append('rect')
    .attr('class', 'nav-click')
    .attr('width', p.size)
    .attr('height', p.size)
    .attr('fill', 'transparent')
    .style('cursor', 'crosshair')
    .on('click', (e: MouseEvent) => {
      const [px, py] = d3.pointer(e, g.node());
      placeGoal(x.invert(px), y.invert(py));
    });
}

/** One panel's canvas, placed on its square under the SVG frame, and its painter. */
function panelCanvas(p: Panel): { canvas: HTMLCanvasElement; painter: ReturnType<typeof panelPainter> } {
  const canvas = document.createElement('canvas');
  canvas.dataset.method = p.method;
  canvas.setAttribute('aria-hidden', 'true');
  Object.assign(canvas.style, { position: 'absolute', left: `${p.left}px`, top: `${p.top}px` });
  const dpr = sizeCanvas(canvas, p.size, p.size);
  return { canvas, painter: panelPainter(canvas, p.size, dpr) };
}

/**
 * The job that has one panel's trajectories of the latest adaptation drawn and says so on its
 * group (`data-pre`, `data-post`: how many trajectories the canvas is given).
 */
function panelJob(paint: PanelPainter, p: Panel, g: SVGGElement): () => void {
  return () => {
    const arena = navState(useStore.getState()).arena;
    const data = arena?.methods[p.method];
    paint(data, arena?.horizon ?? 0, METHOD_COLORS[p.method]);
    setAttr(g, 'data-pre', data?.pre.lengths.length ?? 0);
    setAttr(g, 'data-post', data?.post.lengths.length ?? 0);
    setAttr(g, 'data-adaptation', arena?.id ?? 0);
    const line = g.querySelector('text.nav-line');
    const text = data ? panelLine(data.pre.averageReturn, data.post.averageReturn) : '';
    if (line && line.textContent !== text) line.textContent = text;
  };
}

/** The job that puts every panel's star on the store's goal. */
function goalJob(panels: readonly Panel[], groups: readonly SVGGElement[]): () => void {
  return () => {
    const [gx, gy] = navState(useStore.getState()).goal;
    panels.forEach((p, i) => {
      const star = groups[i]?.querySelector('[data-testid="nav-goal"]');
      const [px, py] = toPixel({ left: 0, top: 0, size: p.size }, gx, gy);
      if (star) setAttr(star, 'transform', `translate(${px},${py})`);
    });
  };
}

export function Arena() {
  const holder = useRef<HTMLDivElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const canvasesRef = useRef<HTMLDivElement>(null);
  const width = useWidth(holder);
  const hasPretrained = useNavStore((s) => s.arena?.methods.pretrained !== undefined || s.arena === null);
  const placeGoal = useNavStore((s) => s.placeGoal);
  const methods = useMemo(
    () => METHOD_ORDER.filter((m) => m !== 'pretrained' || hasPretrained),
    [hasPretrained],
  );
  // the painter's worker failed: the panels get new canvases (drawn in place)
  const [painterLost, repaint] = useReducer((n: number) => n + 1, 0);
  useEffect(() => onPainterLost(repaint), []);

  useEffect(() => {
    const svg = svgRef.current;
    const layer = canvasesRef.current;
    if (!svg || !layer) return;
    const geo = arenaLayout(width, methods);
    setAttr(svg, 'width', geo.width);
    setAttr(svg, 'height', geo.height);
    const canvases = geo.panels.map(panelCanvas);
    layer.replaceChildren(...canvases.map((c) => c.canvas));
    const root = d3.select(svg);
    root.selectAll('*').remove();
    const groups = geo.panels.map((p) => {
      const g = root
        .append('g')
        .attr('data-method', p.method)
        .attr('transform', `translate(${p.left},${p.top})`) as unknown as Group;
      drawFrame(g, p, placeGoal);
      return g.node() as SVGGElement;
    });
    const paths = geo.panels.flatMap((p, i) => {
      const painter = canvases[i]?.painter;
      return painter ? [panelJob(painter.paint, p, groups[i] as SVGGElement)] : [];
    });
    const stars = goalJob(geo.panels, groups);
    paths.forEach((job) => requestDraw(job));
    requestDraw(stars);
    const unsubscribe = useStore.subscribe((s, prev) => {
      if (navState(s).arena !== navState(prev).arena) paths.forEach((job) => requestDraw(job));
      if (navState(s).goal !== navState(prev).goal) requestDraw(stars);
    });
    return () => {
      unsubscribe();
      paths.forEach(cancelDraw);
      cancelDraw(stars);
      for (const c of canvases) c.painter.release();
    };
  }, [width, methods, placeGoal, painterLost]);

  return (
    <div ref={holder} className="nav-arena-holder" style={{ position: 'relative' }}>
      <div ref={canvasesRef} style={{ position: 'absolute', left: 0, top: 0 }} />
      <svg
        ref={svgRef}
        data-testid="nav-arena"
        role="img"
        style={{ position: 'relative', display: 'block' }}
        aria-label="The 2-D navigation arena: trajectories toward the goal before and after one inner policy-gradient step, for each initialisation"
      />
    </div>
  );
}
