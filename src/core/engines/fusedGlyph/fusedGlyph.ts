import type { ImageTaskBatch } from '../batch';
import { LSLR_STEPS, lslrInit } from '../../meta/mamlppSchedule';
import type { AdamState, FusedAlgo, FusedHyper, FusedState } from '../fused/fusedMlp';
import type { FusedGlyphStart, WasmGlyphSettings } from './types';
import { checkSettings, FUSED_GLYPH_LIMITS, initModule, inRange } from './checks';
import { GlyphLayout, paddedWidths } from './layout';
import {
  checkRates,
  globalLabels,
  rateTensors,
  ratesLength,
  rateTensorSizes,
  thetaLayout,
  type GlyphAlgo,
} from './mamlpp';
import { stepCalls } from './stepCalls';
import { installedGlyphThreads, type GlyphInstance, type GlyphThreadPool } from './threads';
import {
  GLYPH_BUFFER as B,
  instantiateFusedGlyphSync,
  loadFusedGlyph,
  type FusedGlyphExports,
} from './wasmModule';

export type { FusedAlgo, FusedHyper, FusedState, GlyphAlgo };
export type { FusedGlyphSettings, FusedGlyphStart, FusedPretrainedStart, WasmGlyphSettings } from './types';
export { fusedGlyphSettings, wasmGlyphSettings } from './settings';
export { FUSED_GLYPH_LIMITS } from './checks';

const WITH_PRETRAINED = 4;
const APPLY_UPDATE = 8;
const PIXELS = 784;

/**
 * Meta-training of the few-shot glyph classifiers (conv or fc, batch norm or bias) in one
 * WebAssembly call per meta-step: MAML (exact second order), FOMAML, Meta-SGD, Reptile and MAML++
 * (./mamlpp.ts), then Adam. θ, α and the Adam moments live in wasm memory; the maths matches the tfjs MetaLearner
 * (src/core/meta/learners.ts) with the glyph family's classifier meta-model; see
 * test/fusedGlyph.test.ts.
 */
export class FusedGlyphEngine {
  private hyper: FusedHyper;
  private disposed = false;
  private calls = 0;
  private readonly addrs: number[] = [];
  private readonly classIndex = new Map<number, number>();

  private constructor(
    private readonly wasm: FusedGlyphExports,
    private readonly layout: GlyphLayout,
    readonly settings: Readonly<WasmGlyphSettings>,
    /** the pretrained baseline's layout (C-way head), null without one */
    private readonly preLayout: GlyphLayout | null,
    private readonly pool: GlyphThreadPool | null,
  ) {
    const { alpha, beta, inner, schedule } = settings;
    this.hyper = { alpha, beta, inner, ...(schedule ? { schedule } : {}) };
    for (const id of Object.values(B)) this.addrs[id] = wasm.addr(id);
  }

  static async create(
    settings: WasmGlyphSettings,
    theta0: Float32Array,
    opts: FusedGlyphStart = {},
  ): Promise<FusedGlyphEngine> {
    await loadFusedGlyph();
    return FusedGlyphEngine.createSync(settings, theta0, opts);
  }

