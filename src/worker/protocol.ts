/**
 * Messages between the page and the training worker: one discriminated union each way, so a
 * message the other side does not understand is a compile error, not a silent no-op.
 * Large numeric payloads are Float32Arrays sent as transferables (see `transferablesOf`).
 */
import type { Experiment } from '../core/experiment';

export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
/** what the page asks for: a specific backend, or the best one available */
export type BackendRequest = BackendName | 'auto';

/** The candidates, best first: a forced backend, then the ones below it. */
export function candidates(request: BackendRequest): BackendName[] {
  if (request === 'auto') return [...BACKENDS];
  return BACKENDS.slice(BACKENDS.indexOf(request));
}

/** The three initialisations the page compares. */
export const METHODS = ['maml', 'pretrained', 'random'] as const;
export type MethodName = (typeof METHODS)[number];

/** Everything needed to continue a run somewhere else (another worker, another browser). */
export interface Snapshot {
  step: number;
  /** the meta-learned initialisation θ [P] */
  theta: Float32Array;
  /** the pretrained baseline's θ [P] (absent when the baseline is off) */
  pretrained: Float32Array | null;
  /** Meta-SGD's learned per-parameter inner learning rate [P] */
  alpha: Float32Array | null;
}

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

export type ToWorker =
  | {
      kind: 'init';
      config: Experiment;
      backend: BackendRequest;
      /** same-origin folder holding tfjs-backend-wasm's .wasm files */
      wasmPath: string;
      /** resume from here instead of the seed's initialisation */
      resume: Snapshot | null;
      /** meta-train to this step, then pause (replaying a share link) */
      replayTo: number | null;
      task: ViewTask;
      /** number of tasks in the live evaluation */
      evalTasks: number;
    }
  | { kind: 'play' }
  | { kind: 'pause' }
  | { kind: 'step' }
  | { kind: 'reset' }
  | { kind: 'config'; config: Experiment }
  | { kind: 'task'; task: ViewTask }
  | { kind: 'evaluate'; tasks: number }
  | { kind: 'snapshot'; requestId: number }
  /** test hook: throw inside the worker to exercise the restart path */
  | { kind: 'crash' };

export interface EvalCurveData {
  mse: number[];
  ci95: number[];
}

export type FromWorker =
  | {
      kind: 'ready';
      backend: BackendName;
      requested: BackendRequest;
      /** why the requested backend was not the one obtained, if it was not */
      fallback: string | null;
      numParams: number;
      step: number;
    }
  | {
      kind: 'benchmark';
      /** meta-steps per second measured on each backend for the current model */
      rates: Partial<Record<BackendName, number>>;
    }
  | {
      kind: 'progress';
      step: number;
      running: boolean;
      stepsPerSec: number;
      /** training time in ms (only while running) */
      elapsedMs: number;
      /** meta-losses of the steps since the last report, the last one being `step` */
      losses: Float32Array;
      /** the pretrained baseline's joint-regression losses for the same steps */
      pretrainedLosses: Float32Array | null;
      /** replaying a share link: the step it stops at */
      replayTo: number | null;
      /** tensors alive in the worker (steady while training; growth would be a leak) */
      tensors: number;
    }
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
  | { kind: 'snapshot'; requestId: number | null; snapshot: Snapshot }
  | {
      /** the run went back to `step` (0: a fresh run): drop every curve point after it */
      kind: 'rewind';
      step: number;
      reason: string | null;
    }
  | {
      kind: 'diverged';
      /** step whose loss was not finite */
      step: number;
      /** the step whose θ was restored */
      restoredStep: number;
      message: string;
    }
  | { kind: 'notice'; level: 'info' | 'warning'; message: string }
  | { kind: 'error'; message: string; fatal: boolean };

/** The buffers of a message that can be transferred instead of copied. */
export function transferablesOf(msg: FromWorker): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: Float32Array | null | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  };
  switch (msg.kind) {
    case 'progress':
      add(msg.losses);
      add(msg.pretrainedLosses);
      break;
    case 'predictions':
      add(msg.grid);
      for (const m of METHODS) add(msg.fans[m]);
      break;
    case 'snapshot':
      add(msg.snapshot.theta);
      add(msg.snapshot.pretrained);
      add(msg.snapshot.alpha);
      break;
    default:
      break;
  }
  return out;
}
