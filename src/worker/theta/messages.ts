/** The parameter-space (θ) view's reports: trajectories, inner-loop paths, loss landscapes. */

/** Whose θ the parameter-space view follows: the meta-learner's or the pretrained baseline's. */
export const SUBJECTS = ['maml', 'pretrained'] as const;
export type ThetaSubject = (typeof SUBJECTS)[number];

/** Inner-loop paths θ → θ′ᵢ of the displayed tasks, projected on the view's plane. */
export interface ThetaPaths {
  /** where the paths start, in the plane */
  start: [number, number];
  tasks: number;
  /** inner steps; each path has steps + 1 points */
  steps: number;
  /** task-major [tasks, steps + 1, 2] */
  coords: Float32Array;
  /** query loss of each task after 0..steps inner steps (the family's loss: MSE, cross-entropy), [tasks, steps + 1] */
  losses: Float32Array;
}

/**
 * The learned inner learning rates beside θ (MAML++'s per step and tensor, Meta-SGD's per tensor),
 * with the α they started from.
 */
export interface InnerRatesReport {
  algo: 'mamlpp' | 'metasgd';
  /** parameter tensors in θ's order, as the chart labels them ("W1", "b1", …) */
  tensors: string[];
  /** inner steps with a row (MAML++: the run's inner steps; Meta-SGD: 1, its α serves every step) */
  steps: number;
  /** [steps × tensors] row-major: MAML++'s rate, or Meta-SGD's mean α over the tensor */
  values: Float32Array;
  /** Meta-SGD: the smallest and largest α of each tensor [tensors] (MAML++: null) */
  low: Float32Array | null;
  high: Float32Array | null;
  /** the α every rate started from */
  initial: number;
}

/** The trajectory of θ projected on its two leading principal components, with the paths. */
export interface ThetaReport {
  subject: ThetaSubject;
  /** the run's step when this was measured */
  step: number;
  numParams: number;
  /** snapshots S, their step numbers [S] and plane coordinates interleaved [a₀, b₀, a₁, …] */
  count: number;
  steps: Float64Array;
  coords: Float32Array;
  /** steps between snapshots now (it doubles each time the bounded history is thinned) */
  interval: number;
  /** share of the trajectory's variance along PC1 and PC2 */
  explained: [number, number];
  /** how many of the two axes are principal components (fewer for a line or a point) */
  rank: number;
  /** the current θ in the plane */
  current: [number, number];
  /** how θ adapts: the inner learning rate in words (Meta-SGD: its learned vector) */
  rate: string;
  /** inner steps θ is meta-trained with (marked on the paths) */
  trainedSteps: number;
  /**
   * Displayed tasks: first the task view's task (`viewTaskId`, evaluated on its true curve), then
   * fixed tasks of the seed. Parameters [tasks · paramsPerTask].
   */
  viewTaskId: number | null;
  taskParams: Float32Array;
  paramsPerTask: number;
  /** the displayed tasks in words, where their parameters say little (a classifier's tasks: their classes) */
  taskNames?: string[];
  paths: ThetaPaths;
  /** the same tasks adapted from the random initialisation (only when asked for) */
  random: ThetaPaths | null;
  /** the meta-learner's learned inner rates (null: it learns none, or the baseline is shown) */
  rates: InnerRatesReport | null;
}

/** The loss on a grid over the plane around θ: plain loss and meta-objective. */
export interface LandscapeReport {
  id: number;
  subject: ThetaSubject;
  step: number;
  resolution: number;
  /** plane coordinates of the grid columns (PC1) and rows (PC2) */
  x: Float32Array;
  y: Float32Array;
  /** row-major [resolution (PC2), resolution (PC1)] */
  pre: Float32Array;
  post: Float32Array;
  /** inner steps of the meta-objective, the tasks it averages over and their support size */
  innerSteps: number;
  tasks: number;
  k: number;
  rate: string;
  /** θ (the grid's centre) and the trajectory at the time, in the landscape's plane */
  centre: [number, number];
  coords: Float32Array;
  explained: [number, number];
}
