import type { Geometry, GlyphRow } from './layout';
import {
  BARRIER,
  at,
  dzOf,
  f32,
  gatherFn,
  inputAct,
  patchSum,
  reader,
  rowsOf,
  spread,
  spreadRange,
  weightGradSum,
  type Term,
} from './wgsl';

/**
 * WGSL of the Hessian-vector product H(θ_s)·V of a task's support loss by forward-mode
 * derivatives (Pearlmutter's R-operator) of the plain passes kept in the row, V = α ⊙ λ read
 * through `dir(i)`. R-forward: RZ = RP·W + P·V_W; with batch norm Rx̂ = s·(RZ − mean RZ −
 * x̂·mean(x̂·RZ)), Rs = −s²·mean(x̂·RZ), RA = (V_γ·x̂ + γ·Rx̂ + V_β) ⊙ [A > 0]; then the head and
 * Rg = (p ⊙ Rz − p·(p·Rz))·scale. R-backward differentiates every backward formula the same way,
 * writing H·V into the row's `hv`. The Hessian is never formed; layer 0's input has no tangent.
 */

function forwardLayerR(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const bn = geo.batchNorm;
  const terms: Term[] = [{ input: reader(inputAct(row, l, false)), other: (i) => `dir(${i})` }];
  if (l > 0) terms.push({ input: reader(inputAct(row, l, true)), other: (i) => `prm(s, ${i})` });
  const lin = `fn kRLin${l}(s: u32, n: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `let r = e / ${F}u;
    let f = e - r * ${F}u;
    var acc = 0.0;
    ${patchSum(g, geo.conv, terms)}
    ${at(s.rz, 'e')} = acc;
    ${bn ? '' : `${at(s.ra, 'e')} = select(0.0, acc + dir(${g.offB}u + f), ${at(s.a, 'e')} > 0.0);`}`,
  )}
  ${BARRIER}
}`;
  if (!bn) return lin;
  return `${lin}
fn kRBn${l}(s: u32, n: u32) {
  let rows = ${rowsOf(g)};
  let inv = 1.0 / f32(rows);
  ${spread(
    wg,
    `${F}u`,
    `var mr = 0.0;
    var mxr = 0.0;
    for (var r = 0u; r < rows; r++) {
      let v = ${at(s.rz, `r * ${F}u + f`)};
      mr = mr + v;
      mxr = mxr + v * ${at(s.z, `r * ${F}u + f`)};
    }
    mr = mr * inv;
    mxr = mxr * inv;
    let sf = ${at(s.s, 'f')};
    ${at(s.rm1, 'f')} = mr;
    ${at(s.rm2, 'f')} = mxr;
    ${at(s.rs, 'f')} = -(sf * sf) * mxr;`,
    'f',
  )}
  ${BARRIER}
  ${spread(
    wg,
    `rows * ${F}u`,
    `let f = e % ${F}u;
    let x = ${at(s.z, 'e')};
    let rx = ${at(s.s, 'f')} * (${at(s.rz, 'e')} - ${at(s.rm1, 'f')} - x * ${at(s.rm2, 'f')});
    ${at(s.rz, 'e')} = rx;
    let y = dir(${g.offG}u + f) * x + prm(s, ${g.offG}u + f) * rx + dir(${g.offB}u + f);
    ${at(s.ra, 'e')} = select(0.0, y, ${at(s.a, 'e')} > 0.0);`,
  )}
  ${BARRIER}
}`;
}

function headR(geo: Geometry, row: GlyphRow, wg: number): string {
  const C = geo.last;
  const W = geo.ways;
  const lw = (c: string, w: string) => `${geo.headW}u + ${c} * ${W}u + ${w}`;
  return `fn kRHead(s: u32, n: u32, scale: f32) {
  kPool(n, ${row.layers[geo.layers.length - 1]!.ra}u, ${row.rfeat}u);
  ${spread(
    wg,
    'n',
    `var d = 0.0;
    for (var w = 0u; w < ${W}u; w++) {
      var z = dir(${geo.headB}u + w);
      for (var c = 0u; c < ${C}u; c++) {
        let i = img * ${C}u + c;
        z = z + ${at(row.rfeat, 'i')} * prm(s, ${lw('c', 'w')}) + ${at(row.feat, 'i')} * dir(${lw('c', 'w')});
      }
      ${at(row.rg, `img * ${W}u + w`)} = z;
      d = d + ${at(row.prob, `img * ${W}u + w`)} * z;
    }
    for (var w = 0u; w < ${W}u; w++) {
      let o = img * ${W}u + w;
      ${at(row.rg, 'o')} = ${at(row.prob, 'o')} * (${at(row.rg, 'o')} - d) * scale;
    }`,
    'img',
  )}
  ${BARRIER}
}
fn kRHeadBack(s: u32, n: u32) {
  ${spread(
    wg,
    `${C * W}u`,
    `let c = e / ${W}u;
    let w = e - c * ${W}u;
    var acc = 0.0;
    for (var i = 0u; i < n; i++) {
      let fi = i * ${C}u + c;
      let gi = i * ${W}u + w;
      acc = acc + ${at(row.rfeat, 'fi')} * ${at(row.g, 'gi')} + ${at(row.feat, 'fi')} * ${at(row.rg, 'gi')};
    }
    ${at(row.hv, `${geo.headW}u + e`)} = acc;`,
  )}
  ${spread(
    wg,
    `${W}u`,
    `var acc = 0.0;
    for (var i = 0u; i < n; i++) { acc = acc + ${at(row.rg, `i * ${W}u + w`)}; }
    ${at(row.hv, `${geo.headB}u + w`)} = acc;`,
    'w',
  )}
  ${spread(
    wg,
    `n * ${C}u`,
    `let img = e / ${C}u;
    let c = e - img * ${C}u;
    var acc = 0.0;
    for (var w = 0u; w < ${W}u; w++) {
      let o = img * ${W}u + w;
      acc = acc + ${at(row.rg, 'o')} * prm(s, ${lw('c', 'w')}) + ${at(row.g, 'o')} * dir(${lw('c', 'w')});
    }
    ${at(row.rdfeat, 'e')} = acc;`,
  )}
  ${BARRIER}
}`;
}

