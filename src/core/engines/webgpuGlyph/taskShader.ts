import type { ImageTaskBatch } from '../batch';
import type { FusedAlgo } from '../fused/fusedMlp';
import { PIXELS, batchStride, glyphRow, secondOrder, type Geometry, type RowShape } from './layout';
import { plainPasses } from './passes';
import { rPasses } from './rpasses';
import { BARRIER, at, f32, spread } from './wgsl';

/**
 * The per-task program: one workgroup per task computes that task's whole contribution to the
 * meta-step (the step's first dispatch, or one per task chunk from task `row0`: layout.taskChunks): the inner SGD steps on the support images (each adapted θ
 * kept in the row), the query loss and its gradient at the adapted θ, then for MAML and Meta-SGD
 * reverse mode back through every inner step:
 *   λ_n = ∇L_q(θ_n);  λ_s = λ_{s+1} − H_s·(α ⊙ λ_{s+1});  ∂/∂θ = λ_0;  ∂/∂α = −Σ_s g_s ⊙ λ_{s+1},
 * each H_s·v an R-op pass at θ_s (whose plain pass is recomputed first). FOMAML stops at λ_n;
 * Reptile writes θ − θ_n.
 */

/** Names of the program's inputs, in binding order. */
export function taskInputs(algo: FusedAlgo): string[] {
  return algo === 'metasgd' ? ['theta', 'alphaVec', 'batch'] : ['theta', 'batch'];
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

function metaTask(geo: Geometry, shape: RowShape, wg: number): string {
  const row = glyphRow(geo, shape);
  const P = geo.params;
  const n = shape.inner;
  const Ns = shape.support;
  const Nq = shape.query;
  const stride = batchStride(shape);
  const query =
    shape.algo === 'reptile'
      ? spread(wg, `${P}u`, `${at(row.grad, 'j')} = prm(0u, j) - prm(${n}u, j);`, 'j')
      : `kBackward(${n}u, ${Nq}u, ${row.grad}u);
  ${shape.algo === 'metasgd' ? spread(wg, `${P}u`, `${at(row.gradAlpha, 'j')} = 0.0;`, 'j') : ''}`;
  const alphaStep = shape.algo === 'metasgd' ? `${at(row.gradAlpha, 'j')} -= ${at(row.gs, 'j')} * lam;` : '';
  const reverse = secondOrder(shape.algo)
    ? `kSupport();
  for (var r = 0u; r < ${n}u; r++) {
    let st = ${n - 1}u - r;
    kForward(st, ${Ns}u, ${f32(1 / Ns)});
    kBackward(st, ${Ns}u, ${row.gs}u);
    kHessianVector(st, ${Ns}u, ${f32(1 / Ns)});
    ${spread(
      wg,
      `${P}u`,
      `let lam = ${at(row.grad, 'j')};
      ${alphaStep}
      ${at(row.grad, 'j')} = lam - ${at(row.hv, 'j')};`,
      'j',
    )}
    ${BARRIER}
  }`
    : '';
  // no inner steps (the pretrained baseline's plain gradient): no support pass at all
  const inner = `kSupport();
  for (var st = 0u; st < ${n}u; st++) {
    kForward(st, ${Ns}u, ${f32(1 / Ns)});
    kBackward(st, ${Ns}u, ${row.gs}u);
    ${spread(wg, `${P}u`, `${at(row.thetaSlot, `(st + 1u) * ${P}u + j`)} = prm(st, j) - lr(j) * ${at(row.gs, 'j')};`, 'j')}
    ${BARRIER}
  }`;
  return `fn kSupport() {
  fX = fTask * ${stride}u;
  fY = fX + ${Ns * PIXELS}u;
}
fn kQuery() {
  fX = fTask * ${stride}u + ${Ns * (PIXELS + 1)}u;
  fY = fX + ${Nq * PIXELS}u;
}
fn kMetaTask() {
  kCopyTheta();
  ${n > 0 ? inner : ''}
  kQuery();
  kForward(${n}u, ${Nq}u, ${f32(1 / Nq)});
  if (fLid == 0u) {
    var acc = 0.0;
    for (var i = 0u; i < ${Nq}u; i++) { acc = acc + ${at(row.lossN, 'i')}; }
    ${at(row.loss, '0u')} = acc / ${f32(Nq)};
  }
  ${query}
  ${BARRIER}
  ${reverse}
}`;
}

/** Builds the WGSL user code of the per-task program (`breakShader` is a test hook). */
export function taskShader(geo: Geometry, shape: RowShape, wg: number, breakShader = false): string {
  const row = glyphRow(geo, shape);
  return `
var<private> fBase: u32;
var<private> fLid: u32;
var<private> fTask: u32;
var<private> fAlpha: f32;
var<private> fX: u32;
var<private> fY: u32;
var<workgroup> fRow: u32;
${helpers(geo.params, row.thetaSlot, row.grad, shape.algo === 'metasgd', wg)}
${plainPasses(geo, row, wg)}
${secondOrder(shape.algo) ? rPasses(geo, row, wg) : ''}
${metaTask(geo, shape, wg)}
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
    kMetaTask();
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