  /** The same, synchronously, once loadFusedGlyph() has compiled the module. */
  static createSync(
    settings: WasmGlyphSettings,
    theta0: Float32Array,
    opts: FusedGlyphStart = {},
  ): FusedGlyphEngine {
    checkSettings(settings);
    const layout = thetaLayout(settings);
    const widths = paddedWidths(settings);
    const [w1, w2, w3, w4] = [0, 1, 2, 3].map((i) => widths[i] ?? 0) as [number, number, number, number];
    const wasm = instantiateFusedGlyphSync();
    const { ways, shots, query, maxTasks } = settings;
    const conv = settings.net === 'conv' ? 1 : 0;
    const bn = settings.batchNorm ? 1 : 0;
    const steps = FUSED_GLYPH_LIMITS.inner[1];
    const pre = opts.pretrained;
    const preLayout = pre ? new GlyphLayout({ ...settings, ways: pre.classes.length }) : null;
    const cWays = pre ? pre.classes.length : 0;
    const padded = initModule(
      () =>
        wasm.init(
          conv,
          bn,
          widths.length,
          w1,
          w2,
          w3,
          w4,
          ways,
          maxTasks,
          ways * shots,
          ways * query,
          steps,
          cWays,
        ),
      `${maxTasks} tasks of ${ways * shots} + ${ways * query} images` +
        (pre ? ', and the pretrained baseline on all of them at once,' : ''),
      wasm.memory,
      opts.memoryLimit,
    );
    const full = settings.algo === 'mamlpp' ? wasm.initMamlpp() : padded;
    if (full !== layout.paddedSize || wasm.pretrainedSize() !== (preLayout?.paddedSize ?? 0))
      throw new Error(`fused glyph engine: wasm layout ${full} ≠ ${layout.paddedSize}`);
    const engine = new FusedGlyphEngine(
      wasm,
      layout,
      { ...settings, hidden: [...settings.hidden] },
      preLayout,
      opts.threads === undefined ? installedGlyphThreads() : opts.threads,
    );
    if (pre && preLayout) {
      pre.classes.forEach((id, i) => engine.classIndex.set(id, i));
      preLayout.pad(pre.theta0, engine.vec(B.pre));
    }
    layout.pad(theta0, engine.vec(B.theta));
    if (settings.algo === 'metasgd') {
      layout.pad(opts.alpha0 ?? new Float32Array(layout.size).fill(settings.alpha), engine.vec(B.alpha));
    } else if (settings.algo === 'mamlpp') {
      if (wasm.mamlppTensors() !== rateTensors(settings))
        throw new Error('fused glyph engine: rate tensors differ');
      engine.putRates(B.alpha, opts.alpha0 ?? lslrInit(rateTensors(settings), settings.alpha));
    }
    return engine;
  }

  get algo(): GlyphAlgo {
    return this.settings.algo;
  }

  /** α, β and inner steps apply from the next step (as MetaLearner.setHyper). */
  setHyper(h: Partial<FusedHyper>): void {
    if (h.inner !== undefined) inRange('inner', h.inner);
    const schedule = h.schedule ?? this.hyper.schedule;
    this.hyper = {
      alpha: h.alpha ?? this.hyper.alpha,
      beta: h.beta ?? this.hyper.beta,
      inner: h.inner ?? this.hyper.inner,
      ...(schedule ? { schedule } : {}),
    };
  }

  get hasPretrained(): boolean {
    return this.preLayout !== null;
  }

  /** One meta-step and the pretrained baseline's step (when enabled); losses before the update. */
  step(batch: ImageTaskBatch): { meta: number; pretrained: number | null } {
    const meta = this.run(batch, APPLY_UPDATE | (this.preLayout ? WITH_PRETRAINED : 0));
    const pretrained = this.preLayout ? (this.f64(B.result, 2)[1] as number) : null;
    return { meta, pretrained };
  }

  /** The pretrained baseline's loss and gradient on a batch, without any update. */
  pretrainedGradient(batch: ImageTaskBatch): { loss: number; theta: Float32Array } {
    if (!this.preLayout) throw new Error('fused glyph engine: no pretrained baseline');
    this.run(batch, WITH_PRETRAINED);
    return { loss: this.f64(B.result, 2)[1] as number, theta: this.preLayout.unpad(this.vec(B.gPre)) };
  }

  pretrainedTheta(): Float32Array | null {
    return this.preLayout ? this.preLayout.unpad(this.vec(B.pre)) : null;
  }

  /**
   * The meta-gradient at the current θ (and the learned rates') without any update. For Reptile,
   * `theta` is what Adam is fed: θ − mean θ′; for MAML++ `loss` is the last inner step's query loss.
   */
  metaGradient(batch: ImageTaskBatch): { loss: number; theta: Float32Array; alpha: Float32Array | null } {
    const loss = this.run(batch, 0);
    return { loss, theta: this.layout.unpad(this.vec(B.gTheta)), alpha: this.learned(B.gAlpha) };
  }

  theta(): Float32Array {
    return this.layout.unpad(this.vec(B.theta));
  }

  /** Meta-SGD's α or MAML++'s rates [LSLR_STEPS × tensors], as a copy; null for the others. */
  alphaVec(): Float32Array | null {
    return this.learned(B.alpha);
  }

