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
  /** query MSE of each task after 0..steps inner steps, [tasks, steps + 1] */
  losses: Float32Array;
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
  paths: ThetaPaths;
  /** the same tasks adapted from the random initialisation (only when asked for) */
  random: ThetaPaths | null;
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
  /** what the parameter-space view shows: whose trajectory, and the random initialisation's paths */
  | { kind: 'thetaView'; subject: ThetaSubject; random: boolean }
  /** compute the loss landscape around the current θ (a resolution × resolution grid) */
  | { kind: 'landscape'; id: number; resolution: number }
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
      /**
       * auto mode: the backend this measurement chose (training moved there, θ, moments, step and
       * curves kept) and the backends whose rate is only an upper bound (a step did not finish in time)
       */
      choice: { winner: BackendName; bounded: BackendName[] } | null;
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
  | ({ kind: 'theta' } & ThetaReport)
  | { kind: 'landscapeProgress'; id: number; done: number; total: number }
  | ({ kind: 'landscape' } & LandscapeReport)
  | { kind: 'notice'; level: 'info' | 'warning'; message: string }
  | { kind: 'error'; message: string; fatal: boolean };

/** The buffers of a message that can be transferred instead of copied. */
export function transferablesOf(msg: FromWorker): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: Float32Array | Float64Array | null | undefined) => {
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
    case 'theta':
      add(msg.steps);
      add(msg.coords);
      add(msg.taskParams);
      for (const p of [msg.paths, msg.random]) {
        add(p?.coords);
        add(p?.losses);
      }
      break;
    case 'landscape':
      for (const a of [msg.x, msg.y, msg.pre, msg.post, msg.coords]) add(a);
      break;
    default:
      break;
  }
  return out;
}
