/**
 * MAML++'s per-task meta-step as operations (the WebAssembly engine's fusedGlyph/assembly/mamlpp.ts
 * step for step): θ (with batch norm's queue of sets, mamlppGlyph.ts) copied; S inner steps
 *   θ_{s+1} = advance(θ_s − r_s ⊙ g_s),  g_s = ∇L_support(θ_s) kept at gs + s·P,
 * r_s row s of the learned rates spread over each tensor (`lr`); the last query pass scaled by
 * w_{S−1} into θ̄; then the walk back, for s = S−1 … 0:
 *   θ̄ ← retreat(θ̄);  ∂/∂r_s[tensor] = −Σ_{i ∈ tensor} g_s[i]·θ̄[i];
 *   θ̄ ← θ̄ − H_s·(r_s ⊙ θ̄) (second-order phase only);  θ̄ ← θ̄ + w_{s−1}·∇L_query(θ_s) (s > 0, w ≠ 0).
 * The phase and the weights are uniforms (`uniforms.order2`, `uniforms.w0…`), the branches on them
 * uniform, so one program serves the whole schedule and the dispatch count never changes.
 */
import { glyphRow, mamlppSizes, type Geometry, type GlyphRow, type RowShape } from './layout';
import { glyphRateTensors } from './mamlppGlyph';
import { flat, guarded, hessianOps, plainOps, queryLossOp, type TaskOp } from './ops';
import { BARRIER, at, f32, spread } from './wgsl';

/** The weight of the query loss after inner step `s + 1`, as a WGSL f32 (a uniform). */
const weight = (s: number): string => `uniforms.w${s}`;

/** θ_{st+1} = advance(θ_st − r_st ⊙ g_st) over θ's whole length (the queue is only moved). */
function innerUpdate(geo: Geometry, row: GlyphRow, st: number, wg: number): TaskOp {
  const [P, PT] = [geo.params, row.params];
  const body = `fS = ${st}u;
    let src = kSetSource(j);
    var v = prm(${st}u, src);
    if (src < ${P}u) { v = v - lr(src) * ${at(row.gs + st * P, 'src')}; }
    result[fBase + ${row.thetaSlot + (st + 1) * PT}u + j] = v;`;
  return flat(wg, PT, body, `inner step ${st + 1}`);
}

/** θ̄ ← retreat(θ̄): the inverse permutation of advance, through the scratch (batch norm only). */
function retreatOps(geo: Geometry, row: GlyphRow, st: number, wg: number): TaskOp[] {
  if (!geo.batchNorm) return [];
  const PT = row.params;
  return [
    flat(wg, PT, `${at(row.scratch, 'j')} = ${at(row.grad, 'j')};`, `θ̄ kept before step ${st + 1}`),
    flat(
      wg,
      PT,
      `${at(row.grad, 'j')} = ${at(row.scratch, 'kSetTarget(j)')};`,
      `θ̄ back through step ${st + 1}'s sets`,
    ),
  ];
}

/** ∂/∂r_st = −Σ g_st ⊙ θ̄ per tensor of the network: one invocation per tensor, in order. */
function rateDots(geo: Geometry, row: GlyphRow, st: number, wg: number): TaskOp {
  const tensors = glyphRateTensors(geo);
  const base = geo.batchNorm ? tensors.slice(0, -1) : tensors;
  const T = tensors.length;
  const list = (f: (x: { at: number; n: number }) => number) => base.map((x) => `${f(x)}u`).join(', ');
  const code = `{
  var tAt = array<u32, ${base.length}>(${list((x) => x.at)});
  var tLen = array<u32, ${base.length}>(${list((x) => x.n)});
  ${spread(
    wg,
    `${base.length}u`,
    `let g0 = fBase + ${row.gs + st * geo.params}u + tAt[k];
    let b0 = fBase + ${row.grad}u + tAt[k];
    var acc = 0.0;
    for (var i = 0u; i < tLen[k]; i++) { acc = acc + result[g0 + i] * result[b0 + i]; }
    ${at(row.gradRates, `${st * T}u + k`)} = -acc;`,
    'k',
  )}
  ${BARRIER}
  }`;
  return { code, what: `rates' gradient of step ${st + 1}`, images: null, macs: 0 };
}

/** The second-order phase's θ̄ ← θ̄ − H_st·(r_st ⊙ θ̄) on the support images. */
function hessianStep(geo: Geometry, row: GlyphRow, st: number, Ns: number, wg: number): TaskOp[] {
  const cond = 'uniforms.order2 != 0';
  const ops = [
    ...plainOps(geo, st, Ns, 'support', row.hv).map((op) => guarded(op, cond)),
    ...hessianOps(geo, st, Ns).map((op) => guarded(op, cond, `fS = ${st}u; `)),
  ];
  const lam = `${at(row.grad, 'j')} = ${at(row.grad, 'j')} - ${at(row.hv, 'j')};`;
  ops.push(guarded(flat(wg, geo.params, lam, `θ̄ back through inner step ${st + 1}`), cond));
  return ops;
}

/** θ̄ ← θ̄ + w_{st−1}·∇L_query(θ_st), skipped (a uniform branch) while that weight is 0. */
function queryStep(geo: Geometry, row: GlyphRow, st: number, Nq: number, wg: number): TaskOp[] {
  const cond = `${weight(st - 1)} != 0.0`;
  const scale = `${weight(st - 1)} * ${f32(1 / Nq)}`;
  const add = `${at(row.grad, 'j')} = ${at(row.grad, 'j')} + ${at(row.scratch, 'j')};`;
  return [
    ...plainOps(geo, st, Nq, 'query', row.scratch, scale),
    flat(wg, geo.params, add, `query gradient after step ${st} added`),
  ].map((op) => guarded(op, cond));
}

/** The MAML++ per-task meta-step (see the module comment); `shape.algo` is 'mamlpp'. */
export function mamlppOps(geo: Geometry, shape: RowShape, wg: number): TaskOp[] {
  const row = glyphRow(geo, shape);
  const [P, PT, S] = [geo.params, row.params, shape.inner];
  const [Ns, Nq] = [shape.support, shape.query];
  const { rates } = mamlppSizes(geo);
  const ops: TaskOp[] = [
    { code: 'kCopyTheta();', what: 'θ copied', images: null, macs: 0 },
    flat(wg, rates, `${at(row.gradRates, 'j')} = 0.0;`, "rates' gradient cleared"),
  ];
  for (let st = 0; st < S; st++) {
    ops.push(...plainOps(geo, st, Ns, 'support', row.gs + st * P));
    ops.push(innerUpdate(geo, row, st, wg));
  }
  ops.push(...plainOps(geo, S, Nq, 'query', row.grad, `${weight(S - 1)} * ${f32(1 / Nq)}`));
  ops.push(queryLossOp(row, Nq));
  if (PT > P) ops.push(flat(wg, PT - P, `${at(row.grad + P, 'j')} = 0.0;`, "the sets' θ̄ cleared"));
  for (let st = S - 1; st >= 0; st--) {
    ops.push(...retreatOps(geo, row, st, wg), rateDots(geo, row, st, wg));
    ops.push(...hessianStep(geo, row, st, Ns, wg));
    if (st > 0) ops.push(...queryStep(geo, row, st, Nq, wg));
  }
  return ops;
}
