/**
 * One task's meta-step as a list of operations (a layer's forward pass, its backward parts, its
 * R-op parts, an inner update), each with its estimated multiply-adds, and its split into phases:
 * consecutive operations whose sum stays under the per-dispatch work limit. The per-task program
 * runs one phase per dispatch (taskShader.ts), every phase writing into the same per-task rows,
 * so a task over the limit runs in several dispatches with the same arithmetic in the same order
 * as one. The op costs add up to layout.glyphStepMacs: forward 1, backward 2 and R-op 9
 * multiply-adds per weight use.
 */
import {
  PIXELS,
  batchStride,
  glyphRow,
  rowsPerImage,
  secondOrder,
  type Geometry,
  type RowShape,
} from './layout';
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
}

/** The phases of a task's meta-step: `ends[p]` is one past phase p's last operation. */
export interface PhasePlan {
  ends: number[];
}

/** The whole meta-step in one phase. */
export const onePhase = (ops: readonly TaskOp[]): PhasePlan => ({ ends: [ops.length] });

/** Multiply-adds per image of layer l's weight uses, and of the head. */
function perImage(geo: Geometry): { layers: number[]; head: number } {
  return {
    layers: geo.layers.map((l) => rowsPerImage(l) * l.k * l.f),
    head: geo.last * geo.ways,
  };
}

/** The plain pass's operations at θ_s on `n` images of `images`, its gradient written at `out`. */
function plainOps(geo: Geometry, s: number, n: number, images: OpImages, out: number | null): TaskOp[] {
  const w = perImage(geo);
  const L = geo.layers.length;
  const scale = f32(1 / n);
  const on = `on ${n} ${images ?? ''} images`;
  const ops: TaskOp[] = geo.layers.map((_, l) => ({
    code: `kLin${l}(${s}u, ${n}u);${geo.batchNorm ? ` kBn${l}(${s}u, ${n}u);` : ''}`,
    what: `forward pass of layer ${l + 1} ${on}`,
    images,
    macs: n * (w.layers[l] as number),
  }));
  ops.push({ code: `kHead(${s}u, ${n}u, ${scale});`, what: `head ${on}`, images, macs: n * w.head });
  if (out === null) return ops;
  const headBack = `kHeadBack(${s}u, ${n}u, ${out}u);`;
  ops.push({ code: headBack, what: `head's backward pass ${on}`, images, macs: 2 * n * w.head });
  for (let l = L - 1; l >= 0; l--) {
    const macs = n * (w.layers[l] as number);
    const what = `backward pass of layer ${l + 1} ${on}`;
    ops.push({ code: `kDy${l}(${s}u, ${n}u);`, what, images, macs });
    ops.push({ code: `kBack${l}(${s}u, ${n}u, ${out}u);`, what, images, macs });
  }
  return ops;
}

/** H(θ_s)·(α ⊙ λ) on the `n` support images (rpasses.ts), into the row's hv. */
function hessianOps(geo: Geometry, s: number, n: number): TaskOp[] {
  const w = perImage(geo);
  const L = geo.layers.length;
  const images: OpImages = 'support';
  const on = `on ${n} support images`;
  const ops: TaskOp[] = geo.layers.map((_, l) => ({
    code: `kRLin${l}(${s}u, ${n}u);${geo.batchNorm ? ` kRBn${l}(${s}u, ${n}u);` : ''}`,
    what: `Hessian-vector forward pass of layer ${l + 1} ${on}`,
    images,
    macs: 3 * n * (w.layers[l] as number),
  }));
  const what = `Hessian-vector product's head ${on}`;
  ops.push({ code: `kRHead(${s}u, ${n}u, ${f32(1 / n)});`, what, images, macs: 3 * n * w.head });
  ops.push({ code: `kRHeadBack(${s}u, ${n}u);`, what, images, macs: 6 * n * w.head });
  for (let l = L - 1; l >= 0; l--) {
    const part = { what: `Hessian-vector backward pass of layer ${l + 1} ${on}`, images };
    const macs = 3 * n * (w.layers[l] as number);
    ops.push({ code: `kRDy${l}(${s}u, ${n}u);`, ...part, macs });
    ops.push({ code: `kRBack${l}(${s}u, ${n}u);`, ...part, macs });
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

/** Phases of at most `maxMacs` multiply-adds each; the reason when one operation alone is over. */
export function planPhases(
  ops: readonly TaskOp[],
  maxMacs: number,
): { ok: true; plan: PhasePlan } | { ok: false; what: string; macs: number } {
  const ends: number[] = [];
  let sum = 0;
  for (let i = 0; i < ops.length; i++) {
    const m = (ops[i] as TaskOp).macs;
    if (m > maxMacs) return { ok: false, what: (ops[i] as TaskOp).what, macs: m };
    if (sum + m > maxMacs && i > 0) {
      ends.push(i);
      sum = 0;
    }
    sum += m;
  }
  ends.push(ops.length);
  return { ok: true, plan: { ends } };
}

/** WGSL that points fX / fY at a task's support or query images and labels. */
function imagesCode(shape: RowShape, images: 'support' | 'query'): string {
  const stride = batchStride(shape);
  if (images === 'support') return `fX = fTask * ${stride}u;\n    fY = fX + ${shape.support * PIXELS}u;`;
  return `fX = fTask * ${stride}u + ${shape.support * (PIXELS + 1)}u;\n    fY = fX + ${shape.query * PIXELS}u;`;
}

/**
 * `fn kPhase(p: u32)`: phase p's operations (a switch on the dispatch's uniform phase, so control
 * stays uniform for the barriers), each phase pointing at its images first.
 */
export function phaseFunction(ops: readonly TaskOp[], plan: PhasePlan, shape: RowShape): string {
  const cases: string[] = [];
  let from = 0;
  plan.ends.forEach((end, p) => {
    const lines: string[] = [];
    let images: OpImages = null;
    for (const op of ops.slice(from, end)) {
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
