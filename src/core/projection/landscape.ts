import * as tf from '@tensorflow/tfjs';
import { innerStep, splitRate, type InnerRate, type StepRates } from '../meta/innerLoop';
import type { BatchTensors } from '../meta/learners';
import { taskMse, type Mlp, type Params } from '../models/mlp';
import { projectPoint, type Plane, type PlaneBasis } from './pca';
import { chunkPoints } from './grid';

/**
 * The loss landscape on the plane around a centre θ: at each grid point
 * θ(a, b) = θ + a·d1 + b·d2 it evaluates, on one fixed batch of tasks,
 *  - pre:  the plain loss without adaptation, the MSE over all support and query points
 *          (what the pretrained baseline minimises), and
 *  - post: the meta-objective, the mean query MSE after `steps` inner SGD steps per task
 *          (what MAML minimises; `MetaLearner.metaLoss` at the centre).
 *
 * The work is split into chunks of grid points so a host can interleave it with training. Within
 * a chunk everything is one batched computation: the grid points are stacked as rows θ_g [G, P]
 * (one matMul from the offsets), the plain loss treats each grid point as a "task" of the MLP, and
 * the meta-objective treats each (grid point, task) pair as a task [G·T, P] of the core's batched
 * inner loop. Since d1, d2 are unit vectors, θ(a, b) projects to centre's coordinates + (a, b).
 */
export interface LandscapeSpec {
  model: Mlp;
  /** the plane's directions (a Plane works); only d1 and d2 are used for the grid */
  basis: PlaneBasis;
  /** θ at the middle of the grid [P] */
  centre: tf.Tensor | Float32Array;
  /** the fixed tasks: support [T, K, 1], query [T, Q, 1]; copied, the caller keeps ownership */
  batch: BatchTensors;
  /** inner learning rate (Meta-SGD: its learned vector [P]; MAML++: one per step; copied) */
  rate: InnerRate | StepRates;
  /** inner steps of the meta-objective */
  steps: number;
  /** half-width of the grid along d1 and d2 (one number: a square grid) */
  span: number | readonly [number, number];
  /** grid points per side (default 25; odd keeps the centre on the grid) */
  resolution?: number;
  /** grid points per chunk (default: about 256 adapted tasks per chunk) */
  chunkSize?: number;
}

export class LossLandscape {
  readonly resolution: number;
  readonly chunkSize: number;
  readonly chunkCount: number;
  /** offsets along d1 (columns) and d2 (rows) from the centre */
  readonly offsetsA: Float32Array;
  readonly offsetsB: Float32Array;
  /** the centre's coordinates in the plane */
  readonly centreCoords: [number, number];
  /** plane coordinates of the grid columns (d1) and rows (d2): centre's + offsets */
  readonly x: Float32Array;
  readonly y: Float32Array;
  /** losses, row-major [resolution (d2), resolution (d1)]: value (x[i], y[j]) at j·resolution + i; NaN until computed */
  readonly pre: Float32Array;
  readonly post: Float32Array;

  private readonly model: Mlp;
  private readonly steps: number;
  private readonly tasks: number;
  private readonly rate: InnerRate | StepRates;
  private readonly centre: tf.Tensor2D;
  private readonly dirs: tf.Tensor2D;
  /** support and query tiled for a full chunk [chunk·T, K|Q, 1] */
  private readonly tiled: BatchTensors;
  /** all points of all tasks for the plain loss, tiled per grid point [chunk, T·(K+Q), 1] */
  private readonly plainX: tf.Tensor3D;
  private readonly plainY: tf.Tensor3D;
  private readonly computed: boolean[];
  private cursor = 0;
  private disposed = false;

