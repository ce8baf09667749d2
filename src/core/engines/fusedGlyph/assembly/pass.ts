// Buffers of one pass over a task's images (support or query): per hidden layer the input matrix
// P, x̂ (or Z), the activation A, dY, dZ and per-column s, m1, m2; then the pooled features, the
// class probabilities, the logit gradient G and the feature gradient. An R-pass holds the
// forward-mode derivatives of the same quantities for a Hessian-vector product.
import { conv, inCols, layers, lastWidth, rows, waysPadded, width } from './shape';

export const P = 0;
export const XH = 1;
export const A = 2;
export const DY = 3;
export const DZ = 4;
export const S = 5;
export const M1 = 6;
export const M2 = 7;
const PER_LAYER = 8;
export const FEAT = 0;
export const PROB = 1;
export const G = 2;
export const DFEAT = 3;
const HEAD = 4;

export function slot(pass: usize, l: i32, k: i32): usize {
  return load<usize>(pass + ((<usize>(l * PER_LAYER + k)) << 2));
}
export function setSlot(pass: usize, l: i32, k: i32, p: usize): void {
  store<usize>(pass + ((<usize>(l * PER_LAYER + k)) << 2), p);
}
export function head(pass: usize, k: i32): usize {
  return slot(pass, layers, k);
}

export function floats(n: i32): usize {
  return heap.alloc((<usize>max<i32>(n, 1)) << 2);
}

/** Buffers for passes of up to N images (forward and R-passes alike). */
export function allocPass(N: i32): usize {
  const pass = heap.alloc((<usize>((layers + 1) * PER_LAYER)) << 2);
  for (let l = 0; l < layers; l++) {
    const R = rows(l, N);
    const F = width(l);
    // fc: P is the previous activation (or the images), set per call
    setSlot(pass, l, P, conv ? floats(R * inCols(l)) : 0);
    for (let k = XH; k <= DZ; k++) setSlot(pass, l, k, floats(R * F));
    for (let k = S; k <= M2; k++) setSlot(pass, l, k, floats(F));
  }
  const C = lastWidth();
  setSlot(pass, layers, FEAT, floats(N * C));
  setSlot(pass, layers, PROB, floats(N * waysPadded));
  setSlot(pass, layers, G, floats(N * waysPadded));
  setSlot(pass, layers, DFEAT, floats(N * C));
  return pass;
}

/** The largest patch matrix (rows × 9·C) of any layer, for patch gradients. */
export function patchFloats(N: i32): i32 {
  let m = 0;
  for (let l = 0; l < layers; l++) m = max<i32>(m, rows(l, N) * inCols(l));
  return m;
}

export const HEAD_SLOTS = HEAD;
