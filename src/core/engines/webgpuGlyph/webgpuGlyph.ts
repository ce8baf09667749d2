import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { ImageTaskBatch } from '../batch';
import type { FusedHyper, FusedState } from '../fused/fusedMlp';
import type { WasmGlyphSettings } from '../fusedGlyph/fusedGlyph';
import { phaseAt, type GlyphAlgo } from '../fusedGlyph/mamlpp';
import { lslrInit } from '../../meta/mamlppSchedule';
import { deviceLimits, tuningFor, variableOf, webgpuBackend } from '../webgpu/device';
import type { FusedLimits } from '../webgpu/layout';
import { phaseUniforms } from '../webgpu/mamlppShader';
import { compileChecked, ints, run, type Uniforms } from '../webgpu/programs';
import * as opt from './glyphAdam';
import { dryRuns, taskRows, zeroSums, type TaskRows } from './chunks';
import { geometry, mamlppSizes, type Geometry, type RowShape } from './layout';
import { dispatchesPerStep, fits, type TaskChunks } from './fit';
import { maxMacsFor, type WebgpuGlyphOptions } from './options';
import { glyphProgramSet, glyphProgramShapes, purgeGlyphPipelines, type GlyphProgramSet } from './programs';
import { packBatch } from './taskShader';
import { glyphRateTensors } from './mamlppGlyph';
import { GlyphPretrainedGpu, pretrainedShape } from './pretrainedGpu';

export type { WebgpuGlyphOptions };

/**
 * The glyph meta-step (conv or fc net, batch norm or bias; MAML with exact second order, FOMAML,
 * Meta-SGD, Reptile, MAML++ with its sets and learned rates: mamlppOps.ts; Adam) in WebGPU
 * dispatches whose number depends only on the algorithm, the task chunks and the phases
 * (fit.dispatchesPerStep): the per-task program (once per chunk and phase where the batch or one
 * task is over a per-dispatch limit: chunks.ts, phases.ts), Adam's moments, one update per
 * parameter vector and the mean loss. θ and α (MAML++: its rates) are
 * tf.Variables in the project's flat layout; Adam's moments stay on the device; nothing is read
 * back during a step. MAML++'s schedule phase (its weights, order and cosine β) is a function of
 * the step count, passed as uniforms.
 */
export class WebgpuGlyphEngine {
  readonly theta: tf.Variable;
  readonly alphaVec: tf.Variable | null;
  /** MAML++'s learned rates [LSLR_STEPS × tensors] (the WebAssembly engine's order) */
  readonly rates: tf.Variable | null;
  private settingsNow: WasmGlyphSettings;
  /** θ's length (MAML++: with the queue of batch-norm sets) */
  private readonly P: number;
  private readonly backend: WebGPUBackend;
  private readonly geo: Geometry;
  private readonly workgroup: number;
  private readonly maxMacs: number;
  private readonly breakShader: boolean;
  private readonly limits: FusedLimits;
  private readonly pre: GlyphPretrainedGpu | null;
  private hyper: FusedHyper;
  /** [m, v] of θ, then of α (Meta-SGD) or of MAML++'s rates, replaced each step */
  private moments: tf.Tensor1D;
  private steps = 0;
  private ratesSteps = 0;
  private readonly compiled = new Map<string, GlyphProgramSet>();
  private readonly prepared = new Set<GlyphProgramSet>();
  /** each split program set's zero sums (chunks.ts) */
  private readonly zeros = new Map<GlyphProgramSet, tf.Tensor1D | null>();

