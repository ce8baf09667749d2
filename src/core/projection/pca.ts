import { Rng } from '../random';
import { topEigenpairs } from './eigen';
import type { SnapshotBuffer } from './snapshots';

/**
 * The 2-D plane of the parameter-space view: PCA of the θ trajectory through the S×S snapshot
 * Gram matrix (never a P×P covariance), in plain TypeScript and Float64.
 *
 * Why not tfjs: S is a few hundred and P a few thousand, so the Gram (kept incrementally by the
 * SnapshotBuffer), a top-2 eigen-solve and two S×P products take a few milliseconds on the CPU;
 * tfjs has no symmetric eigen-solver, would run in Float32 (where centring loses the small
 * trajectory variance against ‖θ‖²), and reading a result back from a GPU backend would cost more
 * than the arithmetic. The snapshots already live in JavaScript memory.
 */

/** Origin and two orthonormal directions in parameter space: coordinates = (θ − origin)·dᵢ. */
export interface PlaneBasis {
  origin: Float32Array;
  d1: Float32Array;
  d2: Float32Array;
}

export interface Plane extends PlaneBasis {
  /** parameters P */
  size: number;
  /** share of the snapshots' total variance along d1 and d2 (0 for a fallback direction) */
  explained: [number, number];
  /**
   * How many of d1, d2 are principal components: 2 normally, 1 for a straight-line trajectory,
   * 0 for a single point (or identical snapshots). The others are deterministic random unit
   * directions orthogonal to the rest, so the plane (and a landscape on it) is always defined.
   */
  rank: number;
  /** number of snapshots S */
  count: number;
  /** 2-D coordinates of every snapshot, interleaved [a₀, b₀, a₁, b₁, …] (length 2S) */
  coords: Float32Array;
}

export interface TrajectoryPlane extends Plane {
  /** step number of each snapshot */
  steps: Float64Array;
  /** the buffer's version the plane was computed from */
  version: number;
}

export interface PlaneOptions {
  /**
   * The plane computed last time. Each new direction is flipped to point the same way as the old
   * one (positive dot product) when the two are clearly the same axis (|cos| ≥ 0.5), so the
   * picture does not mirror between recomputations.
   */
  previous?: PlaneBasis | null;
}

/**
 * Sign convention, in order:
 * 1. with `previous`, agree with the previous direction when the axes match (|cos| ≥ 0.5);
 * 2. otherwise the path starts on the negative side: the first snapshot (θ₀ of a trajectory)
 *    gets a negative coordinate, so time runs left to right along PC1 and the path starts in the
 *    lower-left quadrant — a property of the data, stable between recomputations;
 * 3. when the first snapshot sits at ~0 on that axis, the largest-|component| of the direction
 *    is positive.
 */
const ALIGN_COS = 0.5;

/** PCA plane of S snapshots given row-major [S, P]; null when there are none. */
export function pcaPlane(
  snapshots: Float32Array,
  count: number,
  size: number,
  options: PlaneOptions = {},
): Plane | null {
  if (snapshots.length < count * size) throw new Error('snapshot array shorter than count × size');
  return planeFromGram(snapshots, count, size, displacementGram(snapshots, count, size), options);
}

/** PCA plane of a snapshot buffer's trajectory (uses the buffer's incremental Gram). */
export function trajectoryPlane(buffer: SnapshotBuffer, options: PlaneOptions = {}): TrajectoryPlane | null {
  const plane = planeFromGram(buffer.data(), buffer.length, buffer.size, buffer.displacementGram(), options);
  return plane && { ...plane, steps: buffer.steps(), version: buffer.version };
}

/** G[i][j] = (xᵢ − x₀)·(xⱼ − x₀) for row-major snapshots [S, P], in Float64. */
export function displacementGram(snapshots: Float32Array, count: number, size: number): Float64Array {
  const g = new Float64Array(count * count);
  const d = new Float64Array(size);
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < size; k++) d[k] = (snapshots[i * size + k] as number) - (snapshots[k] as number);
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const o = j * size;
      for (let k = 0; k < size; k++)
        s += (d[k] as number) * ((snapshots[o + k] as number) - (snapshots[k] as number));
      g[i * count + j] = s;
      g[j * count + i] = s;
    }
  }
  return g;
}

/**
 * The plane from the displacement Gram: double-centre it (translation does not change the
 * centred Gram), take its top-2 eigenpairs (λ, u), and map back: d = Xcᵀu / √λ.
 */
