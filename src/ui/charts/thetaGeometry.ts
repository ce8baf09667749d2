/**
 * Geometry shared by the parameter-space charts: extents of points in the plane, scales with one
 * unit per pixel on both axes (distances in the plane are distances in parameter space, so the
 * picture must not be stretched), and the zoom window around the inner-loop paths.
 */
import * as d3 from 'd3';
import type { ThetaPaths, ThetaReport } from '../../worker/protocol';

/** A rectangle in plane coordinates. */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Bounding box of interleaved [a, b, a, b, …] coordinates and extra points (non-finite ones skipped). */
export function extentOf(
  coords: ArrayLike<number>[],
  points: readonly (readonly [number, number])[] = [],
): Box | null {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  const add = (a: number, b: number) => {
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    x0 = Math.min(x0, a);
    x1 = Math.max(x1, a);
    y0 = Math.min(y0, b);
    y1 = Math.max(y1, b);
  };
  for (const c of coords) for (let i = 0; i + 1 < c.length; i += 2) add(c[i] as number, c[i + 1] as number);
  for (const [a, b] of points) add(a, b);
  return Number.isFinite(x0) ? { x0, x1, y0, y1 } : null;
}

/** Grow a box to at least `minSide` on each side, then by `frac` of its larger side all round. */
export function padBox(box: Box, frac: number, minSide: number): Box {
  const w = Math.max(box.x1 - box.x0, minSide);
  const h = Math.max(box.y1 - box.y0, minSide);
  const pad = frac * Math.max(w, h);
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  return { x0: cx - w / 2 - pad, x1: cx + w / 2 + pad, y0: cy - h / 2 - pad, y1: cy + h / 2 + pad };
}

/** Scales mapping `box` into `area` with equal units per pixel, the box centred. */
export function equalScales(
  box: Box,
  area: PlotArea,
): { x: d3.ScaleLinear<number, number>; y: d3.ScaleLinear<number, number>; unitsPerPx: number } {
  const w = Math.max(1, area.width);
  const h = Math.max(1, area.height);
  const unitsPerPx = Math.max((box.x1 - box.x0) / w, (box.y1 - box.y0) / h) || 1;
  const cx = (box.x0 + box.x1) / 2;
  const cy = (box.y0 + box.y1) / 2;
  const hx = (unitsPerPx * w) / 2;
  const hy = (unitsPerPx * h) / 2;
  return {
    x: d3.scaleLinear([cx - hx, cx + hx], [area.left, area.left + w]),
    y: d3.scaleLinear([cy - hy, cy + hy], [area.top + h, area.top]),
    unitsPerPx,
  };
}

/** Point `step` of task `task`'s path. */
export function pathPoint(paths: ThetaPaths, task: number, step: number): [number, number] {
  const o = (task * (paths.steps + 1) + step) * 2;
  return [paths.coords[o] as number, paths.coords[o + 1] as number];
}

/** Query MSE of task `task` after `step` inner steps. */
export function pathLoss(paths: ThetaPaths, task: number, step: number): number {
  return paths.losses[task * (paths.steps + 1) + step] as number;
}

/** MSEs beyond this (or not finite) mean the inner loop diverged (as in the adaptation chart) */
const DIVERGED = 1e4;

/** Whether task `task`'s inner loop blew up (e.g. Meta-SGD's learned α taken for more steps than it was trained for). */
export function pathDiverged(paths: ThetaPaths, task: number): boolean {
  for (let s = 0; s <= paths.steps; s++) {
    const [a, b] = pathPoint(paths, task, s);
    if (!Number.isFinite(a) || !Number.isFinite(b)) return true;
  }
  const loss = pathLoss(paths, task, paths.steps);
  return !(Number.isFinite(loss) && loss < DIVERGED);
}

/** Points this far off the chart (in pixels) are left out: a diverged path would overflow SVG numbers. */
const FAR_PX = 1e5;

/** Whether a plane point lands within reach of the chart. */
export function drawable(
  p: readonly [number, number],
  x: (v: number) => number,
  y: (v: number) => number,
): boolean {
  return Math.abs(x(p[0])) < FAR_PX && Math.abs(y(p[1])) < FAR_PX;
}

/** A d3 line through plane points that skips the non-finite and far-off ones. */
export function finiteLine(
  x: (v: number) => number,
  y: (v: number) => number,
): d3.Line<readonly [number, number]> {
  return d3
    .line<readonly [number, number]>()
    .digits(1)
    .defined((p) => drawable(p, x, y))
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
}

/** Half the side of the square that holds a set of paths (those that did not diverge) around their centre. */
function halfSide(paths: ThetaPaths): { cx: number; cy: number; half: number } | null {
  const kept: number[] = [];
  for (let t = 0; t < paths.tasks; t++) {
    if (pathDiverged(paths, t)) continue;
    for (let s = 0; s <= paths.steps; s++) kept.push(...pathPoint(paths, t, s));
  }
  const box = extentOf([kept], [paths.start]);
  if (!box) return null;
  return {
    cx: (box.x0 + box.x1) / 2,
    cy: (box.y0 + box.y1) / 2,
    half: Math.max(box.x1 - box.x0, box.y1 - box.y0) / 2,
  };
}

/**
 * The zoom windows of the adapted-parameter panels: one square per set of paths (θ's, and the
 * random initialisation's when shown), all of the same size so their lengths compare directly.
 */
export function zoomBoxes(report: ThetaReport): { theta: Box; random: Box | null } {
  const sets = [report.paths, ...(report.random ? [report.random] : [])].map(halfSide);
  const traj = extentOf([report.coords], [report.current]);
  const trajSide = traj ? Math.max(traj.x1 - traj.x0, traj.y1 - traj.y0) : 0;
  // paths of length zero (no support points, α → 0) still get a window a little larger than a point
  const floor = Math.max(trajSide * 1e-4, 1e-6);
  const half = Math.max(floor, ...sets.map((s) => s?.half ?? 0)) * 1.18;
  const boxOf = (s: { cx: number; cy: number } | null, fallback: readonly [number, number]): Box => {
    const cx = s?.cx ?? fallback[0];
    const cy = s?.cy ?? fallback[1];
    return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
  };
  return {
    theta: boxOf(sets[0] ?? null, report.current),
    random: report.random ? boxOf(sets[1] ?? null, report.random.start) : null,
  };
}

/** "PC1 (91.2% of variance)", or what the axis is when the trajectory has no second component. */
export function axisLabel(axis: 0 | 1, explained: readonly [number, number], rank: number): string {
  if (axis >= rank)
    return `direction ${axis + 1} (random: the trajectory ${rank === 0 ? 'is one point' : 'is a line'})`;
  const pct = (explained[axis] * 100).toFixed(explained[axis] < 0.1 ? 2 : 1);
  return axis === 0 ? `PC1 (${pct}% of variance)` : `PC2 (${pct}%)`;
}

/** How a task's path is drawn given the hovered task: the task view's task stands out by default. */
export function pathEmphasis(
  index: number,
  hover: number | null,
  hasViewTask: boolean,
): { width: number; opacity: number } {
  if (hover !== null) return index === hover ? { width: 3.4, opacity: 1 } : { width: 1.3, opacity: 0.22 };
  return hasViewTask && index === 0 ? { width: 2.6, opacity: 1 } : { width: 1.6, opacity: 0.9 };
}
