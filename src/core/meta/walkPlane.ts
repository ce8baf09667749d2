/**
 * The plane the walk-through draws one meta-step in. A trajectory's principal plane (the θ view's)
 * says little about one step: the meta-gradient is mostly orthogonal to it. This plane goes
 * through θ and contains the step's own directions instead: the first axis is the descent
 * direction −g of what the optimiser receives, the second the part of a second direction that is
 * orthogonal to it (MAML: −g₁, the first-order gradient, so both arrows and their angle are exact;
 * the others: the mean inner-loop displacement θ′ − θ of the shown tasks). Inner-loop paths and
 * the update are projected on it; lengths along both axes are in θ's units.
 */
import { projectPoint, type PlaneBasis } from '../projection';
import type { MetaStepWalkBase } from './walkthrough';

export interface WalkPlane extends PlaneBasis {
  /** what the axes are, for their labels */
  axes: [string, string];
}

/** One arrow from θ: a gradient-like vector's descent direction projected on the plane. */
export interface WalkArrow {
  name: 'gradient' | 'firstOrder' | 'correction';
  /** −vector projected, in the vector's own units */
  tip: [number, number];
  /** length of the whole vector (not only its part in the plane) */
  norm: number;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += (a[k] as number) * (b[k] as number);
  return s;
}

/** `v` minus its component along the unit vector `u`, scaled to unit length; null if nothing is left. */
function orthonormal(v: Float32Array, u: Float32Array | null): Float32Array | null {
  const w = Float32Array.from(v);
  if (u) {
    const c = dot(w, u);
    for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) - c * (u[k] as number);
  }
  const n = Math.sqrt(dot(w, w));
  const scale = Math.sqrt(dot(v, v));
  if (!Number.isFinite(n) || !(n > 1e-6 * Math.max(scale, 1e-30))) return null;
  for (let k = 0; k < w.length; k++) w[k] = (w[k] as number) / n;
  return w;
}

/** A unit axis along coordinate k. */
function axis(p: number, k: number): Float32Array {
  const e = new Float32Array(p);
  e[k] = 1;
  return e;
}

/** The coordinate least aligned with u: its axis is the safest fallback for a second direction. */
function leastAligned(u: Float32Array): number {
  let best = 0;
  for (let k = 1; k < u.length; k++) if (Math.abs(u[k] as number) < Math.abs(u[best] as number)) best = k;
  return best;
}

/** The mean inner-loop displacement θ′ − θ over the shown tasks. */
function meanDisplacement(walk: MetaStepWalkBase): Float32Array {
  const p = walk.theta.length;
  const d = new Float32Array(p);
  const ends = walk.adapted.map((path) => path[path.length - 1]).filter((x): x is Float32Array => !!x);
  for (const end of ends)
    for (let k = 0; k < p; k++) d[k] = (d[k] as number) + ((end[k] as number) - (walk.theta[k] as number));
  if (ends.length > 0) for (let k = 0; k < p; k++) d[k] = (d[k] as number) / ends.length;
  return d;
}

const negated = (v: Float32Array) => v.map((x) => -x);

/** The plane through θ spanned by the step's descent direction and a second direction (see above). */
export function walkPlane(walk: MetaStepWalkBase): WalkPlane {
  const p = walk.theta.length;
  const second =
    walk.firstOrder !== null
      ? { v: negated(walk.firstOrder), name: 'first-order −g₁ (orthogonal part)' }
      : { v: meanDisplacement(walk), name: 'mean inner-loop move θ′ − θ (orthogonal part)' };
  const descent = walk.algo === 'reptile' ? 'Reptile direction −(θ − mean θ′)' : 'descent direction −g';
  const d1 = orthonormal(negated(walk.gradient), null) ?? orthonormal(second.v, null) ?? axis(p, 0);
  let d2 = orthonormal(second.v, d1);
  let second2 = second.name;
  if (!d2) {
    d2 = orthonormal(axis(p, leastAligned(d1)), d1) ?? axis(p, (leastAligned(d1) + 1) % p);
    second2 = 'a coordinate axis (no second direction)';
  }
  return { origin: Float32Array.from(walk.theta), d1, d2, axes: [descent, second2] };
}

/** A point θ-like [P] in the plane. */
export function onWalkPlane(plane: WalkPlane, point: ArrayLike<number>): [number, number] {
  return projectPoint(plane, point);
}

/** A direction's components along the plane's axes (its projection, not a point). */
export function alongWalkPlane(plane: WalkPlane, dir: ArrayLike<number>): [number, number] {
  return [dot(dir, plane.d1), dot(dir, plane.d2)];
}

/** The arrows of the gradient phase: −g, and for MAML −g₁ and the second-order correction −(g − g₁). */
export function walkArrows(plane: WalkPlane, walk: MetaStepWalkBase): WalkArrow[] {
  const arrow = (name: WalkArrow['name'], v: Float32Array): WalkArrow => {
    const [a, b] = alongWalkPlane(plane, v);
    return { name, tip: [-a, -b], norm: Math.sqrt(dot(v, v)) };
  };
  const out = [arrow('gradient', walk.gradient)];
  if (walk.firstOrder) out.push(arrow('firstOrder', walk.firstOrder));
  if (walk.correction) out.push(arrow('correction', walk.correction));
  return out;
}

/** The shown tasks' inner-loop paths in the plane: [shown][inner + 1] points, θ first. */
export function walkPaths(plane: WalkPlane, walk: MetaStepWalkBase): [number, number][][] {
  return walk.adapted.map((path) => path.map((theta) => onWalkPlane(plane, theta)));
}