  constructor(spec: LandscapeSpec) {
    const { model, basis, batch } = spec;
    const p = model.numParams;
    if (basis.origin.length !== p)
      throw new Error(`the plane has ${basis.origin.length} parameters, the model ${p}`);
    const n = Math.floor(spec.resolution ?? 25);
    if (!(n >= 1)) throw new Error('landscape resolution must be at least 1');
    const [spanA, spanB] = typeof spec.span === 'number' ? [spec.span, spec.span] : spec.span;
    if (!(spanA >= 0 && spanB >= 0)) throw new Error('landscape span must be non-negative');
    const t = batch.xs.shape[0];
    this.model = model;
    this.steps = spec.steps;
    this.tasks = t;
    this.resolution = n;
    this.chunkSize = Math.max(1, Math.min(n * n, Math.floor(spec.chunkSize ?? Math.max(1, 256 / t))));
    this.chunkCount = Math.ceil((n * n) / this.chunkSize);
    // i/(n−1)·2 − 1 is exactly 0 at the middle of an odd grid, so the centre is θ itself
    const grid = (span: number) =>
      Float32Array.from({ length: n }, (_, i) => (n === 1 ? 0 : span * ((2 * i) / (n - 1) - 1)));
    this.offsetsA = grid(spanA);
    this.offsetsB = grid(spanB);
    const centre =
      spec.centre instanceof Float32Array ? spec.centre : (spec.centre.dataSync() as Float32Array);
    this.centreCoords = projectPoint(basis, centre);
    this.x = this.offsetsA.map((a) => this.centreCoords[0] + a);
    this.y = this.offsetsB.map((b) => this.centreCoords[1] + b);
    this.pre = new Float32Array(n * n).fill(NaN);
    this.post = new Float32Array(n * n).fill(NaN);
    this.computed = new Array<boolean>(this.chunkCount).fill(false);

    const g = this.chunkSize;
    const both = new Float32Array(2 * p);
    both.set(basis.d1);
    both.set(basis.d2, p);
    this.centre = tf.tensor2d(centre, [1, p]);
    this.dirs = tf.tensor2d(both, [2, p]);
    this.rate = copyRate(spec.rate);
    this.tiled = tf.tidy(() => ({
      xs: tf.tile(batch.xs, [g, 1, 1]),
      ys: tf.tile(batch.ys, [g, 1, 1]),
      xq: tf.tile(batch.xq, [g, 1, 1]),
      yq: tf.tile(batch.yq, [g, 1, 1]),
    }));
    const pool = (s: tf.Tensor3D, q: tf.Tensor3D) =>
      tf.tile(tf.reshape(tf.concat([tf.reshape(s, [-1]), tf.reshape(q, [-1])]), [1, -1, 1]), [g, 1, 1]);
    this.plainX = tf.tidy(() => pool(batch.xs, batch.xq)) as tf.Tensor3D;
    this.plainY = tf.tidy(() => pool(batch.ys, batch.yq)) as tf.Tensor3D;
  }

  /** chunks computed so far, as a fraction */
  get progress(): number {
    return this.computed.filter(Boolean).length / this.chunkCount;
  }

  get done(): boolean {
    return this.computed.every(Boolean);
  }

  /** Compute chunk c (grid points c·chunkSize …) synchronously; a no-op if already done. */
  computeChunk(c: number): void {
    if (this.computed[c]) return;
    const out = this.chunkTensor(c);
    const values = out.dataSync();
    out.dispose();
    this.store(c, values);
  }

  /** The same, reading the result back asynchronously (frees the thread on GPU backends). */
  async computeChunkAsync(c: number): Promise<void> {
    if (this.computed[c]) return;
    const out = this.chunkTensor(c);
    try {
      this.store(c, await out.data());
    } finally {
      out.dispose();
    }
  }

  /** Compute the next pending chunk; returns true once the whole grid is done. */
  next(): boolean {
    while (this.cursor < this.chunkCount && this.computed[this.cursor]) this.cursor++;
    if (this.cursor < this.chunkCount) this.computeChunk(this.cursor);
    return this.done;
  }

