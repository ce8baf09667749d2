import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Algo } from '../../experiment';
import type { PointBatch } from '../batch';
import type { FusedState } from '../fused/fusedMlp';
import { readState, sectionsOf, writeState, type Section } from './engineState';
import { deviceLimits, tuningFor, variableOf, webgpuBackend } from './device';
import {
  LSLR_STEPS,
  lslrInit,
  MAMLPP_DEFAULTS,
  mamlppPhase,
  type MamlppSchedule,
} from '../../meta/mamlppSchedule';
import {
  DEFAULT_LIMITS,
  mlpLayout,
  rateCount,
  sectionCount,
  supports,
  type FusedLimits,
  type FusedSettings,
  type Support,
} from './layout';
import {
  compileChecked,
  ints,
  programSet,
  programShapes,
  run,
  type ProgramSet,
  type Uniforms,
} from './programs';
import { momentUniforms, updateUniforms } from './optimizerShaders';
import { batchStride, packBatch } from './taskShader';
import { phaseUniforms } from './mamlppShader';

export interface FusedHyper {
  alpha: number;
  beta: number;
  inner: number;
  /** MAML++'s schedules (default MAMLPP_DEFAULTS) */
  schedule?: MamlppSchedule;
}

export interface FusedConfig extends FusedHyper {
  sizes: number[];
  algo: Algo;
}

export interface FusedOptions {
  /** train the pretrained baseline's joint regression in the same dispatches */
  pretrained?: boolean;
  /** Meta-SGD's initial α vector, or MAML++'s rates [LSLR_STEPS × tensors] (default: α everywhere) */
  alpha0?: Float32Array;
  /** the baseline's initial θ (default: theta0, as ExperimentRun does) */
  pretrainedTheta0?: Float32Array | tf.Tensor1D;
  /** test hook: compile a deliberately broken per-task shader */
  breakShader?: boolean;
  /** invocations per task workgroup (default TASK_WORKGROUP) */
  workgroup?: number;
  /** keep activations in workgroup memory where they fit (default true) */
  workgroupMemory?: boolean;
  /** 4 outputs per invocation in the forward pass where widths allow (default true) */
  blocked?: boolean;
}

/**
 * One meta-step of MAML / FOMAML / Meta-SGD / Reptile / MAML++ on the MLP regression family (plus
 * the pretrained baseline's joint step) in at most 7 WebGPU dispatches: the per-task program,
 * Adam's moments for every parameter vector, one update per parameter vector, and the losses. θ,
 * α (MAML++: its rates) and the baseline's θ are tf.Variables; Adam's moments stay on the device;
 * nothing is read back. MAML++'s schedules are functions of the meta-step count (uniforms).
 * `prepare` must have compiled the programs for a batch shape before `step` runs on it.
 */
export class FusedWebgpuMlp {
  readonly theta: tf.Variable;
  readonly alphaVec: tf.Variable | null;
  /** MAML++'s learned rates [LSLR_STEPS × tensors] (row-major, step then tensor) */
  readonly rates: tf.Variable | null;
  readonly pretrainedTheta: tf.Variable | null;
  private readonly backend: WebGPUBackend;
  private readonly config: FusedConfig;
  private readonly pretrained: boolean;
  private readonly params: number;
  private readonly breakShader: boolean;
  /** invocations per task workgroup and where activations live (by adapter unless set) */
  readonly tuning: Pick<FusedSettings, 'workgroup' | 'workgroupMemory' | 'blocked'>;
  /** [m, v] per optimizer section (θ, α, baseline θ), then MAML++ rates' [m, v]; replaced each step */
  private moments: tf.Tensor1D;
  /** meta-updates applied: Adam's step count for θ and the clock of MAML++'s schedules */
  metaSteps = 0;
  private ratesSteps = 0;
  private pretrainedSteps = 0;
  private readonly compiled = new Map<string, ProgramSet>();

  static supports(settings: FusedSettings, limits: FusedLimits = DEFAULT_LIMITS): Support {
    return supports(settings, limits);
  }

