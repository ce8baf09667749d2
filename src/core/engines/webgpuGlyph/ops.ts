/**
 * The operations of one task's meta-step (phases.ts lists them in order): a layer's forward pass,
 * its backward parts, its R-op parts, work spread over θ; each with its estimated multiply-adds
 * and, where one can be cut along its outputs, how (cuts.ts).
 */
import { rowsPerImage, type Geometry, type GlyphRow, type LayerGeometry } from './layout';
import type { OpCut } from './cuts';
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

/** Multiply-adds per image of layer l's weight uses, and of the head. */
export function perImage(geo: Geometry): { layers: number[]; head: number } {
  return {
    layers: geo.layers.map((l) => rowsPerImage(l) * l.k * l.f),
    head: geo.last * geo.ways,
  };
}

/**
 * Layer g's operation on `n` images cut by images: `call(lo, hi)` computes output elements
 * lo ≤ e < hi (image i's are i·rows·F up to (i + 1)·rows·F); `after` ends the last piece.
 */
export function byImages(
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
export function byWeights(
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

/**
 * The plain pass's operations at θ_s on `n` images of `images`, its gradient written at `out`, the
 * logit gradient scaled by `scale` (a WGSL f32 expression; default 1/n, the mean loss's).
 */
export function plainOps(
  geo: Geometry,
  s: number,
  n: number,
  images: OpImages,
  out: number | null,
  scale = f32(1 / n),
): TaskOp[] {
  const w = perImage(geo);
  const on = `on ${n} ${images ?? ''} images`;
  const ops: TaskOp[] = geo.layers.map((g, l) => {
    const what = `forward pass of layer ${l + 1} ${on}`;
    const bn = geo.batchNorm ? ` kBn${l}(${s}u, ${n}u);` : '';
    const call = (lo: number, hi: number) => `kLin${l}(${s}u, ${n}u, ${lo}u, ${hi}u);`;
    return byImages(g, n, w.layers[l] as number, { what, images }, call, bn);
  });
  ops.push({ code: `kHead(${s}u, ${n}u, ${scale});`, what: `head ${on}`, images, macs: n * w.head });
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
export function hessianOps(geo: Geometry, s: number, n: number): TaskOp[] {
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
export function flat(wg: number, P: number, body: string, what: string): TaskOp {
  return { code: `${spread(wg, `${P}u`, body, 'j')}\n  ${BARRIER}`, what, images: null, macs: 0 };
}

/** The mean of the `Nq` query images' losses into the row's loss (the task's meta-loss). */
export function queryLossOp(row: GlyphRow, Nq: number): TaskOp {
  const code = `if (fLid == 0u) {
    var acc = 0.0;
    for (var i = 0u; i < ${Nq}u; i++) { acc = acc + ${at(row.lossN, 'i')}; }
    ${at(row.loss, '0u')} = acc / ${f32(Nq)};
  }`;
  return { code, what: 'query loss', images: null, macs: 0 };
}

/** An operation that runs only where the WGSL condition `cond` (uniform) holds, `pre` first. */
export function guarded(op: TaskOp, cond: string | null, pre = ''): TaskOp {
  const wrap = (code: string) => (cond === null ? `${pre}${code}` : `if (${cond}) { ${pre}${code} }`);
  const cut = op.cut;
  return {
    ...op,
    code: wrap(op.code),
    ...(cut ? { cut: { ...cut, code: (lo, hi) => wrap(cut.code(lo, hi)) } } : {}),
  };
}
