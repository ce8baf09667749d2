import { LSLR_STEPS, type MamlppPhase } from '../../meta/mamlppSchedule';
import type { FusedSettings, RowLayout } from './layout';
import { fullBarrier, parameterPass } from './mlpPasses';
import type { Uniforms } from './programs';

/**
 * MAML++ in the per-task program (the WebAssembly engine's maths, fused/assembly/index.ts): step s
 * adapts with row s of the learned rates [LSLR_STEPS × tensors] spread over each tensor,
 *   θ_{s+1} = θ_s − r_s ⊙ g_s,  meta-loss Σ_s w_s·L_query(θ_{s+1}),
 * and the walk back from θ̄_S = w_{S−1}·∇L_q(θ_S):
 *   ∂/∂r_s[tensor] = −Σ_{i ∈ tensor} g_s[i]·θ̄_{s+1}[i];
 *   θ̄_s = θ̄_{s+1} − H_s·(r_s ⊙ θ̄_{s+1}) (second-order phase only) + w_{s−1}·∇L_q(θ_s).
 * The phase (first or second order) and the weights w_s are uniforms, so one program serves the
 * whole schedule; a step whose weight is 0 skips its query pass (a uniform branch).
 */

/** The per-task program's uniforms: the task count, α, then MAML++'s phase. */
export function taskUniformDecl(s: Pick<FusedSettings, 'algo' | 'inner'>): string {
  if (s.algo !== 'mamlpp') return 'tasks : i32, alpha : f32,';
  const weights = Array.from({ length: s.inner }, (_, i) => `w${i} : f32,`).join(' ');
  return `tasks : i32, alpha : f32, order2 : i32, ${weights}`;
}

/** The values of `taskUniformDecl`'s MAML++ fields for one meta-step's phase. */
export function phaseUniforms(phase: MamlppPhase): Uniforms {
  return [
    { type: 'int32', data: [phase.firstOrder ? 0 : 1] },
    ...phase.weights.map((w) => ({ type: 'float32' as const, data: [w] })),
  ];
}

/** The tensors of θ in order (W then b per layer): first float and length of each. */
function tensors(r: RowLayout): { at: number; n: number }[] {
  const out: { at: number; n: number }[] = [];
  for (let l = 0; l < r.layers; l++) {
    const nout = r.sizes[l + 1] as number;
    out.push(
      { at: r.wOff[l] as number, n: (r.sizes[l] as number) * nout },
      { at: r.bOff[l] as number, n: nout },
    );
  }
  return out;
}

/** `lr(i)`: parameter i's learned rate at the current inner step `fS` (its tensor's rate in row fS). */
export function rateAccessor(r: RowLayout): string {
  const t = tensors(r);
  return tensorRateAccessor(t, t.length);
}

/**
 * `lr(i)` for parameter tensors that tile θ in order (`tensors`, each from its first float
 * `at`): the rate of i's tensor k in row fS of the rates [rows × `perRow`] (perRow ≥ the tensors:
 * rates of further tensors, never adapted with, may follow in each row).
 */
export function tensorRateAccessor(tensors: readonly { at: number }[], perRow: number): string {
  const steps = tensors
    .slice(1)
    .map((x) => `  k = k + select(0u, 1u, i >= ${x.at}u);`)
    .join('\n');
  return `fn lr(i: u32) -> f32 {
  var k = 0u;
${steps}
  return rates[fS * ${perRow}u + k];
}`;
}

/**
 * The passes MAML++ adds: the query gradient after an intermediate step (into its slot), the
 * rates' gradient of one step (one invocation per tensor, summed in a fixed order), adding a
 * stored query gradient into the walk, and clearing the rates' gradient.
 */
export function mamlppPasses(r: RowLayout): string[] {
  const P = r.params;
  const t = tensors(r);
  const T = t.length;
  const list = (f: (x: { at: number; n: number }) => number) => t.map((x) => `${f(x)}u`).join(', ');
  return [
    parameterPass(r, 'stepQueryGrad', false, `result[fBase + ${r.queryGrads}u + (s - 1u) * ${P}u + j] = g;`),
    `fn rateDots(s: u32) {
  var at = array<u32, ${T}>(${list((x) => x.at)});
  var len = array<u32, ${T}>(${list((x) => x.n)});
  for (var k = fLid; k < ${T}u; k += ${r.workgroup}u) {
    let g0 = fBase + ${r.stepGrads}u + s * ${P}u + at[k];
    let b0 = fBase + ${r.grad}u + at[k];
    var acc = 0.0;
    for (var i = 0u; i < len[k]; i++) {
      acc = acc + result[g0 + i] * result[b0 + i];
    }
    result[fBase + ${r.gradRates}u + s * ${T}u + k] = -acc;
  }
  ${fullBarrier(r)}
}`,
    `fn addQueryGrad(slot: u32) {
  for (var j = fLid; j < ${P}u; j += ${r.workgroup}u) {
    result[fBase + ${r.grad}u + j] = result[fBase + ${r.grad}u + j] + result[fBase + ${r.queryGrads}u + slot * ${P}u + j];
  }
  ${fullBarrier(r)}
}`,
    `fn zeroRateGrads() {
  for (var k = fLid; k < ${LSLR_STEPS * T}u; k += ${r.workgroup}u) {
    result[fBase + ${r.gradRates}u + k] = 0.0;
  }
}`,
  ];
}

/** MAML++'s meta rows: the inner steps, the weighted query losses, the walk back. */
export function mamlppTask(r: RowLayout, s: FusedSettings, cK: string, cQ: string, invQ: string): string {
  const S = s.inner;
  const K = s.support;
  const Q = s.query;
  const queries: string[] = [];
  for (let st = 0; st < S - 1; st++) {
    queries.push(`if (uniforms.w${st} != 0.0) {
    forward(${st + 1}u, ${Q}u);
    backward(${st + 1}u, ${Q}u, uniforms.w${st} * ${cQ});
    stepQueryGrad(${st + 1}u, ${Q}u);
  }`);
  }
  const walk: string[] = [];
  for (let st = S - 1; st >= 0; st--) {
    walk.push(`rateDots(${st}u);
  if (uniforms.order2 != 0) {
    fS = ${st}u;
    forwardR(${st}u, ${K}u);
    backwardR(${st}u, ${K}u, ${cK});
    reverseStep(${st}u, ${K}u);
  }`);
    if (st > 0) walk.push(`if (uniforms.w${st - 1} != 0.0) { addQueryGrad(${st - 1}u); }`);
  }
  return `fn metaTask() {
  copyTheta();
  zeroRateGrads();
  loadSupport();
  for (var st = 0u; st < ${S}u; st++) {
    fS = st;
    forward(st, ${K}u);
    backward(st, ${K}u, ${cK});
    sgdStep(st, ${K}u);
  }
  loadQuery();
  ${queries.join('\n  ')}
  forward(${S}u, ${Q}u);
  backward(${S}u, ${Q}u, uniforms.w${S - 1} * ${cQ});
  writeLoss(${Q}u, ${invQ}, false);
  queryGrad(${S}u, ${Q}u);
  loadSupport();
  ${walk.join('\n  ')}
}`;
}
