import { rowLayout, secondOrder, type FusedSettings, type RowLayout } from './layout';
import type { PointBatch } from '../batch';
import { actAt, backwardPass, forwardPass, fullBarrier, lossPass, parameterPass } from './mlpPasses';
import { mamlppPasses, mamlppTask, rateAccessor } from './mamlppShader';

/** WGSL literals for the loss scale 1/n and the output delta's 2/n, as f32 of the double. */
const invOf = (n: number) => `${Math.fround(1 / n)}`;
const cOf = (n: number) => `${Math.fround(2 / n)}`;

/**
 * The per-task program: one workgroup per task computes that task's whole contribution to the
 * meta-step (dispatch 1 of the step). Meta rows: the inner SGD steps on the support set (each
 * adapted θ kept in the row), the query loss and its gradient at the adapted θ, then for MAML and
 * Meta-SGD reverse mode back through every inner step:
 *   λ_n = ∇L_q(θ_n);  λ_s = λ_{s+1} − H_s·(α ⊙ λ_{s+1});  ∂/∂θ = λ_0;  ∂/∂α = −Σ_s g_s ⊙ λ_{s+1},
 * (θ_{s+1} = θ_s − α ⊙ g_s, g_s and H_s the support gradient and Hessian at θ_s) with each H·v
 * an R-op pass, never a Hessian. FOMAML stops at λ_n; Reptile keeps θ_n; MAML++ adds per-step
 * rates and the weighted query losses (mamlppShader.ts). Pretrained rows (T..2T−1)
 * run the baseline's joint regression on support and query points together.
 */

/** Names of the program's inputs, in binding order. */
export function taskInputs(s: FusedSettings): string[] {
  const names = ['theta'];
  if (s.algo === 'metasgd') names.push('alphaVec');
  if (s.algo === 'mamlpp') names.push('rates');
  if (s.pretrained) names.push('thetaPre');
  names.push('batch');
  return names;
}

/** Floats per task in the packed batch: [xs (K), ys (K), xq (Q), yq (Q)] task after task. */
export function batchStride(s: Pick<FusedSettings, 'support' | 'query'>): number {
  return 2 * s.support + 2 * s.query;
}

/** Loads the current task's support or query set into the activation area's x and y. */
function loadPoints(r: RowLayout, s: FusedSettings): string {
  const K = s.support;
  const Q = s.query;
  const B = batchStride(s);
  const load = (name: string, n: number, xOff: number, yOff: number) => `fn ${name}() {
  for (var k = fLid; k < ${n}u; k += ${r.workgroup}u) {
    ${actAt(r, r.x, 'k')} = batch[fTask * ${B}u + ${xOff}u + k];
    ${actAt(r, r.y, 'k')} = batch[fTask * ${B}u + ${yOff}u + k];
  }
  ${fullBarrier(r)}
}`;
  return `${load('loadSupport', K, 0, K)}
${load('loadQuery', Q, 2 * K, 2 * K + Q)}`;
}

/**
 * Parameter reads: θ_s from the row (slot 0 holds a copy of θ or of the pretrained θ). One
 * buffer for every s keeps the innermost loops free of branches, which a SIMD software adapter
 * would otherwise run both sides of.
 */
function accessors(r: RowLayout, s: FusedSettings): string {
  const P = r.params;
  const copy = (name: string, src: string) => `fn ${name}() {
  for (var j = fLid; j < ${P}u; j += ${r.workgroup}u) {
    result[fBase + ${r.thetaSlot}u + j] = ${src}[j];
  }
}`;
  return `fn prm(s: u32, i: u32) -> f32 {
  return result[fBase + ${r.thetaSlot}u + s * ${P}u + i];
}
${
  s.algo === 'mamlpp'
    ? rateAccessor(r)
    : `fn lr(i: u32) -> f32 {
  return ${s.algo === 'metasgd' ? 'alphaVec[i]' : 'fAlpha'};
}`
}
fn dir(i: u32) -> f32 {
  return lr(i) * result[fBase + ${r.grad}u + i];
}
fn prm4(s: u32, i: u32) -> vec4<f32> {
  return vec4<f32>(prm(s, i), prm(s, i + 1u), prm(s, i + 2u), prm(s, i + 3u));
}
fn dir4(i: u32) -> vec4<f32> {
  return vec4<f32>(dir(i), dir(i + 1u), dir(i + 2u), dir(i + 3u));
}
${copy('copyTheta', 'theta')}
${s.pretrained ? copy('copyPretrainedTheta', 'thetaPre') : ''}`;
}

function metaTask(r: RowLayout, s: FusedSettings): string {
  if (s.algo === 'mamlpp') return mamlppTask(r, s, cOf(s.support), cOf(s.query), invOf(s.query));
  const P = r.params;
  const n = s.inner;
  const second = secondOrder(s.algo);
  const query =
    s.algo === 'reptile'
      ? `forward(${n}u, ${s.query}u);
  writeLoss(${s.query}u, ${invOf(s.query)}, false);
  // θ − θ′ per task is exact where θ′ is near θ (Sterbenz), and exactly 0 where θ′ = θ
  for (var j = fLid; j < ${P}u; j += ${r.workgroup}u) {
    result[fBase + ${r.grad}u + j] = prm(0u, j) - prm(${n}u, j);
  }
  ${fullBarrier(r)}`
      : `forward(${n}u, ${s.query}u);
  backward(${n}u, ${s.query}u, ${cOf(s.query)});
  writeLoss(${s.query}u, ${invOf(s.query)}, false);
  queryGrad(${n}u, ${s.query}u);`;
  const reverse = second
    ? `loadSupport();
  for (var r = 0u; r < ${n}u; r++) {
    let st = ${n - 1}u - r;
    forwardR(st, ${s.support}u);
    backwardR(st, ${s.support}u, ${cOf(s.support)});
    reverseStep(st, ${s.support}u);
  }`
    : '';
  return `fn metaTask() {
  copyTheta();
  loadSupport();
  for (var st = 0u; st < ${n}u; st++) {
    forward(st, ${s.support}u);
    backward(st, ${s.support}u, ${cOf(s.support)});
    sgdStep(st, ${s.support}u);
  }
  loadQuery();
  ${query}
  ${reverse}
}`;
}