  private constructor(
    settings: WasmGlyphSettings,
    theta0: Float32Array | tf.Tensor1D,
    private readonly opts: WebgpuGlyphOptions,
  ) {
    this.backend = webgpuBackend();
    this.settingsNow = { ...settings, hidden: [...settings.hidden] };
    const { alpha, beta, inner, schedule } = settings;
    this.hyper = { alpha, beta, inner, ...(schedule ? { schedule } : {}) };
    this.geo = geometry(settings);
    this.workgroup = opts.workgroup ?? tuningFor(this.backend).workgroup ?? 64;
    this.maxMacs = opts.maxMacs ?? maxMacsFor(this.backend);
    this.breakShader = opts.breakShader ?? false;
    this.limits = opts.limits ?? deviceLimits(this.backend);
    const pp = settings.algo === 'mamlpp' ? mamlppSizes(this.geo) : null;
    const P = pp?.thetaLength ?? this.geo.params;
    this.P = P;
    const n = theta0 instanceof Float32Array ? theta0.length : theta0.size;
    if (n !== P) throw new Error(`θ has ${n} values, the network ${P}`);
    const metasgd = settings.algo === 'metasgd';
    const rates0 = pp ? (opts.alpha0 ?? lslrInit(pp.tensors, alpha)) : null;
    if (pp && rates0?.length !== pp.rates) throw new Error(`MAML++ rates must be ${pp.rates} numbers`);
    this.theta = variableOf(theta0);
    this.alphaVec = metasgd ? variableOf(opts.alpha0 ?? new Float32Array(P).fill(alpha)) : null;
    this.rates = rates0 ? variableOf(rates0) : null;
    this.moments = tf.zeros([(metasgd ? 2 : 1) * 2 * P + 2 * (pp?.rates ?? 0)]);
    const tuning = { workgroup: this.workgroup, maxMacs: this.maxMacs, breakShader: this.breakShader };
    const pre = opts.pretrained;
    this.pre = pre ? new GlyphPretrainedGpu(this.backend, settings, pre, tuning, this.limits) : null;
  }

  /** the pretrained baseline's θ (C-way head), a variable on the device; null without one */
  get pretrainedTheta(): tf.Variable | null {
    return this.pre?.theta ?? null;
  }

  /** the pretrained baseline's classes in the order of its outputs; null without one */
  get pretrainedClasses(): number[] | null {
    return this.pre?.classes ?? null;
  }

  /**
   * An engine whose programs for the settings' batch shape compiled; rejects with the reason
   * (tfjs not on WebGPU, a network or batch over the device's limits, a shader that does not
   * compile) so the caller can keep the tfjs path and say why.
   */
  static async create(
    settings: WasmGlyphSettings,
    theta0: Float32Array,
    opts: WebgpuGlyphOptions = {},
  ): Promise<WebgpuGlyphEngine> {
    const engine = WebgpuGlyphEngine.build(settings, theta0, opts);
    try {
      await engine.prepare(settings.shots, settings.query);
      return engine;
    } catch (e) {
      engine.dispose();
      throw e;
    }
  }

  /**
   * An engine whose settings passed the device checks (throws the reason otherwise), its programs
   * not yet compiled: `prepare` compiles and checks them (else they compile on first use).
   * θ₀ may be a tensor (copied).
   */
  static build(
    settings: WasmGlyphSettings,
    theta0: Float32Array | tf.Tensor1D,
    opts: WebgpuGlyphOptions = {},
  ): WebgpuGlyphEngine {
    const engine = new WebgpuGlyphEngine(settings, theta0, opts);
    try {
      engine.check(settings.shots, settings.query, settings.maxTasks);
      return engine;
    } catch (e) {
      engine.dispose();
      throw e;
    }
  }

  get settings(): Readonly<WasmGlyphSettings> {
    return this.settingsNow;
  }