  /** MAML++: the rate tensors' lengths in θ's order (what FusedLearner spreads the rates over). */
  get tensorSizes(): readonly number[] | undefined {
    return this.algo === 'mamlpp' ? rateTensorSizes(this.settings) : undefined;
  }

  /** Meta-steps applied so far: the clock of MAML++'s schedules. */
  get metaSteps(): number {
    return this.i32(B.counters, 3)[0] as number;
  }

  /** A learned-rates buffer (α, its moments or gradient) as a flat copy; null without one. */
  private learned(id: number): Float32Array | null {
    if (this.algo === 'mamlpp') return this.f32(id, ratesLength(this.settings)).slice();
    return this.algo === 'metasgd' ? this.layout.unpad(this.vec(id)) : null;
  }

  private putRates(id: number, rates: ArrayLike<number>): void {
    checkRates(this.settings, rates);
    this.f32(id, rates.length).set(rates);
  }

  /** θ, α, the pretrained θ and their Adam states, as copies. */
  state(): FusedState {
    const counters = this.i32(B.counters, 3);
    const adam = (m: number, v: number, t: number, layout = this.layout): AdamState => ({
      t: counters[t] as number,
      m: layout.unpad(this.vec(m)),
      v: layout.unpad(this.vec(v)),
    });
    const pre = this.preLayout;
    const m = this.learned(B.mAlpha);
    const v = this.learned(B.vAlpha);
    return {
      theta: this.theta(),
      thetaAdam: adam(B.mTheta, B.vTheta, 0),
      alpha: this.alphaVec(),
      alphaAdam: m && v ? { t: counters[1] as number, m, v } : null,
      pretrained: this.pretrainedTheta(),
      pretrainedAdam: pre ? adam(B.mPre, B.vPre, 2, pre) : null,
    };
  }

  /** Restores a state() taken from an engine (or a MetaLearner) with the same settings. */
  restore(s: FusedState): void {
    this.put(s.theta, s.thetaAdam, B.theta, B.mTheta, B.vTheta, 0);
    if (this.algo === 'metasgd' || this.algo === 'mamlpp') {
      if (!s.alpha || !s.alphaAdam)
        throw new Error(`fused glyph engine: a ${this.algo} state needs its learned rates and their Adam`);
      if (this.algo === 'metasgd') this.put(s.alpha, s.alphaAdam, B.alpha, B.mAlpha, B.vAlpha, 1);
      else this.putRatesState(s.alpha, s.alphaAdam);
    }
    if (this.preLayout) {
      if (!s.pretrained || !s.pretrainedAdam)
        throw new Error('fused glyph engine: state has no pretrained θ');
      this.put(s.pretrained, s.pretrainedAdam, B.pre, B.mPre, B.vPre, 2, this.preLayout);
    }
  }

  /**
   * An engine for another algorithm that keeps θ and the pretrained baseline (θ and its Adam) and
   * restarts the meta-optimiser (Meta-SGD: α from the scalar), as a run does when its algorithm
   * changes. This engine stays usable; dispose it when done.
   */
  async withAlgo(algo: FusedAlgo): Promise<FusedGlyphEngine> {
    await loadFusedGlyph();
    return this.withAlgoSync(algo);
  }

  /** The same, synchronously (the module is loaded, since this engine exists). */
  withAlgoSync(algo: FusedAlgo): FusedGlyphEngine {
    const s = this.state();
    const pre =
      this.preLayout && s.pretrained ? { classes: this.classes(), theta0: s.pretrained } : undefined;
    const next = FusedGlyphEngine.createSync({ ...this.settings, ...this.hyper, algo }, s.theta, {
      pretrained: pre,
      threads: this.pool,
    });
    if (next.preLayout && s.pretrained && s.pretrainedAdam)
      next.put(s.pretrained, s.pretrainedAdam, B.pre, B.mPre, B.vPre, 2, next.preLayout);
    return next;
  }

