/**
 * A fused engine's θ, Meta-SGD's α and the pretrained θ as tfjs variables, for everything that
 * reads them as tensors (evaluation, predictions, snapshots, the θ view, the walk-through). The
 * engine keeps the truth in its own memory; a view copies it into its variable only when read
 * after a step, so training itself never touches tfjs. Any engine that can hand out copies of
 * its vectors (the fused WebAssembly MLP and glyph engines) fits.
 */
import * as tf from '@tensorflow/tfjs';
import type { InnerRate, StepRates } from '../meta/innerLoop';
import { LSLR_STEPS, spreadRates } from '../meta/mamlppSchedule';
import { spreadStepRates } from '../meta/mamlpp';
import type { Algo } from '../schema';

/** What a view reads of an engine: copies of its vectors in the project's flat layout. */
export interface EngineVectors {
  theta(): Float32Array;
  /** Meta-SGD's α, or MAML++'s LSLR rates */
  alphaVec(): Float32Array | null;
  /** MAML++: θ's parameter tensor lengths (engines without MAML++ leave it out) */
  readonly tensorSizes?: readonly number[];
  /** MAML++: meta-steps applied so far, the clock of its schedules (engines without MAML++ leave it out) */
  readonly metaSteps?: number;
  pretrainedTheta(): Float32Array | null;
}

/** A tfjs variable that mirrors an engine vector, re-read on first use after each step. */
export class SyncedVariable {
  private variable: tf.Variable | null = null;
  private stale = true;

  constructor(private readonly read: () => Float32Array) {}

  markStale(): void {
    this.stale = true;
  }

  get value(): tf.Variable {
    if (!this.variable) {
      this.variable = tf.tidy(() => tf.variable(tf.tensor1d(this.read()), false));
    } else if (this.stale) {
      const v = this.variable;
      tf.tidy(() => v.assign(tf.tensor1d(this.read())));
    }
    this.stale = false;
    return this.variable;
  }

  dispose(): void {
    this.variable?.dispose();
    this.variable = null;
  }
}

/** The meta-learner's side of a fused run: θ and Meta-SGD's α as variables. */
export class FusedLearner {
  private readonly thetaView: SyncedVariable;
  private readonly alphaView: SyncedVariable | null;
  /** MAML++: the learned rates as the engine keeps them, [LSLR_STEPS × tensors] */
  private readonly ratesView: SyncedVariable | null;
  /** MAML++: each inner step's learned rates spread per parameter (what evaluation adapts with) */
  private readonly rateViews: SyncedVariable[];

  constructor(
    private readonly engine: EngineVectors,
    readonly algo: Algo,
    private alpha: number,
  ) {
    this.thetaView = new SyncedVariable(() => engine.theta());
    this.alphaView = algo === 'metasgd' ? new SyncedVariable(() => engine.alphaVec() as Float32Array) : null;
    const sizes = engine.tensorSizes;
    this.ratesView = algo === 'mamlpp' ? new SyncedVariable(() => engine.alphaVec() as Float32Array) : null;
    this.rateViews =
      algo === 'mamlpp' && sizes
        ? Array.from(
            { length: LSLR_STEPS },
            (_, s) => new SyncedVariable(() => spreadRates(engine.alphaVec() as Float32Array, s, sizes)),
          )
        : [];
    // made now, so reading them later never changes the tensor count
    for (const v of this.rateViews) void v.value;
    if (this.ratesView) void this.ratesView.value;
  }

  get theta(): tf.Variable {
    return this.thetaView.value;
  }

  get alphaVec(): tf.Variable | null {
    return this.alphaView?.value ?? null;
  }

  /** MAML++'s learned rates [LSLR_STEPS × tensors], or null. */
  get rates(): tf.Variable | null {
    return this.ratesView?.value ?? null;
  }

  /** MAML++: the meta-steps the engine has applied (its schedules' clock); 0 for engines without it. */
  get metaSteps(): number {
    return this.engine.metaSteps ?? 0;
  }

  /** Meta-SGD's α; MAML++'s step-0 learned rates spread per parameter; else the scalar α. */
  innerRate(): InnerRate {
    return this.alphaVec ?? this.rateViews[0]?.value ?? this.alpha;
  }

  /** MAML++: every inner step's learned rates spread per parameter. */
  stepRates(): StepRates | null {
    return this.rateViews.length > 0 ? { perStep: this.rateViews.map((v) => v.value) } : null;
  }