function dyLayerR(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const bn = geo.batchNorm;
  const last = l === geo.layers.length - 1;
  const from = last
    ? `${at(row.rdfeat, `(r / ${geo.positions}u) * ${F}u + f`)} * ${f32(1 / geo.positions)}`
    : `kGath${l + 1}(r, f, s, ${dzOf(row, l + 1, bn, true)}u) + kGathV${l + 1}(r, f, s, ${dzOf(row, l + 1, bn, false)}u)`;
  return `fn kRDy${l}(s: u32, n: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `let r = e / ${F}u;
    let f = e - r * ${F}u;
    var v = 0.0;
    if (${at(s.a, 'e')} > 0.0) { v = ${from}; }
    ${at(s.rdy, 'e')} = v;`,
  )}
  ${BARRIER}
}`;
}

function paramsBackwardR(geo: Geometry, row: GlyphRow, l: number, wg: number): string {
  const g = geo.layers[l]!;
  const s = row.layers[l]!;
  const F = g.f;
  const hv = (i: string) => at(row.hv, i);
  const norm = geo.batchNorm
    ? `${spread(
        wg,
        `${F}u`,
        `var sry = 0.0;
    var s2 = 0.0;
    for (var r = 0u; r < rows; r++) {
      let o = r * ${F}u + f;
      let rd = ${at(s.rdy, 'o')};
      sry = sry + rd;
      s2 = s2 + rd * ${at(s.z, 'o')} + ${at(s.dy, 'o')} * ${at(s.rz, 'o')};
    }
    ${hv(`${g.offG}u + f`)} = s2;
    ${hv(`${g.offB}u + f`)} = sry;
    ${at(s.rm1, 'f')} = sry * inv;
    ${at(s.rm2, 'f')} = s2 * inv;`,
        'f',
      )}
  ${BARRIER}
  ${spread(
    wg,
    `rows * ${F}u`,
    `let f = e % ${F}u;
    let x = ${at(s.z, 'e')};
    let m2 = ${at(s.m2, 'f')};
    let d = ${at(s.dy, 'e')} - ${at(s.m1, 'f')} - x * m2;
    let rd = ${at(s.rdy, 'e')} - ${at(s.rm1, 'f')} - ${at(s.rz, 'e')} * m2 - x * ${at(s.rm2, 'f')};
    let gm = prm(s, ${g.offG}u + f);
    let sf = ${at(s.s, 'f')};
    ${at(s.rdz, 'e')} = (dir(${g.offG}u + f) * sf + gm * ${at(s.rs, 'f')}) * d + gm * sf * rd;`,
  )}
  ${BARRIER}`
    : `${spread(
        wg,
        `${F}u`,
        `var sry = 0.0;
    for (var r = 0u; r < rows; r++) { sry = sry + ${at(s.rdy, `r * ${F}u + f`)}; }
    ${hv(`${g.offB}u + f`)} = sry;`,
        'f',
      )}`;
  const rdz = dzOf(row, l, geo.batchNorm, true);
  const dz = dzOf(row, l, geo.batchNorm, false);
  const terms: Term[] = [{ input: reader(inputAct(row, l, false)), other: (i) => at(rdz, i) }];
  if (l > 0) terms.push({ input: reader(inputAct(row, l, true)), other: (i) => at(dz, i) });
  return `fn kRNorm${l}(s: u32, n: u32) {
  let rows = ${rowsOf(g)};
  let inv = 1.0 / f32(rows);
  ${norm}
}
fn kRWGrad${l}(s: u32, n: u32, lo: u32, hi: u32) {
  ${spreadRange(
    wg,
    'lo',
    'hi',
    `var acc = 0.0;
    ${weightGradSum(g, geo.conv, terms)}
    ${hv(`${g.offW}u + e`)} = acc;`,
  )}
  ${BARRIER}
}`;
}

/**
 * Every R-pass function (H(θ_s)·V into the row's hv, in the order phases.ts calls them). Like the
 * plain passes, `kRLin`, `kRDy` and `kRWGrad` compute the elements lo ≤ e < hi of their output;
 * `kRNorm` is batch norm's (or the bias's) part of a layer's R-backward.
 */
export function rPasses(geo: Geometry, row: GlyphRow, wg: number): string {
  const L = geo.layers.length;
  const parts: string[] = [headR(geo, row, wg)];
  for (let l = 0; l < L; l++) {
    parts.push(forwardLayerR(geo, row, l, wg), dyLayerR(geo, row, l, wg), paramsBackwardR(geo, row, l, wg));
    if (l > 0) parts.push(gatherFn(`kGathV${l}`, geo.layers[l]!, geo.conv, (i) => `dir(${i})`));
  }
  return parts.join('\n');
}
