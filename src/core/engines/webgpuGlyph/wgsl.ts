import { rowsPerImage, type Geometry, type GlyphRow, type LayerGeometry } from './layout';

/**
 * Shared WGSL pieces of the per-task glyph program. Every function runs on all invocations of
 * the task's workgroup (`fLid` the local index, `WG` the workgroup size), spreads its outputs over
 * them, and ends with a storage barrier when later code reads what it wrote; they are called from
 * uniform control flow only. Each output is one invocation's sum in a fixed order, so a step is
 * deterministic. The shader provides `fBase` (the task's row), `fX`/`fY` (where the current
 * images and labels start in `batch`), `prm(s, i)` (θ after s inner steps), `dir(i)` (the R-op
 * direction α_i·λ_i).
 */

export const BARRIER = 'storageBarrier();';

/** A WGSL f32 literal of a double (rounded to f32 first). */
export function f32(v: number): string {
  const s = `${Math.fround(v)}`;
  return /[.e]/.test(s) ? s : `${s}.0`;
}

/** A row element: `at(offset, index)` → result[fBase + offset + index]. */
export function at(off: number, index: string): string {
  return `result[fBase + ${off}u + ${index}]`;
}

/** A strided loop over `count` outputs (a WGSL u32 expression) with the body on `e`. */
export function spread(wg: number, count: string, body: string, v = 'e'): string {
  return `for (var ${v} = fLid; ${v} < ${count}; ${v} += ${wg}u) {
    ${body}
  }`;
}

/**
 * A strided loop over the outputs `lo` ≤ v < `hi` (WGSL u32 expressions): each output's arithmetic
 * is the same whichever range it falls in, so a loop cut into consecutive ranges (one per
 * dispatch) computes the same bits as one loop over all of them.
 */
export function spreadRange(wg: number, lo: string, hi: string, body: string, v = 'e'): string {
  return `for (var ${v} = ${lo} + fLid; ${v} < ${hi}; ${v} += ${wg}u) {
    ${body}
  }`;
}

/** Offset in the row of layer l's input activation (−1: the images in `batch`). */
export function inputAct(row: GlyphRow, l: number, tangent: boolean): number {
  if (l === 0) return -1;
  const prev = row.layers[l - 1]!;
  return tangent ? prev.ra : prev.a;
}

/** Reads element `index` of the activation at row offset `src` (−1: the current images). */
export function reader(src: number): (index: string) => string {
  return src < 0 ? (i) => `batch[fX + ${i}]` : (i) => `result[fBase + ${src}u + ${i}]`;
}

/** One product term of a patch sum: an input activation times weights (or an output gradient). */
export interface Term {
  input: (index: string) => string;
  other: (index: string) => string;
}

/**
 * WGSL adding to `acc` the product of input-matrix row `r` of layer `g` with column `f` of its
 * weights: Σ_k P[r, k]·W[k, f] for each term. Conv: P[r, (i·3 + j)·C + c] is the input at
 * (2·oy + i − pad, 2·ox + j − pad, c), 0 outside the grid (TensorFlow's SAME padding at stride 2);
 * fc: P is the previous activation. Indices are hoisted out of the channel loop.
 */
export function patchSum(g: LayerGeometry, conv: boolean, terms: Term[]): string {
  const F = g.f;
  const add = (i: string, w: string) =>
    terms.map((t) => `acc = acc + ${t.input(i)} * ${t.other(w)};`).join(' ');
  if (!conv) {
    return `for (var k = 0u; k < ${g.k}u; k++) { ${add(`r * ${g.k}u + k`, `${g.offW}u + k * ${F}u + f`)} }`;
  }
  const so2 = g.sOut * g.sOut;
  return `let img = r / ${so2}u;
    let pos = r - img * ${so2}u;
    let oy = pos / ${g.sOut}u;
    let ox = pos - oy * ${g.sOut}u;
    for (var i = 0u; i < 3u; i++) {
      let iy = i32(oy * 2u + i) - ${g.pad};
      if (iy < 0 || iy >= ${g.sIn}) { continue; }
      for (var j = 0u; j < 3u; j++) {
        let ix = i32(ox * 2u + j) - ${g.pad};
        if (ix < 0 || ix >= ${g.sIn}) { continue; }
        let ib = (img * ${g.sIn * g.sIn}u + u32(iy) * ${g.sIn}u + u32(ix)) * ${g.cin}u;
        let wb = ${g.offW}u + (i * 3u + j) * ${g.cin * F}u + f;
        for (var c = 0u; c < ${g.cin}u; c++) { ${add('ib + c', `wb + c * ${F}u`)} }
      }
    }`;
}

/**
 * WGSL adding to `acc` the weight gradient of element e = k·F + f of layer `g`'s W over `n` images:
 * Σ_r P[r, k]·dZ[r, f] for each term (`other` reads the output gradient at r·F + f).
 */
