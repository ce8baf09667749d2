import { BN_EPSILON, type Geometry, type GlyphRow } from './layout';
import {
  BARRIER,
  at,
  dzOf,
  f32,
  gatherFn,
  inputAct,
  patchSum,
  poolFn,
  reader,
  rowsOf,
  spread,
  spreadRange,
  weightGradSum,
} from './wgsl';

/**
 * WGSL of one task's forward and backward pass through the glyph network at θ_s on `n` images
 * (support or query). Per hidden layer: Z = P·W (+ b), batch norm with the images' own statistics
 * (x̂ = (Z − μ)·s, s = 1/√(var + ε)) and ReLU, A = ReLU(γ·x̂ + β) (or A = ReLU(Z)); then the mean
 * over positions, the linear head, softmax cross-entropy with logit gradient G = (p − onehot)·scale.
 * Backward: dY = dA ⊙ [A > 0], dγ = Σ dY·x̂, dβ = Σ dY, dZ = γ·s·(dY − m1 − x̂·m2) with m1, m2 the
 * column means of dY and dY·x̂; dW = Pᵀ·dZ; dA of the layer below by the transposed patch product.
 * Gradients are written (not added) into the P floats of the row from offset `out`.
 */

function forwardLayer(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const bn = geo.batchNorm;
  const src = inputAct(row, l, false);
  const lin = `fn kLin${l}(s: u32, n: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `let r = e / ${F}u;
    let f = e - r * ${F}u;
    var acc = ${bn ? '0.0' : `prm(s, ${g.offB}u + f)`};
    ${patchSum(g, geo.conv, [{ input: reader(src), other: (i) => `prm(s, ${i})` }])}
    ${at(s.z, 'e')} = acc;
    ${bn ? '' : `${at(s.a, 'e')} = max(acc, 0.0);`}`,
  )}
  ${BARRIER}
}`;
  if (!bn) return lin;
  return `${lin}
fn kBn${l}(s: u32, n: u32) {
  let rows = ${rowsOf(g)};
  let inv = 1.0 / f32(rows);
  ${spread(
    wg,
    `${F}u`,
    `var sum = 0.0;
    for (var r = 0u; r < rows; r++) { sum = sum + ${at(s.z, `r * ${F}u + f`)}; }
    let mu = sum * inv;
    var sq = 0.0;
    for (var r = 0u; r < rows; r++) {
      let c = ${at(s.z, `r * ${F}u + f`)} - mu;
      sq = sq + c * c;
    }
    ${at(s.mu, 'f')} = mu;
    ${at(s.s, 'f')} = 1.0 / sqrt(sq * inv + ${f32(BN_EPSILON)});`,
    'f',
  )}
  ${BARRIER}
  ${spread(
    wg,
    `rows * ${F}u`,
    `let f = e % ${F}u;
    let xh = (${at(s.z, 'e')} - ${at(s.mu, 'f')}) * ${at(s.s, 'f')};
    ${at(s.z, 'e')} = xh;
    ${at(s.a, 'e')} = max(prm(s, ${g.offG}u + f) * xh + prm(s, ${g.offB}u + f), 0.0);`,
  )}
  ${BARRIER}
}`;
}

/** Logits, softmax, per-image losses and G for `n` images (one invocation per image). */
function headForward(geo: Geometry, row: GlyphRow, wg: number): string {
  const C = geo.last;
  const W = geo.ways;
  return `fn kHead(s: u32, n: u32, scale: f32) {
  kPool(n, ${row.layers[geo.layers.length - 1]!.a}u, ${row.feat}u);
  ${spread(
    wg,
    'n',
    `var m = -3.0e38;
    for (var w = 0u; w < ${W}u; w++) {
      var z = prm(s, ${geo.headB}u + w);
      for (var c = 0u; c < ${C}u; c++) {
        z = z + ${at(row.feat, `img * ${C}u + c`)} * prm(s, ${geo.headW}u + c * ${W}u + w);
      }
      ${at(row.prob, `img * ${W}u + w`)} = z;
      m = max(m, z);
    }
    let y = u32(batch[fY + img]);
    let zy = ${at(row.prob, `img * ${W}u + y`)} - m;
    var sum = 0.0;
    for (var w = 0u; w < ${W}u; w++) {
      let ex = exp(${at(row.prob, `img * ${W}u + w`)} - m);
      ${at(row.prob, `img * ${W}u + w`)} = ex;
      sum = sum + ex;
    }
    ${at(row.lossN, 'img')} = log(sum) - zy;
    let inv = 1.0 / sum;
    for (var w = 0u; w < ${W}u; w++) {
      let p = ${at(row.prob, `img * ${W}u + w`)} * inv;
      ${at(row.prob, `img * ${W}u + w`)} = p;
      ${at(row.g, `img * ${W}u + w`)} = select(p, p - 1.0, w == y) * scale;
    }`,
    'img',
  )}
  ${BARRIER}
}`;
}

