/**
 * What the parameter-space view needs of a family's run, whatever the family: the flat θ and its
 * size, the θ tensors it follows, fixed displayed tasks of the seed, the inner-loop paths of those
 * tasks from a θ, and the landscape's two losses around a θ. The regression families implement it
 * with the MLP (`thetaRegression.ts`), the glyph classifier with its conv net
 * (`families/glyphTheta.ts`); `ThetaView` schedules it and knows no family.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../core/experiment';
import type { TrajectoryPlane } from '../../core/projection';
import type { LandscapeGrid } from '../../core/projection/grid';
import type { ThetaPaths, ViewTask } from '../protocol';
import type { PathRate, Subject } from './subject';

/** How a report describes its displayed tasks to the page. */
export interface ShownDescription {
  /** generating parameters [tasks · paramsPerTask], the task view's task first when there is one */
  taskParams: Float32Array;
  paramsPerTask: number;
  /** the tasks in words where parameters say little (a classifier's tasks: their classes) */
  taskNames?: string[];
}

/** A landscape built around θ (no chunk computed yet), with what it averages over. */
export interface LandscapeBuild {
  land: LandscapeGrid;
  tasks: number;
  k: number;
  innerSteps: number;
}

/** S: the family's fixed displayed tasks, opaque to the view. */
export interface ThetaViewModel<S = unknown> {
  readonly numParams: number;
  readonly stepCount: number;
  /** the seed's random initialisation: the random paths start there */
  readonly theta0: Float32Array;
  /** θ reports at most this often while training (ms; slower when they cost more) */
  readonly reportMs: number;
  /** while training, reports take at most this share of the worker's time (default 1/8) */
  readonly reportShare?: number;
  /** the finest landscape grid worth computing for this network */
  readonly maxLandscapeResolution: number;
  /**
   * live tensors: MAML's θ, the pretrained baseline's where it is comparable (same network),
   * Meta-SGD's α, MAML++'s learned rates [LSLR_STEPS × tensors]
   */
  tensors(): {
    maml: tf.Tensor;
    pretrained: tf.Tensor | null;
    alpha: tf.Tensor | null;
    rates?: tf.Tensor | null;
  };
  /** the parameter tensors' lengths in θ's order, where the view can name them (Meta-SGD's α per tensor) */
  tensorSizes?(config: Experiment): readonly number[];
  /**
   * The lengths, in θ's order, of the tensors MAML++'s learned rates cover (one rate per tensor
   * and inner step), so the paths and the landscape adapt with them; null where the run has none.
   */
  lslrSizes?(config: Experiment): readonly number[] | null;
  /** the displayed tasks are sampled again when this changes */
  shownKey(config: Experiment): string;
  /** fixed displayed tasks of the seed, on their own random stream (never the training stream) */
  sampleShown(config: Experiment): S;
  describeShown(shown: S, task: ViewTask | null): ShownDescription;
  /** inner steps of the paths */
  pathSteps(config: Experiment, task: ViewTask | null): number;
  /**
   * The inner-loop paths θ → θ′ᵢ of the task view's task (if any) and the displayed tasks,
   * projected, with each task's query loss after every step. Makes its own tensors from arrays,
   * so it runs on whichever backend the host's inference selected.
   */
  paths(
    plane: TrajectoryPlane,
    theta: Float32Array,
    rate: PathRate,
    shown: S,
    task: ViewTask | null,
    steps: number,
  ): Promise<ThetaPaths>;
  /** the plain loss and the meta-objective on a grid around the subject's θ, on a fixed batch */
  landscape(config: Experiment, subject: Subject, plane: TrajectoryPlane, resolution: number): LandscapeBuild;
}
