/**
 * The glyph family on the fused WebAssembly meta-step (engines/fusedGlyph): live changes that
 * need a new engine, and the pretrained baseline's side of a fused run, read as tfjs tensors by the
 * evaluation, the θ view and the walk-through exactly as the tfjs run's PretrainedClassifier is.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import type { Classifier } from '../../models/classifier';
import { SyncedVariable } from '../../engines/engineViews';
import { classicAlgo } from '../../engines/fused/fusedMlp';
import {
  FusedGlyphEngine,
  wasmGlyphSettings,
  type FusedGlyphStart,
} from '../../engines/fusedGlyph/fusedGlyph';
import type { FusedState } from '../../engines/fused/fusedMlp';
import type { AdamState, PretrainedState, TrainingState } from '../../runs/trainingState';
import { bodyWithHead, type PretrainedStart } from './pretrained';
import { fusedStateOf } from '../../runs/engineState';
import { glyphEngineFaults, reasonOf } from './gpu';

/**
 * The fused WebAssembly engine for a run's settings, or the reason it cannot hold them (its
 * buffers beyond the memory WebAssembly may grow to, or the test hook's limit: gpu.ts).
 */
export function buildWasmEngine(
  config: Experiment,
  theta: Float32Array,
  alpha: Float32Array | undefined,
  pre: PretrainedStart | null,
): { engine: FusedGlyphEngine } | { reason: string } {
  const memory = glyphEngineFaults().wasmMemoryBytes;
  try {
    const engine = FusedGlyphEngine.createSync(wasmGlyphSettings(config), theta, {
      ...(alpha ? { alpha0: alpha } : {}),
      ...(pre ? { pretrained: { classes: pre.classes, theta0: pre.theta0 } } : {}),
      ...(memory !== undefined ? { memoryLimit: memory } : {}),
    });
    return { engine };
  } catch (e) {
    return { reason: reasonOf(e) };
  }
}

/** Whether a live change keeps the engine's buffers (the batch shape fits what they hold). */
export function engineHolds(engine: FusedGlyphEngine, next: Experiment): boolean {
  const s = engine.settings;
  return next.algo === s.algo && next.k <= s.shots && next.query <= s.query && next.batch <= s.maxTasks;
}

/**
 * A new engine for `next` that continues from `previous` (which the caller disposes): θ, the
 * baseline and their optimisers carry over; a new algorithm keeps θ and restarts θ's optimiser
 * (Meta-SGD's α starts at α), as the tfjs run does.
 */
export function rebuildEngine(
  previous: FusedGlyphEngine,
  next: Experiment,
  pretrainedClasses: readonly number[] | null,
): FusedGlyphEngine {
  const from = next.algo === previous.algo ? previous : previous.withAlgoSync(classicAlgo(next.algo));
  const s = from.state();
  const start: FusedGlyphStart = pretrainedClasses
    ? { pretrained: { classes: pretrainedClasses, theta0: s.pretrained as Float32Array } }
    : {};
  const engine = FusedGlyphEngine.createSync(wasmGlyphSettings(next), s.theta, start);
  engine.restore(s);
  if (from !== previous) from.dispose();
  return engine;
}

/**
 * The pretrained classifier of a fused run: its θ lives in the engine (trained in the same call
 * as the meta-step); this view hands it out as a tfjs variable and counts its steps.
 */
export class FusedGlyphPretrainer {
  readonly model: Classifier;
  stepCount: number;
  private engine: FusedGlyphEngine;
  private readonly view: SyncedVariable;

  constructor(engine: FusedGlyphEngine, start: PretrainedStart) {
    this.engine = engine;
    this.model = start.model;
    this.stepCount = start.step;
    this.view = new SyncedVariable(() => this.engine.pretrainedTheta() as Float32Array);
  }

  get theta(): tf.Variable {
    return this.view.value;
  }

  /** the engine took a step: re-read θ when next used */
  stepped(): void {
    this.stepCount += 1;
    this.view.markStale();
  }

  /** the run rebuilt its engine (same baseline, carried over): read θ from `engine` from now on */
  moveTo(engine: FusedGlyphEngine): void {
    this.engine = engine;
    this.view.markStale();
  }

  /** the engine's baseline was restored to a state that had taken `step` steps */
  restored(step: number): void {
    this.stepCount = step;
    this.view.markStale();
  }

  /** The feature body θ[0, headOffset), what a θ file stores. */
  body(): Promise<Float32Array> {
    return Promise.resolve((this.engine.pretrainedTheta() as Float32Array).slice(0, this.model.headOffset));
  }

  /** θ, its optimiser and the step count as copies, for a run file. */
  exportState(): PretrainedState {
    const s = this.engine.state();
    return { theta: s.pretrained as Float32Array, adam: s.pretrainedAdam as AdamState, step: this.stepCount };
  }

  /** θ for an N-way network: this network's feature body plus a fresh head. */
  withHead(target: Classifier, freshTheta: Float32Array): tf.Tensor1D {
    return bodyWithHead(this.theta, this.model, target, freshTheta);
  }

  dispose(): void {
    this.view.dispose();
  }
}

/**
 * Restores a run's training state into its engine (either engine's state, or tfjs kernels': the
 * same flat layout and Adam) and tells the views the engine changed.
 */
export function restoreEngine(
  engine: { restore(s: FusedState): void },
  learner: { stepped(): void },
  pretrainer: { restored(step: number): void } | null,
  s: TrainingState,
): void {
  engine.restore(fusedStateOf(s));
  learner.stepped();
  if (pretrainer && s.pretrained) pretrainer.restored(s.pretrained.step);
}
