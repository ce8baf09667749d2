/**
 * What a task family provides, behind one interface: its schema (fields, defaults), the run that
 * meta-trains on its tasks (task sampler on the seed's streams, the network with its flat θ, the
 * meta-learner, the pretrained baseline, the random initialisation), its evaluation metric, and
 * the sizes a θ file must have. The CLI, the worker host and the tests work on any registered
 * family through this interface; see registry.ts.
 */
import type { ColumnRequest } from '../data/csv/columns';
import type * as tf from '@tensorflow/tfjs';
import type { InnerRate } from '../meta/innerLoop';
import type { MetaStepWalk, WalkAt } from '../meta/walkthrough';
import type { StateSizes, TrainingState } from '../runs/trainingState';
import type { Experiment, FamilySchema } from '../schema';

/** How a family scores adapted networks: MSE (lower is better) or accuracy (higher is better). */
export interface Metric {
  /** "MSE", "accuracy" */
  readonly name: string;
  /** "" for MSE, "%" for accuracy */
  readonly unit: string;
  readonly direction: 'lower' | 'higher';
  /** a value as the page and the CLI print it */
  format(value: number): string;
}

export interface StepLosses {
  /** meta-loss (query loss after adaptation) before this step's update */
  meta: tf.Scalar;
  /** the pretrained baseline's loss, when it trains alongside */
  pretrained: tf.Scalar | null;
}

/** The evaluation protocol the CLI runs: held-out tasks of their own seed, 0..steps inner steps. */
export interface EvalRequest {
  tasks: number;
  steps: number;
  seed: number;
}

/** An evaluation as the CLI prints it (table) and writes it (json, the family's own shape). */
export interface EvalReport {
  json: Record<string, unknown>;
  table: string;
}

/** Where a run starts when not from the seed: a saved θ, the learned inner rates, the baseline. */
export interface RunStart {
  pretrained?: boolean;
  theta?: Float32Array;
  /** the learned inner rates: Meta-SGD's α [P], or MAML++'s LSLR rates [LSLR_STEPS × tensors] */
  alpha?: Float32Array;
  /** the pretrained baseline's saved network (the whole θ, or a family-defined part of it) */
  pretrainedTheta?: { theta: Float32Array; step: number };
  /** the fused WebAssembly meta-step where the family has one and it is loaded (else tfjs) */
  engine?: 'tfjs' | 'fused';
}

/** What the host and the views read of a meta-learner: θ and its learned inner rates as tensors. */
export interface ThetaLearner {
  readonly theta: tf.Variable;
  readonly alphaVec: tf.Variable | null;
  /** MAML++'s learned rates [LSLR_STEPS × tensors] row-major (absent or null for the others) */
  readonly rates?: tf.Variable | null;
  innerRate(): InnerRate;
}

/** One meta-training run of a family, everything derived from the config's seed. */
export interface FamilyRun {
  readonly family: TaskFamily;
  readonly experiment: Experiment;
  stepCount: number;
  readonly numParams: number;
  readonly theta0: Float32Array;
  readonly randomTheta: tf.Tensor1D;
  readonly learner: ThetaLearner;
  /** which implementation trains */
  readonly engine: 'tfjs' | 'fused';
  readonly pretrainer: { readonly theta: tf.Variable; stepCount?: number } | null;
  /** one meta-step (and the baseline's step on the same tasks); losses stay on the device */
  step(): StepLosses;
  /**
   * The same meta-step with its mid-step reads (a family that samples its own data, such as
   * rollouts, reads them back) awaited instead of blocking; callers that can wait prefer it.
   */
  stepAsync?(): Promise<StepLosses>;
  /** draw (and drop) the next meta-batch: fast-forwards the task stream to a saved step */
  skipBatch(): void;
  /** the task stream's position, and a jump to one (exact resume without fast-forwarding) */
  streamState(): number[];
  seekStream(state: readonly number[]): void;
  /** live changes that keep θ; false when the change needs a new run */
  update(next: Experiment): boolean;
  /** the family's evaluation protocol on held-out tasks, for every initialisation */
  evaluateReport(request: EvalRequest): Promise<EvalReport>;
  /** train only the pretrained baseline on the next meta-batch (θ stays), where the family can */
  pretrainStep?(): tf.Scalar;
  /** what a θ file stores of the pretrained baseline, where the family keeps it */
  savedPretrained?(): Promise<{ body: Float32Array; step: number } | null>;
  /**
   * The whole training state as copies: settings, step, θ, Meta-SGD's α, their Adam moments and
   * step counts, the baseline with its optimiser, the task stream's position (see
   * src/core/runs/trainingState.ts). Read between steps.
   */
  exportState(): Promise<TrainingState>;
  /**
   * Continue from exportState() (of this run or another of the same family and network): the
   * next step() is the one that run would have taken, to the last bit on the same engine and
   * backend. Live-changeable settings of the state are applied; a state for another network, a
   * missing α or a baseline this run lacks (or the other way round) throws and changes nothing.
   */
  restoreState(state: TrainingState): void;
  /**
   * "Walk through one meta-step", where the family has it: computes the next meta-step's phases
   * 1-4 (its tasks, the inner loop, the query losses, the meta-gradient) without changing the run
   * (θ, optimiser, stream position and stepCount untouched). The update is the caller's
   * run.step(), which draws the same tasks: it ends at exactly the θ a plain step gives.
   * `shown` is how many tasks of the meta-batch to trace (at most 6); `at` gives θ (and α) as
   * copies, to compute on the current backend instead of reading the learner's tensors.
   */
  walkStep?(shown: number, at?: WalkAt): Promise<MetaStepWalk>;
  /** checks and compiles what the engine needs before its first step (rejects with the reason) */
  prepare?(): Promise<void>;
  dispose(): void;
}

