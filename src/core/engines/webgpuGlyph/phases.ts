/**
 * One task's meta-step as a list of operations (a layer's forward pass, its backward parts, its
 * R-op parts, an inner update), each with its estimated multiply-adds, and its split into phases:
 * consecutive operations whose sum stays under the per-dispatch work limit. The per-task program
 * runs one phase per dispatch (taskShader.ts), every phase writing into the same per-task rows,
 * so a task over the limit runs in several dispatches with the same arithmetic in the same order
 * as one. An operation alone over the limit is first cut into pieces along its outputs (cuts.ts).
 * The op costs add up to layout.glyphStepMacs: forward 1, backward 2 and R-op 9 multiply-adds per
 * weight use.
 */
import { PIXELS, batchStride, glyphRow, secondOrder, type Geometry, type RowShape } from './layout';
import { cutOps, planCuts, type Cut } from './cuts';
import { mamlppOps } from './mamlppOps';
import { flat, hessianOps, plainOps, queryLossOp, type OpImages, type TaskOp } from './ops';
import { at } from './wgsl';

export type { OpImages, TaskOp };

/**
 * The phases of a task's meta-step: the operations of taskOps with `cuts` cut into pieces
 * (cuts.cutOps), and `ends[p]` one past phase p's last operation of that list.
 */
export interface PhasePlan {
  cuts: Cut[];
  ends: number[];
}

/** The whole meta-step in one phase. */
export const onePhase = (ops: readonly TaskOp[]): PhasePlan => ({ cuts: [], ends: [ops.length] });

/**
 * The per-task meta-step as operations, in the order one dispatch runs them: θ copied, the inner
 * SGD steps on the support images, the query loss and its gradient at the adapted θ (Reptile:
 * θ − θ_n), then for MAML and Meta-SGD the reverse pass through every inner step:
 *   λ_n = ∇L_q(θ_n);  λ_s = λ_{s+1} − H_s·(α ⊙ λ_{s+1});  ∂/∂θ = λ_0;  ∂/∂α = −Σ_s g_s ⊙ λ_{s+1},
 * each H_s·v an R-op pass at θ_s whose plain pass is recomputed first. MAML++: mamlppOps.ts.
 */
export function taskOps(geo: Geometry, shape: RowShape, wg: number): TaskOp[] {
  if (shape.algo === 'mamlpp') return mamlppOps(geo, shape, wg);
  const row = glyphRow(geo, shape);
  const P = geo.params;
  const n = shape.inner;
  const [Ns, Nq] = [shape.support, shape.query];
  const ops: TaskOp[] = [{ code: 'kCopyTheta();', what: 'θ copied', images: null, macs: 0 }];
  for (let st = 0; st < n; st++) {
    ops.push(...plainOps(geo, st, Ns, 'support', row.gs));
    const next = `${row.thetaSlot}u + ${(st + 1) * P}u + j`;
    const update = `result[fBase + ${next}] = prm(${st}u, j) - lr(j) * ${at(row.gs, 'j')};`;
    ops.push(flat(wg, P, update, `inner step ${st + 1}`));
  }
  ops.push(...plainOps(geo, n, Nq, 'query', null));
  ops.push(queryLossOp(row, Nq));
  if (shape.algo === 'reptile') {
    ops.push(flat(wg, P, `${at(row.grad, 'j')} = prm(0u, j) - prm(${n}u, j);`, 'θ − θ′'));
    return ops;
  }
  const back = plainOps(geo, n, Nq, 'query', row.grad).slice(geo.layers.length + 1);
  ops.push(...back);
  if (shape.algo === 'metasgd') ops.push(flat(wg, P, `${at(row.gradAlpha, 'j')} = 0.0;`, '∂/∂α cleared'));
  if (!secondOrder(shape.algo)) return ops;
  const alphaStep = shape.algo === 'metasgd' ? `${at(row.gradAlpha, 'j')} -= ${at(row.gs, 'j')} * lam;` : '';
  for (let st = n - 1; st >= 0; st--) {
    ops.push(...plainOps(geo, st, Ns, 'support', row.gs), ...hessianOps(geo, st, Ns));
    const lam = `let lam = ${at(row.grad, 'j')};\n    ${alphaStep}\n    ${at(row.grad, 'j')} = lam - ${at(row.hv, 'j')};`;
    ops.push(flat(wg, P, lam, `λ back through inner step ${st + 1}`));
  }
  return ops;
}

/**
 * Phases of at most `maxMacs` multiply-adds each: the operations over it cut into pieces
 * (cuts.ts), then consecutive operations packed in order; the reason when one operation cannot be
 * cut small enough (its `what` and multiply-adds).
 */
export function planPhases(
  ops: readonly TaskOp[],
  maxMacs: number,
): { ok: true; plan: PhasePlan } | { ok: false; what: string; macs: number } {
  const cut = planCuts(ops, maxMacs);
  if (!cut.ok) return cut;
  const pieces = cutOps(ops, cut.cuts);
  const ends: number[] = [];
  let sum = 0;
  for (let i = 0; i < pieces.length; i++) {
    const m = (pieces[i] as TaskOp).macs;
    if (sum + m > maxMacs && i > 0) {
      ends.push(i);
      sum = 0;
    }
    sum += m;
  }
  ends.push(pieces.length);
  return { ok: true, plan: { cuts: cut.cuts, ends } };
}

/** WGSL that points fX / fY at a task's support or query images and labels. */
function imagesCode(shape: RowShape, images: 'support' | 'query'): string {
  const stride = batchStride(shape);
  if (images === 'support') return `fX = fTask * ${stride}u;\n    fY = fX + ${shape.support * PIXELS}u;`;
  return `fX = fTask * ${stride}u + ${shape.support * (PIXELS + 1)}u;\n    fY = fX + ${shape.query * PIXELS}u;`;
}

/**
 * `fn kPhase(p: u32)`: phase p's operations, cut as the plan cuts them (a switch on the dispatch's uniform phase, so control
 * stays uniform for the barriers), each phase pointing at its images first.
 */
export function phaseFunction(ops: readonly TaskOp[], plan: PhasePlan, shape: RowShape): string {
  const pieces = cutOps(ops, plan.cuts);
  const cases: string[] = [];
  let from = 0;
  plan.ends.forEach((end, p) => {
    const lines: string[] = [];
    let images: OpImages = null;
    for (const op of pieces.slice(from, end)) {
      if (op.images !== null && op.images !== images) {
        images = op.images;
        lines.push(imagesCode(shape, images));
      }
      lines.push(op.code);
    }
    cases.push(`case ${p}u: {\n    ${lines.join('\n    ')}\n  }`);
    from = end;
  });
  return `fn kPhase(p: u32) {
  switch p {
  ${cases.join('\n  ')}
  default: {}
  }
}`;
}