export function weightGradSum(g: LayerGeometry, conv: boolean, terms: Term[]): string {
  const F = g.f;
  const add = (i: string, d: string) =>
    terms.map((t) => `acc = acc + ${t.input(i)} * ${t.other(d)};`).join(' ');
  if (!conv) {
    return `let k = e / ${F}u;
    let f = e - k * ${F}u;
    for (var r = 0u; r < ${rowsOf(g)}; r++) { ${add(`r * ${g.k}u + k`, `r * ${F}u + f`)} }`;
  }
  return `let k = e / ${F}u;
    let f = e - k * ${F}u;
    let tap = k / ${g.cin}u;
    let c = k - tap * ${g.cin}u;
    let i = tap / 3u;
    let j = tap - i * 3u;
    for (var img = 0u; img < n; img++) {
      for (var oy = 0u; oy < ${g.sOut}u; oy++) {
        let iy = i32(oy * 2u + i) - ${g.pad};
        if (iy < 0 || iy >= ${g.sIn}) { continue; }
        for (var ox = 0u; ox < ${g.sOut}u; ox++) {
          let ix = i32(ox * 2u + j) - ${g.pad};
          if (ix < 0 || ix >= ${g.sIn}) { continue; }
          let r = (img * ${g.sOut}u + oy) * ${g.sOut}u + ox;
          let ii = (img * ${g.sIn * g.sIn}u + u32(iy) * ${g.sIn}u + u32(ix)) * ${g.cin}u + c;
          ${add('ii', `r * ${F}u + f`)}
        }
      }
    }`;
}

/**
 * `{name}(row, c, s, dz)`: the gradient reaching element c of input row `row` of layer m (an
 * activation of layer m − 1) from layer m's output gradient at row offset `dz`, through the
 * weights `weight(i)` (θ_s or the R-op direction): the transpose of the patch product.
 */
export function gatherFn(
  name: string,
  g: LayerGeometry,
  conv: boolean,
  weight: (i: string) => string,
): string {
  const F = g.f;
  if (!conv) {
    return `fn ${name}(row: u32, c: u32, s: u32, dz: u32) -> f32 {
  var acc = 0.0;
  for (var f = 0u; f < ${F}u; f++) {
    acc = acc + result[fBase + dz + row * ${F}u + f] * ${weight(`${g.offW}u + c * ${F}u + f`)};
  }
  return acc;
}`;
  }
  const si2 = g.sIn * g.sIn;
  return `fn ${name}(row: u32, c: u32, s: u32, dz: u32) -> f32 {
  let img = row / ${si2}u;
  let pos = row - img * ${si2}u;
  let iy = i32(pos / ${g.sIn}u);
  let ix = i32(pos % ${g.sIn}u);
  var acc = 0.0;
  for (var i = 0; i < 3; i++) {
    let ty = iy + ${g.pad} - i;
    if (ty < 0 || (ty & 1) != 0 || ty / 2 >= ${g.sOut}) { continue; }
    for (var j = 0; j < 3; j++) {
      let tx = ix + ${g.pad} - j;
      if (tx < 0 || (tx & 1) != 0 || tx / 2 >= ${g.sOut}) { continue; }
      let orow = img * ${g.sOut * g.sOut}u + u32(ty / 2) * ${g.sOut}u + u32(tx / 2);
      let k = u32(i * 3 + j) * ${g.cin}u + c;
      for (var f = 0u; f < ${F}u; f++) {
        acc = acc + result[fBase + dz + orow * ${F}u + f] * ${weight(`${g.offW}u + k * ${F}u + f`)};
      }
    }
  }
  return acc;
}`;
}

/** Offset of the gradient layer l passes to its weights: dZ with batch norm, else dY. */
export function dzOf(row: GlyphRow, l: number, bn: boolean, tangent: boolean): number {
  const s = row.layers[l]!;
  if (tangent) return bn ? s.rdz : s.rdy;
  return bn ? s.dz : s.dy;
}

/** Rows of layer l's matrices for `n` images, as WGSL. */
export function rowsOf(g: LayerGeometry, n = 'n'): string {
  return `(${n} * ${rowsPerImage(g)}u)`;
}

/** Mean over each image's positions after the last layer, of the activation at `src` into `dst`. */
export function poolFn(name: string, geo: Geometry, wg: number): string {
  const C = geo.last;
  const P = geo.positions;
  return `fn ${name}(n: u32, src: u32, dst: u32) {
  ${spread(
    wg,
    `n * ${C}u`,
    `let img = e / ${C}u;
    let c = e - img * ${C}u;
    var acc = 0.0;
    for (var p = 0u; p < ${P}u; p++) { acc = acc + result[fBase + src + (img * ${P}u + p) * ${C}u + c]; }
    result[fBase + dst + e] = acc * ${f32(1 / P)};`,
  )}
  ${BARRIER}
}`;
}