  /** θ0 (and the options' α0 and baseline θ0) are copied: arrays or tensors on the webgpu backend. */
  constructor(config: FusedConfig, theta0: Float32Array | tf.Tensor1D, opts: FusedOptions = {}) {
    this.backend = webgpuBackend();
    this.config = { ...config, sizes: [...config.sizes] };
    this.pretrained = opts.pretrained ?? false;
    this.breakShader = opts.breakShader ?? false;
    this.tuning = tuningFor(this.backend);
    if (opts.workgroup !== undefined) this.tuning.workgroup = opts.workgroup;
    if (opts.workgroupMemory !== undefined) this.tuning.workgroupMemory = opts.workgroupMemory;
    if (opts.blocked !== undefined) this.tuning.blocked = opts.blocked;
    this.params = mlpLayout(config.sizes).params;
    const n = theta0 instanceof Float32Array ? theta0.length : theta0.size;
    if (n !== this.params) throw new Error(`θ has ${n} values, the network ${this.params}`);
    const P = this.params;
    this.theta = variableOf(theta0);
    this.alphaVec =
      config.algo === 'metasgd' ? variableOf(opts.alpha0 ?? new Float32Array(P).fill(config.alpha)) : null;
    const R = rateCount(config);
    const rates0 = opts.alpha0 ?? lslrInit(R / LSLR_STEPS, config.alpha);
    if (R > 0 && rates0.length !== R) throw new Error(`MAML++ rates must be ${R} numbers`);
    this.rates = R > 0 ? variableOf(rates0) : null;
    this.pretrainedTheta = this.pretrained ? variableOf(opts.pretrainedTheta0 ?? theta0) : null;
    this.moments = tf.zeros([sectionCount(this.settingsFor(1, 1, 1)) * 2 * P + 2 * R]);
  }

  /** MAML++'s phase (weights, order, β) at the meta-step count; β alone for the others. */
  private phase() {
    const c = this.config;
    return mamlppPhase(this.metaSteps, c.inner, c.beta, c.schedule ?? MAMLPP_DEFAULTS);
  }

  private settingsFor(tasks: number, support: number, query: number): FusedSettings {
    const c = this.config;
    const { pretrained, tuning } = this;
    return { sizes: c.sizes, algo: c.algo, inner: c.inner, tasks, support, query, pretrained, ...tuning };
  }

  private shapeKey(support: number, query: number): string {
    return `${support},${query},${this.config.inner}`;
  }

  /** The device limits this engine runs under. */
  limits(): FusedLimits {
    return deviceLimits(this.backend);
  }

  /**
   * Checks the configuration against the device and compiles its programs; rejects with the
   * reason (an over-limit network, or a shader that does not compile) so the caller can fall back.
   */
  async prepare(shape: { tasks: number; support: number; query: number }): Promise<void> {
    const s = this.settingsFor(shape.tasks, shape.support, shape.query);
    const fit = supports(s, this.limits());
    if (!fit.ok) throw new Error(`the fused WebGPU engine cannot run this configuration: ${fit.reason}`);
    const key = this.shapeKey(shape.support, shape.query);
    if (this.compiled.has(key)) return;
    const set = programSet(s, this.breakShader);
    const sizes = programShapes(s);
    const P = this.params;
    const data = tf.zeros([shape.tasks * batchStride(s)]);
    const perTask = tf.zeros([sizes.task.size]);
    const vec = tf.zeros([P]);
    const b = this.backend;
    const update =
      (spec: ProgramSet['update'], shape: { size: number; groups: number }, v: tf.Tensor) => () =>
        run(b, spec, shape, [v, this.moments], updateUniforms(1, 1, 0));
    const rates =
      set.ratesUpdate && this.rates ? [update(set.ratesUpdate, sizes.ratesUpdate, this.rates)] : [];
    try {
      await compileChecked(b, [
        () => run(b, set.task, sizes.task, this.taskInputs(data), this.taskUniforms(shape.tasks)),
        () => run(b, set.moments, sizes.moments, this.reduceInputs(perTask, true), momentUniforms(1)),
        () => run(b, set.gradient, sizes.gradient, this.reduceInputs(perTask, false), ints(1)),
        update(set.update, sizes.update, vec),
        () => run(b, set.loss, sizes.loss, [perTask], ints(1, 0)),
        ...rates,
      ]);
    } finally {
      tf.dispose([data, perTask, vec]);
    }
    this.compiled.set(key, set);
  }

