import type { PointBatch } from '../../engines/batch';

/** A meta-batch of 1-D regression tasks: the engines' point batch and what generated each task. */
export interface RegressionBatch extends PointBatch {
  /** per-task generating parameters (family specific, e.g. amplitude and phase), [T*paramsPerTask] */
  taskParams: Float32Array;
}

export interface RegressionFamily {
  readonly name: string;
  /** input range used for plots and sampling */
  readonly xRange: readonly [number, number];
  /** the largest |y| a task of this family reaches on xRange (the task view's y range) */
  readonly yBound: number;
  readonly paramsPerTask: number;
  /** the distribution in one line, e.g. "A ∈ [0.1, 5], φ ∈ [0, π], ω ∈ 1, x ∈ [-5, 5]" */
  readonly range?: string;
  /** sample a whole meta-batch in one call */
  sampleBatch(
    rng: import('../../random').Rng,
    tasks: number,
    support: number,
    query: number,
  ): RegressionBatch;
  /**
   * a meta-batch of the tasks held out from meta-training, where the family keeps such tasks
   * apart (evaluation draws from it instead of sampleBatch)
   */
  sampleHeldOut?(
    rng: import('../../random').Rng,
    tasks: number,
    support: number,
    query: number,
  ): RegressionBatch;
  /** the true function of a task at x */
  truth(taskParams: ArrayLike<number>, offset: number, x: number): number;
  /** one-line description of a task for the UI */
  describe(taskParams: ArrayLike<number>, offset: number): string;
}

/**
 * Points on the task view's x grid: the worker predicts there and the page draws the true curve
 * there. 120 points are under 3 px apart on a panel (smooth for every family, |x|'s kink included)
 * and keep the three fans of 11 curves a light redraw.
 */
export const VIEW_GRID_POINTS = 120;

/** The task view's x grid over a family's input range. */
export function viewGrid(xRange: readonly [number, number]): Float32Array {
  const [x0, x1] = xRange;
  return Float32Array.from(
    { length: VIEW_GRID_POINTS },
    (_, i) => x0 + ((x1 - x0) * i) / (VIEW_GRID_POINTS - 1),
  );
}
