import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { Algo } from '../../experiment';
import type { RegressionBatch } from '../../families/regression/tasks';
import {
  DEFAULT_LIMITS,
  mlpLayout,
  sectionCount,
  supports,
  type FusedLimits,
  type FusedSettings,
  type Support,
} from './layout';
import { compileChecked, programSet, programShapes, run, type ProgramSet, type Uniforms } from './programs';
import { batchStride } from './taskShader';

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
  pretrainedTheta0?: Float32Array;
  /** test hook: compile a deliberately broken per-task shader */
  breakShader?: boolean;
  /** invocations per task workgroup (default TASK_WORKGROUP) */
  workgroup?: number;
  /** keep activations in workgroup memory where they fit (default true) */
  workgroupMemory?: boolean;
  /** 4 outputs per invocation in the forward pass where widths allow (default true) */
  blocked?: boolean;
}

/** FlatAdam's constants; (1 − β) is computed in double precision as FlatAdam does. */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** The device limits the engine needs, read from tfjs's WebGPU device. */
export function deviceLimits(backend: WebGPUBackend): FusedLimits {
  const l = backend.device.limits;
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(out) as (keyof FusedLimits)[]) out[k] = Number(l[k]);
  return out;
}

/**
 * Defaults by adapter. SwiftShader runs a workgroup on one CPU thread, 4 invocations per SIMD
 * step, and switches between those groups at every barrier: one group of 4 with activations in
 * storage ran the paper configuration at 27-30 meta-steps/s against 12-17 for 64 invocations
 * (interleaved runs, engine check page ?bench=1&wg=4,16&shared=0&repeat=3). GPUs get 64
 * invocations and workgroup memory.
 */
export function tuningFor(
  backend: WebGPUBackend,
): Pick<FusedSettings, 'workgroup' | 'workgroupMemory' | 'blocked'> {
  const info = backend.adapterInfo as unknown as { architecture?: string; vendor?: string } | undefined;
  const software = info?.architecture === 'swiftshader';
  return software ? { workgroup: 4, workgroupMemory: false } : { workgroup: 64, workgroupMemory: true };
}

/** A variable holding a copy of `values`; the tidy frees the temporary tensor it was made from. */
function variableOf(values: Float32Array): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor1d(values), false));
}

