import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Algo } from '../../experiment';
import type { PointBatch } from '../batch';
import type { AdamState, FusedState } from '../fused/fusedMlp';
import { deviceLimits, tuningFor, variableOf, webgpuBackend } from './device';
import {
  DEFAULT_LIMITS,
  mlpLayout,
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

export interface FusedHyper {
  alpha: number;
  beta: number;
  inner: number;
}

export interface FusedConfig extends FusedHyper {
  sizes: number[];
  algo: Algo;
}

export interface FusedOptions {
  /** train the pretrained baseline's joint regression in the same dispatches */
  pretrained?: boolean;
  /** Meta-SGD's initial α vector (default: α everywhere) */
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
 * One meta-step of MAML / FOMAML / Meta-SGD / Reptile on the MLP regression family (plus the
 * pretrained baseline's joint step) in at most 7 WebGPU dispatches: the per-task program, Adam's
 * moments for every parameter vector, one update per parameter vector, and the losses. θ, α and
 * the baseline's θ are tf.Variables; Adam's moments stay on the device; nothing is read back.
 * `prepare` must have compiled the programs for a batch shape before `step` runs on it.
 */
export class FusedWebgpuMlp {
  readonly theta: tf.Variable;
  readonly alphaVec: tf.Variable | null;
  readonly pretrainedTheta: tf.Variable | null;
  private readonly backend: WebGPUBackend;
  private readonly config: FusedConfig;
  private readonly pretrained: boolean;
  private readonly params: number;
  private readonly breakShader: boolean;
  /** invocations per task workgroup and where activations live (by adapter unless set) */
  readonly tuning: Pick<FusedSettings, 'workgroup' | 'workgroupMemory' | 'blocked'>;
  /** [m, v] per optimizer section (θ, α, baseline θ), replaced each step */
  private moments: tf.Tensor1D;
  private metaSteps = 0;
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
    this.pretrainedTheta = this.pretrained ? variableOf(opts.pretrainedTheta0 ?? theta0) : null;
    this.moments = tf.zeros([sectionCount(this.settingsFor(1, 1, 1)) * 2 * P]);
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
    try {
      await compileChecked(this.backend, [
        () => run(this.backend, set.task, sizes.task, this.taskInputs(data), this.taskUniforms(shape.tasks)),
        () =>
          run(this.backend, set.moments, sizes.moments, this.reduceInputs(perTask, true), momentUniforms(1)),
        () => run(this.backend, set.gradient, sizes.gradient, this.reduceInputs(perTask, false), ints(1)),
        () =>
          run(
            this.backend,
            set.update,
            sizes.update,
            [vec, this.moments],
            updateUniforms(this.config.beta, 1, 0),
          ),
        () => run(this.backend, set.loss, sizes.loss, [perTask], ints(1, 0)),
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
    if (this.pretrainedTheta) inputs.push(this.pretrainedTheta);
    inputs.push(data);
    return inputs;
  }

  private taskUniforms(tasks: number): Uniforms {
    return [...ints(tasks), { type: 'float32', data: [this.config.alpha] }];
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
    const perTask = this.perTask(batch, set);
    const moments = run(
      this.backend,
      set.moments,
      shapes.moments,
      this.reduceInputs(perTask, true),
      momentUniforms(batch.tasks),
    );
    this.metaSteps += 1;
    const targets: [tf.Variable, number][] = [[this.theta, this.metaSteps]];
    if (this.alphaVec) targets.push([this.alphaVec, this.metaSteps]);
    if (this.pretrainedTheta) {
      this.pretrainedSteps += 1;
      targets.push([this.pretrainedTheta, this.pretrainedSteps]);
    }
    targets.forEach(([v, t], i) => {
      const next = run(
        this.backend,
        set.update,
        shapes.update,
        [v, moments],
        updateUniforms(this.config.beta, t, i * 2 * P),
      );
      v.assign(next);
      next.dispose();
    });
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
    const alpha = this.alphaVec ? tf.slice(grad, P, P) : null;
    grad.dispose();
    return { loss, theta, alpha };
  }

  /** Dispatches in one step: per-task, moments, one update per parameter vector, the losses. */
  dispatchesPerStep(): number {
    const secs = sectionCount({ algo: this.config.algo, pretrained: this.pretrained });
    return 2 + secs + (this.pretrained ? 2 : 1);
  }

  /**
   * α and β apply from the next step. A new inner-step count changes the programs: `prepare`
   * again before stepping. Adam's moments and step counts carry over, as FlatAdam's do.
   */
  setHyper(h: Partial<FusedHyper>): void {
    if (h.inner !== undefined && h.inner !== this.config.inner) this.compiled.clear();
    if (h.alpha !== undefined) this.config.alpha = h.alpha;
    if (h.beta !== undefined) this.config.beta = h.beta;
    if (h.inner !== undefined) this.config.inner = h.inner;
  }

  /** Each parameter vector with its Adam step count, in moment-section order (θ, α, baseline). */
  private sections(): { value: tf.Variable; steps: number }[] {
    const out = [{ value: this.theta, steps: this.metaSteps }];
    if (this.alphaVec) out.push({ value: this.alphaVec, steps: this.metaSteps });
    if (this.pretrainedTheta) out.push({ value: this.pretrainedTheta, steps: this.pretrainedSteps });
    return out;
  }

  /**
   * θ, α, the baseline, Adam's moments and step counts as copies, read back asynchronously (the
   * same layout as the WebAssembly engine's state, so either engine continues the other's run).
   */
  async state(): Promise<FusedState> {
    const P = this.params;
    const parts = this.sections();
    const [m, ...values] = (await Promise.all([
      this.moments.data(),
      ...parts.map((p) => p.value.data()),
    ])) as Float32Array[];
    const read = (i: number): [Float32Array, AdamState] => [
      Float32Array.from(values[i] as Float32Array),
      {
        t: (parts[i] as { steps: number }).steps,
        m: m!.slice(2 * i * P, (2 * i + 1) * P),
        v: m!.slice((2 * i + 1) * P, (2 * i + 2) * P),
      },
    ];
    const [theta, thetaAdam] = read(0);
    const [alpha, alphaAdam] = this.alphaVec ? read(1) : [null, null];
    const [pretrained, pretrainedAdam] = this.pretrainedTheta ? read(parts.length - 1) : [null, null];
    return { theta, thetaAdam, alpha, alphaAdam, pretrained, pretrainedAdam };
  }

  /** Restores a state() of an engine with the same settings (from either engine). */
  restore(s: FusedState): void {
    const P = this.params;
    const parts = this.sections();
    const moments = new Float32Array(parts.length * 2 * P);
    const put = (v: tf.Variable, value: Float32Array, adam: AdamState, section: number) => {
      if (value.length !== P || adam.m.length !== P || adam.v.length !== P)
        throw new Error(`fused WebGPU engine: a state vector has the wrong length (the network has ${P})`);
      tf.tidy(() => v.assign(tf.tensor1d(value)));
      moments.set(adam.m, section * 2 * P);
      moments.set(adam.v, section * 2 * P + P);
    };
    put(this.theta, s.theta, s.thetaAdam, 0);
    if (this.alphaVec) {
      if (!s.alpha || !s.alphaAdam)
        throw new Error('fused WebGPU engine: Meta-SGD state needs α and its Adam');
      put(this.alphaVec, s.alpha, s.alphaAdam, 1);
    }
    if (this.pretrainedTheta) {
      if (!s.pretrained || !s.pretrainedAdam)
        throw new Error('fused WebGPU engine: state has no pretrained θ');
      put(this.pretrainedTheta, s.pretrained, s.pretrainedAdam, parts.length - 1);
      this.pretrainedSteps = s.pretrainedAdam.t;
    }
    this.metaSteps = s.thetaAdam.t;
    this.moments.dispose();
    this.moments = tf.tensor1d(moments);
  }

  /**
   * An engine for another algorithm, on the device: θ and the baseline (θ, its Adam) carry over,
   * the meta-optimiser restarts (Meta-SGD: α from the scalar), as the other engines do. This
   * engine stays usable; dispose it when done.
   */
  withAlgo(algo: Algo): FusedWebgpuMlp {
    const pre = this.pretrainedTheta;
    const next = new FusedWebgpuMlp({ ...this.config, algo }, this.theta as tf.Tensor as tf.Tensor1D, {
      pretrained: this.pretrained,
      ...(pre ? { pretrainedTheta0: pre as tf.Tensor as tf.Tensor1D } : {}),
      ...this.tuning,
    });
    if (pre) {
      const P = this.params;
      const from = (sectionCount({ algo: this.config.algo, pretrained: true }) - 1) * 2 * P;
      const to = (sectionCount({ algo, pretrained: true }) - 1) * 2 * P;
      const kept = tf.tidy(
        () => tf.concat([tf.zeros([to]), tf.slice(this.moments, from, 2 * P)]) as tf.Tensor1D,
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
    this.pretrainedTheta?.dispose();
    this.moments.dispose();
  }
}
