import type { ImageTaskBatch } from '../batch';
import type { GlyphAlgo } from '../fusedGlyph/mamlpp';
import { PIXELS, batchStride, glyphRow, secondOrder, type Geometry, type RowShape } from './layout';
import { plainPasses } from './passes';
import { rPasses } from './rpasses';
import { BARRIER, spread } from './wgsl';
import { onePhase, phaseFunction, taskOps, type PhasePlan } from './phases';
import { advanceWgsl, glyphRateAccessor } from './mamlppGlyph';

/**
 * The per-task program: one workgroup per task computes that task's whole contribution to the
 * meta-step (phases.ts lists its operations: the inner SGD steps on the support images, each
 * adapted θ kept in the row, the query loss and its gradient at the adapted θ, then for MAML and
 * Meta-SGD reverse mode back through every inner step). It runs once per task chunk from task
 * `row0` (fit.taskChunks) and, where one task is over the work limit, once per phase of those
 * operations (the uniform `phase`), each phase continuing in the rows the earlier ones wrote.
 */

/** Names of the program's inputs, in binding order. */
export function taskInputs(algo: GlyphAlgo): string[] {
  if (algo === 'mamlpp') return ['theta', 'rates', 'batch'];
  return algo === 'metasgd' ? ['theta', 'alphaVec', 'batch'] : ['theta', 'batch'];
}

/** The per-task program's uniforms; MAML++ adds its phase (webgpu/mamlppShader's phaseUniforms). */
export function taskUniformDecl(shape: Pick<RowShape, 'algo' | 'inner'>): string {
  const base = 'tasks : i32, alpha : f32, row0 : i32, phase : i32,';
  if (shape.algo !== 'mamlpp') return base;
  const weights = Array.from({ length: shape.inner }, (_, i) => `w${i} : f32,`).join(' ');
  return `${base} order2 : i32, ${weights}`;
}

/**
 * MAML++'s helpers: θ_s at its longer stride, lr(i) the learned rate of i's tensor at step fS,
 * the sets' advance and retreat maps, θ copied whole.
 */
function mamlppHelpers(geo: Geometry, shape: RowShape, wg: number): string {
  const row = glyphRow(geo, shape);
  return `var<private> fS: u32;
fn prm(s: u32, i: u32) -> f32 {
  return result[fBase + ${row.thetaSlot}u + s * ${row.params}u + i];
}
${glyphRateAccessor(geo)}
fn dir(i: u32) -> f32 {
  return lr(i) * result[fBase + ${row.grad}u + i];
}
${advanceWgsl(geo)}
fn kCopyTheta() {
  ${spread(wg, `${row.params}u`, `result[fBase + ${row.thetaSlot}u + j] = theta[j];`, 'j')}
  ${BARRIER}
}`;
}

function helpers(P: number, thetaSlot: number, grad: number, metasgd: boolean, wg: number): string {
  return `fn prm(s: u32, i: u32) -> f32 {
  return result[fBase + ${thetaSlot}u + s * ${P}u + i];
}
fn lr(i: u32) -> f32 {
  return ${metasgd ? 'alphaVec[i]' : 'fAlpha'};
}
fn dir(i: u32) -> f32 {
  return lr(i) * result[fBase + ${grad}u + i];
}
fn kCopyTheta() {
  ${spread(wg, `${P}u`, `result[fBase + ${thetaSlot}u + j] = theta[j];`, 'j')}
  ${BARRIER}
}`;
}

/** Builds the WGSL user code of the per-task program (`breakShader` is a test hook). */
export function taskShader(
  geo: Geometry,
  shape: RowShape,
  wg: number,
  breakShader = false,
  plan?: PhasePlan,
): string {
  const row = glyphRow(geo, shape);
  const ops = taskOps(geo, shape, wg);
  return `
var<private> fBase: u32;
var<private> fLid: u32;
var<private> fTask: u32;
var<private> fAlpha: f32;
var<private> fX: u32;
var<private> fY: u32;
var<workgroup> fRow: u32;
${shape.algo === 'mamlpp' ? mamlppHelpers(geo, shape, wg) : helpers(geo.params, row.thetaSlot, row.grad, shape.algo === 'metasgd', wg)}
${plainPasses(geo, row, wg)}
${secondOrder(shape.algo) ? rPasses(geo, row, wg) : ''}
${phaseFunction(ops, plan ?? onePhase(ops), shape)}
${breakShader ? 'fn broken() -> f32 { return notDeclaredAnywhere; }' : ''}
fn main(index: i32) {
  // workgroup_id reaches us through a private variable, which WGSL's uniformity analysis cannot
  // see is uniform; a workgroup uniform load makes it so, for the barriers below
  if (localIndex == 0u) { fRow = workgroupId.x; }
  let row = workgroupUniformLoad(&fRow);
  fBase = row * ${row.stride}u;
  fLid = localIndex;
  fAlpha = uniforms.alpha;
  // a task chunk's workgroup w is task row0 + w of the batch and row w of this dispatch's output
  let task = u32(uniforms.row0) + row;
  if (task < u32(uniforms.tasks)) {
    fTask = task;
    kPhase(u32(uniforms.phase));
  }
}`;
}

/** The batch packed task after task: support images, labels, query images, labels (f32). */
export function packBatch(b: ImageTaskBatch): Float32Array {
  const ns = b.ways * b.shots;
  const nq = b.ways * b.query;
  const stride = batchStride({ support: ns, query: nq });
  const out = new Float32Array(b.tasks * stride);
  for (let t = 0; t < b.tasks; t++) {
    let o = t * stride;
    out.set(b.xs.subarray(t * ns * PIXELS, (t + 1) * ns * PIXELS), o);
    o += ns * PIXELS;
    for (let i = 0; i < ns; i++) out[o + i] = b.ys[t * ns + i] as number;
    o += ns;
    out.set(b.xq.subarray(t * nq * PIXELS, (t + 1) * nq * PIXELS), o);
    o += nq * PIXELS;
    for (let i = 0; i < nq; i++) out[o + i] = b.yq[t * nq + i] as number;
  }
  return out;
}
