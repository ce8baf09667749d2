/**
 * The per-task part of a meta-step, in one dispatch or in task chunks (fit.taskChunks): what
 * the reductions (Adam's moments, the gradient, the loss) then read. Split, each chunk's
 * per-task dispatch is followed by the one that adds its rows to the running sums
 * (programs.SplitPrograms), so the per-task buffer holds one chunk at a time and no dispatch
 * takes more multiply-adds than the adapter's limit. The chunk count is the engine's, not the
 * step's: a smaller meta-batch leaves the last chunks' workgroups idle. A task over the work
 * limit alone runs its per-task program in phases (phases.ts), all writing one chunk's rows.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { momentUniforms, updateUniforms } from '../webgpu/optimizerShaders';
import { ints, run, type Uniforms } from '../webgpu/programs';
import { runInto } from './runInto';
import type { GlyphRow } from './layout';
import { glyphProgramShapes, type GlyphProgramSet, type GlyphSpec } from './programs';

/** The rows the reductions read, and the programs and task count to read them with. */
export interface TaskRows {
  rows: tf.Tensor1D;
  row: GlyphRow;
  tasks: number;
  moments: GlyphSpec;
  gradient: GlyphSpec;
  loss: GlyphSpec;
}

/**
 * The per-task program's uniforms: the meta-batch's tasks, α, the chunk's first task, the phase,
 * then `extra` (MAML++'s schedule phase: taskShader.taskUniformDecl).
 */
export function taskUniforms(
  tasks: number,
  alpha: number,
  row0: number,
  phase = 0,
  extra: Uniforms = [],
): Uniforms {
  return [...ints(tasks), { type: 'float32', data: [alpha] }, ...ints(row0, phase), ...extra];
}

/**
 * The per-task program over the tasks from `row0`, once per phase (programs' `phases`): the first
 * phase makes the rows, each later one continues in them. The caller disposes the rows.
 */
export function phasedTask(
  backend: WebGPUBackend,
  set: GlyphProgramSet,
  shape: { size: number; groups: number },
  inputs: tf.Tensor[],
  u: { tasks: number; alpha: number; row0: number; extra: Uniforms },
): tf.Tensor1D {
  const rows = run(backend, set.task, shape, inputs, taskUniforms(u.tasks, u.alpha, u.row0, 0, u.extra));
  for (let p = 1; p < set.phases; p++)
    runInto(backend, set.task, shape, inputs, taskUniforms(u.tasks, u.alpha, u.row0, p, u.extra), rows);
  return rows;
}

/** The sums row's starting value for the first chunk (never read: see programs' sumShader). */
export function zeroSums(set: GlyphProgramSet): tf.Tensor1D | null {
  return set.split ? tf.zeros([set.split.sums.stride]) : null;
}

/**
 * Runs the per-task program over a meta-batch of `tasks` (inputs: θ, [α,] the packed batch) and,
 * split, the chunk sums; `zeros` is zeroSums(set), `extra` the task program's further uniforms.
 * The caller disposes `rows`.
 */
export function taskRows(
  backend: WebGPUBackend,
  set: GlyphProgramSet,
  inputs: tf.Tensor[],
  tasks: number,
  alpha: number,
  zeros: tf.Tensor1D | null,
  extra: Uniforms = [],
): TaskRows {
  const split = set.split;
  if (!split) {
    const shape = glyphProgramShapes(set.row, tasks).task;
    const rows = phasedTask(backend, set, shape, inputs, { tasks, alpha, row0: 0, extra });
    return { rows, row: set.row, tasks, moments: set.moments, gradient: set.gradient, loss: set.loss };
  }
  if (!zeros) throw new Error('fused WebGPU glyph engine: a split meta-step needs its zero sums');
  const chunkShape = glyphProgramShapes(set.row, split.perChunk).task;
  const sumShape = glyphProgramShapes(split.sums, 1).sum;
  let sums = zeros;
  for (let c = 0; c < split.chunks; c++) {
    const row0 = c * split.perChunk;
    const chunk = phasedTask(backend, set, chunkShape, inputs, { tasks, alpha, row0, extra });
    const last = c === split.chunks - 1 ? 1 : 0;
    const next = run(backend, split.sum, sumShape, [chunk, sums], ints(tasks, row0, last));
    chunk.dispose();
    if (sums !== zeros) sums.dispose();
    sums = next;
  }
  const { moments, gradient, loss } = split;
  return { rows: sums, row: split.sums, tasks: 1, moments, gradient, loss };
}

/**
 * Every program of a step once, for compileChecked (tfjs's compile-only mode, which reads no
 * input): `rows` stands for the per-task rows and the sums.
 */
export function dryRuns(
  b: WebGPUBackend,
  set: GlyphProgramSet,
  zeros: tf.Tensor1D | null,
  inputs: { task: tf.Tensor[]; rows: tf.Tensor; moments: tf.Tensor; theta: tf.Tensor },
  alpha: number,
  extra: Uniforms = [],
): Array<() => tf.Tensor> {
  const sizes = glyphProgramShapes(set.row, 1);
  const { rows, moments, theta } = inputs;
  const split = set.split;
  const reduce = split ?? set;
  const runs = [
    () => run(b, set.task, sizes.task, inputs.task, taskUniforms(1, alpha, 0, 0, extra)),
    () => run(b, reduce.moments, sizes.moments, [rows, moments], momentUniforms(1)),
    () => run(b, reduce.gradient, sizes.gradient, [rows], ints(1)),
    () => run(b, set.update, sizes.update, [theta, moments], updateUniforms(0.001, 1, 0)),
    () => run(b, reduce.loss, sizes.loss, [rows], ints(1, 0)),
  ];
  const ru = set.ratesUpdate;
  if (ru) runs.push(() => run(b, ru, sizes.ratesUpdate, [rows, moments], updateUniforms(0.001, 1, 0)));
  if (split && zeros) runs.push(() => run(b, split.sum, sizes.sum, [rows, zeros], ints(1, 0, 1)));
  return runs;
}