/** The joint regression runs support and query as two passes into one gradient and loss. */
function jointTask(s: FusedSettings): string {
  const n = s.support + s.query;
  const K = s.support;
  const Q = s.query;
  return `fn jointTask() {
  copyPretrainedTheta();
  loadSupport();
  forward(0u, ${K}u);
  backward(0u, ${K}u, ${cOf(n)});
  writeLoss(${K}u, ${invOf(n)}, false);
  jointGrad(0u, ${K}u);
  loadQuery();
  forward(0u, ${Q}u);
  backward(0u, ${Q}u, ${cOf(n)});
  writeLoss(${Q}u, ${invOf(n)}, true);
  jointGradAdd(0u, ${Q}u);
}`;
}

/** The passes the per-task program calls (those its algorithm needs). */
function taskPasses(r: RowLayout, s: FusedSettings): string[] {
  const P = r.params;
  const meta = s.algo === 'metasgd';
  const ga = r.gradAlpha;
  const second = secondOrder(s.algo);
  // MAML++ keeps each step's support gradient for its rates' gradient
  const keep = s.algo === 'mamlpp' ? `\n    result[fBase + ${r.stepGrads}u + s * ${P}u + j] = g;` : '';
  const passes = [
    forwardPass(r, false),
    backwardPass(r, false),
    parameterPass(
      r,
      'sgdStep',
      false,
      `result[fBase + ${r.thetaSlot}u + (s + 1u) * ${P}u + j] = prm(s, j) - lr(j) * g;${keep}`,
    ),
    lossPass(r),
  ];
  if (s.algo === 'mamlpp') passes.push(...mamlppPasses(r));
  if (s.algo !== 'reptile') {
    const zeroAlpha = meta ? ` result[fBase + ${ga}u + j] = 0.0;` : '';
    passes.push(parameterPass(r, 'queryGrad', false, `result[fBase + ${r.grad}u + j] = g;${zeroAlpha}`));
  }
  if (second) {
    passes.push(forwardPass(r, true), backwardPass(r, true));
    const alphaStep = meta ? `result[fBase + ${ga}u + j] = result[fBase + ${ga}u + j] - g * lam;` : '';
    passes.push(
      parameterPass(
        r,
        'reverseStep',
        true,
        `let lam = result[fBase + ${r.grad}u + j];
    ${alphaStep}
    result[fBase + ${r.grad}u + j] = lam - hv;`,
      ),
    );
  }
  if (s.pretrained) {
    const at = `result[fBase + ${r.grad}u + j]`;
    passes.push(
      parameterPass(r, 'jointGrad', false, `${at} = g;`),
      parameterPass(r, 'jointGradAdd', false, `${at} = ${at} + g;`),
    );
  }
  return passes;
}

/** Builds the WGSL user code of the per-task program (`breakShader` is a test hook). */
export function taskShader(s: FusedSettings, breakShader = false): string {
  const r = rowLayout(s);
  const passes = taskPasses(r, s);
  return `
var<private> fBase: u32;
var<private> fLid: u32;
var<private> fTask: u32;
var<private> fAlpha: f32;
var<private> fS: u32;
var<workgroup> fRow: u32;
${r.shared ? `var<workgroup> wmem: array<f32, ${r.actFloats}>;` : ''}
${accessors(r, s)}
${loadPoints(r, s)}
${passes.join('\n')}
${metaTask(r, s)}
${s.pretrained ? jointTask(s) : ''}
${breakShader ? 'fn broken() -> f32 { return notDeclaredAnywhere; }' : ''}
fn main(index: i32) {
  // workgroup_id reaches us through a private variable, which WGSL's uniformity analysis
  // cannot see is uniform; a workgroup uniform load makes it so, for the barriers below
  if (localIndex == 0u) { fRow = workgroupId.x; }
  let row = workgroupUniformLoad(&fRow);
  let tasks = u32(uniforms.tasks);
  fBase = row * ${r.stride}u;
  fLid = localIndex;
  fAlpha = uniforms.alpha;
  if (row < tasks) {
    fTask = row;
    metaTask();
  }${
    s.pretrained
      ? ` else {
    fTask = row - tasks;
    jointTask();
  }`
      : ''
  }
}`;
}

/** Support and query sets packed task after task: [xs, ys, xq, yq] per task, for one upload. */
export function packBatch(b: PointBatch): Float32Array {
  const stride = batchStride(b);
  const packed = new Float32Array(b.tasks * stride);
  for (let t = 0; t < b.tasks; t++) {
    const o = t * stride;
    packed.set(b.xs.subarray(t * b.support, (t + 1) * b.support), o);
    packed.set(b.ys.subarray(t * b.support, (t + 1) * b.support), o + b.support);
    packed.set(b.xq.subarray(t * b.query, (t + 1) * b.query), o + 2 * b.support);
    packed.set(b.yq.subarray(t * b.query, (t + 1) * b.query), o + 2 * b.support + b.query);
  }
  return packed;
}
