/**
 * The pretrained baseline's step on WebGPU, beside the fused WGSL glyph meta-step: the same
 * network with a C-way head, one supervised Adam step on every image of the meta-batch (the
 * support images of all tasks, then their query images, each labelled with its pretraining
 * class), batch norm over all of them at once: PretrainedClassifier's and the fused WebAssembly
 * engine's maths. It reuses the per-task program as one task with no support set and no inner
 * step (its "query loss gradient at θ" is the plain gradient), then Adam's moments, the update
 * and the loss: 4 dispatches a step, whatever the batch.
 *
 * Batch norm takes its statistics over every image at once, so that one program cannot be split
 * into task chunks as the meta-step's is. Where it is over a per-dispatch limit (its multiply-adds
 * or its buffer) and the start gives the network (`model`), the gradient and loss are computed
 * with tfjs kernels on the same device instead (PretrainedClassifier's maths), and Adam's moments,
 * the update and the loss stay the WGSL programs, reading them as one row (programs.ts
 * SplitPrograms' sums row).
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { ImageTaskBatch } from '../batch';
import type { AdamState } from '../fused/fusedMlp';
import { variableOf } from '../webgpu/device';
import type { FusedLimits, Support } from '../webgpu/layout';
import { momentUniforms, updateUniforms } from '../webgpu/optimizerShaders';
import { compileChecked, ints, run, type Uniforms } from '../webgpu/programs';
import { IMAGE, PIXELS, geometry, type Geometry, type GlyphNet, type RowShape } from './layout';
import { fits, type GlyphFit } from './fit';
import { taskUniforms } from './chunks';
import type { Classifier } from '../../models/classifier';
import { softmaxCrossEntropy } from '../../ops/crossEntropy';
import {
  glyphProgramSet,
  glyphProgramShapes,
  purgeGlyphPipelines,
  type GlyphProgramSet,
  type SplitPrograms,
} from './programs';

/** Dispatches of the baseline's step: its gradient program, Adam's moments, the update, the loss. */
export const PRETRAINED_DISPATCHES = 4;

/** Where the baseline starts: its classes in the order of its C outputs, its θ (C-way head). */
export interface GpuPretrainedStart {
  classes: readonly number[];
  /** copied (a tensor too) */
  theta0: Float32Array | tf.Tensor1D;
  /** the baseline's network (C-way head), for its tfjs-kernel gradient when WGSL cannot hold it */
  model?: Classifier;
}

/** The baseline's batch as one task: every image of the meta-batch is a "query" image. */
export function pretrainedShape(ways: number, shots: number, query: number, tasks: number): RowShape {
  return { algo: 'fomaml', inner: 0, support: 0, query: tasks * ways * (shots + query) };
}

/**
 * The meta-batch packed for the baseline: support images of all tasks, then query images, then
 * each image's pretraining class (PretrainedClassifier's order).
 */
export function packPretrained(b: ImageTaskBatch, classIndex: ReadonlyMap<number, number>): Float32Array {
  const ns = b.ways * b.shots;
  const nq = b.ways * b.query;
  const n = b.tasks * (ns + nq);
  const out = new Float32Array(n * (PIXELS + 1));
  out.set(b.xs.subarray(0, b.tasks * ns * PIXELS), 0);
  out.set(b.xq.subarray(0, b.tasks * nq * PIXELS), b.tasks * ns * PIXELS);
  const labels = (local: Int32Array, perTask: number, at: number) => {
    for (let i = 0; i < b.tasks * perTask; i++) {
      const task = Math.floor(i / perTask);
      const id = b.classes[task * b.ways + (local[i] as number)] as number;
      out[n * PIXELS + at + i] = classIndex.get(id) ?? 0;
    }
  };
  labels(b.ys, ns, 0);
  labels(b.yq, nq, b.tasks * ns);
  return out;
}

/** The baseline's θ, its Adam state on the device, and its programs per batch shape. */
export class GlyphPretrainedGpu {
  readonly theta: tf.Variable;
  readonly geo: Geometry;
  private moments: tf.Tensor1D;
  private steps = 0;
  private readonly classIndex = new Map<number, number>();
  private readonly compiled = new Map<number, GlyphProgramSet>();
  /** the network of the tfjs-kernel gradient (GpuPretrainedStart.model), null without one */
  readonly model: Classifier | null;

