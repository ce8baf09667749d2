import type { PointBatch } from '../batch';
import { PaddedLayout } from './layout';
import { BUFFER, instantiateFusedSync, loadFused, type FusedExports } from './wasmModule';

import type { Algo } from '../../schema';
import {
  LSLR_STEPS,
  lslrInit,
  MAMLPP_DEFAULTS,
  mamlppPhase,
  mlpTensorSizes,
  type MamlppSchedule,
} from '../../meta/mamlppSchedule';

/** The algorithms every fused engine trains. */
export type FusedAlgo = 'maml' | 'fomaml' | 'metasgd' | 'reptile';
/** The fused MLP engine's algorithms: those and MAML++. */
export type MlpAlgo = FusedAlgo | 'mamlpp';

/** An algorithm for an engine without MAML++ (the glyph family refuses MAML++ in its schema). */
export function classicAlgo(algo: Algo): FusedAlgo {
  if (algo === 'mamlpp') throw new Error('MAML++ is not built for this engine');
  return algo;
}

export interface FusedSettings {
  /** layer sizes [1, ...hidden, 1], 1-4 hidden layers of 1-256 units */
  sizes: number[];
  algo: MlpAlgo;
  alpha: number;
  beta: number;
  inner: number;
  /** MAML++'s schedules (default MAMLPP_DEFAULTS) */
  schedule?: MamlppSchedule;
}

/** Where an engine starts besides θ: the pretrained baseline, Meta-SGD's or MAML++'s rates. */
export interface FusedStart {
  pretrained?: boolean;
  alpha0?: Float32Array;
  pretrainedTheta0?: Float32Array;
}

export interface FusedHyper {
  alpha: number;
  beta: number;
  inner: number;
  schedule?: MamlppSchedule;
}

export interface AdamState {
  t: number;
  m: Float32Array;
  v: Float32Array;
}

/**
 * Everything a run needs to resume bit-identically (flat θ layout, copies). `alpha` holds the
 * learned inner rates: Meta-SGD's per parameter, or MAML++'s [LSLR_STEPS × tensors].
 */
export interface FusedState {
  theta: Float32Array;
  thetaAdam: AdamState;
  alpha: Float32Array | null;
  alphaAdam: AdamState | null;
  pretrained: Float32Array | null;
  pretrainedAdam: AdamState | null;
}

/** The limits the wasm buffers are sized for (the experiment schema's bounds). */
export const FUSED_LIMITS = {
  tasks: 100,
  support: 50,
  query: 100,
  inner: 10,
  hidden: 4,
  width: 256,
} as const;

const MAMLPP = 16;
const FIRST_ORDER = 32;
const ALGO_CODE: Record<MlpAlgo, number> = { maml: 0, fomaml: 1, metasgd: 2, reptile: 3, mamlpp: MAMLPP };
const WITH_PRETRAINED = 4;
const APPLY_UPDATE = 8;

/**
 * Meta-training of a 1-D MLP regression network ([1, ...hidden, 1]) in one WebAssembly call per meta-step:
 * MAML (exact second order), FOMAML, Meta-SGD, Reptile and MAML++ (its schedules from
 * meta/mamlppSchedule.ts at the engine's meta-step count), plus the pretrained baseline's joint
 * regression step on the same batch. All state (θ, α, Adam moments, the pretrained θ) lives in
 * wasm memory; the maths matches src/core/meta/learners.ts (see test/fusedMlp.test.ts).
 */
export class FusedMlpEngine {
  private hyper: FusedHyper;
  private disposed = false;
  private calls = 0;
  /** byte address of each buffer, read once (later calls into wasm would count per step) */
  private readonly addrs: number[];

  private constructor(
    private readonly wasm: FusedExports,
    private readonly layout: PaddedLayout,
    readonly sizes: readonly number[],
    readonly algo: MlpAlgo,
    hyper: FusedHyper,
    readonly hasPretrained: boolean,
  ) {
    this.hyper = { alpha: hyper.alpha, beta: hyper.beta, inner: hyper.inner, schedule: hyper.schedule };
    this.addrs = [];
    for (const id of Object.values(BUFFER)) this.addrs[id] = wasm.addr(id);
  }

