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

/** Offset in the row of layer l's input activation (−1: the images in `batch`). */
export function inputAct(row: GlyphRow, l: number, tangent: boolean): number {
  if (l === 0) return -1;
  const prev = row.layers[l - 1]!;
  return tangent ? prev.ra : prev.a;
}

/**
 * `pin{l}(row, k, src)`: element k of input-matrix row `row` of layer l, read from the activation
 * at row offset `src` (layer 0: the images). Conv: k = tap·C + c of the 3×3 patch at stride 2
 * with SAME padding (0 outside the grid); fc: column k of the previous activation.
 */
export function patchFn(l: number, g: LayerGeometry, conv: boolean): string {
  const read = (index: string) => (l === 0 ? `batch[fX + ${index}]` : `result[fBase + src + ${index}]`);
  if (!conv) {
    return `fn pin${l}(row: u32, k: u32, src: u32) -> f32 {
  return ${read(`row * ${g.k}u + k`)};
}`;
  }
  const so2 = g.sOut * g.sOut;
  return `fn pin${l}(row: u32, k: u32, src: u32) -> f32 {
  let img = row / ${so2}u;
  let pos = row - img * ${so2}u;
  let oy = pos / ${g.sOut}u;
  let ox = pos - oy * ${g.sOut}u;
  let tap = k / ${g.cin}u;
  let c = k - tap * ${g.cin}u;
  let ti = tap / 3u;
  let iy = i32(oy * 2u + ti) - ${g.pad};
  let ix = i32(ox * 2u + tap - ti * 3u) - ${g.pad};
  if (iy < 0 || iy >= ${g.sIn} || ix < 0 || ix >= ${g.sIn}) { return 0.0; }
  return ${read(`(img * ${g.sIn * g.sIn}u + u32(iy) * ${g.sIn}u + u32(ix)) * ${g.cin}u + c`)};
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
