/**
 * The regression families' part of the worker protocol: the task view's task and its fans, the
 * live evaluation, and (shared, metaStepMessages.ts) the walk-through and the first-order vs
 * second-order comparison.
 */
import type { BackendName, MethodName } from '../protocol';
import type { MetaStepReply, MetaStepRequest } from './metaStepMessages';

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

export type RegressionRequest =
  /** the task view shows this task now: predict on it after 0..steps inner steps */
  | { kind: 'task'; task: ViewTask }
  /** the walk-through's requests */
  | MetaStepRequest;

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
      /** the same on the test distribution, where the config's differs from meta-training's (its range in words) */
      test?: { range: string; curves: Record<MethodName, EvalCurveData> };
    }
  /** the walk-through's replies and the first-order vs second-order comparison */
  | MetaStepReply;

export function regressionTransferables(reply: { kind: string }): ArrayBuffer[] {
  if (reply.kind !== 'predictions') return [];
  const r = reply as Extract<RegressionReply, { kind: 'predictions' }>;
  return [r.grid, ...Object.values(r.fans)].map((a) => a.buffer).filter((b) => b instanceof ArrayBuffer);
}