  /** Compute every remaining chunk (tests, the CLI). */
  computeAll(): this {
    while (!this.next());
    return this;
  }

  /** Free the tensors the landscape holds; the computed arrays stay valid. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { xs, ys, xq, yq } = this.tiled;
    tf.dispose([this.centre, this.dirs, this.plainX, this.plainY, xs, ys, xq, yq]);
    tf.dispose(rateTensors(this.rate));
  }

  /** [2, G]: row 0 the plain loss, row 1 the meta-objective of the chunk's grid points. */
  private chunkTensor(c: number): tf.Tensor2D {
    if (this.disposed) throw new Error('landscape disposed');
    if (!(c >= 0 && c < this.chunkCount)) throw new RangeError(`chunk ${c} of ${this.chunkCount}`);
    const { g, ab } = chunkPoints(c, this.chunkSize, this.offsetsA, this.offsetsB);
    const { model, tasks: t } = this;
    const full = g === this.chunkSize;
    const rows = (x: tf.Tensor3D, count: number) => (full ? x : tf.slice(x, 0, count));
    return tf.tidy(() => {
      const thetas = tf.add(this.centre, tf.matMul(tf.tensor2d(ab, [g, 2]), this.dirs)) as tf.Tensor2D;

      const pred = model.predict(model.unflatten(thetas), rows(this.plainX, g));
      const pre = tf.mean(tf.squaredDifference(pred, rows(this.plainY, g)), [1, 2]);

      const perTask = tf.reshape(tf.tile(tf.expandDims(thetas, 1), [1, t, 1]), [g * t, -1]);
      const xs = rows(this.tiled.xs, g * t);
      const ys = rows(this.tiled.ys, g * t);
      let params: Params = model.unflatten(perTask);
      for (let s = 0; s < this.steps; s++) {
        // keep only the current parameters alive: G·T copies of θ per step add up
        const nextParams = tf.tidy(() => innerStep(model, params, xs, ys, splitRate(model, this.rate, s)));
        tf.dispose(params);
        params = nextParams;
      }
      const query = taskMse(model.predict(params, rows(this.tiled.xq, g * t)), rows(this.tiled.yq, g * t));
      const post = tf.mean(tf.reshape(query, [g, t]), 1);
      return tf.stack([pre, post]) as tf.Tensor2D;
    });
  }

  private store(c: number, values: ArrayLike<number>): void {
    const start = c * this.chunkSize;
    const g = values.length / 2;
    for (let k = 0; k < g; k++) {
      this.pre[start + k] = values[k] as number;
      this.post[start + k] = values[g + k] as number;
    }
    this.computed[c] = true;
  }
}

/**
 * A span that frames the trajectory around the centre: the largest distance along either axis
 * from the centre to any snapshot, times `margin` (a square grid keeps the geometry undistorted).
 * Falls back to `fallback` when the trajectory is a single point.
 */
export function landscapeSpan(
  plane: Plane,
  centre: readonly [number, number],
  margin = 1.25,
  fallback = 1,
): number {
  let far = 0;
  for (let i = 0; i < plane.count; i++) {
    far = Math.max(
      far,
      Math.abs((plane.coords[2 * i] as number) - centre[0]),
      Math.abs((plane.coords[2 * i + 1] as number) - centre[1]),
    );
  }
  const span = far * margin;
  return span > 0 && Number.isFinite(span) ? span : fallback;
}

/** The tensors a rate holds (none for a scalar α). */
function rateTensors(rate: InnerRate | StepRates): tf.Tensor[] {
  if (typeof rate === 'number') return [];
  return rate instanceof tf.Tensor ? [rate] : [...rate.perStep];
}

/** A copy the landscape owns. */
function copyRate(rate: InnerRate | StepRates): InnerRate | StepRates {
  if (typeof rate === 'number') return rate;
  return rate instanceof tf.Tensor ? tf.clone(rate) : { perStep: rate.perStep.map((r) => tf.clone(r)) };
}