/** Head gradients (written at `out`) and dfeat = G·Whᵀ. */
function headBackward(geo: Geometry, row: GlyphRow, wg: number): string {
  const C = geo.last;
  const W = geo.ways;
  return `fn kHeadBack(s: u32, n: u32, out: u32) {
  ${spread(
    wg,
    `${C * W}u`,
    `let c = e / ${W}u;
    let w = e - c * ${W}u;
    var acc = 0.0;
    for (var i = 0u; i < n; i++) { acc = acc + ${at(row.feat, `i * ${C}u + c`)} * ${at(row.g, `i * ${W}u + w`)}; }
    result[fBase + out + ${geo.headW}u + e] = acc;`,
  )}
  ${spread(
    wg,
    `${W}u`,
    `var acc = 0.0;
    for (var i = 0u; i < n; i++) { acc = acc + ${at(row.g, `i * ${W}u + w`)}; }
    result[fBase + out + ${geo.headB}u + w] = acc;`,
    'w',
  )}
  ${spread(
    wg,
    `n * ${C}u`,
    `let img = e / ${C}u;
    let c = e - img * ${C}u;
    var acc = 0.0;
    for (var w = 0u; w < ${W}u; w++) {
      acc = acc + ${at(row.g, `img * ${W}u + w`)} * prm(s, ${geo.headW}u + c * ${W}u + w);
    }
    ${at(row.dfeat, 'e')} = acc;`,
  )}
  ${BARRIER}
}`;
}

/** dY of layer l: from the head (last layer) or the layer above, masked by ReLU. */
function dyLayer(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const last = l === geo.layers.length - 1;
  const from = last
    ? `${at(row.dfeat, `(r / ${geo.positions}u) * ${F}u + f`)} * ${f32(1 / geo.positions)}`
    : `kGath${l + 1}(r, f, s, ${dzOf(row, l + 1, geo.batchNorm, false)}u)`;
  return `fn kDy${l}(s: u32, n: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `let r = e / ${F}u;
    let f = e - r * ${F}u;
    var v = 0.0;
    if (${at(s.a, 'e')} > 0.0) { v = ${from}; }
    ${at(s.dy, 'e')} = v;`,
  )}
  ${BARRIER}
}`;
}

/**
 * Layer l's backward pass in two functions: `kNorm` batch norm's (or the bias's) backward, then
 * `kWGrad` the weight gradient's elements lo ≤ e < hi (e = k·F + f, each a sum over all images).
 */
function paramsBackward(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const src = inputAct(row, l, false);
  const norm = geo.batchNorm
    ? `${spread(
        wg,
        `${F}u`,
        `var sy = 0.0;
    var syx = 0.0;
    for (var r = 0u; r < rows; r++) {
      let d = ${at(s.dy, `r * ${F}u + f`)};
      sy = sy + d;
      syx = syx + d * ${at(s.z, `r * ${F}u + f`)};
    }
    result[fBase + out + ${g.offG}u + f] = syx;
    result[fBase + out + ${g.offB}u + f] = sy;
    ${at(s.m1, 'f')} = sy * inv;
    ${at(s.m2, 'f')} = syx * inv;`,
        'f',
      )}
  ${BARRIER}
  ${spread(
    wg,
    `rows * ${F}u`,
    `let f = e % ${F}u;
    let d = ${at(s.dy, 'e')} - ${at(s.m1, 'f')} - ${at(s.z, 'e')} * ${at(s.m2, 'f')};
    ${at(s.dz, 'e')} = prm(s, ${g.offG}u + f) * ${at(s.s, 'f')} * d;`,
  )}
  ${BARRIER}`
    : `${spread(
        wg,
        `${F}u`,
        `var sy = 0.0;
    for (var r = 0u; r < rows; r++) { sy = sy + ${at(s.dy, `r * ${F}u + f`)}; }
    result[fBase + out + ${g.offB}u + f] = sy;`,
        'f',
      )}`;
  const dz = dzOf(row, l, geo.batchNorm, false);
  return `fn kNorm${l}(s: u32, n: u32, out: u32) {
  let rows = ${rowsOf(g)};
  let inv = 1.0 / f32(rows);
  ${norm}
}
fn kWGrad${l}(s: u32, n: u32, out: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `var acc = 0.0;
    ${weightGradSum(g, geo.conv, [{ input: reader(src), other: (i) => at(dz, i) }])}
    result[fBase + out + ${g.offW}u + e] = acc;`,
  )}
  ${BARRIER}
}`;
}

/**
 * Every plain-pass function. `kLin`, `kDy` and `kWGrad` compute the elements lo ≤ e < hi of their
 * output (phases.ts calls each with the whole range, or cuts it into consecutive ranges).
 */
export function plainPasses(geo: Geometry, row: GlyphRow, wg: number): string {
  const L = geo.layers.length;
  const parts: string[] = [poolFn('kPool', geo, wg), headForward(geo, row, wg), headBackward(geo, row, wg)];
  for (let l = 0; l < L; l++) {
    const g = geo.layers[l]!;
    parts.push(forwardLayer(geo, row, l, wg), dyLayer(geo, row, l, wg));
    parts.push(paramsBackward(geo, row, l, wg));
    if (l > 0) parts.push(gatherFn(`kGath${l}`, g, geo.conv, (i) => `prm(s, ${i})`));
  }
  return parts.join('\n');
}