  /**
   * An engine for another algorithm that keeps θ and the pretrained baseline (θ and its Adam);
   * θ's optimiser restarts and Meta-SGD's α starts at α, as the tfjs run does. Throws the reason
   * when the new algorithm does not fit the device, or when θ's layout changes (MAML++'s sets).
   */
  withAlgo(algo: GlyphAlgo): WebgpuGlyphEngine {
    if ((algo === 'mamlpp') !== (this.algo === 'mamlpp') && this.geo.batchNorm)
      throw new Error(`fused WebGPU glyph engine: θ of ${this.algo} does not fit ${algo} (batch-norm sets)`);
    const { alpha0: _, pretrained: __, ...opts } = this.opts;
    const p = this.pre;
    const pre = p
      ? { classes: p.classes, theta0: p.theta as tf.Tensor1D, model: p.model ?? undefined }
      : undefined;
    const theta = this.theta as tf.Tensor1D;
    const next = WebgpuGlyphEngine.build({ ...this.settings, ...this.hyper, algo }, theta, {
      ...opts,
      ...(pre ? { pretrained: pre } : {}),
    });
    if (this.pre) next.pre?.carryAdam(this.pre);
    return next;
  }

  /** Holds batches up to these sizes from now on (throws the reason when they do not fit). */
  resize(shots: number, query: number, maxTasks: number): void {
    this.check(shots, query, maxTasks);
    this.settingsNow = { ...this.settingsNow, shots, query, maxTasks };
  }

  /** How the settings' batch shape is split into per-task dispatches (fit.taskChunks). */
  get taskChunks(): TaskChunks {
    return this.check(this.settings.shots, this.settings.query, this.settings.maxTasks);
  }

  get algo(): GlyphAlgo {
    return this.settings.algo;
  }

  private shapeOf(shots: number, query: number): RowShape {
    const w = this.settings.ways;
    return { algo: this.algo, inner: this.hyper.inner, support: w * shots, query: w * query };
  }

  /** The task chunks of a batch shape on this device (throws the reason when it does not fit). */
  private check(shots: number, query: number, tasks: number): TaskChunks {
    const fit = fits(
      {
        ...this.settings,
        ...this.shapeOf(shots, query),
        tasks,
        workgroup: this.workgroup,
        maxMacs: this.maxMacs,
      },
      this.limits,
    );
    const w = this.settings.ways;
    const preFit = this.pre?.fits(pretrainedShape(w, shots, query, tasks), this.limits) ?? fit;
    const why = !fit.ok ? fit.reason : !preFit.ok ? preFit.reason : null;
    if (why !== null || !fit.ok)
      throw new Error(`the fused WebGPU glyph engine cannot run this configuration: ${why}`);
    return { perChunk: fit.perChunk, chunks: fit.chunks, phases: fit.phases };
  }

  /** The programs of a batch shape split as the engine's settings split it (made once per shape). */
  private setFor(shots: number, query: number): GlyphProgramSet {
    const shape = this.shapeOf(shots, query);
    const chunks = this.check(shots, query, this.settings.maxTasks);
    const key = `${shape.support},${shape.query},${shape.inner},${chunks.perChunk},${chunks.phases.ends}`;
    let set = this.compiled.get(key);
    if (!set) {
      set = glyphProgramSet(this.geo, shape, this.workgroup, this.breakShader, chunks);
      this.compiled.set(key, set);
      this.zeros.set(set, zeroSums(set));
    }
    return set;
  }

  /** Checks a batch shape against the device and compiles its programs (rejects with the reason). */
  async prepare(shots: number, query: number): Promise<void> {
    const set = this.setFor(shots, query);
    if (this.prepared.has(set)) return;
    const shape = this.shapeOf(shots, query);
    const data = tf.zeros([this.geo.params + (shape.support + shape.query) * 785]);
    const rows = tf.zeros([glyphProgramShapes(set.row, 1).task.size]);
    const inputs = { task: this.taskInputs(data), rows, moments: this.moments, theta: this.theta };
    const b = this.backend;
    const zeros = this.zeros.get(set) ?? null;
    try {
      await compileChecked(b, dryRuns(b, set, zeros, inputs, this.hyper.alpha, this.phaseUniforms()));
    } catch (e) {
      purgeGlyphPipelines(b);
      throw e;
    } finally {
      tf.dispose([data, rows]);
    }
    await this.pre?.prepare(pretrainedShape(this.settings.ways, shots, query, this.settings.maxTasks));
    this.prepared.add(set);
  }

