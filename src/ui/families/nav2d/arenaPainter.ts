/**
 * Where the arena's panels are drawn. Each panel's trajectories are rasterised when the canvas is
 * composited, and a canvas drawn on the main thread is composited there: about 15 ms of the page's
 * main thread per redrawn panel on a 2-core machine, whatever the canvas' size. A panel's canvas is
 * therefore handed to a small worker (arenaDraw.worker.ts) with transferControlToOffscreen, and a
 * redraw only posts the panel's trajectories to it. Where there is no OffscreenCanvas or Worker,
 * or the worker cannot be made, the panel is drawn in place; where the worker fails later, the
 * canvases it held are lost with it, so the arena is told (onPainterLost) to make new ones, which
 * are drawn in place from then on.
 */
import type { ArenaMethodData } from '../../../worker/families/nav2dMessages';
import { drawPanelPaths } from './arenaCanvas';

export type PainterMessage =
  | { kind: 'panel'; key: number; canvas: OffscreenCanvas; size: number; dpr: number }
  | { kind: 'drop'; key: number }
  | { kind: 'draw'; key: number; data: ArenaMethodData | undefined; horizon: number; color: string };

/** Draws one panel's latest adaptation: `data` undefined clears it. */
export type PanelPainter = (data: ArenaMethodData | undefined, horizon: number, color: string) => void;

let worker: Worker | null = null;
let failed = false;
let nextKey = 1;
const lostListeners = new Set<() => void>();

/** Calls `listener` when the painter's worker fails (its panels' canvases are gone); returns the unsubscribe. */
export function onPainterLost(listener: () => void): () => void {
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
}

function lose(): void {
  failed = true;
  worker?.terminate();
  worker = null;
  for (const listener of [...lostListeners]) listener();
}

function painterWorker(): Worker | null {
  if (failed || typeof Worker === 'undefined' || typeof OffscreenCanvas === 'undefined') return null;
  if (worker) return worker;
  try {
    worker = new Worker(new URL('./arenaDraw.worker.ts', import.meta.url), {
      type: 'module',
      name: 'maml-arena',
    });
    worker.onerror = (e) => {
      e.preventDefault();
      lose();
    };
    worker.onmessageerror = lose;
    return worker;
  } catch {
    failed = true;
    return null;
  }
}

/**
 * The painter of one panel's canvas (sized already, `size` CSS pixels square at `dpr`), and the
 * function that lets it go when the layout changes.
 */
export function panelPainter(
  canvas: HTMLCanvasElement,
  size: number,
  dpr: number,
): { paint: PanelPainter; release: () => void } {
  const w = painterWorker();
  const box = { left: 0, top: 0, size };
  if (!w || typeof canvas.transferControlToOffscreen !== 'function') {
    const ctx = canvas.getContext('2d');
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    return {
      paint: (data, horizon, color) => {
        if (ctx) drawPanelPaths(ctx, box, data, horizon, color);
      },
      release: () => undefined,
    };
  }
  const key = nextKey++;
  const offscreen = canvas.transferControlToOffscreen();
  w.postMessage({ kind: 'panel', key, canvas: offscreen, size, dpr } satisfies PainterMessage, [offscreen]);
  return {
    paint: (data, horizon, color) =>
      w.postMessage({ kind: 'draw', key, data, horizon, color } satisfies PainterMessage),
    release: () => w.postMessage({ kind: 'drop', key } satisfies PainterMessage),
  };
}
