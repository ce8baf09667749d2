/**
 * The arena's painter (arenaPainter.ts): draws each panel's trajectories on the panel's canvas,
 * handed over with transferControlToOffscreen, so the strokes are rasterised and committed off the
 * page's main thread.
 */
import { drawPanelPaths } from './arenaCanvas';
import type { PainterMessage } from './arenaPainter';

const panels = new Map<number, { ctx: OffscreenCanvasRenderingContext2D; size: number }>();

self.onmessage = (e: MessageEvent<PainterMessage>) => {
  const msg = e.data;
  if (msg.kind === 'panel') {
    const ctx = msg.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(msg.dpr, 0, 0, msg.dpr, 0, 0);
    panels.set(msg.key, { ctx, size: msg.size });
  } else if (msg.kind === 'drop') {
    panels.delete(msg.key);
  } else {
    const p = panels.get(msg.key);
    if (p) drawPanelPaths(p.ctx, { left: 0, top: 0, size: p.size }, msg.data, msg.horizon, msg.color);
  }
};