  /** The programs for a batch (a shape `prepare` did not see is compiled on first use, unchecked). */
  private programsFor(batch: ImageTaskBatch): GlyphProgramSet {
    const s = this.settings;
    if (batch.ways !== s.ways || batch.tasks < 1 || batch.tasks > s.maxTasks)
      throw new Error(
        `fused WebGPU glyph engine: batch ${batch.tasks}×${batch.ways}-way is outside its settings`,
      );
    return this.setFor(batch.shots, batch.query); // (what holds maxTasks tasks holds fewer)
  }

  private taskInputs(data: tf.Tensor): tf.Tensor[] {
    const second = this.alphaVec ?? this.rates;
    return second ? [this.theta, second, data] : [this.theta, data];
  }

  /** The per-task program's MAML++ uniforms (its order and weights) for the next step. */
  private phaseUniforms(): Uniforms {
    return this.rates ? phaseUniforms(phaseAt(this.steps, this.hyper)) : [];
  }

  /** Meta-steps applied so far: MAML++'s schedule clock (engineViews.GpuVariables). */
  get metaSteps(): number {
    return this.steps;
  }

  /** MAML++'s rate tensors' lengths in θ's order (what GpuLearner spreads the rates over), else undefined. */
  get tensorSizes(): readonly number[] | undefined {
    return this.rates ? glyphRateTensors(this.geo).map((t) => t.n) : undefined;
  }

  /** The per-task rows of a batch (one dispatch, or the chunk sums: chunks.ts). */
  private perTask(batch: ImageTaskBatch, set: GlyphProgramSet): TaskRows {
    const data = tf.tensor1d(packBatch(batch));
    try {
      const zeros = this.zeros.get(set) ?? null;
      const inputs = this.taskInputs(data);
      return taskRows(this.backend, set, inputs, batch.tasks, this.hyper.alpha, zeros, this.phaseUniforms());
    } finally {
      data.dispose();
    }
  }

  /**
   * One meta-step; the meta-loss before the update, on the device. MAML++ steps θ and its rates
   * at the phase's cosine β; the pretrained baseline keeps the constant β.
   */
  step(batch: ImageTaskBatch): { meta: tf.Scalar; pretrained: tf.Scalar | null } {
    const set = this.programsFor(batch);
    const beta = this.rates ? phaseAt(this.steps, this.hyper).beta : this.hyper.beta;
    const t = this.perTask(batch, set);
    const sizes = glyphProgramShapes(set.row, 1);
    this.steps += 1;
    const [P, u] = [this.P, set.update];
    const targets: opt.AdamTarget[] = [
      { value: this.theta, spec: u, shape: sizes.update, mOff: 0, t: this.steps },
    ];
    if (this.alphaVec)
      targets.push({ value: this.alphaVec, spec: u, shape: sizes.update, mOff: 2 * P, t: this.steps });
    if (this.rates && set.ratesUpdate) {
      this.ratesSteps += 1;
      const r = { spec: set.ratesUpdate, shape: sizes.ratesUpdate, mOff: 2 * P, t: this.ratesSteps };
      targets.push({ value: this.rates, ...r });
    }
    const moments = opt.adamStep(this.backend, t, this.moments, targets, beta);
    const meta = opt.meanLoss(this.backend, t);
    this.moments.dispose();
    this.moments = moments;
    t.rows.dispose();
    return { meta, pretrained: this.pre?.step(batch, this.hyper.beta) ?? null };
  }

  /** The pretrained baseline's loss and gradient on a batch, nothing updated. */
  pretrainedGradient(batch: ImageTaskBatch): { loss: tf.Scalar; theta: tf.Tensor1D } {
    if (!this.pre) throw new Error('fused WebGPU glyph engine: no pretrained baseline');
    this.programsFor(batch);
    return this.pre.gradient(batch);
  }

