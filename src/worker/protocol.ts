/**
 * Messages between the page and the training worker, for every task family: one discriminated
 * union each way of shared messages (training, backends, snapshots, θ view, evaluation requests),
 * plus a typed family-specific part (`family` requests and replies, see families/*Messages.ts).
 * A message the other side does not understand is a compile error, not a silent no-op. Large
 * numeric payloads are typed arrays sent as transferables (see `transferablesOf`).
 */
import type { FileReading } from '../core/families/family';
import type { Experiment } from '../core/experiment';
import type { RunSummary } from '../core/runs/runSummary';
import { glyphTransferables, type GlyphReply, type GlyphRequest } from './families/glyphMessages';
import { nav2dTransferables, type Nav2dReply, type Nav2dRequest } from './families/nav2dMessages';
import {
  regressionTransferables,
  type RegressionReply,
  type RegressionRequest,
} from './families/regressionMessages';
import type { LandscapeReport, ThetaReport, ThetaSubject } from './theta/messages';

/** A curve as a run file keeps it (e.g. "meta-loss": one value per meta-step). */
export interface RunCurve {
  name: string;
  steps: number[];
  values: number[];
}

export type {
  InnerRatesReport,
  LandscapeReport,
  ThetaPaths,
  ThetaReport,
  ThetaSubject,
} from './theta/messages';
export { SUBJECTS } from './theta/messages';
export type { EvalCurveData, ViewTask } from './families/regressionMessages';

/** A request only one kind of family understands (the task view's task, the drawing pad's). */
export type FamilyRequest = RegressionRequest | GlyphRequest | Nav2dRequest;
/** Its answers. */
export type FamilyReply = RegressionReply | GlyphReply | Nav2dReply;

export const BACKENDS = ['webgpu', 'wasm', 'cpu'] as const;
/** the GPU faults the test hook can cause for real: a lost device, a shader that fails to compile */
export type GpuFault = 'device-lost' | 'shader-error';
export type BackendName = (typeof BACKENDS)[number];
/** what the page asks for: a specific backend, or the best one available */
export type BackendRequest = BackendName | 'auto';

/** The candidates, best first: a forced backend, then the ones below it. */
export function candidates(request: BackendRequest): BackendName[] {
  if (request === 'auto') return [...BACKENDS];
  return BACKENDS.slice(BACKENDS.indexOf(request));
}

/** Which implementation trains: tfjs kernels on a backend, or the family's fused meta-step. */
export type Engine = 'tfjs' | 'fused';

export const ENGINE_REQUESTS = ['auto', 'fused', 'tfjs'] as const;
/**
 * What the page asks of the engine: the fastest one (`auto`: the family's fused meta-step where it
 * runs on the backend, raced in auto mode), the fused one, or tfjs kernels (an explicit choice).
 */
export type EngineRequest = (typeof ENGINE_REQUESTS)[number];

/** One contender of the auto race and what it measured (meta-steps/s; an upper bound if `bounded`). */
export interface RaceEntry {
  backend: BackendName;
  engine: Engine;
  rate: number;
  bounded: boolean;
  /** chosen without timing: the one contender left after the device probe (its rate shows in training) */
  untimed?: boolean;
}

export interface AutoChoice {
  entries: RaceEntry[];
  winner: RaceEntry;
  /** contenders that could not run here, with the reason (e.g. a network over the device's limits) */
  skipped?: { backend: BackendName; engine: Engine; reason: string }[];
  /** the device probe (the probe family's fused step on both backends), where the family has no fused engine */
  probe?: DeviceProbe;
}

/** Steps/s of one small workload, the same on wasm and on WebGPU: how fast this device is. */
export interface DeviceProbe {
  wasm: number;
  webgpu: number;
  /** WebGPU's step did not finish within the deadline: its rate is an upper bound */
  bounded: boolean;
}

/** The three initialisations the page compares. */
export const METHODS = ['maml', 'pretrained', 'random'] as const;
export type MethodName = (typeof METHODS)[number];