  /**
   * The programs for this batch's shape. A shape `prepare` did not check (K, Q or the inner steps
   * changed during a run) is compiled on first use, unchecked: a shader that fails then surfaces as
   * the device's uncaptured error, which the worker turns into a fallback.
   */
  private programsFor(batch: PointBatch): ProgramSet {
    const s = this.settingsFor(batch.tasks, batch.support, batch.query);
    // the programs do not depend on the meta-batch size, but the limits do
    const fit = supports(s, this.limits());
    if (!fit.ok) throw new Error(`the fused WebGPU engine cannot run this batch: ${fit.reason}`);
    const key = this.shapeKey(batch.support, batch.query);
    let set = this.compiled.get(key);
    if (!set) {
      set = programSet(s, this.breakShader);
      this.compiled.set(key, set);
    }
    return set;
  }

  private taskInputs(data: tf.Tensor): tf.Tensor[] {
    const inputs: tf.Tensor[] = [this.theta];
    if (this.alphaVec) inputs.push(this.alphaVec);
    if (this.rates) inputs.push(this.rates);
    if (this.pretrainedTheta) inputs.push(this.pretrainedTheta);
    inputs.push(data);
    return inputs;
  }

  private taskUniforms(tasks: number): Uniforms {
    const base: Uniforms = [...ints(tasks), { type: 'float32', data: [this.config.alpha] }];
    return this.rates ? [...base, ...phaseUniforms(this.phase())] : base;
  }

  private reduceInputs(perTask: tf.Tensor, withMoments: boolean): tf.Tensor[] {
    return withMoments ? [perTask, this.moments] : [perTask];
  }

  /** The per-task program on a batch: one row per task (and per baseline task). */
  private perTask(batch: PointBatch, set: ProgramSet): tf.Tensor1D {
    const data = tf.tensor1d(packBatch(batch));
    try {
      const s = this.settingsFor(batch.tasks, batch.support, batch.query);
      return run(
        this.backend,
        set.task,
        programShapes(s).task,
        this.taskInputs(data),
        this.taskUniforms(batch.tasks),
      );
    } finally {
      data.dispose();
    }
  }

  private loss(
    set: ProgramSet,
    perTask: tf.Tensor,
    tasks: number,
    row0: number,
    s: FusedSettings,
  ): tf.Scalar {
    const out = run(this.backend, set.loss, programShapes(s).loss, [perTask], ints(tasks, row0));
    const scalar = tf.reshape(out, []) as tf.Scalar; // a view: no dispatch
    out.dispose();
    return scalar;
  }

  /** One meta-step (and baseline step). Returns the losses before the update, on the device. */
  step(batch: PointBatch): { meta: tf.Scalar; pretrained: tf.Scalar | null } {
    const set = this.programsFor(batch);
    const s = this.settingsFor(batch.tasks, batch.support, batch.query);
    const shapes = programShapes(s);
    const P = this.params;
    // MAML++: θ and the rates step at the cosine β of the schedules (before this step counts)
    const metaBeta = this.rates ? this.phase().beta : this.config.beta;
    const perTask = this.perTask(batch, set);
    const moments = run(
      this.backend,
      set.moments,
      shapes.moments,
      this.reduceInputs(perTask, true),
      momentUniforms(batch.tasks),
    );
    this.metaSteps += 1;
    const targets: [tf.Variable, number, number][] = [[this.theta, this.metaSteps, metaBeta]];
    if (this.alphaVec) targets.push([this.alphaVec, this.metaSteps, metaBeta]);
    if (this.pretrainedTheta) {
      this.pretrainedSteps += 1;
      targets.push([this.pretrainedTheta, this.pretrainedSteps, this.config.beta]);
    }
    const apply = (spec: ProgramSet['update'], shape: typeof shapes.update, v: tf.Variable, u: Uniforms) => {
      const next = run(this.backend, spec, shape, [v, moments], u);
      v.assign(next);
      next.dispose();
    };
    targets.forEach(([v, t, beta], i) =>
      apply(set.update, shapes.update, v, updateUniforms(beta, t, i * 2 * P)),
    );
    if (this.rates && set.ratesUpdate) {
      this.ratesSteps += 1;
      const u = updateUniforms(metaBeta, this.ratesSteps, targets.length * 2 * P);
      apply(set.ratesUpdate, shapes.ratesUpdate, this.rates, u);
    }
    const meta = this.loss(set, perTask, batch.tasks, 0, s);
    const pretrained = this.pretrained ? this.loss(set, perTask, batch.tasks, batch.tasks, s) : null;
    this.moments.dispose();
    this.moments = moments;
    perTask.dispose();
    return { meta, pretrained };
  }