  /**
   * The meta-gradient at the current θ (and α, or MAML++'s rates: `alpha`) without applying it:
   * what Adam is fed. For Reptile that is θ − mean θ′.
   */
  metaGradient(batch: ImageTaskBatch): { loss: tf.Scalar; theta: tf.Tensor1D; alpha: tf.Tensor1D | null } {
    const t = this.perTask(batch, this.programsFor(batch));
    const shape = glyphProgramShapes(t.row, t.tasks).gradient;
    const grad = run(this.backend, t.gradient, shape, [t.rows], ints(t.tasks));
    const loss = opt.meanLoss(this.backend, t);
    t.rows.dispose();
    const P = this.P;
    const theta = tf.slice(grad, 0, P);
    const alpha = this.alphaVec || this.rates ? tf.slice(grad, P, grad.size - P) : null;
    grad.dispose();
    return { loss, theta, alpha };
  }

  /**
   * Dispatches in one step of the settings' batch shape: fixed by the algorithm, the task chunks
   * and the phases (the network, the batch shape the engine holds, the adapter's limits), whatever
   * a step changes. A baseline whose gradient runs as tfjs kernels (pretrainedGpu.ts) adds those.
   */
  dispatchesPerStep(): number {
    const s = this.settings;
    const pre = this.pre?.dispatches(pretrainedShape(s.ways, s.shots, s.query, s.maxTasks)) ?? 0;
    const { chunks, phases } = this.taskChunks;
    return dispatchesPerStep(this.algo, chunks, phases.ends.length) + pre;
  }

  /** α, β and inner steps apply from the next step (a new inner-step count compiles new programs). */
  setHyper(h: Partial<FusedHyper>): void {
    if (h.inner !== undefined && (!Number.isInteger(h.inner) || h.inner < 1 || h.inner > 5))
      throw new Error(`fused WebGPU glyph engine: inner must be an integer in 1..5, got ${h.inner}`);
    this.hyper = {
      alpha: h.alpha ?? this.hyper.alpha,
      beta: h.beta ?? this.hyper.beta,
      inner: h.inner ?? this.hyper.inner,
      ...((h.schedule ?? this.hyper.schedule) ? { schedule: h.schedule ?? this.hyper.schedule } : {}),
    };
  }

  private optimizer(): opt.GlyphOptimizer {
    const vectors = { theta: this.theta, alphaVec: this.alphaVec, rates: this.rates, pretrainedTheta: null };
    const counts = { meta: this.steps, pretrained: 0, rates: this.ratesSteps };
    return { vectors, counts, P: this.P, moments: this.moments };
  }

  /**
   * θ, α (MAML++: its rates), the baseline and their Adam states as copies, read back
   * asynchronously (FusedGlyphEngine's layout).
   */
  async state(): Promise<FusedState> {
    const own = await opt.readGlyphState(this.optimizer());
    const pre = (await this.pre?.state()) ?? null;
    return { ...own, pretrained: pre?.theta ?? null, pretrainedAdam: pre?.adam ?? null };
  }

  /** Restores a state() of an engine with the same settings (this one, FusedGlyphEngine, MetaLearner). */
  restore(s: FusedState): void {
    if (this.pre && (!s.pretrained || !s.pretrainedAdam))
      throw new Error('fused WebGPU glyph engine: the state has no pretrained θ');
    const { moments, counts } = opt.writeGlyphState(this.optimizer(), s);
    this.steps = counts.meta;
    this.ratesSteps = this.rates ? counts.rates : 0;
    this.moments.dispose();
    this.moments = moments;
    if (this.pre) this.pre.restore(s.pretrained!, s.pretrainedAdam!);
  }

  dispose(): void {
    for (const z of this.zeros.values()) z?.dispose();
    this.pre?.dispose();
    this.theta.dispose();
    this.alphaVec?.dispose();
    this.rates?.dispose();
    this.moments.dispose();
  }
}
