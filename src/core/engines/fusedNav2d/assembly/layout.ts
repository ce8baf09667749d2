// The padded layout of the Gaussian policy 2 → hidden… → 2 inside the fused 2-D navigation engine.
// Weight layer l maps inW(l) inputs to outW(l) outputs: the observation's 2 inputs are not padded,
// hidden widths and the 2 action means are padded to multiples of 4 with zero weights (so padded
// units stay 0 and get zero gradients). A task's θ is W_l [inW, outW] row-major, b_l [outW] for each
// layer, then the log-stds (4 slots, 2 used): P floats. The project's flat θ is the same order
// without padding (policy.ts): pack() and unpack() convert.

export const OBS: i32 = 2;
export const ACT: i32 = 2;

export let nL: i32 = 0; // weight layers (hidden layers + 1)
export let P: i32 = 0; // padded per-task θ length (a multiple of 4)
export let flatP: i32 = 0; // the project's θ length
export let flatP4: i32 = 0; // flatP rounded up to a multiple of 4 (vector kernels)
export let lsOff: i32 = 0; // float offset of the log-stds in the padded θ
export let actWidth: i32 = 0; // Σ outW(l): activations stored per sample

let tab: usize = 0; // i32 rows of 8: inReal, outReal, inW, outW, wOff, bOff, actOff

function get(row: i32, l: i32): i32 {
  return load<i32>(tab + ((<usize>(row * 8 + l)) << 2));
}
function set(row: i32, l: i32, v: i32): void {
  store<i32>(tab + ((<usize>(row * 8 + l)) << 2), v);
}

export function inW(l: i32): i32 {
  return get(2, l);
}
export function outW(l: i32): i32 {
  return get(3, l);
}
/** float offset of W_l in the padded θ */
export function wOff(l: i32): i32 {
  return get(4, l);
}
/** float offset of b_l in the padded θ */
export function bOff(l: i32): i32 {
  return get(5, l);
}
/** Σ_{j<l} outW(j): where layer l's outputs start among a sample's stored activations */
export function actOff(l: i32): i32 {
  return get(6, l);
}

const pad4 = (n: i32): i32 => (n + 3) & ~3;

/** Sets the layout for `count` hidden widths read from `hidden` (i32s). */
export function setLayout(hidden: usize, count: i32): void {
  tab = heap.alloc(7 * 8 * 4);
  nL = count + 1;
  let off = 0;
  let flat = 0;
  let acts = 0;
  for (let l = 0; l < nL; l++) {
    const inReal = l == 0 ? OBS : load<i32>(hidden + ((<usize>(l - 1)) << 2));
    const outReal = l == nL - 1 ? ACT : load<i32>(hidden + ((<usize>l) << 2));
    const a = l == 0 ? OBS : pad4(inReal);
    const b = pad4(outReal);
    set(0, l, inReal);
    set(1, l, outReal);
    set(2, l, a);
    set(3, l, b);
    set(4, l, off);
    set(5, l, off + a * b);
    set(6, l, acts);
    off += a * b + b;
    flat += inReal * outReal + outReal;
    acts += b;
  }
  lsOff = off;
  P = off + 4;
  flatP = flat + ACT;
  flatP4 = pad4(flatP);
  actWidth = acts;
}

/** dst (padded, P floats) = the flat θ at src, zeros in the padding. */
export function unpack(dst: usize, src: usize): void {
  memory.fill(dst, 0, (<usize>P) << 2);
  let s = src;
  for (let l = 0; l < nL; l++) {
    const inReal = get(0, l);
    const outReal = get(1, l);
    const rowBytes = (<usize>outReal) << 2;
    for (let i = 0; i < inReal; i++) {
      memory.copy(dst + ((<usize>(wOff(l) + i * outW(l))) << 2), s, rowBytes);
      s += rowBytes;
    }
    memory.copy(dst + ((<usize>bOff(l)) << 2), s, rowBytes);
    s += rowBytes;
  }
  memory.copy(dst + ((<usize>lsOff) << 2), s, ACT << 2);
}

/** dst (flat, flatP floats) = the padded θ-shaped vector at src without its padding. */
export function pack(dst: usize, src: usize): void {
  let d = dst;
  for (let l = 0; l < nL; l++) {
    const inReal = get(0, l);
    const outReal = get(1, l);
    const rowBytes = (<usize>outReal) << 2;
    for (let i = 0; i < inReal; i++) {
      memory.copy(d, src + ((<usize>(wOff(l) + i * outW(l))) << 2), rowBytes);
      d += rowBytes;
    }
    memory.copy(d, src + ((<usize>bOff(l)) << 2), rowBytes);
    d += rowBytes;
  }
  memory.copy(d, src + ((<usize>lsOff) << 2), ACT << 2);
}