  static async create(
    settings: FusedSettings,
    theta0: Float32Array,
    opts: FusedStart = {},
  ): Promise<FusedMlpEngine> {
    await loadFused();
    return FusedMlpEngine.createSync(settings, theta0, opts);
  }

  /** The same, synchronously, once loadFused() has compiled the module. */
  static createSync(settings: FusedSettings, theta0: Float32Array, opts: FusedStart = {}): FusedMlpEngine {
    const { sizes } = settings;
    const hidden = sizes.slice(1, -1);
    if (sizes[0] !== 1 || sizes[sizes.length - 1] !== 1)
      throw new Error('fused engine: sizes must be [1, ...hidden, 1]');
    if (hidden.length < 1 || hidden.length > FUSED_LIMITS.hidden)
      throw new Error('fused engine: 1-4 hidden layers');
    if (hidden.some((h) => !Number.isInteger(h) || h < 1 || h > FUSED_LIMITS.width)) {
      throw new Error(`fused engine: hidden widths must be integers in 1..${FUSED_LIMITS.width}`);
    }
    checkInner(settings.inner);
    const layout = new PaddedLayout(sizes);
    const wasm = instantiateFusedSync();
    const [h1, h2, h3, h4] = [0, 1, 2, 3].map((i) => hidden[i] ?? 0) as [number, number, number, number];
    const L = FUSED_LIMITS;
    // LSLR keeps rates for L.inner (= LSLR_STEPS) steps
    wasm.init(h1, h2, h3, h4, hidden.length, L.tasks, L.support, L.query, L.inner);
    const engine = new FusedMlpEngine(
      wasm,
      layout,
      [...sizes],
      settings.algo,
      settings,
      opts.pretrained ?? false,
    );
    layout.pad(theta0, engine.vec(BUFFER.theta));
    if (settings.algo === 'metasgd') {
      layout.pad(opts.alpha0 ?? new Float32Array(layout.size).fill(settings.alpha), engine.vec(BUFFER.alpha));
    }
    if (settings.algo === 'mamlpp')
      engine.rates().set(opts.alpha0 ?? lslrInit(2 * (sizes.length - 1), settings.alpha));
    if (engine.hasPretrained) layout.pad(opts.pretrainedTheta0 ?? theta0, engine.vec(BUFFER.pre));
    return engine;
  }

  /** α, β and inner steps apply from the next step (as MetaLearner.setHyper). */
  setHyper(h: Partial<FusedHyper>): void {
    if (h.inner !== undefined) checkInner(h.inner);
    this.hyper = {
      alpha: h.alpha ?? this.hyper.alpha,
      beta: h.beta ?? this.hyper.beta,
      inner: h.inner ?? this.hyper.inner,
      schedule: h.schedule ?? this.hyper.schedule,
    };
  }

  /** One meta-step (and the pretrained baseline's step when enabled); losses before the update. */
  step(batch: PointBatch): { meta: number; pretrained: number | null } {
    const flags = APPLY_UPDATE | (this.hasPretrained ? WITH_PRETRAINED : 0);
    const meta = this.run(batch, flags);
    const pretrained = this.hasPretrained ? (this.f64(BUFFER.result, 2)[1] as number) : null;
    return { meta, pretrained };
  }

  /**
   * The meta-gradient at the current θ (and Meta-SGD's α) without any update. For Reptile, `theta`
   * is what Adam is fed: θ − mean θ′.
   */
  metaGradient(batch: PointBatch): { loss: number; theta: Float32Array; alpha: Float32Array | null } {
    const loss = this.run(batch, 0);
    const alpha =
      this.algo === 'metasgd'
        ? this.layout.unpad(this.vec(BUFFER.gAlpha))
        : this.algo === 'mamlpp'
          ? this.rates(BUFFER.gRates).slice()
          : null;
    return { loss, theta: this.layout.unpad(this.vec(BUFFER.gTheta)), alpha };
  }