  constructor(
    private readonly backend: WebGPUBackend,
    private readonly net: GlyphNet,
    start: GpuPretrainedStart,
    private readonly tuning: { workgroup: number; maxMacs: number; breakShader: boolean },
    private readonly limits: FusedLimits,
  ) {
    this.model = start.model ?? null;
    this.geo = geometry({ ...net, ways: start.classes.length });
    const n = start.theta0 instanceof Float32Array ? start.theta0.length : start.theta0.size;
    if (n !== this.geo.params)
      throw new Error(`pretrained θ has ${n} values, its network ${this.geo.params}`);
    start.classes.forEach((id, i) => this.classIndex.set(id, i));
    this.theta = variableOf(start.theta0);
    this.moments = tf.zeros([2 * this.geo.params]);
  }

  get classes(): number[] {
    return [...this.classIndex.keys()];
  }

  /**
   * Its gradient program on a batch of this shape in one dispatch (it has no task chunks, and no
   * phases: batch norm's statistics span the whole batch), or why not.
   */
  private oneDispatch(shape: RowShape, limits: FusedLimits): GlyphFit {
    const fit = fits({ ...this.net, ways: this.geo.ways, ...shape, tasks: 1, ...this.tuning }, limits);
    if (!fit.ok || fit.phases.ends.length === 1) return fit;
    const macs = (this.tuning.maxMacs / 1e9).toFixed(1);
    return { ok: false, reason: `its gradient is over ${macs}·10⁹ multiply-adds in one dispatch` };
  }

  /** Whether a batch of this shape fits the device (its gradient in WGSL or in tfjs kernels). */
  fits(shape: RowShape, limits: FusedLimits): Support {
    const fit = this.oneDispatch(shape, limits);
    if (fit.ok || this.model) return { ok: true };
    return { ok: false, reason: `the pretrained baseline's step: ${fit.reason}` };
  }

  /** WGSL dispatches of a step of this shape (on tfjs kernels, the gradient's kernels come on top). */
  dispatches(shape: RowShape): number {
    return this.onKernels(shape) ? PRETRAINED_DISPATCHES - 1 : PRETRAINED_DISPATCHES;
  }

  /** Whether this shape's gradient runs as tfjs kernels (one WGSL dispatch cannot hold it). */
  onKernels(shape: RowShape): boolean {
    return this.model !== null && !this.oneDispatch(shape, this.limits).ok;
  }

  private uniforms(): Uniforms {
    return taskUniforms(1, 0, 0);
  }

  /** The programs of a shape (the split ones, reading one row, for a tfjs-kernel gradient). */
  private setOf(shape: RowShape): GlyphProgramSet {
    const wg = this.tuning.workgroup;
    if (!this.onKernels(shape)) return glyphProgramSet(this.geo, shape, wg, this.tuning.breakShader);
    const set = glyphProgramSet(this.geo, shape, wg, false, { perChunk: 1, chunks: 2 });
    const split = set.split as SplitPrograms;
    return { ...set, row: split.sums, moments: split.moments, gradient: split.gradient, loss: split.loss };
  }

  /** Compiles the programs for a batch shape (rejects with the compiler's reason). */
  async prepare(shape: RowShape): Promise<void> {
    if (this.compiled.has(shape.query)) return;
    const set = this.setOf(shape);
    const kernels = this.onKernels(shape);
    const sizes = glyphProgramShapes(set.row, 1);
    const data = tf.zeros([shape.query * (PIXELS + 1)]);
    const row = tf.zeros([sizes.task.size]);
    const b = this.backend;
    try {
      await compileChecked(b, [
        ...(kernels ? [] : [() => run(b, set.task, sizes.task, [this.theta, data], this.uniforms())]),
        () => run(b, set.moments, sizes.moments, [row, this.moments], momentUniforms(1)),
        () => run(b, set.update, sizes.update, [this.theta, this.moments], updateUniforms(0.001, 1, 0)),
        () => run(b, set.loss, sizes.loss, [row], ints(1, 0)),
      ]);
    } catch (e) {
      purgeGlyphPipelines(b);
      throw e;
    } finally {
      tf.dispose([data, row]);
    }
    this.compiled.set(shape.query, set);
  }

  private programsFor(shape: RowShape): GlyphProgramSet {
    let set = this.compiled.get(shape.query);
    if (!set) {
      set = this.setOf(shape);
      this.compiled.set(shape.query, set);
    }
    return set;
  }

