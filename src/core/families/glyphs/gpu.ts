/**
 * The glyph family on the fused WGSL meta-step (engines/webgpuGlyph) when tfjs runs on WebGPU:
 * building the engine (or the reason it cannot run here), and the views of its θ, α and
 * pretrained θ. Those already are tfjs variables on the device, so the evaluation, the task view,
 * the walk-through, the θ view and the drawing pad read them as they are and run on tfjs: the
 * same numbers whichever engine trains.
 */
import * as tf from '@tensorflow/tfjs';
import type { Experiment } from '../../schema';
import type { Classifier } from '../../models/classifier';
import type { PretrainedState } from '../../runs/trainingState';
import type { FusedLimits } from '../../engines/webgpu/layout';
import { wasmGlyphSettings } from '../../engines/fusedGlyph/fusedGlyph';
import { GpuLearner } from '../../engines/engineViews';
import { scheduleOf } from '../../meta/mamlppSchedule';
import { WebgpuGlyphEngine } from '../../engines/webgpuGlyph/webgpuGlyph';
import { bodyWithHead, type PretrainedStart } from './pretrained';

/**
 * Test hooks (tests and the engine check set them; a page never does): a broken WGSL shader, the
 * device limits the WGSL engine checks against, the WebAssembly memory the fused CPU engine may
 * use. Read from `globalThis.__glyphEngineFaults` when a run builds its engine, so a browser test
 * can set them in the worker.
 */
export interface GlyphEngineFaults {
  breakShader?: boolean;
  gpuLimits?: FusedLimits;
  wasmMemoryBytes?: number;
}

export function glyphEngineFaults(): GlyphEngineFaults {
  return (globalThis as { __glyphEngineFaults?: GlyphEngineFaults }).__glyphEngineFaults ?? {};
}

/** The message of whatever was thrown. */
export const reasonOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * The WGSL engine for a run's settings (every algorithm, MAML++ with its schedules; `alpha`:
 * Meta-SGD's α or MAML++'s learned rates), checked against the device's limits (not compiled yet:
 * GlyphRun.prepare compiles), or the reason it cannot run them.
 */
export function buildGpuEngine(
  config: Experiment,
  theta: Float32Array,
  alpha: Float32Array | undefined,
  pre: PretrainedStart | null,
): { engine: WebgpuGlyphEngine } | { reason: string } {
  const faults = glyphEngineFaults();
  try {
    const learned = config.algo === 'metasgd' || config.algo === 'mamlpp';
    const engine = WebgpuGlyphEngine.build(wasmGlyphSettings(config), theta, {
      ...(learned && alpha ? { alpha0: alpha } : {}),
      ...(pre ? { pretrained: { classes: pre.classes, theta0: pre.theta0, model: pre.model } } : {}),
      ...(faults.breakShader ? { breakShader: true } : {}),
      ...(faults.gpuLimits ? { limits: faults.gpuLimits } : {}),
    });
    return { engine };
  } catch (e) {
    return { reason: reasonOf(e) };
  }
}

/** The run's view of a WGSL engine's θ, α and MAML++'s rates (spread over its rate tensors). */
export function gpuLearner(engine: WebgpuGlyphEngine, c: Experiment): GpuLearner {
  return new GpuLearner(engine, c.algo, c.alpha, engine.tensorSizes ?? []);
}

/**
 * The engine a live change continues on: this one (α, β, inner steps, MAML++'s schedules and the
 * batch sizes set), one rebuilt for a new algorithm (θ and the baseline carried), or the reason
 * the WGSL engine cannot hold the change on this device.
 */
export function continueGpu(
  engine: WebgpuGlyphEngine,
  next: Experiment,
): WebgpuGlyphEngine | { reason: string } {
  try {
    const kept = next.algo === engine.algo ? engine : engine.withAlgo(next.algo);
    kept.resize(next.k, next.query, next.batch);
    kept.setHyper({ alpha: next.alpha, beta: next.beta, inner: next.inner, schedule: scheduleOf(next) });
    return kept;
  } catch (e) {
    return { reason: reasonOf(e) };
  }
}

/** The pretrained baseline of a run on the WGSL engine: its θ lives in the engine. */
export class GpuGlyphPretrainer {
  readonly model: Classifier;
  stepCount: number;

  constructor(
    private engine: WebgpuGlyphEngine,
    start: PretrainedStart,
  ) {
    this.model = start.model;
    this.stepCount = start.step;
  }

  get theta(): tf.Variable {
    return this.engine.pretrainedTheta as tf.Variable;
  }

  stepped(): void {
    this.stepCount += 1;
  }

  /** the run rebuilt its engine (the baseline carried over) */
  moveTo(engine: WebgpuGlyphEngine): void {
    this.engine = engine;
  }

  restored(step: number): void {
    this.stepCount = step;
  }

  /** The feature body θ[0, headOffset), what a θ file stores. */
  async body(): Promise<Float32Array> {
    return ((await this.theta.data()) as Float32Array).slice(0, this.model.headOffset);
  }

  /** θ, its optimiser and the step count as copies, for a run file. */
  async exportState(): Promise<PretrainedState> {
    const s = await this.engine.state();
    if (!s.pretrained || !s.pretrainedAdam) throw new Error('the WGSL engine has no pretrained baseline');
    return { theta: s.pretrained, adam: s.pretrainedAdam, step: this.stepCount };
  }

  withHead(target: Classifier, freshTheta: Float32Array): tf.Tensor1D {
    return bodyWithHead(this.theta, this.model, target, freshTheta);
  }

  dispose(): void {}
}
