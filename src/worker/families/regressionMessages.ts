/**
 * The regression families' part of the worker protocol: the task view's task and its fans, the
 * live evaluation, and the first-order vs second-order comparison.
 */
import type { OrderComparison } from '../../core/meta/orderCompare';
import type { MetaStepWalk } from '../../core/meta/walkthrough';
import type { WalkArrow } from '../../core/meta/walkPlane';
import type { BackendName, MethodName } from '../protocol';

/** A task shown in the task view: its generating parameters and the support set being adapted on. */
export interface ViewTask {
  /** id chosen by the page, echoed back with the predictions so stale answers can be dropped */
  id: number;
  /** family parameters (sinusoid: amplitude, phase) */
  params: Float32Array;
  xs: Float32Array;
  ys: Float32Array;
  /** inner steps to show: predictions after 0..steps steps */
  steps: number;
}

export interface EvalCurveData {
  mse: number[];
  ci95: number[];
}

/**
 * One meta-step, phase by phase, as the page shows it: the core's walk (src/core/meta/walkthrough.ts)
 * without its θ-sized vectors, which are sent projected on the walk's plane instead.
 */
export interface WalkReport extends Omit<
  MetaStepWalk,
  'theta' | 'adapted' | 'gradient' | 'firstOrder' | 'correction' | 'alphaGradient'
> {
  /** echoes the page's request */
  id: number;
  plane: {
    /** what the plane's two axes are */
    axes: [string, string];
    /** the shown tasks' inner-loop paths θ → θ′ᵢ, [shown][inner + 1] points, θ at the origin */
    paths: [number, number][][];
    /** −g (and for MAML −g₁ and the correction) projected, in gradient units */
    arrows: WalkArrow[];
  };
}

export type RegressionRequest =
  /** the task view shows this task now: predict on it after 0..steps inner steps */
  | { kind: 'task'; task: ViewTask }
  /** compute the next meta-step's phases (training is paused), `shown` tasks in detail */
  | { kind: 'walk'; id: number; shown: number }
  /** the page asked for the walk's update as a plain step: report θ's move once the run is at `step` */
  | { kind: 'walkUpdate'; id: number; step: number }
  | { kind: 'walkCancel' };

export type RegressionReply =
  | {
      kind: 'predictions';
      taskId: number;
      step: number;
      /** x grid [G] */
      grid: Float32Array;
      steps: number;
      /** per method: predictions after 0..steps inner steps, [steps + 1, G] row-major */
      fans: Record<MethodName, Float32Array>;
    }
  | {
      kind: 'eval';
      step: number;
      /** tasks asked for, and tasks used (fewer for large networks, to bound memory) */
      requested: number;
      tasks: number;
      k: number;
      /** inner steps used during meta-training when this was measured */
      inner: number;
      /** the backend that evaluated (wasm beside WebGPU training, else the training backend) */
      computedOn: BackendName;
      curves: Record<MethodName, EvalCurveData>;
    }
  | {
      /** second-order vs first-order MAML vs Reptile at θ of `step`, on a fixed held-out batch */
      kind: 'orders';
      step: number;
      comparison: OrderComparison;
      /** one line each for a reader: the Hessian term's effect, the Reptile direction */
      reading: string;
      reptile: string;
    }
  | { kind: 'walk'; walk: WalkReport }
  | { kind: 'walkFailed'; id: number; reason: string }
  | {
      /** the walk's update was applied (a plain step): θ's move in the walk's plane */
      kind: 'walkUpdated';
      id: number;
      step: number;
      move: [number, number];
      /** |θ_after − θ_before| over all parameters */
      moveNorm: number;
    };

export function regressionTransferables(reply: { kind: string }): ArrayBuffer[] {
  if (reply.kind !== 'predictions') return [];
  const r = reply as Extract<RegressionReply, { kind: 'predictions' }>;
  return [r.grid, ...Object.values(r.fans)].map((a) => a.buffer).filter((b) => b instanceof ArrayBuffer);
}