  /** The per-image losses and the gradient at θ: one row (the caller disposes it). */
  private row(batch: ImageTaskBatch, set: GlyphProgramSet): tf.Tensor1D {
    if (this.onKernels(this.shapeOf(batch))) return this.kernelRow(batch);
    const data = tf.tensor1d(packPretrained(batch, this.classIndex));
    try {
      const shape = glyphProgramShapes(set.row, 1).task;
      return run(this.backend, set.task, shape, [this.theta, data], this.uniforms());
    } finally {
      data.dispose();
    }
  }

  /** [gradient, loss] at θ on every image of the batch, by tfjs kernels (the caller disposes it). */
  private kernelRow(batch: ImageTaskBatch): tf.Tensor1D {
    const model = this.model as Classifier;
    const packed = packPretrained(batch, this.classIndex);
    const n = packed.length / (PIXELS + 1);
    return tf.tidy(() => {
      const images = tf.tensor(packed.subarray(0, n * PIXELS), [1, n, IMAGE, IMAGE, 1]) as tf.Tensor5D;
      const y = tf.tensor2d(Int32Array.from(packed.subarray(n * PIXELS)), [1, n], 'int32');
      const { value, grad } = tf.valueAndGrad((th: tf.Tensor) =>
        softmaxCrossEntropy(model.apply(model.unflatten(th), images), y),
      )(this.theta);
      return tf.concat([grad, tf.reshape(value, [1])]) as tf.Tensor1D;
    });
  }

  private loss(set: GlyphProgramSet, row: tf.Tensor): tf.Scalar {
    const out = run(this.backend, set.loss, glyphProgramShapes(set.row, 1).loss, [row], ints(1, 0));
    const scalar = tf.reshape(out, []) as tf.Scalar;
    out.dispose();
    return scalar;
  }

  private shapeOf(b: ImageTaskBatch): RowShape {
    return pretrainedShape(b.ways, b.shots, b.query, b.tasks);
  }

  /** One Adam step (learning rate β) on the batch; the loss before it, on the device. */
  step(batch: ImageTaskBatch, beta: number): tf.Scalar {
    const set = this.programsFor(this.shapeOf(batch));
    const shapes = glyphProgramShapes(set.row, 1);
    const row = this.row(batch, set);
    const moments = run(this.backend, set.moments, shapes.moments, [row, this.moments], momentUniforms(1));
    this.steps += 1;
    const next = run(
      this.backend,
      set.update,
      shapes.update,
      [this.theta, moments],
      updateUniforms(beta, this.steps, 0),
    );
    this.theta.assign(next);
    next.dispose();
    const loss = this.loss(set, row);
    this.moments.dispose();
    this.moments = moments;
    row.dispose();
    return loss;
  }

  /** The loss and gradient at θ on a batch, nothing updated (what Adam is fed). */
  gradient(batch: ImageTaskBatch): { loss: tf.Scalar; theta: tf.Tensor1D } {
    const set = this.programsFor(this.shapeOf(batch));
    const row = this.row(batch, set);
    const loss = this.loss(set, row);
    const theta = tf.slice(row, set.row.grad, this.geo.params);
    row.dispose();
    return { loss, theta };
  }

  /** θ and its Adam state as copies, read back asynchronously. */
  async state(): Promise<{ theta: Float32Array; adam: AdamState }> {
    const P = this.geo.params;
    const [m, theta] = (await Promise.all([this.moments.data(), this.theta.data()])) as Float32Array[];
    return {
      theta: Float32Array.from(theta!),
      adam: { t: this.steps, m: m!.slice(0, P), v: m!.slice(P, 2 * P) },
    };
  }

  restore(theta: Float32Array, adam: AdamState): void {
    const P = this.geo.params;
    if (theta.length !== P || adam.m.length !== P || adam.v.length !== P)
      throw new Error(`pretrained state: a vector has the wrong length (its network has ${P})`);
    if (!Number.isInteger(adam.t) || adam.t < 0)
      throw new Error(`Adam step count ${adam.t} is not a whole number ≥ 0`);
    const moments = new Float32Array(2 * P);
    moments.set(adam.m, 0);
    moments.set(adam.v, P);
    tf.tidy(() => this.theta.assign(tf.tensor1d(theta)));
    this.moments.dispose();
    this.moments = tf.tensor1d(moments);
    this.steps = adam.t;
  }

  /** Continues with `other`'s Adam state (same network), a copy on the device. */
  carryAdam(other: GlyphPretrainedGpu): void {
    this.moments.dispose();
    this.moments = other.moments.clone();
    this.steps = other.steps;
  }

  dispose(): void {
    this.theta.dispose();
    this.moments.dispose();
  }
}