function planeFromGram(
  x: Float32Array,
  s: number,
  p: number,
  gram: Float64Array,
  options: PlaneOptions,
): Plane | null {
  if (s === 0) return null;
  if (p < 2) throw new Error('a plane needs at least two parameters');
  const mean = new Float64Array(p);
  for (let i = 0; i < s; i++)
    for (let k = 0; k < p; k++) mean[k] = (mean[k] as number) + (x[i * p + k] as number);
  for (let k = 0; k < p; k++) mean[k] = (mean[k] as number) / s;
  const origin = Float32Array.from(mean);

  // Gc = H G H with H = I − 11ᵀ/S
  const rowMean = new Float64Array(s);
  let all = 0;
  for (let i = 0; i < s; i++) {
    let r = 0;
    for (let j = 0; j < s; j++) r += gram[i * s + j] as number;
    rowMean[i] = r / s;
    all += r;
  }
  all /= s * s;
  const gc = new Float64Array(s * s);
  let trace = 0;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      gc[i * s + j] = (gram[i * s + j] as number) - (rowMean[i] as number) - (rowMean[j] as number) + all;
    }
    trace += gc[i * s + i] as number;
  }

  const dirs: Float64Array[] = [];
  const explained: [number, number] = [0, 0];
  if (trace > 0 && s > 1) {
    const eig = topEigenpairs(gc, s, 2);
    for (let k = 0; k < 2; k++) {
      const lambda = eig.values[k] as number;
      // below this the "direction" is rounding noise of identical or collinear snapshots
      if (!(lambda > 1e-12 * trace)) break;
      const d = new Float64Array(p);
      for (let i = 0; i < s; i++) {
        const u = eig.vectors[k * s + i] as number;
        if (u === 0) continue;
        const o = i * p;
        for (let c = 0; c < p; c++)
          d[c] = (d[c] as number) + u * ((x[o + c] as number) - (mean[c] as number));
      }
      if (!orthonormalise(d, dirs, 1e-6 * Math.sqrt(lambda))) break;
      dirs.push(d);
      explained[k] = Math.min(1, lambda / trace);
    }
  }
  const rank = dirs.length;
  const rng = new Rng(0x5eed, 'projection/plane');
  while (dirs.length < 2) {
    const v = Float64Array.from({ length: p }, () => rng.normal());
    if (orthonormalise(v, dirs, 1e-6)) dirs.push(v);
  }

  const d1 = Float32Array.from(dirs[0] as Float64Array);
  const d2 = Float32Array.from(dirs[1] as Float64Array);
  const basis = { origin, d1, d2 };
  const coords = projectRows(basis, x, s);
  const previous = options.previous && options.previous.origin.length === p ? options.previous : null;
  orient(d1, coords, 0, previous?.d1 ?? null);
  orient(d2, coords, 1, previous?.d2 ?? null);
  return { origin, d1, d2, size: p, explained, rank, count: s, coords };
}

/** Flip direction `d` (and its coordinate column) according to the sign convention above. */
function orient(d: Float32Array, coords: Float32Array, axis: number, previous: Float32Array | null): void {
  let sign = 0;
  if (previous) {
    const c = dot(d, previous);
    if (Math.abs(c) >= ALIGN_COS) sign = c > 0 ? 1 : -1;
  }
  if (sign === 0) {
    let spread = 0;
    for (let i = axis; i < coords.length; i += 2) spread = Math.max(spread, Math.abs(coords[i] as number));
    const first = coords[axis] as number;
    if (Math.abs(first) > 1e-3 * spread) sign = first < 0 ? 1 : -1;
  }
  if (sign === 0) {
    let big = 0;
    for (let k = 0; k < d.length; k++) {
      if (Math.abs(d[k] as number) > Math.abs(big)) big = d[k] as number;
    }
    sign = big < 0 ? -1 : 1;
  }
  if (sign > 0) return;
  for (let k = 0; k < d.length; k++) d[k] = -(d[k] as number);
  for (let i = axis; i < coords.length; i += 2) coords[i] = -(coords[i] as number);
}

/** Gram–Schmidt (twice) against unit vectors `basis`, then normalise; false if ‖v‖ ≤ minNorm. */
function orthonormalise(v: Float64Array, basis: Float64Array[], minNorm: number): boolean {
  for (let pass = 0; pass < 2; pass++) {
    for (const b of basis) {
      const c = dot(v, b);
      for (let k = 0; k < v.length; k++) v[k] = (v[k] as number) - c * (b[k] as number);
    }
  }
  const n = Math.sqrt(dot(v, v));
  if (!(n > minNorm) || !Number.isFinite(n)) return false;
  for (let k = 0; k < v.length; k++) v[k] = (v[k] as number) / n;
  return true;
}

/** Coordinates of one θ [P] in the plane: ((θ − origin)·d1, (θ − origin)·d2). */
export function projectPoint(basis: PlaneBasis, theta: ArrayLike<number>): [number, number] {
  const { origin, d1, d2 } = basis;
  if (theta.length !== origin.length)
    throw new Error(`θ has ${theta.length} parameters, the plane ${origin.length}`);
  let a = 0;
  let b = 0;
  for (let k = 0; k < origin.length; k++) {
    const v = (theta[k] as number) - (origin[k] as number);
    a += v * (d1[k] as number);
    b += v * (d2[k] as number);
  }
  return [a, b];
}

/** Coordinates of `count` row-major parameter vectors [count, P], interleaved [a₀, b₀, …]. */
export function projectRows(basis: PlaneBasis, rows: ArrayLike<number>, count?: number): Float32Array {
  const { origin, d1, d2 } = basis;
  const p = origin.length;
  const n = count ?? Math.floor(rows.length / p);
  if (rows.length < n * p) throw new Error('rows shorter than count × P');
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    let b = 0;
    const o = i * p;
    for (let k = 0; k < p; k++) {
      const v = (rows[o + k] as number) - (origin[k] as number);
      a += v * (d1[k] as number);
      b += v * (d2[k] as number);
    }
    out[2 * i] = a;
    out[2 * i + 1] = b;
  }
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}
