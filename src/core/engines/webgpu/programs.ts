import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FLAT_WORKGROUP, rateCount, rowCount, rowLayout, sectionCount, type FusedSettings } from './layout';
import { taskUniformDecl } from './mamlppShader';
import { gradientShader, lossShader, momentsShader, sections, updateShader } from './optimizerShaders';
import { taskInputs, taskShader } from './taskShader';

/**
 * The fused step's WGSL programs, run through tfjs-backend-webgpu's own program interface: tfjs
 * binds the tensors, records the dispatch into its command encoder and caches the pipeline, so θ
 * stays an ordinary tf.Variable and the programs interleave with any other tfjs work.
 */
export type Uniforms = Array<{ type: 'int32' | 'float32'; data: number[] }>;

/** Integer uniforms, one per value. */
export function ints(...values: number[]): Uniforms {
  return values.map((v) => ({ type: 'int32', data: [v] }));
}

/** A program minus the fields tfjs fills in; shape-dependent parts are chosen per run. */
interface Spec {
  key: string;
  code: string;
  variableNames: string[];
  uniforms: string;
  workgroupSize: number;
}

/** Every shader key of this engine starts with it (so a failed compile can be purged). */
export const KEY_PREFIX = 'fusedMlp';

export interface ProgramSet {
  task: Spec;
  moments: Spec;
  gradient: Spec;
  update: Spec;
  /** MAML++: Adam's update of the learned rates (null for the other algorithms) */
  ratesUpdate: Spec | null;
  loss: Spec;
}

/** Adam's update of one parameter vector of n floats (keyed by n: the code depends on nothing else). */
function updateSpec(n: number): Spec {
  return {
    key: `${KEY_PREFIX}Update_${n}`,
    code: updateShader(n),
    variableNames: ['param', 'moments'],
    uniforms: 'c1 : f32, c2 : f32, eps : f32, mOff : i32,',
    workgroupSize: FLAT_WORKGROUP,
  };
}

/** The WGSL programs for one configuration (sizes, algorithm, K, Q, inner steps, baseline). */
export function programSet(s: FusedSettings, breakShader = false): ProgramSet {
  const r = rowLayout(s);
  const tag = `${s.sizes.join('x')}_${s.algo}_n${s.inner}_K${s.support}_Q${s.query}_p${s.pretrained ? 1 : 0}_w${r.workgroup}_m${r.shared ? 1 : 0}_b${r.blocked ? 1 : 0}`;
  const all = sections(r, s.algo, s.pretrained);
  const meta = all.filter((x) => !x.pretrainedRows);
  const R = rateCount(s);
  return {
    task: {
      key: `${KEY_PREFIX}Task_${tag}${breakShader ? '_broken' : ''}`,
      code: taskShader(s, breakShader),
      variableNames: taskInputs(s),
      uniforms: taskUniformDecl(s),
      workgroupSize: r.workgroup,
    },
    moments: {
      key: `${KEY_PREFIX}Moments_${tag}`,
      code: momentsShader(r, all, R),
      variableNames: ['perTask', 'moments'],
      uniforms: 'tasks : i32, b1 : f32, ob1 : f32, b2 : f32, ob2 : f32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    gradient: {
      key: `${KEY_PREFIX}Gradient_${tag}`,
      code: gradientShader(r, meta, R),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    update: updateSpec(r.params),
    ratesUpdate: R > 0 ? updateSpec(R) : null,
    loss: {
      key: `${KEY_PREFIX}Loss_${r.stride}_${r.loss}`,
      code: lossShader(r),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32, row0 : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
  };
}

/** Output sizes and workgroup counts of each program for a meta-batch of `tasks`. */
export function programShapes(s: FusedSettings) {
  const r = rowLayout(s);
  const P = r.params;
  const secs = sectionCount(s);
  const metaSecs = secs - (s.pretrained ? 1 : 0);
  const R = rateCount(s);
  const flat = (n: number) => Math.ceil(n / FLAT_WORKGROUP);
  return {
    task: { size: rowCount(s) * r.stride, groups: rowCount(s) },
    moments: { size: secs * 2 * P + 2 * R, groups: flat(secs * P + R) },
    gradient: { size: metaSecs * P + R, groups: flat(metaSecs * P + R) },
    update: { size: P, groups: flat(P) },
    ratesUpdate: { size: R, groups: flat(R) },
    loss: { size: 1, groups: 1 },
  };
}

/** A 1-D program object for one run of `spec` (a new one each time: tfjs edits `shaderKey`). */
export function programOf(spec: Spec, shape: { size: number; groups: number }): WebGPUProgram {
  return {
    shaderKey: spec.key,
    variableNames: spec.variableNames,
    uniforms: spec.uniforms,
    outputShape: [shape.size],
    dispatchLayout: { x: [0] },
    dispatch: [shape.groups, 1, 1],
    workgroupSize: [spec.workgroupSize, 1, 1],
    getUserCode: () => spec.code,
  };
}

/**
 * Runs one program; the output is a new tensor owned by the caller. A fresh program object per
 * run, because tfjs appends input shapes and types to `shaderKey` in place.
 */
export function run(
  backend: WebGPUBackend,
  spec: Spec,
  shape: { size: number; groups: number },
  inputs: tf.Tensor[],
  uniforms: Uniforms,
): tf.Tensor1D {
  const info = backend.runWebGPUProgram(programOf(spec, shape), inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor1D;
}

/** A shader that did not compile or validate: the caller falls back to the tfjs path. */
export class FusedCompileError extends Error {
  override name = 'FusedCompileError';
}

/**
 * Compiles programs without running them (tfjs's compile-only mode builds each pipeline with
 * createComputePipelineAsync) and waits for the result inside a validation error scope, so a
 * broken shader rejects with the compiler's message instead of failing silently later.
 */
export async function compileChecked(backend: WebGPUBackend, dryRuns: Array<() => tf.Tensor>): Promise<void> {
  const device = backend.device;
  const flag = 'WEBGPU_ENGINE_COMPILE_ONLY';
  const previous = tf.env().getBool(flag);
  device.pushErrorScope('validation');
  const outputs: tf.Tensor[] = [];
  let failure: string | null = null;
  tf.env().set(flag, true);
  try {
    for (const dry of dryRuns) outputs.push(dry());
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  } finally {
    tf.env().set(flag, previous);
    tf.dispose(outputs);
  }
  try {
    await backend.checkCompileCompletionAsync();
  } catch (e) {
    failure ??= e instanceof Error ? e.message : String(e);
  }
  const scoped = await device.popErrorScope();
  // the error scope has the compiler's own text (line, column, what is wrong): prefer it
  if (scoped) failure = scoped.message;
  if (failure !== null) {
    purge(backend);
    throw new FusedCompileError(`the fused WebGPU shader failed to compile: ${failure}`);
  }
}

/** Drops this engine's pipelines from tfjs's cache (a rejected one would poison later waits). */
function purge(backend: WebGPUBackend): void {
  const cache = (backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  for (const key of Object.keys(cache)) if (key.startsWith(KEY_PREFIX)) delete cache[key];
}
