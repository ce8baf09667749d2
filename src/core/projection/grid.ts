import * as tf from '@tensorflow/tfjs';
import { projectPoint, type PlaneBasis } from './pca';

/**
 * What a host needs of a loss landscape in progress, whatever the family: the grid's plane
 * coordinates, the two loss grids (NaN until computed) and chunk-at-a-time computation.
 * `LossLandscape` (the MLP's) and `GridLandscape` (any model) both fit it.
 */
export interface LandscapeGrid {
  readonly resolution: number;
  readonly chunkCount: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly pre: Float32Array;
  readonly post: Float32Array;
  computeChunkAsync(c: number): Promise<void>;
  dispose(): void;
}

/**
 * Chunk `c` of a row-major n × n grid (n = the offsets' length): its first index, its size g and
 * its points' plane offsets [g, 2] interleaved (a along the columns, b along the rows). Shared by
 * every landscape that computes its grid a chunk at a time.
 */
export function chunkPoints(
  c: number,
  chunkSize: number,
  offsetsA: Float32Array,
  offsetsB: Float32Array,
): { start: number; g: number; ab: Float32Array } {
  const n = offsetsA.length;
  const start = c * chunkSize;
  const g = Math.min(chunkSize, n * n - start);
  const ab = new Float32Array(2 * g);
  for (let k = 0; k < g; k++) {
    ab[2 * k] = offsetsA[(start + k) % n] as number;
    ab[2 * k + 1] = offsetsB[Math.floor((start + k) / n)] as number;
  }
  return { start, g, ab };
}

/**
 * Losses at a stack of parameter rows θ_g [G, P]: [2, G], row 0 the plain loss, row 1 the
 * meta-objective (the family decides what both mean and on which fixed tasks).
 */
export type GridLosses = (thetas: tf.Tensor2D) => tf.Tensor2D;

/** A grid's axes around θ on the plane: its offsets, their plane coordinates, and empty losses. */
export interface GridAxes {
  resolution: number;
  /** offsets a (and b) from θ along d1 (and d2), `span` each side */
  offsets: Float32Array;
  x: Float32Array;
  y: Float32Array;
  /** NaN until a grid point is computed */
  pre: Float32Array;
  post: Float32Array;
}

export function gridAxes(spec: {
  basis: PlaneBasis;
  centre: Float32Array;
  span: number;
  resolution: number;
}): GridAxes {
  const n = Math.max(1, Math.floor(spec.resolution));
  const offsets = Float32Array.from({ length: n }, (_, i) =>
    n === 1 ? 0 : spec.span * ((2 * i) / (n - 1) - 1),
  );
  const [cx, cy] = projectPoint(spec.basis, spec.centre);
  return {
    resolution: n,
    offsets,
    x: offsets.map((a) => cx + a),
    y: offsets.map((b) => cy + b),
    pre: new Float32Array(n * n).fill(NaN),
    post: new Float32Array(n * n).fill(NaN),
  };
}

export interface GridSpec {
  basis: PlaneBasis;
  /** θ at the middle of the grid [P] */
  centre: Float32Array;
  /** half-width of the grid along d1 and d2 */
  span: number;
  /** grid points per side (odd keeps the centre on the grid) */
  resolution: number;
  /** grid points per chunk */
  chunkSize: number;
  losses: GridLosses;
  /** frees what `losses` holds (its fixed batch), once the grid is done or cancelled */
  release?: () => void;
}

/**
 * A loss landscape over the plane around θ for any model: grid point θ(a, b) = θ + a·d1 + b·d2,
 * `chunkSize` points at a time through the family's `losses`. The same grid as `LossLandscape`
 * (centre exactly on the middle point of an odd grid), without its MLP-specific batching.
 */
export class GridLandscape implements LandscapeGrid {
  readonly resolution: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  readonly offsets: Float32Array;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly pre: Float32Array;
  readonly post: Float32Array;
  private readonly centre: tf.Tensor2D;
  private readonly dirs: tf.Tensor2D;
  private readonly losses: GridLosses;
  private readonly release: (() => void) | undefined;
  private disposed = false;

  constructor(spec: GridSpec) {
    const p = spec.centre.length;
    if (spec.basis.origin.length !== p)
      throw new Error(`the plane has ${spec.basis.origin.length} parameters, θ ${p}`);
    const axes = gridAxes(spec);
    const n = axes.resolution;
    this.resolution = n;
    this.chunkSize = Math.max(1, Math.min(n * n, Math.floor(spec.chunkSize)));
    this.chunkCount = Math.ceil((n * n) / this.chunkSize);
    this.offsets = axes.offsets;
    this.x = axes.x;
    this.y = axes.y;
    this.pre = axes.pre;
    this.post = axes.post;
    const both = new Float32Array(2 * p);
    both.set(spec.basis.d1);
    both.set(spec.basis.d2, p);
    this.centre = tf.tensor2d(spec.centre, [1, p]);
    this.dirs = tf.tensor2d(both, [2, p]);
    this.losses = spec.losses;
    this.release = spec.release;
  }

  async computeChunkAsync(c: number): Promise<void> {
    if (this.disposed) throw new Error('landscape disposed');
    if (!(c >= 0 && c < this.chunkCount)) throw new RangeError(`chunk ${c} of ${this.chunkCount}`);
    const { start, g, ab } = chunkPoints(c, this.chunkSize, this.offsets, this.offsets);
    const out = tf.tidy(() =>
      this.losses(tf.add(this.centre, tf.matMul(tf.tensor2d(ab, [g, 2]), this.dirs)) as tf.Tensor2D),
    );
    try {
      const values = await out.data();
      for (let k = 0; k < g; k++) {
        this.pre[start + k] = values[k] as number;
        this.post[start + k] = values[g + k] as number;
      }
    } finally {
      out.dispose();
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose([this.centre, this.dirs]);
    this.release?.();
  }
}
