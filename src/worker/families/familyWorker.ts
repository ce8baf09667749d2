/**
 * What a family adds to the one worker host: its own requests (the task view's task, the drawing
 * pad), the side work between training chunks (predictions, the live evaluation, the θ view), and
 * hooks the host calls around training. Everything else (backends, the loop, recovery, reports,
 * snapshots, replay, θ files) is the host's, the same for every family.
 */
import type { Experiment } from '../../core/experiment';
import type { FamilyRun } from '../../core/families/family';
import type { BackendName, FamilyRequest, FromWorker, Snapshot } from '../protocol';
import type { ThetaSubject } from '../theta/messages';

/** What the host lends a family's worker part. */
export interface HostServices {
  run(): FamilyRun;
  config(): Experiment;
  running(): boolean;
  post(msg: FromWorker): void;
  /** run `fn` (which makes its own tensors) on the backend for read-only work */
  inference<T>(fn: () => Promise<T>): Promise<T>;
  /** whether read-only work runs on wasm beside WebGPU training (θ must then be read back first) */
  usesSideWasm(): boolean;
  inferenceBackend(): BackendName;
  snapshot(): Promise<Snapshot>;
}

export interface FamilyWorker {
  /** a family-specific request from the page */
  request(req: FamilyRequest): void;
  /** an evaluation the page asked for (0..steps inner steps; the family's default if undefined) */
  evaluate(tasks: number, steps: number | undefined, id: number | null): Promise<void>;
  /** side work due between training chunks; the pump calls it every turn */
  work(): Promise<void>;
  /** side work is pending (the pump keeps turning) */
  readonly busy: boolean;
  /** something the page explicitly asked for is pending: it runs whatever the side-work budget */
  readonly urgent: boolean;
  /**
   * the page's first views of this run are still being made (a task it asked for, an evaluation
   * that has sent no curves yet): auto's race, which holds the worker for seconds, waits for them
   */
  readonly opening: boolean;
  /** inside a training chunk, after each step (device-side captures only, no read-back) */
  captureStep(run: FamilyRun): void;
  /** after a chunk (trained at this rate): read the captures back; a diverged chunk discards them */
  flushCaptures(stepsPerSecond: number): Promise<void>;
  discardCaptures(): void;
  /** training stopped, or the settings changed: what is shown should describe the current θ */
  markDirty(): void;
  /** the run was replaced (a new network, a restored θ): trajectories start again */
  runReplaced(): void;
  /** the θ view's requests (families without one ignore them) */
  setThetaView(subject: ThetaSubject, random: boolean): void;
  requestLandscape(id: number, resolution: number): void;
}