/** How to read a user's file where the reader leaves a choice (a table's task, x and y columns). */
export interface FileReading {
  columns?: ColumnRequest;
}

export interface TaskFamily {
  readonly schema: FamilySchema;
  readonly metric: Metric;
  /**
   * Loads the family's fused meta-step (WebAssembly, WebGPU) where it has one beside tfjs: runs
   * created with `engine: 'fused'` after it resolves train on it, and auto mode races it.
   */
  loadFusedEngine?(): Promise<void>;
  /** its fused meta-step also runs as WGSL programs when tfjs runs on WebGPU (else on wasm only) */
  readonly fusedOnWebgpu?: boolean;
  /**
   * Its fused WebAssembly engine can split the meta-batch's tasks over helper threads
   * (core/engines/fusedGlyph/threads.ts), with the same bits whatever the thread count.
   */
  readonly fusedThreads?: boolean;
  /**
   * drawing and dropping a meta-batch is cheap (microseconds), so a snapshot without a stream
   * position may fast-forward its task stream to its step; otherwise such a run starts a new stream
   */
  readonly cheapSkip?: boolean;
  /**
   * Where the family's tasks come from the user's own file (the CLI's --tasks): reads the file's
   * bytes and keeps its tasks for the runs created after it resolves. `lines` say what was read
   * (rows, split, scaling, what was skipped); `hash` names the data (SHA-256, hex). Rejects with
   * the reason when the file cannot be used.
   */
  loadTaskFile?(
    bytes: Uint8Array,
    config: Experiment,
    reading?: FileReading,
  ): Promise<{ hash: string; lines: string[] }>;
  /**
   * Takes a task file's data as the page's import worker already read it (that reader's own
   * output, its buffers transferred, not copied, or a port the reader sends it over) instead of
   * reading the file's bytes again: the same tasks loadTaskFile would keep. Rejects with the reason when `read` is not such data or
   * the config cannot use it. Absent: the training worker reads the bytes.
   */
  adoptTaskData?(read: unknown, config: Experiment): Promise<{ hash: string; lines: string[] }>;
  /** the CLI's default evaluation: held-out tasks and inner steps */
  readonly evalDefaults: { tasks: number; steps: number };
  createRun(config: Experiment, start?: RunStart): FamilyRun;
  /** parameters of the network a config describes */
  numParams(config: Experiment): number;
  /**
   * θ of another algorithm's layout made to fit `config`'s network (a family whose θ layout
   * depends on the algorithm); absent, or a θ it cannot fit, returns θ unchanged
   */
  fitTheta?(config: Experiment, theta: Float32Array): Float32Array;
  /** the lengths of a config's training state: θ and the pretrained baseline's whole network */
  stateSizes(config: Experiment): StateSizes;
  /** length of the pretrained baseline's part a θ file carries, when the family saves one */
  pretrainedSize?(config: Experiment): number;
  /** whether a θ trained under `a` fits the network of `b` */
  sameNetwork(a: Experiment, b: Experiment): boolean;
}
