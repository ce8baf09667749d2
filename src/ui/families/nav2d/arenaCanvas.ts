/**
 * The arena's trajectories on canvases under its SVG frame, one canvas per panel, the size of the
 * panel's square: a redraw of one panel hands the compositor only that panel's pixels, and the
 * canvas' own bounds clip the strokes (no clip path to rasterise). Each set of trajectories
 * (before the step, after it) is one canvas path stroked once, so a redraw costs no elements,
 * style or layout: the paper's settings draw 120 trajectories of up to 100 points every few
 * meta-iterations.
 */
import type { ArenaMethodData, ArenaPathsData } from '../../../worker/families/nav2dMessages';
import { ARENA_HALF, VIEW_HALF, pathLines } from './arenaView';

/** One panel's square of the drawing, in CSS pixels of the canvas. */
export interface PanelBox {
  left: number;
  top: number;
  size: number;
}

/** A 2-D context on the page's canvas or on one handed to a worker. */
export type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * The canvas's size in CSS pixels, backed by device pixels (resizing clears it): the device pixels
 * per CSS pixel, for the context's transform (the canvas gets no context here: one handed to a
 * worker must have none).
 */
export function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number): number {
  const dpr = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const w = Math.round(width * dpr);
  const h = Math.round(height * dpr);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  return dpr;
}

/** A position of the arena ([−VIEW_HALF, VIEW_HALF] on each axis) in the panel's pixels. */
export function toPixel(box: PanelBox, x: number, y: number): [number, number] {
  const span = 2 * VIEW_HALF;
  return [box.left + ((x + VIEW_HALF) / span) * box.size, box.top + ((VIEW_HALF - y) / span) * box.size];
}

function strokePaths(
  ctx: Context2D,
  box: PanelBox,
  paths: ArenaPathsData,
  horizon: number,
  style: { color: string; width: number; alpha: number; dash: number[] },
): number {
  const lines = pathLines(paths, horizon);
  ctx.beginPath();
  for (const line of lines) {
    line.forEach(([x, y], t) => {
      const [px, py] = toPixel(box, x, y);
      if (t === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
  }
  ctx.strokeStyle = style.color;
  ctx.lineWidth = style.width;
  ctx.globalAlpha = style.alpha;
  ctx.setLineDash(style.dash);
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.setLineDash([]);
  return lines.length;
}

/**
 * Clear one panel's canvas (`box`: the whole canvas) and draw its goals' square, the trajectories
 * before the step (dashed grey) and after it (solid, in `color`). Returns how many of each it drew.
 */
export function drawPanelPaths(
  ctx: Context2D,
  box: PanelBox,
  data: ArenaMethodData | undefined,
  horizon: number,
  color: string,
): { pre: number; post: number } {
  ctx.clearRect(box.left, box.top, box.size, box.size);
  const [sx, sy] = toPixel(box, -ARENA_HALF, ARENA_HALF);
  const [ex, ey] = toPixel(box, ARENA_HALF, -ARENA_HALF);
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(sx, sy, ex - sx, ey - sy);
  if (!data) return { pre: 0, post: 0 };
  ctx.lineJoin = 'round';
  const pre = strokePaths(ctx, box, data.pre, horizon, {
    color: '#9ca3af',
    width: 0.8,
    alpha: 0.7,
    dash: [3, 2],
  });
  const post = strokePaths(ctx, box, data.post, horizon, { color, width: 1.1, alpha: 0.85, dash: [] });
  return { pre, post };
}