/** Everything needed to continue a run somewhere else (another worker, another browser). */
export interface Snapshot {
  step: number;
  /** the meta-learned initialisation θ [P] */
  theta: Float32Array;
  /** the pretrained baseline's θ (absent when the baseline is off; the glyph baseline is C-way) */
  pretrained: Float32Array | null;
  /** Meta-SGD's learned per-parameter inner learning rate [P] */
  alpha: Float32Array | null;
  /** MAML++'s learned per-step, per-tensor inner rates [LSLR_STEPS × tensors] (absent: none) */
  rates?: Float32Array | null;
  /** the pretrained baseline's own step count (it may differ from `step`: a loaded θ file's) */
  pretrainedStep?: number;
  /** the task stream's position (the generator's state), for an exact continuation */
  stream?: number[];
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
      /** the family's first view request (the task view's task), answered before training */
      view: FamilyRequest | null;
      /** number of tasks in the live evaluation (0: evaluate only when asked) */
      evalTasks: number;
      /** the engine asked for (absent: auto) */
      engine?: EngineRequest;
    }
  | { kind: 'play' }
  /** a share link: meta-train to step `to` (deterministic from the seed), then pause */
  | { kind: 'replay'; to: number }
  | { kind: 'pause' }
  | { kind: 'step' }
  | { kind: 'reset' }
  /**
   * the user's own task file for a family that reads its tasks from one (TaskFamily.loadTaskFile):
   * read in the worker, then the run starts again on its tasks; what was read comes back as a notice
   */
  | {
      kind: 'taskFile';
      task: string;
      file: Blob;
      source: string;
      reading?: FileReading;
      /**
       * the file as the page's import worker already read it (TaskFamily.adoptTaskData: what it
       * read, its buffers transferred, or a MessagePort that worker sends it over), so it is not
       * read again; `file` stays the data kept and embedded
       */
      read?: unknown;
      /** the settings to check the data against while the worker has none (sent before its init) */
      config?: Experiment;
    }
  | { kind: 'config'; config: Experiment }
  /** continue the same run (θ, the baselines, the step) on another backend, in this worker */
  | { kind: 'backend'; request: BackendRequest; engine?: EngineRequest }
  /** the text of a saved θ file (e.g. the shipped public/glyph-init.json) */
  | { kind: 'loadTheta'; text: string; source: string }
  /** continue a saved run exactly where it stopped (the text of a run file: autosave or import) */
  | { kind: 'openRun'; text: string; source: string }
  /** write the run as a run file (with the page's curves), answered by `runFile` */
  | {
      kind: 'exportRun';
      requestId: number;
      curves: RunCurve[];
      name: string | null;
      createdAt: string | null;
      /** embed the imported data the run trains on (the user chose to), so the file moves whole */
      embedData?: boolean;
    }
  /** evaluate now on `tasks` held-out tasks (0..`steps` inner steps; the family's default if absent) */
  | { kind: 'evaluate'; tasks: number; steps?: number; id?: number }
  | { kind: 'family'; request: FamilyRequest }
  | { kind: 'snapshot'; requestId: number }
  /** what the parameter-space view shows: whose trajectory, and the random initialisation's paths */
  | { kind: 'thetaView'; subject: ThetaSubject; random: boolean }
  /** compute the loss landscape around the current θ (a resolution × resolution grid) */
  | { kind: 'landscape'; id: number; resolution: number }
  /** test hook: throw inside the worker to exercise the restart path */
  | { kind: 'crash' }
  /** test hook: lose the WebGPU device, or compile a broken shader on it */
  | { kind: 'gpuFault'; fault: GpuFault };

export type FromWorker =
  | {
      kind: 'ready';
      backend: BackendName;
      requested: BackendRequest;
      /** the implementation that trains on `backend` */
      engine: Engine;
      /** why the requested backend was not the one obtained, if it was not */
      fallback: string | null;
      numParams: number;
      step: number;
      config: Experiment;
      /** where θ came from: "random initialisation (seed 1)" or a θ file */
      thetaSource: string;
      /** the same run continued (a backend switch): the page keeps its curves */
      resumed: boolean;
      /** whether it is training now (auto mode can move a run while it trains) */
      running: boolean;
    }
  | {
      kind: 'benchmark';
      /** meta-steps per second measured on each backend for the current model */
      rates: Partial<Record<BackendName, number>>;
      /**
       * auto mode: the backend this measurement chose (training moved there, θ, moments, step and
       * curves kept) and the backends whose rate is only an upper bound (a step did not finish in time)
       */
      choice: AutoChoice | null;
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
  /** the run as a run file (an exportRun's answer; null text: it could not be written, and why) */
  | {
      kind: 'runFile';
      requestId: number;
      step: number;
      config: Experiment;
      text: string | null;
      /** what the runs shelf lists of the file (null with the text) */
      summary: RunSummary | null;
      error: string | null;
    }
  /** a run file was opened: training continues from its step; its curves for the page */
  | {
      kind: 'runOpened';
      step: number;
      config: Experiment;
      source: string;
      name: string | null;
      savedAt: string;
      createdAt: string;
      curves: RunCurve[];
    }
  /**
   * an opened run file brought the data its run trains on (checked against its SHA-256): the page
   * keeps it as an imported file (`hash`: the content hash the family names the data by)
   */
  | { kind: 'runData'; task: string; name: string; hash: string; file: Blob; reading?: FileReading }
  /** a run file could not be opened: nothing changed (the run before it goes on) */
  | { kind: 'runNotOpened'; source: string; reason: string }
  /** a saved θ file was loaded: its meta-step, settings and the pretrained baseline's steps */
  | { kind: 'thetaLoaded'; step: number; config: Experiment; source: string; pretrainedSteps: number | null }
  | { kind: 'family'; reply: FamilyReply }
  | { kind: 'snapshot'; requestId: number | null; snapshot: Snapshot }
  | {
      /**
       * the run went back to `step`: drop every curve point after it; `fresh`: a new run starts
       * there (from scratch at 0, or a loaded θ file's meta-step): drop every curve point
       */
      kind: 'rewind';
      step: number;
      reason: string | null;
      fresh: boolean;
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
  | {
      kind: 'notice';
      level: 'info' | 'warning';
      message: string;
      /** the engine the run trains on from now on, where the notice tells of a move (a fallback) */
      engine?: Engine;
    }
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
    case 'family':
      for (const b of [
        ...regressionTransferables(msg.reply),
        ...glyphTransferables(msg.reply),
        ...nav2dTransferables(msg.reply),
      ]) {
        if (!out.includes(b)) out.push(b);
      }
      break;
    case 'snapshot':
      add(msg.snapshot.theta);
      add(msg.snapshot.pretrained);
      add(msg.snapshot.alpha);
      add(msg.snapshot.rates);
      break;
    case 'theta':
      add(msg.steps);
      add(msg.coords);
      add(msg.taskParams);
      for (const p of [msg.paths, msg.random]) {
        add(p?.coords);
        add(p?.losses);
      }
      add(msg.rates?.values);
      break;
    case 'landscape':
      for (const a of [msg.x, msg.y, msg.pre, msg.post, msg.coords]) add(a);
      break;
    default:
      break;
  }
  return out;
}