  theta(): Float32Array {
    return this.layout.unpad(this.vec(BUFFER.theta));
  }

  /** The learned inner rates (Meta-SGD's α or MAML++'s LSLR rates) as a copy, or null. */
  alphaVec(): Float32Array | null {
    if (this.algo === 'mamlpp') return this.rates().slice();
    return this.algo === 'metasgd' ? this.layout.unpad(this.vec(BUFFER.alpha)) : null;
  }

  /** θ's parameter tensor lengths (W then b per layer): MAML++'s rates are per tensor. */
  get tensorSizes(): readonly number[] {
    return mlpTensorSizes(this.sizes);
  }

  /** The meta-steps applied so far: the clock of MAML++'s schedules. */
  get metaSteps(): number {
    return this.i32(BUFFER.counters, 3)[0] as number;
  }

  pretrainedTheta(): Float32Array | null {
    return this.hasPretrained ? this.layout.unpad(this.vec(BUFFER.pre)) : null;
  }

  state(): FusedState {
    const counters = this.i32(BUFFER.counters, 3);
    const adam = (m: number, v: number, t: number): AdamState => ({
      t: counters[t] as number,
      m: this.layout.unpad(this.vec(m)),
      v: this.layout.unpad(this.vec(v)),
    });
    const ratesAdam = (): AdamState => ({
      t: counters[1] as number,
      m: this.rates(BUFFER.mRates).slice(),
      v: this.rates(BUFFER.vRates).slice(),
    });
    return {
      theta: this.theta(),
      thetaAdam: adam(BUFFER.mTheta, BUFFER.vTheta, 0),
      alpha: this.alphaVec(),
      alphaAdam:
        this.algo === 'metasgd'
          ? adam(BUFFER.mAlpha, BUFFER.vAlpha, 1)
          : this.algo === 'mamlpp'
            ? ratesAdam()
            : null,
      pretrained: this.pretrainedTheta(),
      pretrainedAdam: this.hasPretrained ? adam(BUFFER.mPre, BUFFER.vPre, 2) : null,
    };
  }

  /** Restores a state() taken from an engine with the same settings. */
  restore(s: FusedState): void {
    this.put(s.theta, s.thetaAdam, BUFFER.theta, BUFFER.mTheta, BUFFER.vTheta, 0);
    if (this.algo === 'metasgd') {
      if (!s.alpha || !s.alphaAdam) throw new Error('fused engine: Meta-SGD state needs α and its Adam');
      this.put(s.alpha, s.alphaAdam, BUFFER.alpha, BUFFER.mAlpha, BUFFER.vAlpha, 1);
    }
    if (this.algo === 'mamlpp') {
      if (!s.alpha || !s.alphaAdam)
        throw new Error('fused engine: MAML++ state needs its rates and their Adam');
      const n = this.rates().length;
      if (s.alpha.length !== n || s.alphaAdam.m.length !== n || s.alphaAdam.v.length !== n)
        throw new Error(`fused engine: MAML++ rates must be ${n} numbers`);
      this.rates().set(s.alpha);
      this.rates(BUFFER.mRates).set(s.alphaAdam.m);
      this.rates(BUFFER.vRates).set(s.alphaAdam.v);
      this.i32(BUFFER.counters, 3)[1] = s.alphaAdam.t;
    }
    if (this.hasPretrained) {
      if (!s.pretrained || !s.pretrainedAdam) throw new Error('fused engine: state has no pretrained θ');
      this.put(s.pretrained, s.pretrainedAdam, BUFFER.pre, BUFFER.mPre, BUFFER.vPre, 2);
    }
  }

  /**
   * An engine for another algorithm that keeps θ and the pretrained baseline (θ and its Adam) and
   * restarts the meta-optimiser (Meta-SGD: α from the scalar), as ExperimentRun.update does.
   * This engine stays usable; dispose it when done.
   */
  async withAlgo(algo: MlpAlgo): Promise<FusedMlpEngine> {
    await loadFused();
    return this.withAlgoSync(algo);
  }