  setAlpha(alpha: number): void {
    this.alpha = alpha;
  }

  /** the engine stepped: the views re-read it when next used */
  stepped(): void {
    this.thetaView.markStale();
    this.alphaView?.markStale();
    this.ratesView?.markStale();
    for (const v of this.rateViews) v.markStale();
  }

  dispose(): void {
    this.thetaView.dispose();
    this.alphaView?.dispose();
    this.ratesView?.dispose();
    for (const v of this.rateViews) v.dispose();
  }
}

/** The pretrained baseline's side of a fused run. */
export class FusedPretrainer {
  private readonly view: SyncedVariable;

  constructor(engine: EngineVectors) {
    this.view = new SyncedVariable(() => engine.pretrainedTheta() as Float32Array);
  }

  get theta(): tf.Variable {
    return this.view.value;
  }

  stepped(): void {
    this.view.markStale();
  }

  dispose(): void {
    this.view.dispose();
  }
}

/** A fused WebGPU engine (MLP or glyph): its θ, Meta-SGD's α and MAML++'s rates already are tfjs variables. */
export interface GpuVariables {
  readonly theta: tf.Variable;
  readonly alphaVec: tf.Variable | null;
  /** MAML++: the learned rates [LSLR_STEPS × tensors] (engines without MAML++ leave it out) */
  readonly rates?: tf.Variable | null;
  /** MAML++: meta-steps applied so far, the clock of its schedules (engines without MAML++ leave it out) */
  readonly metaSteps?: number;
}

/**
 * The meta-learner's side of a run on a fused WebGPU engine: the views hand out the engine's
 * variables as they are (the engine owns them). MAML++'s per-step rates spread per parameter are
 * variables of this view, refilled on the device (never read back) when first used after a step.
 */
export class GpuLearner {
  /** MAML++: each inner step's learned rates spread per parameter, and the meta-step they hold */
  private readonly spread: { rows: tf.Variable[]; at: number } | null;

  /** `tensorSizes`: θ's parameter tensor lengths, needed for MAML++ */
  constructor(
    private readonly engine: GpuVariables,
    readonly algo: Algo,
    private alpha: number,
    private readonly tensorSizes: readonly number[] = [],
  ) {
    const size = tensorSizes.reduce((a, b) => a + b, 0);
    if (algo === 'mamlpp' && !engine.rates) throw new Error('this WebGPU engine has no MAML++ rates');
    if (algo === 'mamlpp' && size === 0) throw new Error("MAML++ needs θ's parameter tensor lengths");
    // made now, so reading them later never changes the tensor count
    this.spread =
      algo === 'mamlpp'
        ? {
            rows: Array.from({ length: LSLR_STEPS }, () =>
              tf.tidy(() => tf.variable(tf.zeros([size]), false)),
            ),
            at: -1,
          }
        : null;
  }

  get theta(): tf.Variable {
    return this.engine.theta;
  }

  get alphaVec(): tf.Variable | null {
    return this.engine.alphaVec;
  }

  /** MAML++'s learned rates [LSLR_STEPS × tensors] (the engine's variable), or null. */
  get rates(): tf.Variable | null {
    return this.engine.rates ?? null;
  }

  /** MAML++: the meta-steps the engine has applied (its schedules' clock); 0 for engines without it. */
  get metaSteps(): number {
    return this.engine.metaSteps ?? 0;
  }

  /** Meta-SGD's α; MAML++'s step-0 learned rates spread per parameter; else the scalar α. */
  innerRate(): InnerRate {
    return this.alphaVec ?? this.stepRates()?.perStep[0] ?? this.alpha;
  }

  /** MAML++: every inner step's learned rates spread per parameter (valid until the next step). */
  stepRates(): StepRates | null {
    const { spread } = this;
    const rates = this.rates;
    if (!spread || !rates) return null;
    if (spread.at !== this.metaSteps) {
      spread.rows.forEach((row, s) =>
        tf.tidy(() => row.assign(spreadStepRates(rates, s, this.tensorSizes) as tf.Tensor)),
      );
      spread.at = this.metaSteps;
    }
    return { perStep: spread.rows };
  }

  setAlpha(alpha: number): void {
    this.alpha = alpha;
  }

  /** the engine's state changed other than by a step (a restore): the spread rates are refilled */
  stepped(): void {
    if (this.spread) this.spread.at = -1;
  }

  dispose(): void {
    for (const v of this.spread?.rows ?? []) v.dispose();
  }
}