  private putRatesState(rates: Float32Array, adam: AdamState): void {
    if (!Number.isInteger(adam.t) || adam.t < 0)
      throw new Error(`Adam step count ${adam.t} is not a whole number ≥ 0`);
    this.putRates(B.alpha, rates);
    this.putRates(B.mAlpha, adam.m);
    this.putRates(B.vAlpha, adam.v);
    this.i32(B.counters, 3)[1] = adam.t;
  }

  /** The pretrained baseline's classes, in the order of its outputs. */
  private classes(): number[] {
    const out: number[] = [];
    this.classIndex.forEach((i, id) => (out[i] = id));
    return out;
  }

  /** Threads that compute a meta-batch's tasks (1: this one alone); same bits for any count. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** The wasm instance and its buffers, for the task shards of ./threads.ts. */
  get instance(): GlyphInstance {
    const [f32, i32] = [this.f32.bind(this), this.i32.bind(this)];
    return { wasm: this.wasm, settings: this.settings, paddedSize: this.layout.paddedSize, f32, i32 };
  }

  /** Calls into wasm since create (one per meta-step). */
  get wasmCalls(): number {
    return this.calls;
  }

  /** Drops the wasm instance (its memory is freed with it). */
  dispose(): void {
    this.disposed = true;
  }

  private put(
    value: Float32Array,
    adam: AdamState,
    id: number,
    m: number,
    v: number,
    counter: number,
    layout = this.layout,
  ): void {
    if (!Number.isInteger(adam.t) || adam.t < 0)
      throw new Error(`Adam step count ${adam.t} is not a whole number ≥ 0`);
    layout.pad(value, this.vec(id));
    layout.pad(adam.m, this.vec(m));
    layout.pad(adam.v, this.vec(v));
    this.i32(B.counters, 3)[counter] = adam.t;
  }

  /** Copies a batch's images and labels into the engine's buffers (checked against its settings). */
  loadBatch(batch: ImageTaskBatch): void {
    if (this.disposed) throw new Error('fused glyph engine: used after dispose');
    const s = this.settings;
    const { tasks, ways, shots, query } = batch;
    if (ways !== s.ways || shots > s.shots || query > s.query || tasks < 1 || tasks > s.maxTasks) {
      throw new Error(
        `fused glyph engine: batch ${tasks}×${ways}-way ${shots}-shot ${query}-query is outside its settings`,
      );
    }
    const ns = ways * shots;
    const nq = ways * query;
    this.f32(B.xs, tasks * ns * PIXELS).set(batch.xs);
    this.i32(B.ys, tasks * ns).set(batch.ys);
    this.f32(B.xq, tasks * nq * PIXELS).set(batch.xq);
    this.i32(B.yq, tasks * nq).set(batch.yq);
  }

  private run(batch: ImageTaskBatch, flags: number): number {
    this.loadBatch(batch);
    const { tasks, ways, shots, query } = batch;
    const ns = ways * shots;
    const nq = ways * query;
    if (this.preLayout && flags & WITH_PRETRAINED)
      globalLabels(batch, this.classIndex, this.i32(B.yPre, batch.tasks * (ns + nq)));
    this.calls += 1;
    const weights = this.f32(B.weights, this.algo === 'mamlpp' ? LSLR_STEPS : 0);
    const shape = { tasks, support: ns, query: nq };
    const calls = stepCalls(this.wasm, this.algo, this.hyper, this.metaSteps, weights, shape, flags);
    return this.pool && tasks > 1 ? this.pool.step(this.instance, batch, calls) : calls.single();
  }

  // views are made per use: cheap, and never stale (the module's memory never grows after init)
  private vec(id: number): Float32Array {
    const pre = id === B.pre || id === B.mPre || id === B.vPre || id === B.gPre;
    return this.f32(id, pre ? (this.preLayout?.paddedSize ?? 0) : this.layout.paddedSize);
  }

  private f64(id: number, n: number): Float64Array {
    return new Float64Array(this.wasm.memory.buffer, this.addrs[id] as number, n);
  }

  private f32(id: number, n: number): Float32Array {
    return new Float32Array(this.wasm.memory.buffer, this.addrs[id] as number, n);
  }

  private i32(id: number, n: number): Int32Array {
    return new Int32Array(this.wasm.memory.buffer, this.addrs[id] as number, n);
  }
}
