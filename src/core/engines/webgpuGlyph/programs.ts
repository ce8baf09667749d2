import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { RowLayout } from '../webgpu/layout';
import {
  gradientShader,
  lossShader,
  momentsShader,
  updateShader,
  type Section,
} from '../webgpu/optimizerShaders';
import { FLAT_WORKGROUP, glyphRow, type Geometry, type GlyphRow, type RowShape } from './layout';
import type { TaskChunks } from './fit';
import type { PhasePlan } from './phases';
import { cutsKey } from './cuts';
import { taskInputs, taskShader, taskUniformDecl } from './taskShader';

/** Every shader key of this engine starts with it (so a failed compile can be purged). */
export const GLYPH_KEY_PREFIX = 'fusedGlyphGpu';

/** A program minus the fields tfjs fills in (the shape of ../webgpu/programs' `run` spec). */
export interface GlyphSpec {
  key: string;
  code: string;
  variableNames: string[];
  uniforms: string;
  workgroupSize: number;
}

export interface GlyphProgramSet {
  row: GlyphRow;
  /** the per-task program runs once per phase of one task's operations (phases.ts) */
  phases: number;
  task: GlyphSpec;
  moments: GlyphSpec;
  gradient: GlyphSpec;
  update: GlyphSpec;
  /** MAML++'s rates' Adam update (null for other algorithms) */
  ratesUpdate: GlyphSpec | null;
  loss: GlyphSpec;
  /** the programs of a meta-step split into task chunks (splitPrograms); null: one chunk */
  split: SplitPrograms | null;
}

/**
 * A meta-step in task chunks: after each chunk's per-task dispatch, `sum` adds the chunk's rows
 * to the running sums (one "row" of `sums.stride` floats: the gradient columns and the loss);
 * the last chunk's `sum` divides by the task count. Adam's moments, the gradient and the loss
 * then read that one row, with the task count 1 (x / 1 is x: the same floats as one chunk).
 */
export interface SplitPrograms {
  perChunk: number;
  chunks: number;
  sums: GlyphRow;
  sum: GlyphSpec;
  moments: GlyphSpec;
  gradient: GlyphSpec;
  loss: GlyphSpec;
}

/**
 * The MLP engine's reduction programs read only these fields of a row layout (the gradient
 * columns, the loss column, the row stride and P); the glyph row provides them.
 */
function reductionLayout(row: GlyphRow): RowLayout {
  const { params, stride, grad, gradAlpha, gradRates, loss } = row;
  return { params, stride, grad, gradAlpha, gradRates, loss } as Pick<
    RowLayout,
    'params' | 'stride' | 'grad' | 'gradAlpha' | 'gradRates' | 'loss'
  > as RowLayout;
}

/** Optimizer sections: θ, then Meta-SGD's α. */
export function glyphSections(row: GlyphRow): Section[] {
  const out: Section[] = [{ pretrainedRows: false, column: row.grad }];
  if (row.gradAlpha >= 0) out.push({ pretrainedRows: false, column: row.gradAlpha });
  return out;
}

function updateSpec(n: number): GlyphSpec {
  return {
    key: `${GLYPH_KEY_PREFIX}Update_${n}`,
    code: updateShader(n),
    variableNames: ['param', 'moments'],
    uniforms: 'c1 : f32, c2 : f32, eps : f32, mOff : i32,',
    workgroupSize: FLAT_WORKGROUP,
  };
}

function tagOf(geo: Geometry, shape: RowShape, wg: number): string {
  const layers = geo.layers.map((l) => l.f).join('x');
  return `${geo.conv ? 'conv' : 'fc'}${layers}_bn${geo.batchNorm ? 1 : 0}_w${geo.ways}_${shape.algo}_n${shape.inner}_S${shape.support}_Q${shape.query}_wg${wg}`;
}

