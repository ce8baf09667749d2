/**
 * Editing the task view's support points by clicking a panel: near a drawn point removes it,
 * anywhere else on the plot adds one there.
 */
import { useRegressionStore as useStore } from './regressionStore';
import type { Scales } from './taskPanel';

/** clicking within this many pixels of a support point removes it */
const HIT_RADIUS = 9;

/** Handle a click at (px, py), in the panel's pixels. */
export function clickSupportPoint(sc: Scales, px: number, py: number): void {
  const [r0, r1] = sc.x.range() as [number, number];
  const [b0, t0] = sc.y.range() as [number, number];
  if (px < r0 - HIT_RADIUS || px > r1 + HIT_RADIUS || py > b0 + HIT_RADIUS || py < t0 - HIT_RADIUS) return;
  // hit-test what the person sees: the points as last drawn
  let nearest = -1;
  let best = HIT_RADIUS;
  sc.xs.forEach((xv, i) => {
    const d = Math.hypot(sc.x(xv) - px, sc.y(sc.ys[i] as number) - py);
    if (d <= best) {
      best = d;
      nearest = i;
    }
  });
  const state = useStore.getState();
  if (nearest >= 0) {
    // a click on a drawn point removes it, or does nothing if an earlier click already did
    const t = state.task;
    const at = t.xs.findIndex((xv, i) => xv === sc.xs[nearest] && t.ys[i] === sc.ys[nearest]);
    if (at >= 0) state.removePoint(at);
  } else {
    const [lo, hi] = sc.x.domain() as [number, number];
    const xv = Math.min(hi, Math.max(lo, sc.x.invert(px)));
    const [y0, y1] = sc.y.domain() as [number, number];
    const yv = Math.min(y1, Math.max(y0, sc.y.invert(py)));
    state.addPoint(Number(xv.toFixed(3)), Number(yv.toFixed(3)));
  }
}
