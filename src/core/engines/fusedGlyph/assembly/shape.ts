// The glyph network's shape and padded parameter layout, shared by every pass.
//
// Hidden layer l (a conv block or an fc layer) takes an input matrix P_l (conv: 3×3 patches at
// stride 2, SAME padding, one row per output position; fc: the previous activations), computes
// Z = P·W_l, then batch norm (γ, β; statistics over the rows of one task) or a bias, then ReLU.
// Activations are channels-last: rows = images × positions, columns = channels. After the last
// layer the positions of each image are averaged and a linear head gives the logits.
//
// Padded layout (flat, in the project's parameter order): per layer W [K_l × F_l] row-major, then
// γ [F_l], β [F_l] (or b [F_l]); then head W [F_last × WP], head b [WP]. Widths F_l and the number
// of logits WP are rounded up to a multiple of 4 (conv patch rows are (tap·C_p + c)); padded
// entries are zero and stay zero (see ../README.md).

export const IMAGE: i32 = 28;
export const PIXELS: i32 = IMAGE * IMAGE;
export const EPSILON: f32 = 1e-3;

export let conv: bool = true;
export let batchNorm: bool = true;
export let layers: i32 = 0;
export let ways: i32 = 0;
export let waysPadded: i32 = 0;
export let paramCount: i32 = 0;

// per layer (8 × i32): K (input columns), F (padded width), H_in, H_out, pad top, off W, off γ|b, off β
let table: usize = 0;
let headW: i32 = 0;
let headB: i32 = 0;

function entry(l: i32, k: i32): i32 {
  return load<i32>(table + ((<usize>(l * 8 + k)) << 2));
}
function setEntry(l: i32, k: i32, v: i32): void {
  store<i32>(table + ((<usize>(l * 8 + k)) << 2), v);
}

export function inCols(l: i32): i32 {
  return entry(l, 0);
}
export function width(l: i32): i32 {
  return entry(l, 1);
}
export function sizeIn(l: i32): i32 {
  return entry(l, 2);
}
export function sizeOut(l: i32): i32 {
  return entry(l, 3);
}
export function padTop(l: i32): i32 {
  return entry(l, 4);
}
/** byte offsets of a layer's parameters inside a parameter vector */
export function offW(l: i32): usize {
  return (<usize>entry(l, 5)) << 2;
}
export function offG(l: i32): usize {
  return (<usize>entry(l, 6)) << 2;
}
export function offB(l: i32): usize {
  return (<usize>entry(l, 7)) << 2;
}
export function offHeadW(): usize {
  return (<usize>headW) << 2;
}
export function offHeadB(): usize {
  return (<usize>headB) << 2;
}
export function lastWidth(): i32 {
  return width(layers - 1);
}

/** rows of layer l's matrices for n images */
export function rows(l: i32, n: i32): i32 {
  const s = sizeOut(l);
  return n * s * s;
}
/** positions per image after the last layer (averaged before the head) */
export function positions(): i32 {
  const s = sizeOut(layers - 1);
  return s * s;
}

/**
 * Sets the shape: isConv, nLayers hidden layers of the given padded widths (a pointer to i32s),
 * the number of classes and batch norm or bias. Returns the padded parameter count.
 */
export function setShape(isConv: bool, nLayers: i32, widths: usize, nWays: i32, bn: bool): i32 {
  conv = isConv;
  batchNorm = bn;
  layers = nLayers;
  table = heap.alloc((<usize>(nLayers * 8)) << 2);
  let offset = 0;
  let cin = 1;
  let size = IMAGE;
  let prev = PIXELS;
  for (let l = 0; l < nLayers; l++) {
    const f = load<i32>(widths + ((<usize>l) << 2));
    const k = isConv ? 9 * cin : prev;
    const out = isConv ? (size + 1) >> 1 : 1;
    const padTotal = isConv ? max<i32>((out - 1) * 2 + 3 - size, 0) : 0;
    setEntry(l, 0, k);
    setEntry(l, 1, f);
    setEntry(l, 2, isConv ? size : 1);
    setEntry(l, 3, out);
    setEntry(l, 4, padTotal >> 1);
    setEntry(l, 5, offset);
    offset += k * f;
    setEntry(l, 6, offset);
    offset += f;
    setEntry(l, 7, bn ? offset : offset - f);
    if (bn) offset += f;
    cin = f;
    prev = f;
    size = out;
  }
  headW = offset;
  return selectHead(nWays);
}

/**
 * Switches the head to nWays classes (the body's layout stays): the meta-learned N-way network or
 * the pretrained baseline's C-way one. Returns the padded parameter count with that head.
 */
export function selectHead(nWays: i32): i32 {
  ways = nWays;
  waysPadded = (nWays + 3) & ~3;
  headB = headW + lastWidth() * waysPadded;
  paramCount = headB + waysPadded;
  return paramCount;
}