/** The WGSL programs for one network, algorithm, inner-step count and support/query size. */
export function glyphProgramSet(
  geo: Geometry,
  shape: RowShape,
  wg: number,
  breakShader = false,
  chunks: Pick<TaskChunks, 'perChunk' | 'chunks'> & { phases?: PhasePlan } = { perChunk: 1, chunks: 1 },
): GlyphProgramSet {
  const row = glyphRow(geo, shape);
  const r = reductionLayout(row);
  const secs = glyphSections(row);
  const tag = tagOf(geo, shape, wg);
  const phases = chunks.phases;
  const phased = phases && phases.ends.length > 1 ? `_ph${phases.ends.join('.')}${cutsKey(phases.cuts)}` : '';
  return {
    row,
    phases: phases?.ends.length ?? 1,
    task: {
      key: `${GLYPH_KEY_PREFIX}Task_${tag}${phased}${breakShader ? '_broken' : ''}`,
      code: taskShader(geo, shape, wg, breakShader, phases),
      variableNames: taskInputs(shape.algo),
      uniforms: taskUniformDecl(shape),
      workgroupSize: wg,
    },
    moments: {
      key: `${GLYPH_KEY_PREFIX}Moments_${tag}`,
      code: momentsShader(r, secs, row.rates),
      variableNames: ['perTask', 'moments'],
      uniforms: 'tasks : i32, b1 : f32, ob1 : f32, b2 : f32, ob2 : f32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    gradient: {
      key: `${GLYPH_KEY_PREFIX}Gradient_${tag}`,
      code: gradientShader(r, secs, row.rates),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    update: updateSpec(row.params),
    ratesUpdate: row.rates > 0 ? updateSpec(row.rates) : null,
    loss: {
      key: `${GLYPH_KEY_PREFIX}Loss_${row.stride}_${row.loss}`,
      code: lossShader(r),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32, row0 : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    split:
      chunks.chunks > 1
        ? splitPrograms(row, tag, { perChunk: chunks.perChunk, chunks: chunks.chunks })
        : null,
  };
}

/** The sums row of a split meta-step: θ's gradient, Meta-SGD's α or MAML++'s rates' gradient, the loss. */
function sumsRow(row: GlyphRow): GlyphRow {
  const P = row.params;
  const alpha = row.gradAlpha >= 0;
  const loss = (alpha ? 2 : 1) * P + row.rates;
  const gradRates = row.rates > 0 ? P : -1;
  return { ...row, grad: 0, gradAlpha: alpha ? P : -1, gradRates, loss, stride: loss + 1 };
}

/**
 * One invocation per value of the sums row: the previous sums plus the chunk's rows in task
 * order (rows past the meta-batch skipped), the same additions in the same order as one
 * dispatch's mean over tasks (optimizerShaders' meanGrad); the last chunk divides by the tasks.
 */
function sumShader(row: GlyphRow, sums: GlyphRow, perChunk: number): string {
  const P = row.params;
  const alpha = row.gradAlpha >= 0 ? `else if (i < ${2 * P}u) { col = ${row.gradAlpha}u + i - ${P}u; }` : '';
  const rates =
    row.rates > 0 ? `else if (i < ${P + row.rates}u) { col = ${row.gradRates}u + i - ${P}u; }` : '';
  return `fn main(index: i32) {
  let i = u32(index);
  if (i >= ${sums.stride}u) { return; }
  var col = ${row.loss}u;
  if (i < ${P}u) { col = ${row.grad}u + i; } ${alpha}${rates}
  let tasks = u32(uniforms.tasks);
  let row0 = u32(uniforms.row0);
  var acc = 0.0;
  if (row0 > 0u) { acc = sums[i]; }
  for (var t = 0u; t < ${perChunk}u; t++) {
    if (row0 + t < tasks) { acc = acc + perTask[t * ${row.stride}u + col]; }
  }
  if (uniforms.last != 0) { acc = acc / f32(tasks); }
  result[i] = acc;
}`;
}

function splitPrograms(
  row: GlyphRow,
  tag: string,
  chunks: Pick<TaskChunks, 'perChunk' | 'chunks'>,
): SplitPrograms {
  const sums = sumsRow(row);
  const r = reductionLayout(sums);
  const secs = glyphSections(sums);
  const key = `${GLYPH_KEY_PREFIX}Split${chunks.perChunk}_${tag}`;
  return {
    ...chunks,
    sums,
    sum: {
      key: `${key}_sum`,
      code: sumShader(row, sums, chunks.perChunk),
      variableNames: ['perTask', 'sums'],
      uniforms: 'tasks : i32, row0 : i32, last : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    moments: {
      key: `${key}_moments`,
      code: momentsShader(r, secs, row.rates),
      variableNames: ['perTask', 'moments'],
      uniforms: 'tasks : i32, b1 : f32, ob1 : f32, b2 : f32, ob2 : f32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    gradient: {
      key: `${key}_gradient`,
      code: gradientShader(r, secs, row.rates),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
    loss: {
      key: `${key}_loss`,
      code: lossShader(r),
      variableNames: ['perTask'],
      uniforms: 'tasks : i32, row0 : i32,',
      workgroupSize: FLAT_WORKGROUP,
    },
  };
}

/** Output sizes and workgroup counts of each program for a meta-batch of `tasks`. */
export function glyphProgramShapes(row: GlyphRow, tasks: number) {
  const P = row.params;
  const secs = row.gradAlpha >= 0 ? 2 : 1;
  const R = row.rates;
  const flat = (n: number) => Math.ceil(n / FLAT_WORKGROUP);
  return {
    task: { size: tasks * row.stride, groups: tasks },
    sum: { size: row.stride, groups: flat(row.stride) },
    moments: { size: secs * 2 * P + 2 * R, groups: flat(secs * P + R) },
    gradient: { size: secs * P + R, groups: flat(secs * P + R) },
    update: { size: P, groups: flat(P) },
    ratesUpdate: { size: R, groups: flat(R) },
    loss: { size: 1, groups: 1 },
  };
}

/** Drops this engine's pipelines from tfjs's cache (a rejected one would poison later waits). */
export function purgeGlyphPipelines(backend: WebGPUBackend): void {
  const cache = (backend as unknown as { pipelineCache: Record<string, unknown> }).pipelineCache;
  for (const key of Object.keys(cache)) if (key.startsWith(GLYPH_KEY_PREFIX)) delete cache[key];
}
