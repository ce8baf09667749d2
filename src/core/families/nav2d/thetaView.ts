/**
 * The parameter-space view of a navigation policy θ, with cost = −average return (lower is
 * better, like the other families' losses): the inner-loop paths θ → θ′ᵢ of a few fixed goals
 * (each step on trajectories sampled at the current θ′ᵢ), and a landscape whose grid points each
 * sample the landscape goals' trajectories, take one inner step and sample again. Every random
 * number comes from the caller's Rng.
 */
import * as tf from '@tensorflow/tfjs';
import { chunkPoints, gridAxes, type LandscapeGrid } from '../../projection/grid';
import type { PlaneBasis } from '../../projection/pca';
import { projectTensor } from '../../projection/paths';
import type { Rng } from '../../random';
import { adaptationReturns, disposeBatch, sampleBatch, type PgSettings } from './iteration';
import { pgInnerStep } from './metaGradient';
import { perTask } from './policy';
import { readAsync, type Reading } from './reads';

/** Paths of the goals [T·2] from θ: coordinates [T, steps + 1, 2] and costs [T, steps + 1]. */
export function* policyPaths(
  plane: PlaneBasis,
  theta: tf.Tensor1D,
  goals: Float32Array,
  steps: number,
  s: PgSettings,
  rng: Rng,
): Reading<{ coords: Float32Array; costs: Float32Array }> {
  const tasks = goals.length / 2;
  const coords = new Float32Array(tasks * (steps + 1) * 2);
  const costs = new Float32Array(tasks * (steps + 1));
  let params = tf.tidy(() => perTask(theta, tasks).clone());
  try {
    for (let k = 0; k <= steps; k++) {
      const at = projectTensor(plane, params);
      const [xy] = yield [at];
      at.dispose();
      const got = yield* sampleBatch(params, goals, s, rng);
      for (let t = 0; t < tasks; t++) {
        const i = t * (steps + 1) + k;
        costs[i] = -(got.returns[t] as number);
        coords[2 * i] = xy![2 * t] as number;
        coords[2 * i + 1] = xy![2 * t + 1] as number;
      }
      if (k < steps) {
        const p = params;
        params = tf.tidy(() => pgInnerStep(p, s.hidden, got.batch, s.alpha));
        p.dispose();
      }
      disposeBatch(got.batch);
    }
  } finally {
    params.dispose();
  }
  return { coords, costs };
}

export interface PolicyLandscapeSpec {
  basis: PlaneBasis;
  centre: Float32Array;
  span: number;
  resolution: number;
  goals: Float32Array;
  settings: PgSettings;
  /** a fresh stream per grid point: every point sees the same action noise */
  rng: () => Rng;
}

/** A grid over the plane, one point per chunk: cost before and after one inner step. */
export class PolicyLandscape implements LandscapeGrid {
  readonly resolution: number;
  readonly chunkCount: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly pre: Float32Array;
  readonly post: Float32Array;
  private readonly offsets: Float32Array;
  private disposed = false;

  constructor(private readonly spec: PolicyLandscapeSpec) {
    const axes = gridAxes(spec);
    this.resolution = axes.resolution;
    this.chunkCount = axes.resolution * axes.resolution;
    this.offsets = axes.offsets;
    this.x = axes.x;
    this.y = axes.y;
    this.pre = axes.pre;
    this.post = axes.post;
  }

  async computeChunkAsync(c: number): Promise<void> {
    if (this.disposed) throw new Error('landscape disposed');
    if (!(c >= 0 && c < this.chunkCount)) throw new RangeError(`chunk ${c} of ${this.chunkCount}`);
    const { ab } = chunkPoints(c, 1, this.offsets, this.offsets);
    const { basis, centre, goals, settings } = this.spec;
    const point = centre.map(
      (v, i) => v + (ab[0] as number) * (basis.d1[i] as number) + (ab[1] as number) * (basis.d2[i] as number),
    );
    const theta = tf.tensor1d(point);
    try {
      const r = await readAsync(adaptationReturns(theta, goals, 1, settings, this.spec.rng()));
      const tasks = goals.length / 2;
      let pre = 0;
      let post = 0;
      for (let t = 0; t < tasks; t++) {
        pre -= r[2 * t] as number;
        post -= r[2 * t + 1] as number;
      }
      this.pre[c] = pre / tasks;
      this.post[c] = post / tasks;
    } finally {
      theta.dispose();
    }
  }

  dispose(): void {
    this.disposed = true;
  }
}