  /**
   * The meta-gradient at the current θ (and α) without applying it: what Adam is fed. For
   * Reptile that is θ − mean θ′. Used by tests and the engine check page.
   */
  metaGradient(batch: PointBatch): { loss: tf.Scalar; theta: tf.Tensor1D; alpha: tf.Tensor1D | null } {
    const set = this.programsFor(batch);
    const s = this.settingsFor(batch.tasks, batch.support, batch.query);
    const perTask = this.perTask(batch, set);
    const grad = run(
      this.backend,
      set.gradient,
      programShapes(s).gradient,
      this.reduceInputs(perTask, false),
      ints(batch.tasks),
    );
    const loss = this.loss(set, perTask, batch.tasks, 0, s);
    perTask.dispose();
    const P = this.params;
    const theta = tf.slice(grad, 0, P);
    const alpha = this.alphaVec || this.rates ? tf.slice(grad, P, grad.size - P) : null;
    grad.dispose();
    return { loss, theta, alpha };
  }

  /** Dispatches in one step: per-task, moments, one update per parameter vector, the losses. */
  dispatchesPerStep(): number {
    const secs = sectionCount({ algo: this.config.algo, pretrained: this.pretrained });
    return 2 + secs + (this.rates ? 1 : 0) + (this.pretrained ? 2 : 1);
  }

  /**
   * α and β apply from the next step. A new inner-step count changes the programs: `prepare`
   * again before stepping. Adam's moments and step counts carry over, as FlatAdam's do.
   */
  setHyper(h: Partial<FusedHyper>): void {
    if (h.inner !== undefined && h.inner !== this.config.inner) this.compiled.clear();
    if (h.alpha !== undefined) this.config.alpha = h.alpha;
    if (h.beta !== undefined) this.config.beta = h.beta;
    if (h.schedule !== undefined) this.config.schedule = h.schedule;
    if (h.inner !== undefined) this.config.inner = h.inner;
  }

  /** Each learned vector, its Adam step count and where its [m, v] lie in the moments. */
  private sections(): Section[] {
    const steps = { meta: this.metaSteps, pretrained: this.pretrainedSteps, rates: this.ratesSteps };
    return sectionsOf(this, steps, this.params);
  }

  /**
   * θ, α (MAML++: its rates), the baseline, Adam's moments and step counts as copies, read back
   * asynchronously (the WebAssembly engine's state layout, so either engine continues the other's run).
   */
  state(): Promise<FusedState> {
    return readState(this, this.sections(), this.moments);
  }

  /** Restores a state() of an engine with the same settings (from either engine). */
  restore(s: FusedState): void {
    const { moments, steps } = writeState(this, this.sections(), s, this.moments.size);
    this.metaSteps = steps.meta;
    this.pretrainedSteps = steps.pretrained;
    this.ratesSteps = steps.rates;
    this.moments.dispose();
    this.moments = tf.tensor1d(moments);
  }

  /**
   * An engine for another algorithm, on the device: θ and the baseline (θ, its Adam) carry over,
   * the meta-optimiser restarts (Meta-SGD and MAML++: rates from the scalar α), as the other
   * engines do. This engine stays usable; dispose it when done.
   */
  withAlgo(algo: Algo): FusedWebgpuMlp {
    const pre = this.pretrainedTheta;
    const next = new FusedWebgpuMlp({ ...this.config, algo }, this.theta as tf.Tensor as tf.Tensor1D, {
      pretrained: this.pretrained,
      ...(pre ? { pretrainedTheta0: pre as tf.Tensor as tf.Tensor1D } : {}),
      ...this.tuning,
    });
    const from = this.sections().find((p) => p.value === pre);
    const to = next.sections().find((p) => p.value === next.pretrainedTheta);
    if (from && to) {
      const n = 2 * from.n;
      const after = next.moments.size - to.at - n;
      const kept = tf.tidy(
        () =>
          tf.concat([
            tf.zeros([to.at]),
            tf.slice(this.moments, from.at, n),
            tf.zeros([after]),
          ]) as tf.Tensor1D,
      );
      next.moments.dispose();
      next.moments = kept;
      next.pretrainedSteps = this.pretrainedSteps;
    }
    return next;
  }

  dispose(): void {
    this.theta.dispose();
    this.alphaVec?.dispose();
    this.rates?.dispose();
    this.pretrainedTheta?.dispose();
    this.moments.dispose();
  }
}