function webgpuBackend(): WebGPUBackend {
  if (tf.getBackend() !== 'webgpu') {
    throw new Error(`the fused WebGPU engine needs the webgpu backend (tfjs runs on ${tf.getBackend()})`);
  }
  return tf.backend() as unknown as WebGPUBackend;
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

  constructor(config: FusedConfig, theta0: Float32Array, opts: FusedOptions = {}) {
    this.backend = webgpuBackend();
    this.config = { ...config, sizes: [...config.sizes] };
    this.pretrained = opts.pretrained ?? false;
    this.breakShader = opts.breakShader ?? false;
    this.tuning = tuningFor(this.backend);
    if (opts.workgroup !== undefined) this.tuning.workgroup = opts.workgroup;
    if (opts.workgroupMemory !== undefined) this.tuning.workgroupMemory = opts.workgroupMemory;
    if (opts.blocked !== undefined) this.tuning.blocked = opts.blocked;
    this.params = mlpLayout(config.sizes).params;
    if (theta0.length !== this.params)
      throw new Error(`θ has ${theta0.length} values, the network ${this.params}`);
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
          run(
            this.backend,
            set.moments,
            sizes.moments,
            this.reduceInputs(perTask, true),
            this.momentUniforms(1),
          ),
        () => run(this.backend, set.gradient, sizes.gradient, this.reduceInputs(perTask, false), this.int(1)),
        () => run(this.backend, set.update, sizes.update, [vec, this.moments], this.updateUniforms(1, 0)),
        () => run(this.backend, set.loss, sizes.loss, [perTask], this.int(1, 0)),
      ]);
    } finally {
      tf.dispose([data, perTask, vec]);
    }
    this.compiled.set(key, set);
  }

  private programsFor(batch: RegressionBatch): ProgramSet {
    const set = this.compiled.get(this.shapeKey(batch.support, batch.query));
    if (!set) {
      throw new Error(
        `call prepare() before stepping on K=${batch.support}, Q=${batch.query}, inner ${this.config.inner}`,
      );
    }
    // the programs do not depend on the meta-batch size, but the limits do
    const fit = supports(this.settingsFor(batch.tasks, batch.support, batch.query), this.limits());
    if (!fit.ok) throw new Error(`the fused WebGPU engine cannot run this batch: ${fit.reason}`);
    return set;
  }

  private int(...values: number[]): Uniforms {
    return values.map((v) => ({ type: 'int32', data: [v] }));
  }

  private taskInputs(data: tf.Tensor): tf.Tensor[] {
    const inputs: tf.Tensor[] = [this.theta];
    if (this.alphaVec) inputs.push(this.alphaVec);
    if (this.pretrainedTheta) inputs.push(this.pretrainedTheta);
    inputs.push(data);
    return inputs;
  }

  private taskUniforms(tasks: number): Uniforms {
    return [...this.int(tasks), { type: 'float32', data: [this.config.alpha] }];
  }

  private reduceInputs(perTask: tf.Tensor, withMoments: boolean): tf.Tensor[] {
    return withMoments ? [perTask, this.moments] : [perTask];
  }

  private momentUniforms(tasks: number): Uniforms {
    const f = (v: number) => ({ type: 'float32' as const, data: [v] });
    return [...this.int(tasks), f(BETA1), f(1 - BETA1), f(BETA2), f(1 - BETA2)];
  }

  /** FlatAdam's bias corrections for update number t, folded into two constants. */
  private updateUniforms(t: number, momentOffset: number): Uniforms {
    const c1 = this.config.beta / (1 - Math.pow(BETA1, t));
    const c2 = 1 / Math.sqrt(1 - Math.pow(BETA2, t));
    const f = (v: number) => ({ type: 'float32' as const, data: [v] });
    return [f(c1), f(c2), f(EPSILON), ...this.int(momentOffset)];
  }

  /** Support and query sets packed task after task: [xs, ys, xq, yq] per task, one upload. */
  private upload(b: RegressionBatch): tf.Tensor1D {
    const stride = batchStride(b);
    const packed = new Float32Array(b.tasks * stride);
    for (let t = 0; t < b.tasks; t++) {
      const o = t * stride;
      packed.set(b.xs.subarray(t * b.support, (t + 1) * b.support), o);
      packed.set(b.ys.subarray(t * b.support, (t + 1) * b.support), o + b.support);
      packed.set(b.xq.subarray(t * b.query, (t + 1) * b.query), o + 2 * b.support);
      packed.set(b.yq.subarray(t * b.query, (t + 1) * b.query), o + 2 * b.support + b.query);
    }
    return tf.tensor1d(packed);
  }

  /** The per-task program on a batch: one row per task (and per baseline task). */
  private perTask(batch: RegressionBatch, set: ProgramSet): tf.Tensor1D {
    const data = this.upload(batch);
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
    const out = run(this.backend, set.loss, programShapes(s).loss, [perTask], this.int(tasks, row0));
    const scalar = tf.reshape(out, []) as tf.Scalar; // a view: no dispatch
    out.dispose();
    return scalar;
  }

  /** One meta-step (and baseline step). Returns the losses before the update, on the device. */
  step(batch: RegressionBatch): { meta: tf.Scalar; pretrained: tf.Scalar | null } {
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
      this.momentUniforms(batch.tasks),
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
        this.updateUniforms(t, i * 2 * P),
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
  metaGradient(batch: RegressionBatch): { loss: tf.Scalar; theta: tf.Tensor1D; alpha: tf.Tensor1D | null } {
    const set = this.programsFor(batch);
    const s = this.settingsFor(batch.tasks, batch.support, batch.query);
    const perTask = this.perTask(batch, set);
    const grad = run(
      this.backend,
      set.gradient,
      programShapes(s).gradient,
      this.reduceInputs(perTask, false),
      this.int(batch.tasks),
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

  dispose(): void {
    this.theta.dispose();
    this.alphaVec?.dispose();
    this.pretrainedTheta?.dispose();
    this.moments.dispose();
  }
}
