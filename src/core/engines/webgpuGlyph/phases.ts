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
import {
  PIXELS,
  batchStride,
  glyphRow,
  rowsPerImage,
  secondOrder,
  type Geometry,
  type LayerGeometry,
  type RowShape,
} from './layout';
import { cutOps, planCuts, type Cut, type OpCut } from './cuts';
import { BARRIER, at, f32, spread } from './wgsl';

/** Where an operation's images are: the support set, the query set, or none read. */
export type OpImages = 'support' | 'query' | null;

export interface TaskOp {
  /** WGSL statements (calls of the pass functions with literal arguments) */
  code: string;
  /** what it computes, in words (a refusal names it) */
  what: string;
  images: OpImages;
  macs: number;
  /** how it can be cut into pieces along its outputs (cuts.ts); none: it runs whole */
  cut?: OpCut;
}

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

/** Multiply-adds per image of layer l's weight uses, and of the head. */
function perImage(geo: Geometry): { layers: number[]; head: number } {
  return {
    layers: geo.layers.map((l) => rowsPerImage(l) * l.k * l.f),
    head: geo.last * geo.ways,
  };
}

/**
 * Layer g's operation on `n` images cut by images: `call(lo, hi)` computes output elements
 * lo ≤ e < hi (image i's are i·rows·F up to (i + 1)·rows·F); `after` ends the last piece.
 */
function byImages(
  g: LayerGeometry,
  n: number,
  unitMacs: number,
  op: Pick<TaskOp, 'what' | 'images'>,
  call: (lo: number, hi: number) => string,
  after = '',
): TaskOp {
  const per = rowsPerImage(g) * g.f;
  const code = (lo: number, hi: number) => `${call(lo * per, hi * per)}${hi === n ? after : ''}`;
  return { ...op, code: code(0, n), macs: n * unitMacs, cut: { unit: 'image', units: n, unitMacs, code } };
}

/** Layer g's weight gradient over `n` images cut by its k·F elements, `first` before the first piece. */
function byWeights(
  g: LayerGeometry,
  n: number,
  factor: number,
  op: Pick<TaskOp, 'what' | 'images'>,
  first: string,
  call: (lo: number, hi: number) => string,
): TaskOp {
  const units = g.k * g.f;
  const unitMacs = factor * n * rowsPerImage(g);
  const code = (lo: number, hi: number) => `${lo === 0 ? first : ''}${call(lo, hi)}`;
  return {
    ...op,
    code: code(0, units),
    macs: units * unitMacs,
    cut: { unit: 'weight', units, unitMacs, code },
  };
}

/** The plain pass's operations at θ_s on `n` images of `images`, its gradient written at `out`. */
function plainOps(geo: Geometry, s: number, n: number, images: OpImages, out: number | null): TaskOp[] {
  const w = perImage(geo);
  const on = `on ${n} ${images ?? ''} images`;
  const ops: TaskOp[] = geo.layers.map((g, l) => {
    const what = `forward pass of layer ${l + 1} ${on}`;
    const bn = geo.batchNorm ? ` kBn${l}(${s}u, ${n}u);` : '';
    const call = (lo: number, hi: number) => `kLin${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    return byImages(g, n, w.layers[l] as number, { what, images }, call, bn);
  });
  ops.push({ code: `kHead(${s}u, ${n}u, ${f32(1 / n)});`, what: `head ${on}`, images, macs: n * w.head });
  if (out === null) return ops;
  const headBack = `kHeadBack(${s}u, ${n}u, ${out}u);`;
  ops.push({ code: headBack, what: `head's backward pass ${on}`, images, macs: 2 * n * w.head });
  for (let l = geo.layers.length - 1; l >= 0; l--) {
    const g = geo.layers[l] as LayerGeometry;
    const op = { what: `backward pass of layer ${l + 1} ${on}`, images };
    const dy = (lo: number, hi: number) => `kDy${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    ops.push(byImages(g, n, w.layers[l] as number, op, dy));
    const norm = `kNorm${l}(${s}u, ${n}u, ${out}u); `;
    const grad = (lo: number, hi: number) => `kWGrad${l}(${s}u, ${n}u, ${out}u, ${lo}u, ${hi}u);`;
    ops.push(byWeights(g, n, 1, op, norm, grad));
  }
  return ops;
}

/** H(θ_s)·(α ⊙ λ) on the `n` support images (rpasses.ts), into the row's hv. */
function hessianOps(geo: Geometry, s: number, n: number): TaskOp[] {
  const w = perImage(geo);
  const images: OpImages = 'support';
  const on = `on ${n} support images`;
  const ops: TaskOp[] = geo.layers.map((g, l) => {
    const what = `Hessian-vector forward pass of layer ${l + 1} ${on}`;
    const bn = geo.batchNorm ? ` kRBn${l}(${s}u, ${n}u);` : '';
    const call = (lo: number, hi: number) => `kRLin${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    return byImages(g, n, 3 * (w.layers[l] as number), { what, images }, call, bn);
  });
  const what = `Hessian-vector product's head ${on}`;
  ops.push({ code: `kRHead(${s}u, ${n}u, ${f32(1 / n)});`, what, images, macs: 3 * n * w.head });
  ops.push({ code: `kRHeadBack(${s}u, ${n}u);`, what, images, macs: 6 * n * w.head });
  for (let l = geo.layers.length - 1; l >= 0; l--) {
    const g = geo.layers[l] as LayerGeometry;
    const op = { what: `Hessian-vector backward pass of layer ${l + 1} ${on}`, images };
    const dy = (lo: number, hi: number) => `kRDy${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    ops.push(byImages(g, n, 3 * (w.layers[l] as number), op, dy));
    const grad = (lo: number, hi: number) => `kRWGrad${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    ops.push(byWeights(g, n, 3, op, `kRNorm${l}(${s}u, ${n}u); `, grad));
  }
  return ops;
}

/** Work spread over the row's P values, then a barrier (no images, no multiply-adds counted). */
function flat(wg: number, P: number, body: string, what: string): TaskOp {
  return { code: `${spread(wg, `${P}u`, body, 'j')}\n  ${BARRIER}`, what, images: null, macs: 0 };
}

/**
 * The per-task meta-step as operations, in the order one dispatch runs them: θ copied, the inner
 * SGD steps on the support images, the query loss and its gradient at the adapted θ (Reptile:
 * θ − θ_n), then for MAML and Meta-SGD the reverse pass through every inner step:
 *   λ_n = ∇L_q(θ_n);  λ_s = λ_{s+1} − H_s·(α ⊙ λ_{s+1});  ∂/∂θ = λ_0;  ∂/∂α = −Σ_s g_s ⊙ λ_{s+1},
 * each H_s·v an R-op pass at θ_s whose plain pass is recomputed first.
 */
export function taskOps(geo: Geometry, shape: RowShape, wg: number): TaskOp[] {
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
  const loss = `if (fLid == 0u) {
    var acc = 0.0;
    for (var i = 0u; i < ${Nq}u; i++) { acc = acc + ${at(row.lossN, 'i')}; }
    ${at(row.loss, '0u')} = acc / ${f32(Nq)};
  }`;
  ops.push({ code: loss, what: 'query loss', images: null, macs: 0 });
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