  /** The same, synchronously (the module is loaded, since this engine exists). */
  withAlgoSync(algo: MlpAlgo): FusedMlpEngine {
    const s = this.state();
    const next = FusedMlpEngine.createSync({ sizes: [...this.sizes], algo, ...this.hyper }, s.theta, {
      pretrained: this.hasPretrained,
      pretrainedTheta0: s.pretrained ?? undefined,
    });
    if (s.pretrained && s.pretrainedAdam)
      next.put(s.pretrained, s.pretrainedAdam, BUFFER.pre, BUFFER.mPre, BUFFER.vPre, 2);
    return next;
  }

  /** Writes a parameter vector, its Adam moments and its Adam step counter. */
  private put(value: Float32Array, adam: AdamState, id: number, m: number, v: number, counter: number): void {
    this.layout.pad(value, this.vec(id));
    this.layout.pad(adam.m, this.vec(m));
    this.layout.pad(adam.v, this.vec(v));
    this.i32(BUFFER.counters, 3)[counter] = adam.t;
  }

  /** Calls into wasm since create (the bench reports the count per meta-step: one). */
  get wasmCalls(): number {
    return this.calls;
  }

  /** Drops the wasm instance (its memory is freed with it). */
  dispose(): void {
    this.disposed = true;
  }

  private run(batch: PointBatch, flags: number): number {
    if (this.disposed) throw new Error('fused engine: used after dispose');
    const { tasks, support, query } = batch;
    const L = FUSED_LIMITS;
    if (tasks < 1 || tasks > L.tasks || support < 1 || support > L.support || query < 1 || query > L.query) {
      throw new Error(`fused engine: batch ${tasks}×(${support}+${query}) is outside its limits`);
    }
    this.vec(BUFFER.xs).set(batch.xs);
    this.vec(BUFFER.ys).set(batch.ys);
    this.vec(BUFFER.xq).set(batch.xq);
    this.vec(BUFFER.yq).set(batch.yq);
    const { alpha, beta, inner } = this.hyper;
    let code = ALGO_CODE[this.algo];
    let rate = beta;
    if (this.algo === 'mamlpp') {
      const phase = mamlppPhase(this.metaSteps, inner, beta, this.hyper.schedule ?? MAMLPP_DEFAULTS);
      this.f32(BUFFER.weights, inner).set(phase.weights);
      if (phase.firstOrder) code |= FIRST_ORDER;
      rate = phase.beta;
    }
    this.calls += 1;
    return this.wasm.step(tasks, support, query, inner, alpha, rate, flags | code, beta);
  }

  // views are made per use: cheap, and never stale (the module's memory never grows after init)
  private vec(id: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, this.addr(id), this.bufferLength(id));
  }

  private addr(id: number): number {
    return this.addrs[id] as number;
  }

  private bufferLength(id: number): number {
    const L = FUSED_LIMITS;
    if (id === BUFFER.xs || id === BUFFER.ys) return L.tasks * L.support;
    if (id === BUFFER.xq || id === BUFFER.yq) return L.tasks * L.query;
    return this.layout.paddedSize;
  }

  /** MAML++'s rates (or their gradient or Adam moments): a view of LSLR_STEPS × tensors floats. */
  private rates(id: number = BUFFER.rates): Float32Array {
    return this.f32(id, LSLR_STEPS * 2 * (this.sizes.length - 1));
  }

  private f32(id: number, n: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, this.addr(id), n);
  }

  private f64(id: number, n: number): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, this.addr(id), n);
  }

  private i32(id: number, n: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.addr(id), n);
  }
}

function checkInner(inner: number): void {
  if (!Number.isInteger(inner) || inner < 1 || inner > FUSED_LIMITS.inner) {
    throw new Error(`fused engine: inner steps must be 1..${FUSED_LIMITS.inner}`);
  }
}
